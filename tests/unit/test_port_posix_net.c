/*
 * Tests of the POSIX port's stream seam on loopback only: connect by IP
 * literal and by name (asynchronous lookup), accept, data both ways with
 * would-block handling, refused connections, orderly close, address in use,
 * a full socket table, and close while a lookup is still running.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "acme/port_posix.h"

/* Every loop below ends after this long or this many rounds, whichever is
 * first. */
#define DEADLINE_MS 2000u
#define MAX_ROUNDS 100000u
#define WAIT_STEP_MS 20u

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

static void wait_ms(uint32_t ms)
{
    g_port.wait->wait(g_port.wait_ctx, ms);
}

/* Listen on a loopback address with a kernel-chosen port. */
static int32_t listen_on(const acme_ip_addr_t *ip, uint16_t *port)
{
    int32_t h = g_port.net->listen(g_port.net_ctx, ip, 0);
    if (h >= 0) {
        int32_t p = acme_posix_local_port(&g_pp, h);
        assert_true(p > 0);
        *port = (uint16_t)p;
    }
    return h;
}

static int32_t accept_one(int32_t listener)
{
    uint64_t end = now_ms() + DEADLINE_MS;
    for (uint32_t i = 0; i < MAX_ROUNDS && now_ms() < end; i++) {
        int32_t h = g_port.net->accept(g_port.net_ctx, listener);
        if (h != ACME_WOULD_BLOCK) {
            return h;
        }
        wait_ms(WAIT_STEP_MS);
    }
    return ACME_ERR_TIMEOUT;
}

static int32_t send_all(int32_t h, const uint8_t *data, size_t len)
{
    size_t done = 0;
    uint64_t end = now_ms() + DEADLINE_MS;
    for (uint32_t i = 0; i < MAX_ROUNDS && done < len && now_ms() < end; i++) {
        int32_t n = g_port.net->send(g_port.net_ctx, h, data + done, len - done);
        if (n == ACME_WOULD_BLOCK) {
            wait_ms(WAIT_STEP_MS);
        } else if (n < 0) {
            return n;
        } else {
            done += (size_t)n;
        }
    }
    return done == len ? (int32_t)done : ACME_ERR_TIMEOUT;
}

/* Exactly len bytes, or the first error / early end (0). */
static int32_t recv_exact(int32_t h, uint8_t *buf, size_t len)
{
    size_t done = 0;
    uint64_t end = now_ms() + DEADLINE_MS;
    for (uint32_t i = 0; i < MAX_ROUNDS && done < len && now_ms() < end; i++) {
        int32_t n = g_port.net->recv(g_port.net_ctx, h, buf + done, len - done);
        if (n == ACME_WOULD_BLOCK) {
            wait_ms(WAIT_STEP_MS);
        } else if (n <= 0) {
            return n;
        } else {
            done += (size_t)n;
        }
    }
    return done == len ? (int32_t)done : ACME_ERR_TIMEOUT;
}

/* The first recv result that is not "would block". */
static int32_t recv_outcome(int32_t h, uint8_t *buf, size_t cap)
{
    uint64_t end = now_ms() + DEADLINE_MS;
    for (uint32_t i = 0; i < MAX_ROUNDS && now_ms() < end; i++) {
        int32_t n = g_port.net->recv(g_port.net_ctx, h, buf, cap);
        if (n != ACME_WOULD_BLOCK) {
            return n;
        }
        wait_ms(WAIT_STEP_MS);
    }
    return ACME_ERR_TIMEOUT;
}

/* client -> server and server -> client on an established pair. */
static void exchange(int32_t client, int32_t server)
{
    uint8_t buf[16];
    assert_int_equal(send_all(client, (const uint8_t *)"GET /x", 6), 6);
    assert_int_equal(recv_exact(server, buf, 6), 6);
    assert_memory_equal(buf, "GET /x", 6);
    assert_int_equal(send_all(server, (const uint8_t *)"200 OK", 6), 6);
    assert_int_equal(recv_exact(client, buf, 6), 6);
    assert_memory_equal(buf, "200 OK", 6);
}

