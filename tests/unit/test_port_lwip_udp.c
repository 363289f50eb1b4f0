/*
 * Tests of the lwIP port's datagram seam on lwIP's loopback interface: a
 * query and its answer with the source address and port reported, random
 * source ports per socket (not lwIP's counter), truncation, the bounded
 * receive queue, argument checks, and the system resolver taken from lwIP's
 * DNS settings. After every test lwIP's pools must be back where they started.
 */
#include "lwip_test_harness.h"

#include "lwip/dns.h"

static int32_t udp_open(void)
{
    return g_port.udp->open(g_port.udp_ctx, ACME_IP_V4);
}

static uint16_t local_port(int32_t h)
{
    int32_t p = acme_lwip_local_port(h);
    assert_true(p > 0 && p <= 65535);
    return (uint16_t)p;
}

static int32_t send_to(int32_t h, uint16_t port, const void *data, size_t len)
{
    return g_port.udp->send_to(g_port.udp_ctx, h, &LOOPBACK4, port, data, len);
}

static int32_t recv_from(int32_t h, acme_ip_addr_t *ip, uint16_t *port, void *buf, size_t cap)
{
    return g_port.udp->recv_from(g_port.udp_ctx, h, ip, port, buf, cap);
}

static void test_query_and_answer(void **state)
{
    (void)state;
    int32_t client = udp_open();
    int32_t server = udp_open();
    assert_true(client >= 0 && server >= 0);
    uint16_t client_port = local_port(client);
    uint16_t server_port = local_port(server);
    assert_int_not_equal(client_port, server_port);

    uint8_t buf[64];
    acme_ip_addr_t ip;
    uint16_t port = 0;
    assert_int_equal(recv_from(server, &ip, &port, buf, sizeof(buf)), ACME_WOULD_BLOCK);

    static const uint8_t query[] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01};
    assert_int_equal(send_to(client, server_port, query, sizeof(query)), (int32_t)sizeof(query));
    pump(2, 1);
    memset(&ip, 0, sizeof(ip));
    assert_int_equal(recv_from(server, &ip, &port, buf, sizeof(buf)), (int32_t)sizeof(query));
    assert_memory_equal(buf, query, sizeof(query));
    /* The source is reported: where the answer must go. */
    assert_int_equal(ip.family, ACME_IP_V4);
    assert_memory_equal(ip.bytes, LOOPBACK4.bytes, 4);
    assert_int_equal(port, client_port);

    static const uint8_t answer[] = {0x12, 0x34, 0x81, 0x80};
    assert_int_equal(send_to(server, port, answer, sizeof(answer)), (int32_t)sizeof(answer));
    pump(2, 1);
    assert_int_equal(recv_from(client, &ip, &port, buf, sizeof(buf)), (int32_t)sizeof(answer));
    assert_memory_equal(buf, answer, sizeof(answer));
    assert_int_equal(port, server_port);
    assert_int_equal(recv_from(client, &ip, &port, buf, sizeof(buf)), ACME_WOULD_BLOCK);

    g_port.udp->close(g_port.udp_ctx, client);
    g_port.udp->close(g_port.udp_ctx, server);
}

static void test_random_source_ports(void **state)
{
    (void)state;
    /* lwIP alone counts up from one random start (udp_new_port): each
     * socket's port would give away the next. */
    uint16_t ports[12];
    for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
        int32_t h = udp_open();
        assert_true(h >= 0);
        ports[i] = local_port(h);
        assert_true(ports[i] >= 49152);
        g_port.udp->close(g_port.udp_ctx, h);
    }
    int sequential = 0;
    for (size_t i = 1; i < sizeof(ports) / sizeof(ports[0]); i++) {
        uint16_t step = (uint16_t)(ports[i] - ports[i - 1]);
        if (step <= 2 || step >= 0xFFFEu) {
            sequential++;
        }
    }
    assert_int_equal(sequential, 0);

    /* Two sockets open at once never share a port. */
    int32_t a = udp_open();
    int32_t b = udp_open();
    assert_int_not_equal(local_port(a), local_port(b));
    g_port.udp->close(g_port.udp_ctx, a);
    g_port.udp->close(g_port.udp_ctx, b);
}

