/*
 * Polled LAN9118 driver for lwIP (see lan9118.h).
 *
 * Only registers that both the SMSC datasheet documents and QEMU's model
 * (hw/net/lan9118.c, QEMU 7.2) implements are touched: on QEMU, reading a
 * register it does not implement stops the emulator. Used: RX/TX data FIFO
 * ports, RX/TX status FIFO pops (0x40, 0x48; not the "peek" ports), ID_REV,
 * BYTE_TEST, HW_CFG (soft reset), PMT_CTRL (ready), TX_CFG, RX_FIFO_INF,
 * TX_FIFO_INF, FREE_RUN, and MAC_CSR_CMD/DATA for MAC_CR, ADDRH, ADDRL and
 * the PHY's basic status through MII_ACC/MII_DATA. RX_DP_CTRL fast-forward is
 * avoided (QEMU's version does not release the FIFO space): a frame to drop
 * is read out instead.
 *
 * Frames are staged through one static frame buffer each way: the FIFOs are
 * 32-bit ports, and a flat buffer keeps the word packing away from pbuf
 * chains.
 */
#include "lan9118.h"

#include <string.h>


#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"

#define LAN9118_BASE 0x40200000u
#define REG(off) (*(volatile uint32_t *)(LAN9118_BASE + (off)))

#define RX_DATA_FIFO REG(0x00u)
#define TX_DATA_FIFO REG(0x20u)
#define RX_STATUS_FIFO REG(0x40u)
#define TX_STATUS_FIFO REG(0x48u)
#define ID_REV REG(0x50u)
#define BYTE_TEST REG(0x64u)
#define TX_CFG REG(0x70u)
#define HW_CFG REG(0x74u)
#define RX_FIFO_INF REG(0x7Cu)
#define TX_FIFO_INF REG(0x80u)
#define PMT_CTRL REG(0x84u)
#define FREE_RUN REG(0x9Cu)
#define MAC_CSR_CMD REG(0xA4u)
#define MAC_CSR_DATA REG(0xA8u)

#define BYTE_TEST_VALUE 0x87654321u
#define HW_CFG_SRST 0x1u
#define PMT_CTRL_READY 0x1u
#define TX_CFG_TX_ON 0x2u
#define TX_CFG_TXSAO 0x4u /* status FIFO may overflow: never stalls TX */

#define MAC_CSR_BUSY 0x80000000u
#define MAC_CSR_READ 0x40000000u

#define MAC_CR 1u
#define MAC_ADDRH 2u
#define MAC_ADDRL 3u
#define MAC_MII_ACC 6u
#define MAC_MII_DATA 7u

#define MAC_CR_FDPX 0x00100000u
#define MAC_CR_TXEN 0x00000008u
#define MAC_CR_RXEN 0x00000004u

#define MII_ACC_PHY_ADDR (1u << 11) /* the internal PHY */
#define MII_ACC_BUSY 0x1u
#define PHY_BASIC_STATUS 1u
#define PHY_LINK_UP 0x0004u

/* TX command A/B (datasheet 3.12). */
#define TX_CMD_A_FIRST_SEG (1u << 13)
#define TX_CMD_A_LAST_SEG (1u << 12)

#define RX_STS_ERROR (1u << 15)
#define RX_STS_LEN(s) (((s) >> 16) & 0x3FFFu) /* frame length including the CRC */
#define TX_STS_ERROR (1u << 15)

#define ETH_CRC_LEN 4u
#define ETH_MIN_FRAME 14u
#define ETH_MAX_FRAME 1514u /* without CRC; lwIP sends no VLAN tags */

/* The datasheet's reset time is ~10 ms at most; polls are register reads. */
#define RESET_POLLS 100000u
#define MAC_CSR_POLLS 10000u

static uint32_t s_rx_words[(ETH_MAX_FRAME + ETH_CRC_LEN + 3u) / 4u];
static uint32_t s_tx_words[(ETH_MAX_FRAME + 3u) / 4u];
static lan9118_stats_t s_stats;

