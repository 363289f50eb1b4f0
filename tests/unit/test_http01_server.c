/*
 * The built-in http-01 responder over real loopback sockets (POSIX port):
 * it serves known tokens, refuses everything else, bounds request size and
 * time, and is not blocked by a client that never finishes its request.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "acme/io/http01_server.h"
#include "acme/port_posix.h"

static acme_posix_port_t pp;
static acme_port_t port;
static acme_http01_server_t server;
static uint16_t server_port;
static uint64_t clock_ms;

#define TOKEN "oHhcb7SDtUQoNT0OHI3gM8nqvPVGnP9QA1ugc3mqJ0E"
#define KEYAUTH TOKEN ".9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"

static unsigned lookups;

static acme_status_t lookup(void *ctx, const char *path, size_t len, char *out, size_t cap,
                            size_t *out_len)
{
    (void)ctx;
    lookups++;
    static const char want[] = "/.well-known/acme-challenge/" TOKEN;
    if (len != sizeof(want) - 1 || memcmp(path, want, len) != 0) {
        return ACME_ERR_NOT_FOUND;
    }
    size_t n = strlen(KEYAUTH);
    assert_true(n < cap);
    memcpy(out, KEYAUTH, n);
    *out_len = n;
    return ACME_OK;
}

static int setup(void **state)
{
    (void)state;
    assert_int_equal(acme_posix_port_init(&pp, &port), ACME_OK);
    acme_ip_addr_t lo = {ACME_IP_V4, {127, 0, 0, 1}};
    /* Find a free port in a range (the seam takes a fixed port). */
    acme_status_t st = ACME_ERR_ADDR_IN_USE;
    for (uint16_t p = 42000; p < 42100 && st == ACME_ERR_ADDR_IN_USE; p++) {
        st = acme_http01_server_start(&server, port.net, port.net_ctx, &lo, p, lookup, NULL);
        server_port = p;
    }
    assert_int_equal(st, ACME_OK);
    lookups = 0;
    clock_ms = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    acme_http01_server_stop(&server);
    acme_posix_port_deinit(&pp);
    return 0;
}

/* Connect a client handle to the server. */
static int32_t client_connect(void)
{
    char host[] = "127.0.0.1";
    int32_t h = port.net->connect(port.net_ctx, host, server_port);
    assert_true(h >= 0);
    return h;
}

/* Drive server and client until the client has sent req and read the whole
 * answer (the server closes after answering). */
static size_t exchange(int32_t h, const char *req, size_t req_len, char *answer, size_t cap)
{
    size_t sent = 0;
    size_t got = 0;
    for (int i = 0; i < 2000; i++) {
        acme_http01_server_poll(&server, clock_ms);
        if (sent < req_len) {
            int32_t n = port.net->send(port.net_ctx, h, (const uint8_t *)req + sent,
                                       req_len - sent);
            if (n > 0) {
                sent += (size_t)n;
            }
        }
        int32_t n = port.net->recv(port.net_ctx, h, (uint8_t *)answer + got, cap - 1 - got);
        if (n > 0) {
            got += (size_t)n;
        } else if (n == 0 || (n < 0 && n != ACME_WOULD_BLOCK)) {
            break;
        }
        port.wait->wait(port.wait_ctx, 5);
    }
    answer[got] = '\0';
    port.net->close(port.net_ctx, h);
    return got;
}

static void test_serves_key_authorization(void **state)
{
    (void)state;
    char answer[1024];
    static const char req[] = "GET /.well-known/acme-challenge/" TOKEN " HTTP/1.1\r\n"
                              "Host: a.example.com\r\nUser-Agent: Go-http-client/1.1\r\n"
                              "Accept: */*\r\nConnection: close\r\n\r\n";
    exchange(client_connect(), req, sizeof(req) - 1, answer, sizeof(answer));
    assert_non_null(strstr(answer, "HTTP/1.1 200"));
    assert_non_null(strstr(answer, "\r\n\r\n" KEYAUTH));
    assert_non_null(strstr(answer, "Content-Type: text/plain"));
    assert_int_equal(server.served, 1);
}

static void test_head_has_no_body(void **state)
{
    (void)state;
    char answer[1024];
    static const char req[] = "HEAD /.well-known/acme-challenge/" TOKEN " HTTP/1.1\r\n"
                              "Host: a\r\n\r\n";
    exchange(client_connect(), req, sizeof(req) - 1, answer, sizeof(answer));
    assert_non_null(strstr(answer, "HTTP/1.1 200"));
    assert_null(strstr(answer, KEYAUTH));
}