static void test_truncation_and_queue_bound(void **state)
{
    (void)state;
    int32_t tx = udp_open();
    int32_t rx = udp_open();
    uint16_t rx_port = local_port(rx);
    uint8_t big[300];
    for (size_t i = 0; i < sizeof(big); i++) {
        big[i] = (uint8_t)i;
    }
    assert_int_equal(send_to(tx, rx_port, big, sizeof(big)), (int32_t)sizeof(big));
    pump(2, 1);
    uint8_t buf[10];
    /* Cut to cap; the rest of that datagram is gone, as with recvfrom. */
    assert_int_equal(recv_from(rx, NULL, NULL, buf, sizeof(buf)), 10);
    assert_memory_equal(buf, big, 10);
    assert_int_equal(recv_from(rx, NULL, NULL, buf, sizeof(buf)), ACME_WOULD_BLOCK);

    /* More datagrams than the queue holds: the excess is dropped (and
     * freed), the first ACME_LWIP_UDP_QUEUE arrive in order. */
    for (uint8_t i = 0; i < ACME_LWIP_UDP_QUEUE + 3; i++) {
        assert_int_equal(send_to(tx, rx_port, &i, 1), 1);
    }
    pump(2, 1);
    for (uint8_t i = 0; i < ACME_LWIP_UDP_QUEUE; i++) {
        assert_int_equal(recv_from(rx, NULL, NULL, buf, sizeof(buf)), 1);
        assert_int_equal(buf[0], i);
    }
    assert_int_equal(recv_from(rx, NULL, NULL, buf, sizeof(buf)), ACME_WOULD_BLOCK);

    /* Closing with datagrams still queued frees them (teardown checks). */
    assert_int_equal(send_to(tx, rx_port, "zz", 2), 2);
    pump(2, 1);
    g_port.udp->close(g_port.udp_ctx, rx);
    g_port.udp->close(g_port.udp_ctx, tx);
}

static void test_arguments(void **state)
{
    (void)state;
    assert_int_equal(g_port.udp->open(g_port.udp_ctx, ACME_IP_NONE), ACME_ERR_INVALID_ARG);
    /* An IPv6 server on this IPv4-only stack is a configuration error. */
    assert_int_equal(g_port.udp->open(g_port.udp_ctx, ACME_IP_V6), ACME_ERR_CONFIG);
    int32_t h = udp_open();
    assert_true(h >= 0);
    const acme_ip_addr_t v6 = {.family = ACME_IP_V6, .bytes = {0x20, 0x01, 0x0d, 0xb8}};
    assert_int_equal(g_port.udp->send_to(g_port.udp_ctx, h, &v6, 53, (const uint8_t *)"x", 1),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(g_port.udp->send_to(g_port.udp_ctx, h, NULL, 53, (const uint8_t *)"x", 1),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(send_to(h, 0, "x", 1), ACME_ERR_INVALID_ARG);
    static uint8_t huge[70000];
    assert_int_equal(send_to(h, 53, huge, sizeof(huge)), ACME_ERR_INVALID_ARG);
    assert_int_equal(send_to(h + 1, 53, (const uint8_t *)"x", 1),
                     ACME_ERR_INVALID_ARG); /* not open */
    /* A stream handle is not a datagram socket. */
    int32_t s = g_port.net->connect(g_port.net_ctx, "127.0.0.1", 9);
    assert_true(s >= 0);
    assert_int_equal(
        g_port.udp->send_to(g_port.udp_ctx, s, &LOOPBACK4, 53, (const uint8_t *)"x", 1),
        ACME_ERR_INVALID_ARG);
    g_port.net->close(g_port.net_ctx, s);
    g_port.udp->close(g_port.udp_ctx, h);
    g_port.udp->close(g_port.udp_ctx, h); /* twice: ignored */
}

static void test_system_resolver(void **state)
{
    (void)state;
    acme_ip_addr_t ip;
    uint16_t port = 0;
    assert_non_null(g_port.udp->system_resolver);
    dns_setserver(0, NULL);
    assert_int_equal(g_port.udp->system_resolver(g_port.udp_ctx, &ip, &port), ACME_ERR_NOT_FOUND);
    /* As DHCP would set it; asked again on every lookup. */
    ip_addr_t server;
    IP_ADDR4(&server, 192, 0, 2, 53);
    dns_setserver(0, &server);
    assert_int_equal(g_port.udp->system_resolver(g_port.udp_ctx, &ip, &port), ACME_OK);
    assert_int_equal(ip.family, ACME_IP_V4);
    static const uint8_t expected[] = {192, 0, 2, 53};
    assert_memory_equal(ip.bytes, expected, 4);
    assert_int_equal(port, 53);
    dns_setserver(0, NULL);
    assert_int_equal(g_port.udp->system_resolver(g_port.udp_ctx, &ip, &port), ACME_ERR_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_query_and_answer, harness_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_random_source_ports, harness_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_truncation_and_queue_bound, harness_setup,
                                        harness_teardown),
        cmocka_unit_test_setup_teardown(test_arguments, harness_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_system_resolver, harness_setup, harness_teardown),
    };
    return cmocka_run_group_tests(tests, harness_group_setup, NULL);
}
