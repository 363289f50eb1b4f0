/*
 * Tests of the POSIX port's datagram seam on loopback only: a query and its
 * answer between two sockets, the source address and port reported, random
 * ephemeral ports, truncation, would-block, and wait waking on a datagram.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "acme/port_posix.h"

#define DEADLINE_MS 2000u
#define MAX_ROUNDS 100000u

static acme_posix_port_t g_pp;
static acme_port_t g_port;

static const acme_ip_addr_t LOOPBACK4 = {.family = ACME_IP_V4, .bytes = {127, 0, 0, 1}};
static const acme_ip_addr_t LOOPBACK6 = {.family = ACME_IP_V6,
                                         .bytes = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};

static int setup(void **state)
{
    (void)state;
    if (acme_posix_port_init(&g_pp, &g_port) != ACME_OK) {
        return -1;
    }
    g_pp.log_threshold = ACME_LOG_WARN;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return acme_posix_port_deinit(&g_pp) == ACME_OK ? 0 : -1;
}

static uint64_t now_ms(void)
{
    return g_port.clock->now_ms(g_port.clock_ctx);
}

static uint16_t local_port(int32_t h)
{
    int32_t p = acme_posix_local_port(&g_pp, h);
    assert_true(p > 0 && p <= 65535);
    return (uint16_t)p;
}

/* One datagram within the deadline, waiting on the port's wait seam. */
static int32_t recv_one(int32_t h, acme_ip_addr_t *ip, uint16_t *port, uint8_t *buf, size_t cap)
{
    uint64_t end = now_ms() + DEADLINE_MS;
    for (uint32_t i = 0; i < MAX_ROUNDS && now_ms() < end; i++) {
        int32_t n = g_port.udp->recv_from(g_port.udp_ctx, h, ip, port, buf, cap);
        if (n != ACME_WOULD_BLOCK) {
            return n;
        }
        g_port.wait->wait(g_port.wait_ctx, 20);
    }
    return ACME_ERR_TIMEOUT;
}

static void query_and_answer(acme_ip_family_t family, const acme_ip_addr_t *loopback)
{
    int32_t client = g_port.udp->open(g_port.udp_ctx, family);
    int32_t server = g_port.udp->open(g_port.udp_ctx, family);
    assert_true(client >= 0 && server >= 0);
    uint16_t client_port = local_port(client);
    uint16_t server_port = local_port(server);
    assert_int_not_equal(client_port, server_port);

    static const uint8_t query[] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01};
    assert_int_equal(
        g_port.udp->send_to(g_port.udp_ctx, client, loopback, server_port, query, sizeof(query)),
        (int32_t)sizeof(query));
    uint8_t buf[64];
    acme_ip_addr_t src;
    uint16_t src_port = 0;
    memset(&src, 0xAA, sizeof(src));
    assert_int_equal(recv_one(server, &src, &src_port, buf, sizeof(buf)), (int32_t)sizeof(query));
    assert_memory_equal(buf, query, sizeof(query));
    assert_int_equal(src.family, loopback->family);
    assert_memory_equal(src.bytes, loopback->bytes, family == ACME_IP_V4 ? 4 : 16);
    assert_int_equal(src_port, client_port);

    /* The answer goes back to the reported source. */
    static const uint8_t answer[] = {0x12, 0x34, 0x81, 0x80};
    assert_int_equal(
        g_port.udp->send_to(g_port.udp_ctx, server, &src, src_port, answer, sizeof(answer)),
        (int32_t)sizeof(answer));
    assert_int_equal(recv_one(client, &src, &src_port, buf, sizeof(buf)), (int32_t)sizeof(answer));
    assert_memory_equal(buf, answer, sizeof(answer));
    assert_int_equal(src_port, server_port);
}

static void test_ipv4_query_and_answer(void **state)
{
    (void)state;
    query_and_answer(ACME_IP_V4, &LOOPBACK4);
}

static void test_ipv6_query_and_answer(void **state)
{
    (void)state;
    int32_t probe = g_port.udp->open(g_port.udp_ctx, ACME_IP_V6);
    if (probe < 0) {
        skip(); /* host without IPv6 */
    }
    g_port.udp->close(g_port.udp_ctx, probe);
    query_and_answer(ACME_IP_V6, &LOOPBACK6);
}

