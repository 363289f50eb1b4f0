/*
 * The board's network: lwIP (raw API, NO_SYS=1) on the LAN9118, with a
 * static IPv4 address or DHCP, polled from the super-loop; and the wait seam
 * that lets acme_agent_run() sleep between frames.
 */
#include "board.h"
#include "board_internal.h"
#include "lan9118.h"

#include <string.h>

#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

static struct netif s_netif;
static bool s_up;

/* Parse "A.B.C.D" at *s (each part 0..255, at most 3 digits), advancing *s. */
static bool parse_ipv4(const char **s, uint8_t out[4])
{
    const char *p = *s;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (*p != '.') {
                return false;
            }
            p++;
        }
        uint32_t v = 0;
        int digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 4) {
            v = v * 10u + (uint32_t)(*p - '0');
            p++;
            digits++;
        }
        if (digits == 0 || digits > 3 || v > 255u) {
            return false;
        }
        out[part] = (uint8_t)v;
    }
    *s = p;
    return true;
}

static bool parse_optional_ipv4(const char *text, uint8_t out[4])
{
    memset(out, 0, 4);
    if (text == NULL || *text == '\0') {
        return true;
    }
    return parse_ipv4(&text, out) && *text == '\0';
}

acme_status_t board_net_config_parse(board_net_config_t *cfg, const char *address,
                                     const char *gateway, const char *dns)
{
    memset(cfg, 0, sizeof(*cfg));
    if (address == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    if (strcmp(address, "dhcp") == 0) {
        cfg->dhcp = true;
    } else {
        const char *p = address;
        if (!parse_ipv4(&p, cfg->ip) || *p++ != '/') {
            return ACME_ERR_INVALID_ARG;
        }
        uint32_t prefix = 0;
        int digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 3) {
            prefix = prefix * 10u + (uint32_t)(*p - '0');
            p++;
            digits++;
        }
        if (digits == 0 || *p != '\0' || prefix > 32u) {
            return ACME_ERR_INVALID_ARG;
        }
        cfg->prefix_len = (uint8_t)prefix;
    }
    if (!parse_optional_ipv4(gateway, cfg->gateway) || !parse_optional_ipv4(dns, cfg->dns)) {
        return ACME_ERR_INVALID_ARG;
    }
    return ACME_OK;
}

static void to_ip4(ip4_addr_t *dst, const uint8_t b[4])
{
    IP4_ADDR(dst, b[0], b[1], b[2], b[3]);
}

static bool has_address(void)
{
    if (!s_up) {
        return false;
    }
#if LWIP_DHCP
    if (netif_dhcp_data(&s_netif) != NULL) {
        return dhcp_supplied_address(&s_netif) != 0;
    }
#endif
    return !ip4_addr_isany_val(*netif_ip4_addr(&s_netif));
}

acme_status_t board_net_up(const board_net_config_t *cfg, uint32_t timeout_ms)
{
    if (s_up || cfg == NULL) {
        return ACME_ERR_BAD_STATE;
    }
    lwip_init();

    ip4_addr_t ip;
    ip4_addr_t mask;
    ip4_addr_t gw;
    ip4_addr_set_zero(&ip);
    ip4_addr_set_zero(&mask);
    ip4_addr_set_zero(&gw);
    if (!cfg->dhcp) {
        to_ip4(&ip, cfg->ip);
        to_ip4(&gw, cfg->gateway);
        uint32_t m = cfg->prefix_len == 0 ? 0u : 0xFFFFFFFFu << (32u - cfg->prefix_len);
        ip4_addr_set_u32(&mask, lwip_htonl(m));
    }
    /* lan9118_netif_init() soft-resets the chip, which restarts the FREE_RUN
     * counter the clock is built on: hold the clock across it. */
    uint32_t held = board_clock_hold();
    struct netif *added =
        netif_add(&s_netif, &ip, &mask, &gw, NULL, lan9118_netif_init, ethernet_input);
    board_clock_release(held);
    if (added == NULL) {
        return ACME_ERR_TRANSPORT;
    }
    netif_set_default(&s_netif);
    netif_set_up(&s_netif);
    s_up = true;
    if (!netif_is_link_up(&s_netif)) {
        board_print("board: LAN9118 reports no link\n");
    }

    if (cfg->dhcp) {
#if LWIP_DHCP
        if (dhcp_start(&s_netif) != ERR_OK) {
            return ACME_ERR_TRANSPORT;
        }
#else
        return ACME_ERR_UNSUPPORTED;
#endif
    } else if (cfg->dns[0] != 0) {
#if LWIP_DNS
        ip_addr_t dns;
        to_ip4(ip_2_ip4(&dns), cfg->dns);
        IP_SET_TYPE_VAL(dns, IPADDR_TYPE_V4);
        dns_setserver(0, &dns);
#endif
    }

    uint64_t deadline = board_now_ms() + timeout_ms;
    while (!has_address()) {
        if (board_now_ms() >= deadline) {
            return ACME_ERR_TIMEOUT;
        }
        if (board_net_poll() == 0) {
            board_idle();
        }
    }
    return ACME_OK;
}

bool board_net_address(uint8_t ip[4])
{
    if (!s_up) {
        return false;
    }
    uint32_t a = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(&s_netif)));
    ip[0] = (uint8_t)(a >> 24);
    ip[1] = (uint8_t)(a >> 16);
    ip[2] = (uint8_t)(a >> 8);
    ip[3] = (uint8_t)a;
    return true;
}

uint32_t board_net_poll(void)
{
    if (!s_up) {
        return 0;
    }
    uint32_t frames = lan9118_poll(&s_netif);
    sys_check_timeouts();
    return frames;
}

/* Block for at most max_ms, returning as soon as a frame arrived (lwIP has
 * then run the callbacks that make a handle readable or writable). */
static void board_wait(void *ctx, uint32_t max_ms)
{
    (void)ctx;
    uint64_t deadline = board_now_ms() + max_ms;
    for (;;) {
        if (board_net_poll() > 0 || board_now_ms() >= deadline) {
            return;
        }
        board_idle();
    }
}

const acme_wait_ops_t board_wait_ops = {
    .wait = board_wait,
};