static void test_connect_ipv4_literal_and_exchange(void **state)
{
    (void)state;
    uint16_t port = 0;
    int32_t listener = listen_on(&LOOPBACK4, &port);
    assert_true(listener >= 0);
    int32_t client = g_port.net->connect(g_port.net_ctx, "127.0.0.1", port);
    assert_true(client >= 0);
    int32_t server = accept_one(listener);
    assert_true(server >= 0);
    assert_int_not_equal(server, client);
    exchange(client, server);
    g_port.net->close(g_port.net_ctx, client);
    g_port.net->close(g_port.net_ctx, server);
    g_port.net->close(g_port.net_ctx, listener);
}

static void test_connect_ipv6_literal(void **state)
{
    (void)state;
    uint16_t port = 0;
    int32_t listener = listen_on(&LOOPBACK6, &port);
    if (listener < 0) {
        skip(); /* host without IPv6 on loopback */
    }
    int32_t client = g_port.net->connect(g_port.net_ctx, "::1", port);
    assert_true(client >= 0);
    int32_t server = accept_one(listener);
    assert_true(server >= 0);
    exchange(client, server);
}

/* Fill the connection until send says "would block", then drain it on the
 * other side while continuing to send: every byte arrives once, in order. */
static void test_bulk_transfer_with_would_block(void **state)
{
    (void)state;
    uint16_t port = 0;
    int32_t listener = listen_on(&LOOPBACK4, &port);
    int32_t client = g_port.net->connect(g_port.net_ctx, "127.0.0.1", port);
    int32_t server = accept_one(listener);
    assert_true(listener >= 0 && client >= 0 && server >= 0);

    enum { TOTAL = 32 * 1024 * 1024, CHUNK = 16384 };
    static uint8_t out[CHUNK];
    static uint8_t in[CHUNK];
    size_t sent = 0;
    size_t received = 0;
    int saw_would_block = 0;
    uint64_t end = now_ms() + 5 * DEADLINE_MS;
    for (uint32_t i = 0; i < MAX_ROUNDS && received < TOTAL && now_ms() < end; i++) {
        /* Send until the kernel's buffers are full, before reading. */
        for (int k = 0; k < 1024 && sent < TOTAL; k++) {
            size_t len = TOTAL - sent < CHUNK ? TOTAL - sent : CHUNK;
            for (size_t j = 0; j < len; j++) {
                out[j] = (uint8_t)((sent + j) * 7u + ((sent + j) >> 13));
            }
            int32_t n = g_port.net->send(g_port.net_ctx, client, out, len);
            if (n == ACME_WOULD_BLOCK) {
                saw_would_block = 1;
                break;
            }
            assert_true(n > 0);
            sent += (size_t)n;
        }
        for (int k = 0; k < 1024; k++) {
            int32_t n = g_port.net->recv(g_port.net_ctx, server, in, sizeof(in));
            if (n == ACME_WOULD_BLOCK) {
                break;
            }
            assert_true(n > 0);
            for (int32_t j = 0; j < n; j++) {
                size_t at = received + (size_t)j;
                assert_int_equal(in[j], (uint8_t)(at * 7u + (at >> 13)));
            }
            received += (size_t)n;
        }
        wait_ms(WAIT_STEP_MS);
    }
    assert_int_equal(sent, TOTAL);
    assert_int_equal(received, TOTAL);
    assert_true(saw_would_block);
}

/* "localhost" goes through getaddrinfo_a: the handle comes back at once and
 * the connection completes in the background. The listener covers both
 * 127.0.0.1 and ::1 (when present) with the same port, so whichever address
 * the name gives first works. */