/* The kernel picks a random ephemeral port per open: eight sequential opens
 * (each closed before the next) landing on one port would mean a fixed or
 * reused port, which DNS spoofing defence cannot accept. */
static void test_ephemeral_ports_vary(void **state)
{
    (void)state;
    uint16_t ports[8];
    int distinct = 0;
    for (int i = 0; i < 8; i++) {
        int32_t h = g_port.udp->open(g_port.udp_ctx, ACME_IP_V4);
        assert_true(h >= 0);
        ports[i] = local_port(h);
        g_port.udp->close(g_port.udp_ctx, h);
        int seen = 0;
        for (int j = 0; j < i; j++) {
            seen |= ports[j] == ports[i];
        }
        distinct += !seen;
    }
    assert_true(distinct >= 2);
}

static void test_truncation_and_would_block(void **state)
{
    (void)state;
    int32_t a = g_port.udp->open(g_port.udp_ctx, ACME_IP_V4);
    int32_t b = g_port.udp->open(g_port.udp_ctx, ACME_IP_V4);
    assert_true(a >= 0 && b >= 0);
    uint8_t buf[100];
    assert_int_equal(g_port.udp->recv_from(g_port.udp_ctx, b, NULL, NULL, buf, sizeof(buf)),
                     ACME_WOULD_BLOCK);

    uint8_t big[100];
    for (size_t i = 0; i < sizeof(big); i++) {
        big[i] = (uint8_t)i;
    }
    assert_int_equal(
        g_port.udp->send_to(g_port.udp_ctx, a, &LOOPBACK4, local_port(b), big, sizeof(big)), 100);
    /* Cut to the buffer; the rest of the datagram is gone, not delivered
     * as a second one. */
    assert_int_equal(recv_one(b, NULL, NULL, buf, 10), 10);
    assert_memory_equal(buf, big, 10);
    assert_int_equal(g_port.udp->recv_from(g_port.udp_ctx, b, NULL, NULL, buf, sizeof(buf)),
                     ACME_WOULD_BLOCK);
}

static void test_invalid_arguments(void **state)
{
    (void)state;
    int32_t a = g_port.udp->open(g_port.udp_ctx, ACME_IP_V4);
    assert_true(a >= 0);
    uint8_t byte = 0;
    assert_int_equal(g_port.udp->open(g_port.udp_ctx, ACME_IP_NONE), ACME_ERR_INVALID_ARG);
    /* An IPv6 destination on an IPv4 socket. */
    assert_int_equal(g_port.udp->send_to(g_port.udp_ctx, a, &LOOPBACK6, 53, &byte, 1),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(g_port.udp->send_to(g_port.udp_ctx, a, &LOOPBACK4, 0, &byte, 1),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(g_port.udp->send_to(g_port.udp_ctx, a, NULL, 53, &byte, 1),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(g_port.udp->send_to(g_port.udp_ctx, a + 1, &LOOPBACK4, 53, &byte, 1),
                     ACME_ERR_INVALID_ARG);
    /* A UDP handle is not a stream. */
    assert_int_equal(g_port.net->send(g_port.net_ctx, a, &byte, 1), ACME_ERR_INVALID_ARG);
}

static void test_wait_wakes_on_datagram(void **state)
{
    (void)state;
    int32_t a = g_port.udp->open(g_port.udp_ctx, ACME_IP_V4);
    int32_t b = g_port.udp->open(g_port.udp_ctx, ACME_IP_V4);
    assert_true(a >= 0 && b >= 0);
    uint64_t t0 = now_ms();
    g_port.wait->wait(g_port.wait_ctx, 120);
    uint64_t idle = now_ms() - t0;
    assert_true(idle >= 110 && idle < 1200);

    assert_int_equal(
        g_port.udp->send_to(g_port.udp_ctx, a, &LOOPBACK4, local_port(b), (const uint8_t *)"qq", 2),
        2);
    t0 = now_ms();
    g_port.wait->wait(g_port.wait_ctx, 1500);
    assert_true(now_ms() - t0 < 500);
    uint8_t buf[2] = {0};
    assert_int_equal(g_port.udp->recv_from(g_port.udp_ctx, b, NULL, NULL, buf, 2), 2);
    assert_memory_equal(buf, "qq", 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ipv4_query_and_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipv6_query_and_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ephemeral_ports_vary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncation_and_would_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wait_wakes_on_datagram, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