uint32_t lan9118_id_rev(void)
{
    return ID_REV;
}

uint32_t lan9118_free_run(void)
{
    return FREE_RUN;
}

void lan9118_get_stats(lan9118_stats_t *stats)
{
    *stats = s_stats;
}

static int mac_csr_wait(void)
{
    for (uint32_t i = 0; i < MAC_CSR_POLLS; i++) {
        if ((MAC_CSR_CMD & MAC_CSR_BUSY) == 0) {
            return 0;
        }
    }
    return -1;
}

static int mac_read(uint32_t reg, uint32_t *value)
{
    if (mac_csr_wait() != 0) {
        return -1;
    }
    MAC_CSR_CMD = MAC_CSR_BUSY | MAC_CSR_READ | reg;
    if (mac_csr_wait() != 0) {
        return -1;
    }
    *value = MAC_CSR_DATA;
    return 0;
}

static int mac_write(uint32_t reg, uint32_t value)
{
    if (mac_csr_wait() != 0) {
        return -1;
    }
    MAC_CSR_DATA = value;
    MAC_CSR_CMD = MAC_CSR_BUSY | reg;
    return mac_csr_wait();
}

/* PHY basic status register through the MAC's MII port. */
static int phy_link_up(void)
{
    uint32_t acc = 0;
    uint32_t status = 0;
    if (mac_write(MAC_MII_ACC, MII_ACC_PHY_ADDR | (PHY_BASIC_STATUS << 6) | MII_ACC_BUSY) != 0) {
        return 0;
    }
    for (uint32_t i = 0; i < MAC_CSR_POLLS; i++) {
        if (mac_read(MAC_MII_ACC, &acc) != 0) {
            return 0;
        }
        if ((acc & MII_ACC_BUSY) == 0) {
            break;
        }
    }
    if ((acc & MII_ACC_BUSY) != 0 || mac_read(MAC_MII_DATA, &status) != 0) {
        return 0;
    }
    return (status & PHY_LINK_UP) != 0;
}

/* The reset restarts FREE_RUN from 0, which the board's clock counts: the
 * caller of lan9118_netif_init() holds the clock around it (net_setup.c). */
static int chip_reset(void)
{
    HW_CFG = HW_CFG_SRST;
    int rc = -1;
    for (uint32_t i = 0; i < RESET_POLLS && rc != 0; i++) {
        if ((HW_CFG & HW_CFG_SRST) == 0 && (PMT_CTRL & PMT_CTRL_READY) != 0) {
            rc = 0;
        }
    }
    return rc;
}

/* Drain the TX status FIFO (one word per sent frame) and count errors. */
static void tx_status_drain(void)
{
    for (uint32_t n = (TX_FIFO_INF >> 16) & 0xFFu; n > 0; n--) {
        if ((TX_STATUS_FIFO & TX_STS_ERROR) != 0) {
            s_stats.tx_dropped++;
        }
    }
}

static err_t lan9118_linkoutput(struct netif *netif, struct pbuf *p)
{
    (void)netif;
    uint32_t len = p->tot_len;
    if (len < ETH_MIN_FRAME || len > ETH_MAX_FRAME) {
        s_stats.tx_dropped++;
        return ERR_IF;
    }
    /* TDFREE is in bytes; the two command words take 8. */
    if ((TX_FIFO_INF & 0xFFFFu) < len + 8u) {
        s_stats.tx_dropped++;
        return ERR_MEM;
    }
    if (pbuf_copy_partial(p, s_tx_words, (u16_t)len, 0) != len) {
        s_stats.tx_dropped++;
        return ERR_BUF;
    }
    /* One segment, word-aligned start, 4-byte end alignment; the packet tag
     * (upper half of command B) is the length, as the datasheet suggests. */
    TX_DATA_FIFO = TX_CMD_A_FIRST_SEG | TX_CMD_A_LAST_SEG | len;
    TX_DATA_FIFO = (len << 16) | len;
    for (uint32_t i = 0; i < (len + 3u) / 4u; i++) {
        TX_DATA_FIFO = s_tx_words[i];
    }
    s_stats.tx_frames++;
    tx_status_drain();
    return ERR_OK;
}

