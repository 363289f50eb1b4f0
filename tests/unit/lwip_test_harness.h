/*
 * Shared harness of the lwIP port tests (tests/unit/test_port_lwip_*.c):
 * lwIP (NO_SYS) on its loopback interface with a fake sys_now(), a bounded
 * pump that delivers loopback packets and runs lwIP's timers, a stand-in
 * entropy source, a log sink, and a leak check over lwIP's pools after every
 * test. Included once per test program (it defines sys_now()).
 */
#ifndef ACME_LWIP_TEST_HARNESS_H
#define ACME_LWIP_TEST_HARNESS_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "acme/port_lwip.h"
#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/memp.h"
#include "lwip/netif.h"
#include "lwip/stats.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"

/* Not every test program uses every helper. */
#if defined(__GNUC__) || defined(__clang__)
#define HARNESS_UNUSED __attribute__((unused))
#else
#define HARNESS_UNUSED
#endif

/* lwIP's clock in these tests: only the harness moves it. */
HARNESS_UNUSED static uint32_t g_fake_now = 1000;

u32_t sys_now(void)
{
    return g_fake_now;
}

HARNESS_UNUSED static acme_port_t g_port;

/* ---- entropy stand-in: deterministic (splitmix64), so runs repeat ---- */

HARNESS_UNUSED static uint64_t g_entropy_state = 0x0123456789ABCDEFull;
HARNESS_UNUSED static int g_entropy_fail;

