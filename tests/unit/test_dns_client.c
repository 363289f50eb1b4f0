/*
 * Tests for the stub resolver over fake datagram and stream seams: what it
 * sends and when (exact deadlines, retries), which datagrams it accepts
 * (source, id, question), the TCP retry of a truncated answer (length
 * prefix, matching, size limit, failures), CNAME chains followed across
 * queries (limit, loops), the system resolver, and what each kind of
 * answer means to the caller.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "acme/codec/ip_addr.h"
#include "acme/io/dns_client.h"
#include "fake_net.h"
#include "fake_udp.h"

#define SERVER_PORT 53u
#define QUERY_ID 0x5a17u /* the first id random16 gives; then 0x5a18, ... */
#define T0 1000u         /* the clock when each test starts a lookup */

static fake_udp_t udp;
static fake_net_t net;
static acme_port_t seams;
static acme_dns_client_t client;
static acme_ip_addr_t server;
static unsigned random_calls;

/* Predictable "random" ids, so that tests can tell the queries apart. */
static uint16_t test_random16(void *ctx)
{
    unsigned *calls = ctx;
    return (uint16_t)(QUERY_ID + (*calls)++);
}

static void init_client(const acme_ip_addr_t *srv, uint16_t srv_port)
{
    acme_dns_client_init(&client, &seams, srv, srv_port, test_random16, &random_calls);
}

static acme_ip_addr_t ip(const char *text)
{
    acme_ip_addr_t a;
    assert_int_equal(acme_ip_parse(text, strlen(text), &a), ACME_OK);
    return a;
}

static int setup(void **state)
{
    (void)state;
    fake_udp_init(&udp);
    fake_net_init(&net);
    memset(&seams, 0, sizeof(seams));
    seams.udp = &fake_udp_ops;
    seams.udp_ctx = &udp;
    seams.net = &fake_net_ops;
    seams.net_ctx = &net;
    random_calls = 0;
    server = ip("192.0.2.53");
    init_client(&server, SERVER_PORT);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    acme_dns_client_close(&client);
    assert_false(udp.bad_handle_used);
    assert_false(net.bad_handle_used);
    assert_int_equal(udp.open_handle, -1); /* no socket left open */
    assert_int_equal(net.open_handle, -1);
    return 0;
}

/* ---- building answers to the query that was sent ------------------------ */

typedef struct reply {
    uint8_t b[ACME_DNS_TCP_MAX + 64u]; /* room for TCP answers past the limit */
    size_t len;
} reply_t;

/* Header and question copied from the last query sent, turned into a
 * response (QR, RD, RA, the given rcode), no records yet. */
static void reply_begin(reply_t *m, uint8_t rcode)
{
    const fake_udp_datagram_t *q = fake_udp_last_sent(&udp);
    assert_non_null(q);
    size_t p = 12;
    while (q->data[p] != 0) { /* our own query: no compression */
        p += 1u + q->data[p];
    }
    p += 1u + 4u;
    memcpy(m->b, q->data, p);
    m->b[2] = 0x81;
    m->b[3] = (uint8_t)(0x80u | rcode);
    memset(m->b + 6, 0, 6); /* ANCOUNT, NSCOUNT, ARCOUNT */
    m->len = p;
}

static void put_name(reply_t *m, const char *name)
{
    size_t start = m->len++;
    for (const char *c = name; *c != '\0'; c++) {
        if (*c == '.') {
            m->b[start] = (uint8_t)(m->len - start - 1u);
            start = m->len++;
        } else {
            m->b[m->len++] = (uint8_t)*c;
        }
    }
    m->b[start] = (uint8_t)(m->len - start - 1u);
    m->b[m->len++] = 0;
}

/* Append an answer record; owner NULL means a pointer to the question. */
static void add_rr(reply_t *m, const char *owner, uint16_t type, const uint8_t *rdata,
                   uint16_t rdlen)
{
    if (owner == NULL) {
        m->b[m->len++] = 0xc0;
        m->b[m->len++] = 12;
    } else {
        put_name(m, owner);
    }
    const uint8_t fixed[10] = {(uint8_t)(type >> 8),  (uint8_t)type, 0, 1, 0, 0, 1, 0x2c,
                               (uint8_t)(rdlen >> 8), (uint8_t)rdlen};
    memcpy(m->b + m->len, fixed, sizeof(fixed));
    m->len += sizeof(fixed);
    memcpy(m->b + m->len, rdata, rdlen);
    m->len += rdlen;
    m->b[7]++; /* ANCOUNT (< 256 in these tests) */
}

static void add_a(reply_t *m, const char *owner, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    const uint8_t rdata[4] = {a, b, c, d};
    add_rr(m, owner, ACME_DNS_TYPE_A, rdata, 4);
}

static void add_cname(reply_t *m, const char *owner, const char *target)
{
    reply_t t;
    t.len = 0;
    put_name(&t, target);
    add_rr(m, owner, ACME_DNS_TYPE_CNAME, t.b, (uint16_t)t.len);
}

static void inject_from(const reply_t *m, const char *src, uint16_t port)
{
    acme_ip_addr_t a = ip(src);
    assert_true(fake_udp_inject(&udp, &a, port, m->b, m->len));
}

static void inject(const reply_t *m)
{
    inject_from(m, "192.0.2.53", SERVER_PORT);
}