err_t lan9118_netif_init(struct netif *netif)
{
    if (BYTE_TEST != BYTE_TEST_VALUE || (ID_REV >> 16) != 0x0118u || chip_reset() != 0) {
        return ERR_IF;
    }
    uint32_t lo = 0;
    uint32_t hi = 0;
    if (mac_read(MAC_ADDRL, &lo) != 0 || mac_read(MAC_ADDRH, &hi) != 0) {
        return ERR_IF;
    }
    const uint8_t mac[6] = {(uint8_t)lo,         (uint8_t)(lo >> 8), (uint8_t)(lo >> 16),
                            (uint8_t)(lo >> 24), (uint8_t)hi,        (uint8_t)(hi >> 8)};
    static const uint8_t zero[6];
    if ((mac[0] & 1u) != 0 || memcmp(mac, zero, sizeof(zero)) == 0) {
        return ERR_IF; /* multicast or unset: not an address to send from */
    }

    memcpy(netif->hwaddr, mac, sizeof(mac));
    netif->hwaddr_len = ETH_HWADDR_LEN;
    netif->mtu = 1500;
    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    netif->output = etharp_output;
    netif->linkoutput = lan9118_linkoutput;
    memset(&s_stats, 0, sizeof(s_stats));

    /* Own MAC and broadcast only (clears the reset default, promiscuous);
     * the MAC's transmitter before the TX data path, as the datasheet orders. */
    if (mac_write(MAC_CR, MAC_CR_TXEN | MAC_CR_RXEN | MAC_CR_FDPX) != 0) {
        return ERR_IF;
    }
    TX_CFG = TX_CFG_TX_ON | TX_CFG_TXSAO;
    if (phy_link_up()) {
        netif->flags |= NETIF_FLAG_LINK_UP;
    }
    return ERR_OK;
}

/* Read one frame's words out of the RX data FIFO, keeping at most cap. */
static void rx_read_words(uint32_t words, uint32_t *dst, uint32_t cap)
{
    for (uint32_t i = 0; i < words; i++) {
        uint32_t w = RX_DATA_FIFO;
        if (i < cap) {
            dst[i] = w;
        }
    }
}

uint32_t lan9118_poll(struct netif *netif)
{
    uint32_t taken = 0;
    while (taken < LAN9118_RX_BUDGET && ((RX_FIFO_INF >> 16) & 0xFFu) != 0) {
        uint32_t status = RX_STATUS_FIFO;
        uint32_t len = RX_STS_LEN(status);
        uint32_t words = (len + 3u) / 4u;
        taken++;
        if ((status & RX_STS_ERROR) != 0 || len < ETH_MIN_FRAME + ETH_CRC_LEN ||
            len > ETH_MAX_FRAME + ETH_CRC_LEN) {
            rx_read_words(words, NULL, 0);
            s_stats.rx_dropped++;
            continue;
        }
        rx_read_words(words, s_rx_words, (uint32_t)(sizeof(s_rx_words) / 4u));
        uint16_t frame_len = (uint16_t)(len - ETH_CRC_LEN);
        struct pbuf *p = pbuf_alloc(PBUF_RAW, frame_len, PBUF_POOL);
        if (p == NULL) {
            s_stats.rx_dropped++;
            continue;
        }
        if (pbuf_take(p, s_rx_words, frame_len) != ERR_OK || netif->input(p, netif) != ERR_OK) {
            pbuf_free(p);
            s_stats.rx_dropped++;
            continue;
        }
        s_stats.rx_frames++;
    }
    return taken;
}
