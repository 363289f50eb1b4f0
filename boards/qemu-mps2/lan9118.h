/*
 * Polled driver for the SMSC LAN9118 Ethernet controller as an lwIP netif
 * (mps2-an385/an386: base 0x40200000). No interrupts: the super-loop calls
 * lan9118_poll().
 */
#ifndef ACME_BOARD_LAN9118_H
#define ACME_BOARD_LAN9118_H

#include <stdint.h>

#include "lwip/err.h"
#include "lwip/netif.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Frames taken from the RX FIFO per lan9118_poll() call: bounds the time one
 * call takes; what is left stays in the FIFO for the next call. */
#define LAN9118_RX_BUDGET 16u

/* The netif_add() init function: checks the chip (BYTE_TEST, ID_REV), resets
 * it, reads the MAC address (QEMU: -nic ...,mac=), and enables TX and RX.
 * ERR_IF when no working LAN911x answers. */
err_t lan9118_netif_init(struct netif *netif);

/* Hand every pending frame (at most LAN9118_RX_BUDGET) to netif->input.
 * Returns the number of frames taken from the FIFO, including dropped ones. */
uint32_t lan9118_poll(struct netif *netif);

/* ID_REV (0x01180001 on QEMU). Safe to call before init. */
uint32_t lan9118_id_rev(void);

/* The chip's free-running 25 MHz counter (wraps every ~172 s). */
uint32_t lan9118_free_run(void);

/* Counters since init, for diagnostics. */
typedef struct lan9118_stats {
    uint32_t rx_frames;
    uint32_t rx_dropped; /* errors, bad lengths, no pbuf, input refused */
    uint32_t tx_frames;
    uint32_t tx_dropped; /* too long, FIFO full, status errors */
} lan9118_stats_t;

void lan9118_get_stats(lan9118_stats_t *stats);

#ifdef __cplusplus
}
#endif

#endif /* ACME_BOARD_LAN9118_H */