/* Start a query at T0 and let the first datagram go out. */
static void start_and_send(const char *name, uint16_t qtype)
{
    uint64_t next = 0;
    unsigned sends_before = udp.sends;
    assert_int_equal(acme_dns_client_start(&client, name, qtype, T0), ACME_OK);
    assert_int_equal(acme_dns_client_poll(&client, T0, &next), ACME_WOULD_BLOCK);
    assert_int_equal(next, T0 + ACME_DNS_TIMEOUT_MS);
    assert_int_equal(udp.sends, sends_before + 1u);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_sends_exact_query_to_server(void **state)
{
    (void)state;
    assert_int_equal(acme_dns_client_start(&client, "acme.example.", ACME_DNS_TYPE_A, T0), ACME_OK);
    assert_int_equal(udp.opens, 1);
    assert_int_equal(udp.open_family, ACME_IP_V4);
    assert_int_equal(udp.sends, 0); /* start only prepares; poll sends */

    uint64_t next = 0;
    assert_int_equal(acme_dns_client_poll(&client, T0, &next), ACME_WOULD_BLOCK);
    assert_int_equal(next, T0 + ACME_DNS_TIMEOUT_MS);
    const fake_udp_datagram_t *d = fake_udp_last_sent(&udp);
    assert_non_null(d);
    assert_true(acme_ip_equal(&d->ip, &server));
    assert_int_equal(d->port, SERVER_PORT);
    /* RD query, id from the caller, EDNS0 with our payload size; one
     * line per part: header, question, OPT record. */
    /* clang-format off */
    static const uint8_t want[] = {0x5a, 0x17, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
                                   4, 'a', 'c', 'm', 'e', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
                                   0, 1, 0, 1,
                                   0, 0, 41, (uint8_t)(ACME_DNS_UDP_MAX >> 8),
                                   (uint8_t)ACME_DNS_UDP_MAX, 0, 0, 0, 0, 0, 0};
    /* clang-format on */
    assert_int_equal(d->len, sizeof(want));
    assert_memory_equal(d->data, want, sizeof(want));

    /* Polling again before the deadline sends nothing more. */
    assert_int_equal(acme_dns_client_poll(&client, T0 + 1999u, &next), ACME_WOULD_BLOCK);
    assert_int_equal(next, T0 + ACME_DNS_TIMEOUT_MS);
    assert_int_equal(udp.sends, 1);
}

static void test_answer_accepted(void **state)
{
    (void)state;
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    reply_t m;
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    add_a(&m, NULL, 192, 0, 2, 10);
    add_a(&m, "ACME.example", 192, 0, 2, 11); /* names compare case-blind */
    inject(&m);

    uint64_t next = 0;
    assert_int_equal(acme_dns_client_poll(&client, T0 + 20u, &next), ACME_OK);
    assert_int_equal(next, UINT64_MAX);
    assert_int_equal(udp.closes, 1); /* socket released as soon as it is done */
    assert_int_equal(client.stats.received, 1);
    assert_int_equal(client.stats.dropped, 0);

    acme_ip_addr_t out[4];
    size_t count = 0;
    assert_int_equal(acme_dns_client_addresses(&client, out, 4, &count), ACME_OK);
    assert_int_equal(count, 2);
    assert_true(acme_ip_equal(&out[0], &(acme_ip_addr_t){ACME_IP_V4, {192, 0, 2, 10}}));
    assert_true(acme_ip_equal(&out[1], &(acme_ip_addr_t){ACME_IP_V4, {192, 0, 2, 11}}));
    /* A smaller array gets the first ones. */
    assert_int_equal(acme_dns_client_addresses(&client, out, 1, &count), ACME_OK);
    assert_int_equal(count, 1);
    /* The records are the question's own, not reached through a CNAME. */
    char owner[ACME_DNS_NAME_MAX + 2];
    assert_int_equal(acme_dns_client_owner(&client, owner, sizeof(owner)), ACME_OK);
    assert_string_equal(owner, "acme.example");
    assert_int_equal(client.cname_links, 0);
    assert_int_equal(acme_dns_client_owner(&client, owner, 5), ACME_ERR_BUFFER_TOO_SMALL);

    /* The result stays until close. */
    assert_int_equal(acme_dns_client_poll(&client, T0 + 30u, &next), ACME_OK);
    assert_int_equal(udp.sends, 1);
    acme_dns_client_close(&client);
    assert_int_equal(acme_dns_client_addresses(&client, out, 4, &count), ACME_ERR_BAD_STATE);
    assert_int_equal(acme_dns_client_poll(&client, T0 + 40u, &next), ACME_ERR_BAD_STATE);
    assert_int_equal(acme_dns_client_owner(&client, owner, sizeof(owner)), ACME_ERR_BAD_STATE);
}

static void test_forgeries_ignored_then_real_answer_taken(void **state)
{
    (void)state;
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    reply_t real;
    reply_begin(&real, ACME_DNS_RCODE_NOERROR);
    add_a(&real, NULL, 192, 0, 2, 10);

    reply_t forged;
    reply_begin(&forged, ACME_DNS_RCODE_NOERROR);
    add_a(&forged, NULL, 203, 0, 113, 66);

    /* 1: right everything but the id. */
    reply_t m = forged;
    m.b[1] ^= 0x01;
    inject(&m);
    /* 2, 3: from another address, from another port of the server. */
    inject_from(&forged, "192.0.2.54", SERVER_PORT);
    inject_from(&forged, "192.0.2.53", 5353);
    /* 4: the server's IPv4 address as an IPv4-mapped IPv6 source. */
    inject_from(&forged, "::ffff:192.0.2.53", SERVER_PORT);
    /* 5: another question name (same length, so only the name differs). */
    m = forged;
    m.b[13] = 'b';
    inject(&m);
    /* 6: the right name but another type in the question. */
    m = forged;
    m.b[12 + 14 + 1] = ACME_DNS_TYPE_AAAA;
    inject(&m);
    /* 7: our own query reflected back (QR=0). */
    const fake_udp_datagram_t *q = fake_udp_last_sent(&udp);
    memcpy(m.b, q->data, q->len);
    m.len = q->len;
    inject(&m);
    /* 8: a NOTIFY (opcode 4) response with our id and question. */
    m = forged;
    m.b[2] |= 0x20;
    inject(&m);

    uint64_t next = 0;
    assert_int_equal(acme_dns_client_poll(&client, T0 + 10u, &next), ACME_WOULD_BLOCK);
    assert_int_equal(next, T0 + ACME_DNS_TIMEOUT_MS); /* still the first attempt */
    assert_int_equal(client.stats.received, 8);
    assert_int_equal(client.stats.dropped, 8);
    assert_int_equal(client.stats.wrong_source, 3);
    assert_int_equal(client.stats.mismatched, 5);

    inject(&real);
    assert_int_equal(acme_dns_client_poll(&client, T0 + 20u, &next), ACME_OK);
    acme_ip_addr_t out[2];
    size_t count = 0;
    assert_int_equal(acme_dns_client_addresses(&client, out, 2, &count), ACME_OK);
    assert_int_equal(count, 1);
    assert_int_equal(out[0].bytes[3], 10);
    assert_int_equal(udp.sends, 1);
}

static void test_reads_a_bounded_number_per_poll(void **state)
{
    (void)state;
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    reply_t m;
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    add_a(&m, NULL, 192, 0, 2, 10);
    for (unsigned i = 0; i < ACME_DNS_CLIENT_RECV_PER_POLL; i++) {
        inject_from(&m, "198.51.100.1", SERVER_PORT);
    }
    inject(&m);
    uint64_t next;
    assert_int_equal(acme_dns_client_poll(&client, T0 + 1u, &next), ACME_WOULD_BLOCK);
    assert_int_equal(client.stats.received, ACME_DNS_CLIENT_RECV_PER_POLL);
    assert_int_equal(acme_dns_client_poll(&client, T0 + 2u, &next), ACME_OK);
}

static void test_timeout_retries_then_gives_up(void **state)
{
    (void)state;
    uint64_t next = 0;
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    fake_udp_datagram_t first = *fake_udp_last_sent(&udp);

    /* One millisecond before the deadline: nothing happens. */
    assert_int_equal(acme_dns_client_poll(&client, T0 + ACME_DNS_TIMEOUT_MS - 1u, &next),
                     ACME_WOULD_BLOCK);
    assert_int_equal(udp.sends, 1);
    assert_int_equal(client.attempt, 1);

    /* Every deadline starts the next attempt with the same bytes. */
    for (unsigned attempt = 2; attempt <= ACME_DNS_ATTEMPTS; attempt++) {
        uint64_t at = T0 + (attempt - 1u) * ACME_DNS_TIMEOUT_MS;
        assert_int_equal(acme_dns_client_poll(&client, at, &next), ACME_WOULD_BLOCK);
        assert_int_equal(next, at + ACME_DNS_TIMEOUT_MS);
        assert_int_equal(udp.sends, attempt);
        assert_int_equal(client.attempt, attempt);
        const fake_udp_datagram_t *d = fake_udp_last_sent(&udp);
        assert_int_equal(d->len, first.len);
        assert_memory_equal(d->data, first.data, first.len);
    }
    uint64_t end = T0 + (uint64_t)ACME_DNS_ATTEMPTS * ACME_DNS_TIMEOUT_MS;
    assert_int_equal(acme_dns_client_poll(&client, end - 1u, &next), ACME_WOULD_BLOCK);
    assert_int_equal(next, end);
    assert_int_equal(acme_dns_client_poll(&client, end, &next), ACME_ERR_TIMEOUT);
    assert_int_equal(next, UINT64_MAX);
    assert_int_equal(udp.sends, ACME_DNS_ATTEMPTS);
    assert_int_equal(udp.opens, 1); /* one socket for all attempts */
    assert_int_equal(udp.closes, 1);
    assert_int_equal(acme_dns_client_poll(&client, end + 5000u, &next), ACME_ERR_TIMEOUT);
    assert_int_equal(udp.sends, ACME_DNS_ATTEMPTS);
}

static void test_late_poll_gives_attempt_full_time(void **state)
{
    (void)state;
    uint64_t next = 0;
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    /* The caller comes back 500 ms late: the retransmission still gets a
     * whole timeout. */
    uint64_t late = T0 + ACME_DNS_TIMEOUT_MS + 500u;
    assert_int_equal(acme_dns_client_poll(&client, late, &next), ACME_WOULD_BLOCK);
    assert_int_equal(next, late + ACME_DNS_TIMEOUT_MS);
    assert_int_equal(udp.sends, 2);
}

static void test_answer_to_earlier_attempt_accepted(void **state)
{
    (void)state;
    uint64_t next = 0;
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    reply_t m;
    reply_begin(&m, ACME_DNS_RCODE_NOERROR); /* the answer to attempt 1 ... */
    add_a(&m, NULL, 192, 0, 2, 10);
    assert_int_equal(acme_dns_client_poll(&client, T0 + ACME_DNS_TIMEOUT_MS, &next),
                     ACME_WOULD_BLOCK);
    assert_int_equal(udp.sends, 2);
    inject(&m); /* ... arrives after the retransmission */
    assert_int_equal(acme_dns_client_poll(&client, T0 + ACME_DNS_TIMEOUT_MS + 100u, &next),
                     ACME_OK);
}

static void test_answer_at_deadline_beats_retransmission(void **state)
{
    (void)state;
    uint64_t next = 0;
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    reply_t m;
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    add_a(&m, NULL, 192, 0, 2, 10);
    inject(&m);
    assert_int_equal(acme_dns_client_poll(&client, T0 + ACME_DNS_TIMEOUT_MS, &next), ACME_OK);
    assert_int_equal(udp.sends, 1);
}

static acme_status_t answer_with(uint8_t rcode)
{
    uint64_t next;
    reply_t m;
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    reply_begin(&m, rcode);
    inject(&m);
    return acme_dns_client_poll(&client, T0 + 5u, &next);
}

static void test_nxdomain(void **state)
{
    (void)state;
    assert_int_equal(answer_with(ACME_DNS_RCODE_NXDOMAIN), ACME_ERR_DNS_NXDOMAIN);
    assert_int_equal(client.rcode, ACME_DNS_RCODE_NXDOMAIN);
    acme_ip_addr_t out[1];
    size_t count = 9;
    assert_int_equal(acme_dns_client_addresses(&client, out, 1, &count), ACME_ERR_BAD_STATE);
    assert_int_equal(count, 0);
}

static void test_servfail_refused_formerr(void **state)
{
    (void)state;
    assert_int_equal(answer_with(ACME_DNS_RCODE_SERVFAIL), ACME_ERR_DNS);
    assert_int_equal(client.rcode, ACME_DNS_RCODE_SERVFAIL);
    assert_false(client.truncated);
    assert_int_equal(answer_with(ACME_DNS_RCODE_REFUSED), ACME_ERR_DNS);
    assert_int_equal(client.rcode, ACME_DNS_RCODE_REFUSED);
    assert_int_equal(answer_with(ACME_DNS_RCODE_FORMERR), ACME_ERR_DNS);
    assert_int_equal(udp.opens, 3);
    assert_int_equal(udp.closes, 3);
}

static void test_truncated_answer_without_stream_seam(void **state)
{
    (void)state;
    uint64_t next;
    reply_t m;
    seams.net = NULL;
    init_client(&server, SERVER_PORT);
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    m.b[2] |= 0x02; /* TC */
    inject(&m);
    assert_int_equal(acme_dns_client_poll(&client, T0 + 5u, &next), ACME_ERR_DNS);
    assert_true(client.truncated);
    assert_int_equal(client.stats.tcp, 1);
    assert_int_equal(net.connects, 0);
}

static void test_cname_chain_to_a(void **state)
{
    (void)state;
    uint64_t next;
    reply_t m;
    start_and_send("www.example.com", ACME_DNS_TYPE_A);
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    /* Records in an unhelpful order, plus an A record for a name that is
     * not on the chain: it must not be returned. */
    add_a(&m, "edge.cdn.example.net", 192, 0, 2, 77);
    add_a(&m, "evil.example", 203, 0, 113, 66);
    add_cname(&m, "cdn.example.net", "edge.cdn.example.net");
    add_cname(&m, NULL, "cdn.example.net");
    inject(&m);
    assert_int_equal(acme_dns_client_poll(&client, T0 + 5u, &next), ACME_OK);

    acme_ip_addr_t out[4];
    size_t count = 0;
    assert_int_equal(acme_dns_client_addresses(&client, out, 4, &count), ACME_OK);
    assert_int_equal(count, 1);
    assert_true(acme_ip_equal(&out[0], &(acme_ip_addr_t){ACME_IP_V4, {192, 0, 2, 77}}));
    char owner[ACME_DNS_NAME_MAX + 2];
    assert_int_equal(acme_dns_client_owner(&client, owner, sizeof(owner)), ACME_OK);
    assert_string_equal(owner, "edge.cdn.example.net");
    assert_int_equal(client.cname_links, 2);
    assert_int_equal(client.stats.queries, 1); /* the whole chain was in the answer */
}

/* An answer for acme.example with a chain of `links` CNAMEs c1, c2, ...
 * and an A record at the end. */
static acme_status_t chain_of(unsigned links)
{
    uint64_t next;
    reply_t m;
    char owner[32];
    char target[32];
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    for (unsigned i = 1; i <= links; i++) {
        snprintf(target, sizeof(target), "c%u.example", i);
        if (i == 1) {
            add_cname(&m, NULL, target);
        } else {
            snprintf(owner, sizeof(owner), "c%u.example", i - 1u);
            add_cname(&m, owner, target);
        }
    }
    add_a(&m, links > 0 ? target : "acme.example", 192, 0, 2, 99);
    inject(&m);
    return acme_dns_client_poll(&client, T0 + 5u, &next);
}

static void test_cname_chain_limit(void **state)
{
    (void)state;
    assert_int_equal(chain_of(ACME_DNS_CNAME_MAX), ACME_OK);
    acme_ip_addr_t out[1];
    size_t count = 0;
    assert_int_equal(acme_dns_client_addresses(&client, out, 1, &count), ACME_OK);
    assert_int_equal(count, 1);
    assert_int_equal(out[0].bytes[3], 99);

    assert_int_equal(chain_of(ACME_DNS_CNAME_MAX + 1u), ACME_ERR_OVERSIZE);
}

static void test_cname_loop(void **state)
{
    (void)state;
    uint64_t next;
    reply_t m;
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    add_cname(&m, NULL, "b.example");
    add_cname(&m, "b.example", "ACME.Example"); /* back to the question, in another case */
    inject(&m);
    assert_int_equal(acme_dns_client_poll(&client, T0 + 5u, &next), ACME_ERR_OVERSIZE);
    assert_true(client.cname_loop);
    assert_int_equal(client.stats.queries, 1);
}

static void test_no_answer_of_the_type(void **state)
{
    (void)state;
    uint64_t next;
    reply_t m;
    /* NOERROR, empty answer section (NODATA). */
    assert_int_equal(answer_with(ACME_DNS_RCODE_NOERROR), ACME_ERR_DNS_NO_ANSWER);

    /* Only AAAA records for an A question. */
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    add_rr(&m, NULL, ACME_DNS_TYPE_AAAA, v6, 16);
    inject(&m);
    assert_int_equal(acme_dns_client_poll(&client, T0 + 5u, &next), ACME_ERR_DNS_NO_ANSWER);

    /* A CNAME whose target's records are not in the answer: the target
     * is asked for, and has no A record either (or does not exist). */
    for (int nx = 0; nx <= 1; nx++) {
        start_and_send("acme.example", ACME_DNS_TYPE_A);
        reply_begin(&m, ACME_DNS_RCODE_NOERROR);
        add_cname(&m, NULL, "elsewhere.example");
        add_a(&m, "acme.example.org", 192, 0, 2, 1);
        inject(&m);
        assert_int_equal(acme_dns_client_poll(&client, T0 + 5u, &next), ACME_WOULD_BLOCK);
        reply_begin(&m, nx ? ACME_DNS_RCODE_NXDOMAIN : ACME_DNS_RCODE_NOERROR);
        assert_int_equal(m.b[13 + 0], 'e'); /* the second query is for the target */
        inject(&m);
        assert_int_equal(acme_dns_client_poll(&client, T0 + 6u, &next),
                         nx ? ACME_ERR_DNS_NXDOMAIN : ACME_ERR_DNS_NO_ANSWER);
        assert_int_equal(client.stats.queries, 2);
    }
}

static void test_malformed_answer_dropped(void **state)
{
    (void)state;
    uint64_t next;
    reply_t bad;
    reply_t good;
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    reply_begin(&good, ACME_DNS_RCODE_NOERROR);
    add_a(&good, NULL, 192, 0, 2, 10);

    /* An A record with 5 octets of RDATA. */
    reply_begin(&bad, ACME_DNS_RCODE_NOERROR);
    static const uint8_t five[5] = {1, 2, 3, 4, 5};
    add_rr(&bad, NULL, ACME_DNS_TYPE_A, five, 5);
    inject(&bad);
    /* ANCOUNT says 2, one record present. */
    bad = good;
    bad.b[7] = 2;
    inject(&bad);
    /* A CNAME whose name does not fill its RDATA. */
    reply_begin(&bad, ACME_DNS_RCODE_NOERROR);
    static const uint8_t cname_extra[] = {1, 'x', 0, 0xff};
    add_rr(&bad, NULL, ACME_DNS_TYPE_CNAME, cname_extra, sizeof(cname_extra));
    inject(&bad);
    /* Right id, header only. */
    inject(&(reply_t){{0x5a, 0x17, 0x81, 0x80, 0, 1}, 12});

    assert_int_equal(acme_dns_client_poll(&client, T0 + 5u, &next), ACME_WOULD_BLOCK);
    assert_int_equal(client.stats.malformed, 4);
    assert_int_equal(client.stats.dropped, 4);
    inject(&good);
    assert_int_equal(acme_dns_client_poll(&client, T0 + 6u, &next), ACME_OK);
}

static void test_receive_errors_ignored(void **state)
{
    (void)state;
    uint64_t next;
    reply_t m;
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    udp.recv_error = ACME_ERR_TRANSPORT; /* e.g. a (spoofable) ICMP port unreachable */
    assert_int_equal(acme_dns_client_poll(&client, T0 + 5u, &next), ACME_WOULD_BLOCK);
    assert_int_equal(client.stats.recv_errors, 1);
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    add_a(&m, NULL, 192, 0, 2, 10);
    inject(&m);
    assert_int_equal(acme_dns_client_poll(&client, T0 + 6u, &next), ACME_OK);
}

static void test_send_would_block_and_send_error(void **state)
{
    (void)state;
    uint64_t next = 0;
    assert_int_equal(acme_dns_client_start(&client, "acme.example", ACME_DNS_TYPE_A, T0), ACME_OK);
    fake_udp_script_send(&udp, ACME_WOULD_BLOCK);
    assert_int_equal(acme_dns_client_poll(&client, T0, &next), ACME_WOULD_BLOCK);
    assert_int_equal(next, T0); /* poll again at once */
    assert_int_equal(udp.sends, 0);
    assert_int_equal(acme_dns_client_poll(&client, T0 + 3u, &next), ACME_WOULD_BLOCK);
    assert_int_equal(udp.sends, 1);
    assert_int_equal(next, T0 + ACME_DNS_TIMEOUT_MS); /* the attempt began at start */

    /* A hard send error ends the query with that error. */
    assert_int_equal(acme_dns_client_start(&client, "acme.example", ACME_DNS_TYPE_A, T0), ACME_OK);
    fake_udp_script_send(&udp, ACME_ERR_TRANSPORT);
    assert_int_equal(acme_dns_client_poll(&client, T0, &next), ACME_ERR_TRANSPORT);
    assert_int_equal(udp.open_handle, -1);
}

static void test_start_errors(void **state)
{
    (void)state;
    uint64_t next;
    /* Nothing started. */
    assert_int_equal(acme_dns_client_poll(&client, T0, &next), ACME_ERR_BAD_STATE);
    /* Bad names and type never open a socket. */
    assert_int_equal(acme_dns_client_start(&client, "a..b", ACME_DNS_TYPE_A, T0),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_dns_client_start(&client, "", ACME_DNS_TYPE_A, T0), ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_dns_client_start(&client, "a.test", 0, T0), ACME_ERR_INVALID_ARG);
    assert_int_equal(udp.opens, 0);

    /* No datagram seam, no random ids, no port. */
    acme_dns_client_init(&client, NULL, &server, SERVER_PORT, test_random16, &random_calls);
    assert_int_equal(acme_dns_client_start(&client, "a.test", ACME_DNS_TYPE_A, T0),
                     ACME_ERR_CONFIG);
    acme_port_t no_udp = seams;
    no_udp.udp = NULL;
    acme_dns_client_init(&client, &no_udp, &server, SERVER_PORT, test_random16, &random_calls);
    assert_int_equal(acme_dns_client_start(&client, "a.test", ACME_DNS_TYPE_A, T0),
                     ACME_ERR_CONFIG);
    acme_dns_client_init(&client, &seams, &server, SERVER_PORT, NULL, NULL);
    assert_int_equal(acme_dns_client_start(&client, "a.test", ACME_DNS_TYPE_A, T0),
                     ACME_ERR_CONFIG);
    init_client(&server, 0);
    assert_int_equal(acme_dns_client_start(&client, "a.test", ACME_DNS_TYPE_A, T0),
                     ACME_ERR_CONFIG);
    acme_ip_addr_t none;
    memset(&none, 0, sizeof(none));
    init_client(&none, SERVER_PORT);
    assert_int_equal(acme_dns_client_start(&client, "a.test", ACME_DNS_TYPE_A, T0),
                     ACME_ERR_CONFIG);
    assert_int_equal(udp.opens, 0);

    /* The port cannot open a socket. */
    init_client(&server, SERVER_PORT);
    udp.open_result = ACME_ERR_TRANSPORT;
    assert_int_equal(acme_dns_client_start(&client, "a.test", ACME_DNS_TYPE_A, T0),
                     ACME_ERR_TRANSPORT);
    assert_int_equal(acme_dns_client_poll(&client, T0, &next), ACME_ERR_BAD_STATE);
}

static void test_aaaa_over_ipv6_server(void **state)
{
    (void)state;
    uint64_t next;
    reply_t m;
    acme_ip_addr_t v6server = ip("::1");
    init_client(&v6server, 5399);
    assert_int_equal(acme_dns_client_start(&client, "acme.example", ACME_DNS_TYPE_AAAA, T0),
                     ACME_OK);
    assert_int_equal(udp.open_family, ACME_IP_V6);
    assert_int_equal(acme_dns_client_poll(&client, T0, &next), ACME_WOULD_BLOCK);
    assert_int_equal(fake_udp_last_sent(&udp)->port, 5399);
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [14] = 0xab, [15] = 0xcd};
    add_rr(&m, NULL, ACME_DNS_TYPE_AAAA, v6, 16);
    inject_from(&m, "127.0.0.1", 5399); /* wrong family: dropped */
    inject_from(&m, "::1", 5399);
    assert_int_equal(acme_dns_client_poll(&client, T0 + 1u, &next), ACME_OK);
    assert_int_equal(client.stats.wrong_source, 1);
    acme_ip_addr_t out[2];
    size_t count;
    assert_int_equal(acme_dns_client_addresses(&client, out, 2, &count), ACME_OK);
    assert_int_equal(count, 1);
    assert_int_equal(out[0].family, ACME_IP_V6);
    assert_memory_equal(out[0].bytes, v6, 16);
}