static void test_connect_by_name(void **state)
{
    (void)state;
    uint16_t port = 0;
    int32_t listener4 = listen_on(&LOOPBACK4, &port);
    assert_true(listener4 >= 0);
    int32_t listener6 = g_port.net->listen(g_port.net_ctx, &LOOPBACK6, port);

    int32_t client = g_port.net->connect(g_port.net_ctx, "localhost", port);
    assert_true(client >= 0);
    uint8_t byte;
    /* No data yet, whatever the lookup's progress. */
    assert_int_equal(g_port.net->recv(g_port.net_ctx, client, &byte, 1), ACME_WOULD_BLOCK);

    int32_t server = ACME_WOULD_BLOCK;
    uint64_t end = now_ms() + DEADLINE_MS;
    for (uint32_t i = 0; i < MAX_ROUNDS && server == ACME_WOULD_BLOCK && now_ms() < end; i++) {
        /* Drive the client: it connects only when polled or waited on. */
        (void)g_port.net->recv(g_port.net_ctx, client, &byte, 1);
        server = g_port.net->accept(g_port.net_ctx, listener4);
        if (server == ACME_WOULD_BLOCK && listener6 >= 0) {
            server = g_port.net->accept(g_port.net_ctx, listener6);
        }
        if (server == ACME_WOULD_BLOCK) {
            wait_ms(WAIT_STEP_MS);
        }
    }
    assert_true(server >= 0);
    exchange(client, server);
}

/* A name glibc cannot even put into a query (a 64-byte label) fails
 * locally, without a packet to the configured DNS server. */
static void test_unresolvable_name(void **state)
{
    (void)state;
    char name[80];
    memset(name, 'a', 64);
    memcpy(name + 64, ".invalid", 9);
    int32_t client = g_port.net->connect(g_port.net_ctx, name, 80);
    assert_true(client >= 0);
    uint8_t byte;
    assert_int_equal(recv_outcome(client, &byte, 1), ACME_ERR_RESOLVE);
    /* The failure stays until close. */
    assert_int_equal(g_port.net->send(g_port.net_ctx, client, &byte, 1), ACME_ERR_RESOLVE);
    g_port.net->close(g_port.net_ctx, client);
}

static void test_connection_refused(void **state)
{
    (void)state;
    uint16_t port = 0;
    int32_t listener = listen_on(&LOOPBACK4, &port);
    assert_true(listener >= 0);
    g_port.net->close(g_port.net_ctx, listener); /* the port is closed now */

    int32_t client = g_port.net->connect(g_port.net_ctx, "127.0.0.1", port);
    assert_true(client >= 0);
    uint8_t word[4] = {'p', 'i', 'n', 'g'};
    int32_t rc = ACME_WOULD_BLOCK;
    uint64_t end = now_ms() + DEADLINE_MS;
    for (uint32_t i = 0; i < MAX_ROUNDS && rc == ACME_WOULD_BLOCK && now_ms() < end; i++) {
        rc = g_port.net->send(g_port.net_ctx, client, word, sizeof(word));
        if (rc == ACME_WOULD_BLOCK) {
            wait_ms(WAIT_STEP_MS);
        }
    }
    assert_int_equal(rc, ACME_ERR_CONNECT);
    assert_int_equal(g_port.net->recv(g_port.net_ctx, client, word, sizeof(word)),
                     ACME_ERR_CONNECT);
    g_port.net->close(g_port.net_ctx, client);
}

static void test_orderly_close_and_broken_pipe(void **state)
{
    (void)state;
    uint16_t port = 0;
    int32_t listener = listen_on(&LOOPBACK4, &port);
    int32_t client = g_port.net->connect(g_port.net_ctx, "127.0.0.1", port);
    int32_t server = accept_one(listener);
    assert_true(listener >= 0 && client >= 0 && server >= 0);
    exchange(client, server);

    g_port.net->close(g_port.net_ctx, server);
    uint8_t buf[8];
    assert_int_equal(recv_outcome(client, buf, sizeof(buf)), 0);

    /* Writing to a peer that is gone: the first bytes may still be taken,
     * then the reset shows as ACME_ERR_CLOSED (and no SIGPIPE kills us). */
    int32_t rc = 0;
    uint64_t end = now_ms() + DEADLINE_MS;
    for (uint32_t i = 0; i < 1000 && rc >= 0 && now_ms() < end; i++) {
        rc = g_port.net->send(g_port.net_ctx, client, (const uint8_t *)"more", 4);
        if (rc >= 0 || rc == ACME_WOULD_BLOCK) {
            rc = 0;
            wait_ms(5);
        }
    }
    assert_int_equal(rc, ACME_ERR_CLOSED);
}

