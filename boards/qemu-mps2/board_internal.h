/*
 * What the board's own files share and firmware does not need: start-up
 * hooks, the SysTick handler, and the flash's host path.
 */
#ifndef ACME_BOARD_INTERNAL_H
#define ACME_BOARD_INTERNAL_H

#include <stdint.h>

void board_uart_init(void);
void board_clock_init(void);
void board_systick_handler(void);

/* Around a LAN9118 soft reset, which restarts the FREE_RUN counter the clock
 * is built on: hold masks interrupts and banks the time so far; release
 * restarts counting from the counter's new value and unmasks. */
uint32_t board_clock_hold(void);
void board_clock_release(uint32_t held);

/* Heap high-water mark in bytes (heap_mps2.c). */
uint32_t board_heap_used(void);

/* Print a 32-bit value as 0x%08x without printf (fault context). */
void board_print_hex(uint32_t value);

#endif /* ACME_BOARD_INTERNAL_H */