static void test_generic_records_for_caa(void **state)
{
    (void)state;
    uint64_t next;
    reply_t m;
    start_and_send("example.com", ACME_DNS_TYPE_CAA);
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    static const uint8_t caa[] = {0, 5, 'i', 's', 's', 'u', 'e', 'c', 'a', '.', 't', 'e', 's', 't'};
    add_rr(&m, NULL, ACME_DNS_TYPE_CAA, caa, sizeof(caa));
    add_a(&m, NULL, 192, 0, 2, 1); /* another type: not a CAA record */
    inject(&m);
    assert_int_equal(acme_dns_client_poll(&client, T0 + 1u, &next), ACME_OK);

    acme_dns_answer_iter_t it;
    acme_dns_rr_t rr;
    assert_int_equal(acme_dns_client_records(&client, &it), ACME_OK);
    assert_int_equal(acme_dns_client_next_record(&client, &it, &rr), ACME_OK);
    assert_int_equal(rr.type, ACME_DNS_TYPE_CAA);
    assert_int_equal(rr.rdlen, sizeof(caa));
    assert_memory_equal(rr.rdata, caa, sizeof(caa));
    assert_int_equal(acme_dns_client_next_record(&client, &it, &rr), ACME_ERR_NOT_FOUND);

    acme_ip_addr_t out[1];
    size_t count;
    assert_int_equal(acme_dns_client_addresses(&client, out, 1, &count), ACME_ERR_INVALID_ARG);
}