static void test_address_in_use(void **state)
{
    (void)state;
    uint16_t port = 0;
    int32_t first = listen_on(&LOOPBACK4, &port);
    assert_true(first >= 0);
    g_pp.log_threshold = (acme_log_level_t)0; /* the expected error: quiet */
    assert_int_equal(g_port.net->listen(g_port.net_ctx, &LOOPBACK4, port), ACME_ERR_ADDR_IN_USE);
    g_pp.log_threshold = ACME_LOG_WARN;
    /* Free again once closed (SO_REUSEADDR: no TIME_WAIT wait either). */
    g_port.net->close(g_port.net_ctx, first);
    int32_t again = g_port.net->listen(g_port.net_ctx, &LOOPBACK4, port);
    assert_true(again >= 0);
}

static void test_socket_table_full(void **state)
{
    (void)state;
    int32_t handles[ACME_POSIX_MAX_SOCKETS];
    for (int i = 0; i < ACME_POSIX_MAX_SOCKETS; i++) {
        handles[i] = g_port.udp->open(g_port.udp_ctx, ACME_IP_V4);
        assert_true(handles[i] >= 0);
        for (int j = 0; j < i; j++) {
            assert_int_not_equal(handles[i], handles[j]);
        }
    }
    g_pp.log_threshold = (acme_log_level_t)0; /* the expected errors: quiet */
    assert_int_equal(g_port.net->connect(g_port.net_ctx, "127.0.0.1", 80), ACME_ERR_NO_MEMORY);
    assert_int_equal(g_port.net->listen(g_port.net_ctx, &LOOPBACK4, 0), ACME_ERR_NO_MEMORY);
    assert_int_equal(g_port.udp->open(g_port.udp_ctx, ACME_IP_V4), ACME_ERR_NO_MEMORY);
    g_pp.log_threshold = ACME_LOG_WARN;

    /* One closed: one free slot, and the listener works again. */
    g_port.udp->close(g_port.udp_ctx, handles[3]);
    uint16_t port = 0;
    int32_t listener = listen_on(&LOOPBACK4, &port);
    assert_int_equal(listener, handles[3]);
}

/* Closing while glibc still resolves must neither leak the slot nor let the
 * lookup write into a reused one (ASan watches the second part). */
static void test_close_while_resolving(void **state)
{
    (void)state;
    int opened = 0;
    uint64_t end = now_ms() + DEADLINE_MS;
    for (uint32_t i = 0; i < 1000 && opened < 3 * ACME_POSIX_MAX_SOCKETS && now_ms() < end; i++) {
        int32_t h = g_port.net->connect(g_port.net_ctx, "localhost", 9);
        if (h == ACME_ERR_NO_MEMORY) {
            wait_ms(1); /* every slot is waiting for its lookup to end */
            continue;
        }
        assert_true(h >= 0);
        g_port.net->close(g_port.net_ctx, h);
        opened++;
    }
    assert_int_equal(opened, 3 * ACME_POSIX_MAX_SOCKETS);
    /* teardown's deinit drains what is left and must return ACME_OK */
}