HARNESS_UNUSED static int32_t test_entropy_fill(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    if (g_entropy_fail) {
        return ACME_ERR_RNG;
    }
    for (size_t i = 0; i < len; i++) {
        uint64_t z = (g_entropy_state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        buf[i] = (uint8_t)(z ^ (z >> 31));
    }
    return ACME_OK;
}

HARNESS_UNUSED static const acme_rng_ops_t g_test_rng = {.fill = test_entropy_fill};

/* ---- log sink: the port's last line ---- */

HARNESS_UNUSED static char g_last_log[200];

HARNESS_UNUSED static void test_log_write(void *ctx, acme_log_level_t level, const char *line)
{
    (void)ctx;
    (void)level;
    snprintf(g_last_log, sizeof(g_last_log), "%s", line);
}

HARNESS_UNUSED static const acme_log_ops_t g_test_log = {.write = test_log_write};

/* ---- pump: deliver loopback packets, run timers ---- */

/* Packets delivered per pump round at most. lwIP's netif_poll() delivers
 * until the loopback queue is empty, including every answer it provokes, so
 * two ends that keep answering each other (a bug under test) would never
 * return from it; this takes them one at a time instead. */
#define PUMP_PACKETS_PER_ROUND 64

HARNESS_UNUSED static struct netif *harness_loop_netif(void)
{
    struct netif *n = netif_list;
    for (int i = 0; n != NULL && i < 8; i++, n = n->next) {
        if (n->name[0] == 'l' && n->name[1] == 'o') {
            return n;
        }
    }
    return NULL;
}

/* Take the first packet off the loopback queue and hand it to IP, as
 * netif_poll() does for each. False when the queue is empty. */
HARNESS_UNUSED static bool deliver_one(struct netif *lo)
{
    struct pbuf *in = lo->loop_first;
    if (in == NULL) {
        return false;
    }
    struct pbuf *end = in;
    u16_t pbufs = 1;
    while (end->len != end->tot_len && end->next != NULL) {
        end = end->next;
        pbufs++;
    }
    lo->loop_cnt_current = (u16_t)(lo->loop_cnt_current - pbufs);
    if (end == lo->loop_last) {
        lo->loop_first = lo->loop_last = NULL;
    } else {
        lo->loop_first = end->next;
    }
    end->next = NULL;
    in->if_idx = netif_get_index(lo);
    if (ip_input(in, lo) != ERR_OK) {
        pbuf_free(in);
    }
    return true;
}

HARNESS_UNUSED static void deliver(void)
{
    struct netif *lo = harness_loop_netif();
    assert_non_null(lo);
    for (int i = 0; i < PUMP_PACKETS_PER_ROUND && deliver_one(lo); i++) {
    }
}

/* rounds x (deliver queued loopback packets, advance the clock by step_ms,
 * run due lwIP timers). */
HARNESS_UNUSED static void pump(unsigned rounds, uint32_t step_ms)
{
    for (unsigned i = 0; i < rounds; i++) {
        deliver();
        g_fake_now += step_ms;
        sys_check_timeouts();
    }
    deliver();
}

/* ---- pools: nothing may stay allocated after a test ---- */

HARNESS_UNUSED static const memp_t g_watched_pools[] = {
    MEMP_TCP_PCB, MEMP_TCP_PCB_LISTEN, MEMP_TCP_SEG, MEMP_UDP_PCB, MEMP_PBUF, MEMP_PBUF_POOL};
#define WATCHED_POOLS (sizeof(g_watched_pools) / sizeof(g_watched_pools[0]))
HARNESS_UNUSED static mem_size_t g_pool_baseline[WATCHED_POOLS];
HARNESS_UNUSED static mem_size_t g_heap_baseline;

HARNESS_UNUSED static mem_size_t pool_used(memp_t pool)
{
    return lwip_stats.memp[pool]->used;
}

HARNESS_UNUSED static int harness_group_setup(void **state)
{
    (void)state;
    lwip_init(); /* once per program: it adds the loopback netif */
    for (size_t i = 0; i < WATCHED_POOLS; i++) {
        g_pool_baseline[i] = pool_used(g_watched_pools[i]);
    }
    g_heap_baseline = lwip_stats.mem.used;
    return 0;
}

HARNESS_UNUSED static int harness_setup(void **state)
{
    (void)state;
    g_entropy_fail = 0;
    g_last_log[0] = '\0';
    memset(&g_port, 0, sizeof(g_port));
    if (acme_lwip_port_init(&g_port, NULL, &g_test_rng, NULL) != ACME_OK) {
        return -1;
    }
    g_port.log = &g_test_log;
    return 0;
}

/* Let closing connections finish and TIME_WAIT (2 x 60 s) expire. */
HARNESS_UNUSED static void harness_drain(void)
{
    pump(700, 250);
}

HARNESS_UNUSED static int harness_teardown(void **state)
{
    (void)state;
    acme_lwip_port_deinit();
    harness_drain();
    int leaks = 0;
    for (size_t i = 0; i < WATCHED_POOLS; i++) {
        mem_size_t used = pool_used(g_watched_pools[i]);
        if (used != g_pool_baseline[i]) {
            fprintf(stderr, "leak: memp pool %d holds %u (baseline %u)\n", (int)g_watched_pools[i],
                    (unsigned)used, (unsigned)g_pool_baseline[i]);
            leaks++;
        }
    }
    if (lwip_stats.mem.used != g_heap_baseline) {
        fprintf(stderr, "leak: lwIP heap holds %u bytes (baseline %u)\n",
                (unsigned)lwip_stats.mem.used, (unsigned)g_heap_baseline);
        leaks++;
    }
    return leaks == 0 ? 0 : -1;
}

/* ---- seam shorthands ---- */

HARNESS_UNUSED static const acme_ip_addr_t LOOPBACK4 = {.family = ACME_IP_V4,
                                                        .bytes = {127, 0, 0, 1}};

HARNESS_UNUSED static int32_t net_connect(const char *host, uint16_t port)
{
    return g_port.net->connect(g_port.net_ctx, host, port);
}

HARNESS_UNUSED static int32_t net_send(int32_t h, const void *data, size_t len)
{
    return g_port.net->send(g_port.net_ctx, h, data, len);
}

HARNESS_UNUSED static int32_t net_recv(int32_t h, void *buf, size_t cap)
{
    return g_port.net->recv(g_port.net_ctx, h, buf, cap);
}

HARNESS_UNUSED static void net_close(int32_t h)
{
    g_port.net->close(g_port.net_ctx, h);
}

HARNESS_UNUSED static int32_t net_listen(uint16_t port)
{
    return g_port.net->listen(g_port.net_ctx, NULL, port);
}

HARNESS_UNUSED static int32_t net_accept(int32_t listener)
{
    return g_port.net->accept(g_port.net_ctx, listener);
}

#endif /* ACME_LWIP_TEST_HARNESS_H */