static void test_restart_closes_previous_query(void **state)
{
    (void)state;
    uint64_t next;
    start_and_send("one.example", ACME_DNS_TYPE_A);
    assert_int_equal(acme_dns_client_start(&client, "two.example", ACME_DNS_TYPE_A, T0), ACME_OK);
    assert_int_equal(udp.opens, 2);
    assert_int_equal(udp.closes, 1);
    assert_int_equal(acme_dns_client_poll(&client, T0, &next), ACME_WOULD_BLOCK);
    const fake_udp_datagram_t *d = fake_udp_last_sent(&udp);
    assert_int_equal(d->data[0], 0x5a); /* a fresh id from random16 */
    assert_int_equal(d->data[1], 0x18);
    assert_int_equal(d->data[13], 't');
    assert_int_equal(random_calls, 2);
    acme_dns_client_close(&client);
    acme_dns_client_close(&client); /* twice is fine */
    assert_int_equal(udp.closes, 2);
}

/* ---- TCP after a truncated answer ---------------------------------------------- */

/* Answer the current UDP query with TC=1 (one A record, the rest did not
 * fit) and let the client move to TCP at T0 + 5. */
static void truncate_over_tcp(void)
{
    uint64_t next;
    reply_t m;
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    add_a(&m, NULL, 192, 0, 2, 1);
    m.b[2] |= 0x02; /* TC */
    inject(&m);
    assert_int_equal(acme_dns_client_poll(&client, T0 + 5u, &next), ACME_WOULD_BLOCK);
    assert_int_equal(next, T0 + 5u + ACME_DNS_TIMEOUT_MS); /* one TCP attempt */
    assert_int_equal(net.connects, 1);
    assert_int_equal(udp.open_handle, -1); /* the UDP part is over */
}