static void test_invalid_arguments(void **state)
{
    (void)state;
    char long_name[ACME_POSIX_HOST_MAX + 2];
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    uint8_t byte = 0;
    assert_int_equal(g_port.net->connect(g_port.net_ctx, NULL, 80), ACME_ERR_INVALID_ARG);
    assert_int_equal(g_port.net->connect(g_port.net_ctx, "", 80), ACME_ERR_INVALID_ARG);
    assert_int_equal(g_port.net->connect(g_port.net_ctx, "127.0.0.1", 0), ACME_ERR_INVALID_ARG);
    assert_int_equal(g_port.net->connect(g_port.net_ctx, long_name, 80), ACME_ERR_INVALID_ARG);
    assert_int_equal(g_port.net->send(g_port.net_ctx, -1, &byte, 1), ACME_ERR_INVALID_ARG);
    assert_int_equal(g_port.net->recv(g_port.net_ctx, ACME_POSIX_MAX_SOCKETS, &byte, 1),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(g_port.net->recv(g_port.net_ctx, 0, &byte, 1), ACME_ERR_INVALID_ARG);

    uint16_t port = 0;
    int32_t listener = listen_on(&LOOPBACK4, &port);
    assert_true(listener >= 0);
    /* A listener is not a stream; zero-length transfers are refused. */
    assert_int_equal(g_port.net->send(g_port.net_ctx, listener, &byte, 1), ACME_ERR_INVALID_ARG);
    int32_t client = g_port.net->connect(g_port.net_ctx, "127.0.0.1", port);
    assert_true(client >= 0);
    assert_int_equal(g_port.net->send(g_port.net_ctx, client, &byte, 0), ACME_ERR_INVALID_ARG);
    assert_int_equal(g_port.net->recv(g_port.net_ctx, client, &byte, 0), ACME_ERR_INVALID_ARG);
    assert_int_equal(g_port.net->accept(g_port.net_ctx, client), ACME_ERR_INVALID_ARG);
}

/* wait() sleeps while nothing is ready and returns early when a pending
 * connection makes the listener readable. */
static void test_wait_sleeps_and_wakes(void **state)
{
    (void)state;
    uint16_t port = 0;
    int32_t listener = listen_on(&LOOPBACK4, &port);
    assert_true(listener >= 0);
    uint64_t t0 = now_ms();
    wait_ms(150);
    uint64_t idle = now_ms() - t0;
    assert_true(idle >= 140 && idle < 1500);

    int32_t client = g_port.net->connect(g_port.net_ctx, "127.0.0.1", port);
    int32_t server = accept_one(listener);
    assert_true(client >= 0 && server >= 0);
    uint8_t buf[2];
    assert_int_equal(g_port.net->recv(g_port.net_ctx, client, buf, 2), ACME_WOULD_BLOCK);
    assert_int_equal(send_all(server, (const uint8_t *)"!?", 2), 2);
    t0 = now_ms();
    wait_ms(1500); /* the client is readable: returns at once */
    assert_true(now_ms() - t0 < 500);
    assert_int_equal(g_port.net->recv(g_port.net_ctx, client, buf, 2), 2);
    assert_memory_equal(buf, "!?", 2);
}

/* A one-byte transfer is a count of 1, distinct from "would block" (a
 * negative status), in both directions. */
static void test_one_byte_transfers(void **state)
{
    (void)state;
    uint16_t port = 0;
    int32_t listener = listen_on(&LOOPBACK4, &port);
    int32_t client = g_port.net->connect(g_port.net_ctx, "127.0.0.1", port);
    int32_t server = accept_one(listener);
    assert_true(listener >= 0 && client >= 0 && server >= 0);
    uint8_t byte = 0;
    assert_int_equal(send_all(client, (const uint8_t *)"A", 1), 1);
    assert_int_equal(recv_exact(server, &byte, 1), 1);
    assert_int_equal(byte, 'A');
    assert_int_equal(send_all(server, (const uint8_t *)"B", 1), 1);
    assert_int_equal(recv_exact(client, &byte, 1), 1);
    assert_int_equal(byte, 'B');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_connect_ipv4_literal_and_exchange, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connect_ipv6_literal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bulk_transfer_with_would_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connect_by_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unresolvable_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connection_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_orderly_close_and_broken_pipe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_address_in_use, setup, teardown),
        cmocka_unit_test_setup_teardown(test_socket_table_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_while_resolving, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wait_sleeps_and_wakes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_byte_transfers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
