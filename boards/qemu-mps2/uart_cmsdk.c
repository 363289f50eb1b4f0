/*
 * Console on the CMSDK APB UART0 of the mps2 boards (0x40004000): polled
 * transmit only. printf reaches it through _write (syscalls_newlib.c); the
 * fault handler calls it directly because it never allocates or locks.
 */
#include "board.h"
#include "board_internal.h"

#include <string.h>

#define UART0_BASE 0x40004000u
#define UART_DATA (*(volatile uint32_t *)(UART0_BASE + 0x00u))
#define UART_STATE (*(volatile uint32_t *)(UART0_BASE + 0x04u))
#define UART_CTRL (*(volatile uint32_t *)(UART0_BASE + 0x08u))
#define UART_BAUDDIV (*(volatile uint32_t *)(UART0_BASE + 0x10u))

#define UART_STATE_TX_FULL 0x1u
#define UART_CTRL_TX_EN 0x1u

#define UART_BAUD 115200u

/* QEMU drains the TX buffer at once; real hardware at 115200 baud needs
 * ~87 us per byte, a few thousand polls. A UART that stays full longer is
 * broken: drop the byte rather than hang. */
#define TX_FULL_POLLS 100000u

void board_uart_init(void)
{
    UART_BAUDDIV = BOARD_CPU_HZ / UART_BAUD;
    UART_CTRL = UART_CTRL_TX_EN;
}

void board_uart_write(const char *data, size_t len)
{
    if (data == NULL) {
        return;
    }
    for (size_t i = 0; i < len; i++) {
        for (uint32_t polls = 0; (UART_STATE & UART_STATE_TX_FULL) != 0 && polls < TX_FULL_POLLS;
             polls++) {
        }
        UART_DATA = (uint8_t)data[i];
    }
}

void board_print(const char *text)
{
    if (text != NULL) {
        board_uart_write(text, strlen(text));
    }
}