/* Poll at `at` until the lookup ends, at most `rounds` times. */
static acme_status_t poll_to_end(uint64_t at, unsigned rounds)
{
    acme_status_t st = ACME_WOULD_BLOCK;
    for (unsigned k = 0; k < rounds && st == ACME_WOULD_BLOCK; k++) {
        uint64_t next;
        st = acme_dns_client_poll(&client, at, &next);
    }
    return st;
}

static void test_truncated_answer_retried_over_tcp(void **state)
{
    (void)state;
    uint64_t next;
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    const fake_udp_datagram_t query = *fake_udp_last_sent(&udp);

    /* A truncated answer from a stranger starts nothing. */
    reply_t tc;
    reply_begin(&tc, ACME_DNS_RCODE_NOERROR);
    add_a(&tc, NULL, 192, 0, 2, 1);
    tc.b[2] |= 0x02;
    inject_from(&tc, "198.51.100.7", SERVER_PORT);
    assert_int_equal(acme_dns_client_poll(&client, T0 + 2u, &next), ACME_WOULD_BLOCK);
    assert_int_equal(net.connects, 0);
    assert_int_equal(client.stats.wrong_source, 1);

    /* The server's own: the same server and port over TCP; the connection
     * takes two calls to complete, the socket takes 7 bytes per send and
     * gives 5 per receive. */
    net.connecting_calls = 2;
    net.send_chunk = 7;
    net.recv_chunk = 5;
    inject(&tc);
    assert_int_equal(acme_dns_client_poll(&client, T0 + 5u, &next), ACME_WOULD_BLOCK);
    assert_int_equal(next, T0 + 5u + ACME_DNS_TIMEOUT_MS);
    assert_int_equal(net.connects, 1);
    assert_string_equal(net.host, "192.0.2.53");
    assert_int_equal(net.port, SERVER_PORT);
    assert_int_equal(udp.closes, 1);
    assert_true(client.truncated);

    /* The same query (id and bytes) behind its two-octet length. */
    assert_int_equal(poll_to_end(T0 + 6u, 10), ACME_WOULD_BLOCK);
    assert_int_equal(net.sent_len, query.len + 2u);
    assert_int_equal(net.sent[0], (uint8_t)(query.len >> 8));
    assert_int_equal(net.sent[1], (uint8_t)query.len);
    assert_memory_equal(net.sent + 2, query.data, query.len);

    /* The whole answer: 100 addresses, more than fits in a datagram. */
    reply_t full;
    reply_begin(&full, ACME_DNS_RCODE_NOERROR);
    for (unsigned i = 0; i < 100; i++) {
        add_a(&full, NULL, 10, 0, 0, (uint8_t)i);
    }
    assert_true(full.len > ACME_DNS_UDP_MAX);
    assert_true(fake_net_reply_dns(&net, full.b, full.len));
    assert_int_equal(poll_to_end(T0 + 7u, 1000), ACME_OK);

    static acme_ip_addr_t out[128];
    size_t count = 0;
    assert_int_equal(acme_dns_client_addresses(&client, out, 128, &count), ACME_OK);
    assert_int_equal(count, 100);
    assert_int_equal(out[99].bytes[3], 99);
    assert_int_equal(client.stats.tcp, 1);
    assert_int_equal(net.closes, 1);
    assert_int_equal(udp.sends, 1); /* no UDP retransmission meanwhile */
}