static void test_unknown_token_and_other_paths_are_404(void **state)
{
    (void)state;
    char answer[1024];
    static const char *const reqs[] = {
        "GET /.well-known/acme-challenge/other HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /.well-known/acme-challenge/" TOKEN "/../x HTTP/1.1\r\nHost: a\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
        exchange(client_connect(), reqs[i], strlen(reqs[i]), answer, sizeof(answer));
        assert_non_null(strstr(answer, "HTTP/1.1 404"));
        assert_null(strstr(answer, KEYAUTH));
    }
    assert_int_equal(server.served, 0);
}

static void test_bad_requests_get_4xx(void **state)
{
    (void)state;
    char answer[1024];
    static const char *const reqs[] = {
        "POST /.well-known/acme-challenge/" TOKEN " HTTP/1.1\r\nHost: a\r\n"
        "Content-Length: 3\r\n\r\nabc",
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 (a TLS ClientHello)\r\n\r\n",
        "GARBAGE\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
        exchange(client_connect(), reqs[i], strlen(reqs[i]), answer, sizeof(answer));
        assert_true(strncmp(answer, "HTTP/1.1 4", 10) == 0);
    }
    assert_int_equal(server.served, 0);
}

static void test_oversize_request_is_refused(void **state)
{
    (void)state;
    static char req[4 * ACME_HTTP01_REQUEST_MAX];
    snprintf(req, sizeof(req), "GET /.well-known/acme-challenge/" TOKEN " HTTP/1.1\r\nX-Pad: ");
    size_t n = strlen(req);
    memset(req + n, 'p', sizeof(req) - n - 5);
    memcpy(req + sizeof(req) - 5, "\r\n\r\n", 5);
    char answer[1024];
    exchange(client_connect(), req, sizeof(req) - 1, answer, sizeof(answer));
    assert_true(strncmp(answer, "HTTP/1.1 400", 12) == 0);
    assert_int_equal(server.served, 0);
}

/* Slow clients hold at most their slot, and only until the timeout. */
static void test_stalled_clients_time_out_and_do_not_block_others(void **state)
{
    (void)state;
    int32_t stalled[ACME_HTTP01_MAX_CONN];
    for (size_t i = 0; i < ACME_HTTP01_MAX_CONN; i++) {
        stalled[i] = client_connect();
        port.net->send(port.net_ctx, stalled[i], (const uint8_t *)"GET /", 5);
    }
    for (int i = 0; i < 100; i++) {
        acme_http01_server_poll(&server, clock_ms);
        port.wait->wait(port.wait_ctx, 2);
    }
    /* All slots are taken by clients that never finish... */
    size_t busy = 0;
    for (size_t i = 0; i < ACME_HTTP01_MAX_CONN; i++) {
        busy += server.conns[i].handle >= 0;
    }
    assert_int_equal(busy, ACME_HTTP01_MAX_CONN);
    /* ...until their time is up; then a real validation is served. */
    clock_ms += ACME_HTTP01_TIMEOUT_MS;
    char answer[1024];
    static const char req[] = "GET /.well-known/acme-challenge/" TOKEN " HTTP/1.1\r\nHost: a\r\n\r\n";
    exchange(client_connect(), req, sizeof(req) - 1, answer, sizeof(answer));
    assert_non_null(strstr(answer, KEYAUTH));
    assert_int_equal(server.refused, ACME_HTTP01_MAX_CONN);
    for (size_t i = 0; i < ACME_HTTP01_MAX_CONN; i++) {
        port.net->close(port.net_ctx, stalled[i]);
    }
}

static void test_port_in_use(void **state)
{
    (void)state;
    acme_http01_server_t second;
    acme_ip_addr_t lo = {ACME_IP_V4, {127, 0, 0, 1}};
    assert_int_equal(
        acme_http01_server_start(&second, port.net, port.net_ctx, &lo, server_port, lookup, NULL),
        ACME_ERR_ADDR_IN_USE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_serves_key_authorization, setup, teardown),
        cmocka_unit_test_setup_teardown(test_head_has_no_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_token_and_other_paths_are_404, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bad_requests_get_4xx, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oversize_request_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stalled_clients_time_out_and_do_not_block_others,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_port_in_use, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