static void test_tcp_over_ipv6_server(void **state)
{
    (void)state;
    acme_ip_addr_t v6 = ip("2001:db8::53");
    init_client(&v6, 5399);
    start_and_send("acme.example", ACME_DNS_TYPE_AAAA);
    reply_t m;
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    m.b[2] |= 0x02;
    inject_from(&m, "2001:db8::53", 5399);
    uint64_t next;
    assert_int_equal(acme_dns_client_poll(&client, T0 + 5u, &next), ACME_WOULD_BLOCK);
    assert_string_equal(net.host, "2001:db8::53"); /* an IP literal: the port resolves nothing */
    assert_int_equal(net.port, 5399);
}

static void test_tcp_answer_must_match_the_query(void **state)
{
    (void)state;
    for (int variant = 0; variant < 3; variant++) {
        fake_net_init(&net);
        start_and_send("acme.example", ACME_DNS_TYPE_A);
        truncate_over_tcp();
        reply_t m;
        reply_begin(&m, ACME_DNS_RCODE_NOERROR);
        add_a(&m, NULL, 203, 0, 113, 66);
        if (variant == 0) {
            m.b[1] ^= 0x01; /* another id */
        } else if (variant == 1) {
            m.b[13] = 'b'; /* another question */
        } else {
            m.b[2] &= 0x7f; /* not a response */
        }
        assert_true(fake_net_reply_dns(&net, m.b, m.len));
        assert_int_equal(poll_to_end(T0 + 6u, 10), ACME_ERR_DNS);
        assert_int_equal(client.stats.mismatched, 1);
        assert_int_equal(net.open_handle, -1);
        acme_ip_addr_t out[1];
        size_t count;
        assert_int_equal(acme_dns_client_addresses(&client, out, 1, &count), ACME_ERR_BAD_STATE);
    }
}

static void test_tcp_answer_size_limit(void **state)
{
    (void)state;
    /* One octet more than the buffer: refused from the length alone. */
    start_and_send("acme.example", ACME_DNS_TYPE_CAA);
    truncate_over_tcp();
    const uint8_t prefix[2] = {(uint8_t)((ACME_DNS_TCP_MAX + 1u) >> 8),
                               (uint8_t)(ACME_DNS_TCP_MAX + 1u)};
    static const uint8_t filler[ACME_DNS_TCP_MAX];
    assert_true(fake_net_reply_raw(&net, prefix, sizeof(prefix)));
    assert_true(fake_net_reply_raw(&net, filler, 64));
    assert_int_equal(poll_to_end(T0 + 6u, 10), ACME_ERR_OVERSIZE);
    assert_int_equal(net.reply_pos, 2u); /* nothing read past the length */
    assert_int_equal(net.open_handle, -1);

    /* Exactly the buffer: taken. */
    fake_net_init(&net);
    start_and_send("acme.example", ACME_DNS_TYPE_CAA);
    truncate_over_tcp();
    reply_t m;
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    uint16_t rdlen = (uint16_t)(ACME_DNS_TCP_MAX - m.len - 12u); /* pointer + fixed part */
    add_rr(&m, NULL, ACME_DNS_TYPE_CAA, filler, rdlen);
    assert_int_equal(m.len, ACME_DNS_TCP_MAX);
    assert_true(fake_net_reply_dns(&net, m.b, m.len));
    assert_int_equal(poll_to_end(T0 + 6u, 1000), ACME_OK);
    acme_dns_answer_iter_t it;
    acme_dns_rr_t rr;
    assert_int_equal(acme_dns_client_records(&client, &it), ACME_OK);
    assert_int_equal(acme_dns_client_next_record(&client, &it, &rr), ACME_OK);
    assert_int_equal(rr.rdlen, rdlen);
}

static void test_tcp_failures(void **state)
{
    (void)state;
    /* The port cannot even start a connection. */
    net.connect_result = ACME_ERR_NO_MEMORY;
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    reply_t m;
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    m.b[2] |= 0x02;
    inject(&m);
    uint64_t next;
    assert_int_equal(acme_dns_client_poll(&client, T0 + 5u, &next), ACME_ERR_DNS);
    assert_int_equal(client.tcp_error, ACME_ERR_NO_MEMORY);
    assert_true(client.truncated);

    /* The connection is refused (reported by the first send). */
    fake_net_init(&net);
    net.io_error = ACME_ERR_CONNECT;
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    m.b[2] |= 0x02;
    inject(&m);
    assert_int_equal(acme_dns_client_poll(&client, T0 + 5u, &next), ACME_ERR_DNS);
    assert_int_equal(client.tcp_error, ACME_ERR_CONNECT);
    assert_int_equal(net.closes, 1);

    /* The server closes after half of the answer. */
    fake_net_init(&net);
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    truncate_over_tcp();
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    add_a(&m, NULL, 192, 0, 2, 10);
    const uint8_t prefix[2] = {(uint8_t)(m.len >> 8), (uint8_t)m.len};
    assert_true(fake_net_reply_raw(&net, prefix, 2));
    assert_true(fake_net_reply_raw(&net, m.b, m.len / 2u));
    net.close_after_reply = true;
    assert_int_equal(poll_to_end(T0 + 6u, 10), ACME_ERR_DNS);
    assert_int_equal(client.tcp_error, ACME_ERR_CLOSED);
    assert_int_equal(net.open_handle, -1);
}

static void test_tcp_timeout(void **state)
{
    (void)state;
    uint64_t next;
    net.connecting_calls = 1000000; /* never connects */
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    truncate_over_tcp();
    uint64_t end = T0 + 5u + ACME_DNS_TIMEOUT_MS;
    assert_int_equal(acme_dns_client_poll(&client, end - 1u, &next), ACME_WOULD_BLOCK);
    assert_int_equal(next, end);
    assert_int_equal(acme_dns_client_poll(&client, end, &next), ACME_ERR_TIMEOUT);
    assert_int_equal(next, UINT64_MAX);
    assert_int_equal(net.closes, 1);
    assert_int_equal(udp.sends, 1);
}

static void test_tcp_answer_truncated_or_malformed(void **state)
{
    (void)state;
    reply_t m;
    /* Truncated again: nothing bigger to fall back to. */
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    truncate_over_tcp();
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    add_a(&m, NULL, 192, 0, 2, 10);
    m.b[2] |= 0x02;
    assert_true(fake_net_reply_dns(&net, m.b, m.len));
    assert_int_equal(poll_to_end(T0 + 6u, 10), ACME_ERR_DNS);

    /* ANCOUNT says 2, one record present: over TCP that ends the lookup. */
    fake_net_init(&net);
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    truncate_over_tcp();
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    add_a(&m, NULL, 192, 0, 2, 10);
    m.b[7] = 2;
    assert_true(fake_net_reply_dns(&net, m.b, m.len));
    assert_int_equal(poll_to_end(T0 + 6u, 10), ACME_ERR_MALFORMED);
    assert_int_equal(client.stats.malformed, 1);

    /* A length shorter than a header. */
    fake_net_init(&net);
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    truncate_over_tcp();
    assert_true(fake_net_reply_dns(&net, m.b, 5));
    assert_int_equal(poll_to_end(T0 + 6u, 10), ACME_ERR_MALFORMED);
}

/* ---- CNAME chains across queries ------------------------------------------------- */

static void test_cname_target_asked_in_second_query(void **state)
{
    (void)state;
    uint64_t next;
    start_and_send("www.example.com", ACME_DNS_TYPE_A);
    reply_t first;
    reply_begin(&first, ACME_DNS_RCODE_NOERROR);
    add_cname(&first, NULL, "cdn.example.net");
    inject(&first);
    assert_int_equal(acme_dns_client_poll(&client, T0 + 5u, &next), ACME_WOULD_BLOCK);
    assert_int_equal(next, T0 + 5u + ACME_DNS_TIMEOUT_MS); /* the new query's own attempts */

    /* A new socket, a new id, the target as the question. */
    assert_int_equal(udp.opens, 2);
    assert_int_equal(udp.closes, 1);
    assert_int_equal(udp.sends, 2);
    const fake_udp_datagram_t *q = fake_udp_last_sent(&udp);
    assert_int_equal(q->data[0], 0x5a);
    assert_int_equal(q->data[1], 0x18);
    static const uint8_t qname[] = "\3cdn\7example\3net\0\0\1"; /* name, type A */
    assert_memory_equal(q->data + 12, qname, sizeof(qname) - 1u);

    /* The first answer once more (a late duplicate) does not answer it. */
    inject(&first);
    reply_t second;
    reply_begin(&second, ACME_DNS_RCODE_NOERROR);
    add_a(&second, NULL, 192, 0, 2, 80);
    inject(&second);
    assert_int_equal(acme_dns_client_poll(&client, T0 + 6u, &next), ACME_OK);
    assert_int_equal(client.stats.mismatched, 1);

    acme_ip_addr_t out[2];
    size_t count = 0;
    assert_int_equal(acme_dns_client_addresses(&client, out, 2, &count), ACME_OK);
    assert_int_equal(count, 1);
    assert_int_equal(out[0].bytes[3], 80);
    char owner[ACME_DNS_NAME_MAX + 2];
    assert_int_equal(acme_dns_client_owner(&client, owner, sizeof(owner)), ACME_OK);
    assert_string_equal(owner, "cdn.example.net");
    assert_int_equal(client.cname_links, 1);
    assert_int_equal(client.stats.queries, 2);
}

static void test_cname_after_tcp_answer_asked_over_udp(void **state)
{
    (void)state;
    uint64_t next;
    reply_t m;
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    truncate_over_tcp();
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    add_cname(&m, NULL, "b.example");
    assert_true(fake_net_reply_dns(&net, m.b, m.len));
    /* The TCP answer ends in a CNAME: the target goes out as a datagram,
     * from a new socket, at once. */
    assert_int_equal(acme_dns_client_poll(&client, T0 + 6u, &next), ACME_WOULD_BLOCK);
    assert_int_equal(next, T0 + 6u + ACME_DNS_TIMEOUT_MS);
    assert_int_equal(net.open_handle, -1);
    assert_int_equal(udp.opens, 2);
    assert_int_equal(udp.sends, 2);
    assert_int_equal(fake_udp_last_sent(&udp)->data[13], 'b');
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    add_a(&m, NULL, 192, 0, 2, 42);
    inject(&m);
    assert_int_equal(acme_dns_client_poll(&client, T0 + 7u, &next), ACME_OK);
    char owner[ACME_DNS_NAME_MAX + 2];
    assert_int_equal(acme_dns_client_owner(&client, owner, sizeof(owner)), ACME_OK);
    assert_string_equal(owner, "b.example");
    assert_int_equal(client.stats.tcp, 1);
    assert_int_equal(client.stats.queries, 2);
}

static void test_cname_chain_partly_in_each_answer(void **state)
{
    (void)state;
    uint64_t next;
    reply_t m;
    start_and_send("acme.example", ACME_DNS_TYPE_CAA);
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    add_cname(&m, NULL, "c1.example");
    add_cname(&m, "c1.example", "c2.example");
    inject(&m);
    assert_int_equal(acme_dns_client_poll(&client, T0 + 5u, &next), ACME_WOULD_BLOCK);
    assert_int_equal(fake_udp_last_sent(&udp)->data[14], '2'); /* asks for c2.example */

    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    add_cname(&m, NULL, "c3.example");
    static const uint8_t caa[] = {0, 5, 'i', 's', 's', 'u', 'e', 'c', 'a', '.', 't', 'e', 's', 't'};
    add_rr(&m, "c3.example", ACME_DNS_TYPE_CAA, caa, sizeof(caa));
    inject(&m);
    assert_int_equal(acme_dns_client_poll(&client, T0 + 6u, &next), ACME_OK);
    char owner[ACME_DNS_NAME_MAX + 2];
    assert_int_equal(acme_dns_client_owner(&client, owner, sizeof(owner)), ACME_OK);
    assert_string_equal(owner, "c3.example");
    assert_int_equal(client.cname_links, 3);
    assert_int_equal(client.stats.queries, 2);
    acme_dns_answer_iter_t it;
    acme_dns_rr_t rr;
    assert_int_equal(acme_dns_client_records(&client, &it), ACME_OK);
    assert_int_equal(acme_dns_client_next_record(&client, &it, &rr), ACME_OK);
    assert_memory_equal(rr.rdata, caa, sizeof(caa));
}

/* A lookup of acme.example where every answer holds one CNAME to the next
 * name (c1, c2, ...), `links` in all, and the last name has an A record. */
static acme_status_t chain_across_queries(unsigned links)
{
    uint64_t next;
    reply_t m;
    char target[32];
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    for (unsigned i = 1; i <= links; i++) {
        snprintf(target, sizeof(target), "c%u.example", i);
        reply_begin(&m, ACME_DNS_RCODE_NOERROR);
        add_cname(&m, NULL, target);
        inject(&m);
        acme_status_t st = acme_dns_client_poll(&client, T0 + i, &next);
        if (st != ACME_WOULD_BLOCK) {
            return st;
        }
    }
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    add_a(&m, NULL, 192, 0, 2, 99);
    inject(&m);
    return acme_dns_client_poll(&client, T0 + links + 1u, &next);
}

static void test_cname_chain_across_queries_limit(void **state)
{
    (void)state;
    assert_int_equal(chain_across_queries(ACME_DNS_CNAME_MAX), ACME_OK);
    assert_int_equal(client.stats.queries, ACME_DNS_CNAME_MAX + 1u);
    assert_int_equal(client.cname_links, ACME_DNS_CNAME_MAX);

    assert_int_equal(chain_across_queries(ACME_DNS_CNAME_MAX + 1u), ACME_ERR_OVERSIZE);
    assert_false(client.cname_loop);
    assert_int_equal(client.stats.queries, ACME_DNS_CNAME_MAX + 1u); /* no query past the limit */
    assert_int_equal(udp.open_handle, -1);
}

static void test_cname_loop_across_queries(void **state)
{
    (void)state;
    uint64_t next;
    reply_t m;
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    add_cname(&m, NULL, "b.example");
    inject(&m);
    assert_int_equal(acme_dns_client_poll(&client, T0 + 5u, &next), ACME_WOULD_BLOCK);
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    add_cname(&m, NULL, "Acme.Example");
    inject(&m);
    assert_int_equal(acme_dns_client_poll(&client, T0 + 6u, &next), ACME_ERR_OVERSIZE);
    assert_true(client.cname_loop);
    assert_int_equal(client.stats.queries, 2); /* found at once, not after the limit */
}

static void test_cname_to_the_root_is_malformed(void **state)
{
    (void)state;
    uint64_t next;
    reply_t m;
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    static const uint8_t root[] = {0};
    add_rr(&m, NULL, ACME_DNS_TYPE_CNAME, root, sizeof(root));
    inject(&m);
    assert_int_equal(acme_dns_client_poll(&client, T0 + 5u, &next), ACME_ERR_MALFORMED);
    assert_int_equal(udp.opens, 1);
}

/* ---- the platform's resolver ----------------------------------------------------- */

static void test_system_resolver(void **state)
{
    (void)state;
    uint64_t next;
    reply_t m;
    udp.system_result = ACME_OK;
    udp.system_ip = ip("192.0.2.99");
    udp.system_port = 5300;
    init_client(NULL, 0);
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    assert_int_equal(udp.system_calls, 1);
    const fake_udp_datagram_t *q = fake_udp_last_sent(&udp);
    assert_true(acme_ip_equal(&q->ip, &udp.system_ip));
    assert_int_equal(q->port, 5300);

    reply_begin(&m, ACME_DNS_RCODE_NOERROR);
    add_a(&m, NULL, 192, 0, 2, 10);
    inject(&m); /* from 192.0.2.53: not this lookup's server */
    inject_from(&m, "192.0.2.99", 5300);
    assert_int_equal(acme_dns_client_poll(&client, T0 + 5u, &next), ACME_OK);
    assert_int_equal(client.stats.wrong_source, 1);

    /* Asked again for the next lookup: the configuration may have changed. */
    udp.system_ip = ip("::1");
    udp.system_port = 53;
    start_and_send("acme.example", ACME_DNS_TYPE_A);
    assert_int_equal(udp.system_calls, 2);
    assert_int_equal(udp.open_family, ACME_IP_V6);
    assert_int_equal(fake_udp_last_sent(&udp)->port, 53);

    /* No name server configured: the seam's answer, and no socket. */
    udp.system_result = ACME_ERR_NOT_FOUND;
    unsigned opens = udp.opens;
    assert_int_equal(acme_dns_client_start(&client, "acme.example", ACME_DNS_TYPE_A, T0),
                     ACME_ERR_NOT_FOUND);
    assert_int_equal(udp.opens, opens);

    /* A datagram seam without a system resolver needs a configured server. */
    acme_udp_ops_t plain = fake_udp_ops;
    plain.system_resolver = NULL;
    seams.udp = &plain;
    init_client(NULL, 0);
    assert_int_equal(acme_dns_client_start(&client, "acme.example", ACME_DNS_TYPE_A, T0),
                     ACME_ERR_CONFIG);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_sends_exact_query_to_server),
        T(test_answer_accepted),
        T(test_forgeries_ignored_then_real_answer_taken),
        T(test_reads_a_bounded_number_per_poll),
        T(test_timeout_retries_then_gives_up),
        T(test_late_poll_gives_attempt_full_time),
        T(test_answer_to_earlier_attempt_accepted),
        T(test_answer_at_deadline_beats_retransmission),
        T(test_nxdomain),
        T(test_servfail_refused_formerr),
        T(test_truncated_answer_without_stream_seam),
        T(test_cname_chain_to_a),
        T(test_cname_chain_limit),
        T(test_cname_loop),
        T(test_no_answer_of_the_type),
        T(test_malformed_answer_dropped),
        T(test_receive_errors_ignored),
        T(test_send_would_block_and_send_error),
        T(test_start_errors),
        T(test_aaaa_over_ipv6_server),
        T(test_generic_records_for_caa),
        T(test_restart_closes_previous_query),
        T(test_truncated_answer_retried_over_tcp),
        T(test_tcp_over_ipv6_server),
        T(test_tcp_answer_must_match_the_query),
        T(test_tcp_answer_size_limit),
        T(test_tcp_failures),
        T(test_tcp_timeout),
        T(test_tcp_answer_truncated_or_malformed),
        T(test_cname_target_asked_in_second_query),
        T(test_cname_after_tcp_answer_asked_over_udp),
        T(test_cname_chain_partly_in_each_answer),
        T(test_cname_chain_across_queries_limit),
        T(test_cname_loop_across_queries),
        T(test_cname_to_the_root_is_malformed),
        T(test_system_resolver),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
