/*
 * Tests for the DNS message codec over hand-built wire bytes: exact query
 * encoding, reading A/AAAA/CNAME answers with compression (RFC 1035 §4.1.4
 * example included), and the rejections that keep hostile answers out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "acme/codec/dns_message.h"

/* Header: id, flags, QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT (big-endian). */
#define HDR(id, flags, qd, an, ns, ar)                                                             \
    (uint8_t)((id) >> 8), (uint8_t)(id), (uint8_t)((flags) >> 8), (uint8_t)(flags), 0, (qd), 0,    \
        (an), 0, (ns), 0, (ar)
#define RESPONSE 0x8180u /* QR, RD, RA, NOERROR */
/* www.example.com at offset 12 (17 octets); "example.com" starts at 16. */
#define NAME_WWW_EXAMPLE_COM                                                                       \
    3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0
#define QTYPE_A 0, 1
#define QTYPE_AAAA 0, 28
#define QTYPE_CNAME 0, 5
#define CLASS_IN 0, 1
#define TTL_3600 0, 0, 0x0e, 0x10
#define PTR(off) (uint8_t)(0xc0u | ((off) >> 8)), (uint8_t)(off)

/* Wire messages are laid out one field per group (header, name, type,
 * class, TTL, RDATA) so a reader can check them against RFC 1035 §4.1;
 * clang-format would put one octet per line. */
/* clang-format off */

/* ---- queries ------------------------------------------------------------ */

static void test_query_exact_bytes(void **state)
{
    (void)state;
    static const uint8_t want[] = {HDR(0x1234, 0x0100u, 1, 0, 0, 0), NAME_WWW_EXAMPLE_COM,
                                   QTYPE_A, CLASS_IN};
    uint8_t out[512];
    size_t len = 0;
    assert_int_equal(acme_dns_query_write(out, sizeof(out), &len, 0x1234, "www.example.com",
                                          ACME_DNS_TYPE_A, 0),
                     ACME_OK);
    assert_int_equal(len, sizeof(want));
    assert_memory_equal(out, want, sizeof(want));

    /* A final dot names the same thing. */
    memset(out, 0, sizeof(out));
    assert_int_equal(acme_dns_query_write(out, sizeof(out), &len, 0x1234, "www.example.com.",
                                          ACME_DNS_TYPE_A, 0),
                     ACME_OK);
    assert_int_equal(len, sizeof(want));
    assert_memory_equal(out, want, sizeof(want));
}

static void test_query_with_edns0(void **state)
{
    (void)state;
    /* RFC 6891 §6.1.2: OPT with root owner, CLASS = payload 1232 (0x04d0),
     * TTL 0 (no extended rcode, version 0, DO clear), RDLENGTH 0. */
    static const uint8_t want[] = {HDR(0xbeef, 0x0100u, 1, 0, 0, 1),
                                   3, 'c', 'a', 'a', 4, 't', 'e', 's', 't', 0,
                                   1, 1, CLASS_IN,
                                   0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};
    uint8_t out[512];
    size_t len = 0;
    assert_int_equal(acme_dns_query_write(out, sizeof(out), &len, 0xbeef, "caa.test",
                                          ACME_DNS_TYPE_CAA, 1232),
                     ACME_OK);
    assert_int_equal(len, sizeof(want));
    assert_memory_equal(out, want, sizeof(want));

    /* Exactly enough room works; one octet less is refused untouched. */
    assert_int_equal(acme_dns_query_write(out, sizeof(want), &len, 0xbeef, "caa.test",
                                          ACME_DNS_TYPE_CAA, 1232),
                     ACME_OK);
    assert_int_equal(acme_dns_query_write(out, sizeof(want) - 1u, &len, 0xbeef, "caa.test",
                                          ACME_DNS_TYPE_CAA, 1232),
                     ACME_ERR_BUFFER_TOO_SMALL);
}

/* A name of n characters made of 63-character labels (last one shorter). */
static void long_name(char *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = (i % 64u == 63u) ? '.' : 'a';
    }
    out[n] = '\0';
}

static void test_query_name_limits(void **state)
{
    (void)state;
    uint8_t out[512];
    size_t len;
    char name[300];

    /* 253 characters is the longest name; its wire form is 255 octets. */
    long_name(name, 253);
    assert_int_equal(acme_dns_query_write(out, sizeof(out), &len, 1, name, ACME_DNS_TYPE_A, 0),
                     ACME_OK);
    assert_int_equal(len, 12u + 255u + 4u);
    strcat(name, ".");
    assert_int_equal(acme_dns_query_write(out, sizeof(out), &len, 1, name, ACME_DNS_TYPE_A, 0),
                     ACME_OK);
    long_name(name, 254);
    if (name[253] == '.') {
        name[253] = 'a';
    }
    assert_int_equal(acme_dns_query_write(out, sizeof(out), &len, 1, name, ACME_DNS_TYPE_A, 0),
                     ACME_ERR_INVALID_ARG);

    /* 63-character label yes, 64 no. */
    memset(name, 'b', 63);
    strcpy(name + 63, ".test");
    assert_int_equal(acme_dns_query_write(out, sizeof(out), &len, 1, name, ACME_DNS_TYPE_A, 0),
                     ACME_OK);
    memset(name, 'b', 64);
    strcpy(name + 64, ".test");
    assert_int_equal(acme_dns_query_write(out, sizeof(out), &len, 1, name, ACME_DNS_TYPE_A, 0),
                     ACME_ERR_INVALID_ARG);

    const char *bad[] = {"",        ".",        "a..b",        ".a",      "a.b..",
                         "a b.test", "a\\.b",   "tab\t.test",  "\x80.test", "a.b/c d"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (acme_dns_query_write(out, sizeof(out), &len, 1, bad[i], ACME_DNS_TYPE_A, 0) !=
            ACME_ERR_INVALID_ARG) {
            fail_msg("query name \"%s\" accepted", bad[i]);
        }
    }
    /* Underscore labels (_acme-challenge, _443._tcp) are names we need. */
    assert_int_equal(acme_dns_query_write(out, sizeof(out), &len, 1, "_acme-challenge.a.test",
                                          ACME_DNS_TYPE_A, 0),
                     ACME_OK);
}

/* ---- reading answers ---------------------------------------------------- */

static void test_answer_a(void **state)
{
    (void)state;
    static const uint8_t msg[] = {HDR(0x1234, RESPONSE, 1, 1, 0, 0),
                                  NAME_WWW_EXAMPLE_COM, QTYPE_A, CLASS_IN,
                                  PTR(12), QTYPE_A, CLASS_IN, TTL_3600, 0, 4, 192, 0, 2, 1};
    acme_dns_reader_t r;
    acme_dns_rr_t rr;
    assert_int_equal(acme_dns_reader_init(&r, msg, sizeof(msg)), ACME_OK);
    assert_int_equal(r.id, 0x1234);
    assert_int_equal(r.flags, RESPONSE);
    assert_int_equal(r.ancount, 1);
    assert_int_equal(acme_dns_rcode(&r), ACME_DNS_RCODE_NOERROR);
    assert_false(acme_dns_truncated(&r));
    assert_true(acme_dns_question_matches(&r, "www.example.com", ACME_DNS_TYPE_A));
    assert_true(acme_dns_question_matches(&r, "WWW.Example.COM.", ACME_DNS_TYPE_A));
    assert_false(acme_dns_question_matches(&r, "www.example.org", ACME_DNS_TYPE_A));
    assert_false(acme_dns_question_matches(&r, "example.com", ACME_DNS_TYPE_A));
    assert_false(acme_dns_question_matches(&r, "www.example.com", ACME_DNS_TYPE_AAAA));

    assert_int_equal(acme_dns_next_answer(&r, &rr), ACME_OK);
    assert_string_equal(rr.name, "www.example.com");
    assert_int_equal(rr.type, ACME_DNS_TYPE_A);
    assert_int_equal(rr.rclass, ACME_DNS_CLASS_IN);
    assert_int_equal(rr.ttl, 3600);
    assert_int_equal(rr.rdlen, 4);
    assert_int_equal(rr.rdata_off, sizeof(msg) - 4u);
    const uint8_t addr[4] = {192, 0, 2, 1};
    assert_memory_equal(rr.rdata, addr, 4);
    assert_int_equal(acme_dns_next_answer(&r, &rr), ACME_ERR_NOT_FOUND);
    assert_int_equal(acme_dns_next_answer(&r, &rr), ACME_ERR_NOT_FOUND);
}

static void test_answer_class_mismatch(void **state)
{
    (void)state;
    /* Same question in class CH (3) does not match an IN question. */
    static const uint8_t msg[] = {HDR(1, RESPONSE, 1, 0, 0, 0), NAME_WWW_EXAMPLE_COM, QTYPE_A,
                                  0, 3};
    acme_dns_reader_t r;
    assert_int_equal(acme_dns_reader_init(&r, msg, sizeof(msg)), ACME_OK);
    assert_false(acme_dns_question_matches(&r, "www.example.com", ACME_DNS_TYPE_A));
}

static void test_answer_aaaa(void **state)
{
    (void)state;
    static const uint8_t msg[] = {
        HDR(0x0042, RESPONSE, 1, 1, 0, 0), NAME_WWW_EXAMPLE_COM, QTYPE_AAAA, CLASS_IN,
        PTR(12), QTYPE_AAAA, CLASS_IN, 0, 0, 0, 60, 0, 16,
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
    acme_dns_reader_t r;
    acme_dns_rr_t rr;
    assert_int_equal(acme_dns_reader_init(&r, msg, sizeof(msg)), ACME_OK);
    assert_true(acme_dns_question_matches(&r, "www.example.com", ACME_DNS_TYPE_AAAA));
    assert_int_equal(acme_dns_next_answer(&r, &rr), ACME_OK);
    assert_int_equal(rr.type, ACME_DNS_TYPE_AAAA);
    assert_int_equal(rr.ttl, 60);
    assert_int_equal(rr.rdlen, 16);
    assert_int_equal(rr.rdata[0], 0x20);
    assert_int_equal(rr.rdata[15], 0x01);
    assert_int_equal(acme_dns_next_answer(&r, &rr), ACME_ERR_NOT_FOUND);
}

static void test_answer_cname_chain_compressed(void **state)
{
    (void)state;
    /* www.example.com CNAME cdn.example.com (label + pointer into the
     * question at "example.com"), cdn.example.com CNAME edge.cdn.example.com
     * (label + pointer to a name that itself ends in a pointer),
     * edge.cdn.example.com A 192.0.2.7. */
    static const uint8_t msg[] = {
        HDR(7, RESPONSE, 1, 3, 0, 0), NAME_WWW_EXAMPLE_COM, QTYPE_A, CLASS_IN,
        /* 33 */ PTR(12), QTYPE_CNAME, CLASS_IN, TTL_3600, 0, 6,
        /* 45: cdn.example.com */ 3, 'c', 'd', 'n', PTR(16),
        /* 51 */ PTR(45), QTYPE_CNAME, CLASS_IN, TTL_3600, 0, 7,
        /* 63: edge.cdn.example.com */ 4, 'e', 'd', 'g', 'e', PTR(45),
        /* 70 */ PTR(63), QTYPE_A, CLASS_IN, TTL_3600, 0, 4, 192, 0, 2, 7};
    acme_dns_reader_t r;
    acme_dns_rr_t rr;
    char name[ACME_DNS_NAME_MAX + 2];
    size_t next;
    assert_int_equal(acme_dns_reader_init(&r, msg, sizeof(msg)), ACME_OK);

    assert_int_equal(acme_dns_next_answer(&r, &rr), ACME_OK);
    assert_string_equal(rr.name, "www.example.com");
    assert_int_equal(rr.type, ACME_DNS_TYPE_CNAME);
    assert_int_equal(rr.rdata_off, 45);
    assert_int_equal(acme_dns_read_name(msg, sizeof(msg), rr.rdata_off, name, sizeof(name), &next),
                     ACME_OK);
    assert_string_equal(name, "cdn.example.com");
    assert_int_equal(next, rr.rdata_off + rr.rdlen); /* past the pointer, not where it led */

    assert_int_equal(acme_dns_next_answer(&r, &rr), ACME_OK);
    assert_string_equal(rr.name, "cdn.example.com");
    assert_int_equal(acme_dns_read_name(msg, sizeof(msg), rr.rdata_off, name, sizeof(name), &next),
                     ACME_OK);
    assert_string_equal(name, "edge.cdn.example.com");
    assert_int_equal(next, 70);

    assert_int_equal(acme_dns_next_answer(&r, &rr), ACME_OK);
    assert_string_equal(rr.name, "edge.cdn.example.com");
    assert_int_equal(rr.type, ACME_DNS_TYPE_A);
    assert_int_equal(rr.rdata[3], 7);
    assert_int_equal(acme_dns_next_answer(&r, &rr), ACME_ERR_NOT_FOUND);
}

static void test_rfc1035_compression_example(void **state)
{
    (void)state;
    /* RFC 1035 §4.1.4: F.ISI.ARPA at 20, FOO.F.ISI.ARPA at 40 (pointer to
     * 20), ARPA at 64 (pointer to 26), the root at 92. */
    uint8_t msg[94];
    memset(msg, 0, sizeof(msg));
    static const uint8_t f_isi_arpa[] = {1, 'F', 3, 'I', 'S', 'I', 4, 'A', 'R', 'P', 'A', 0};
    static const uint8_t foo[] = {3, 'F', 'O', 'O', 0xc0, 20};
    static const uint8_t arpa[] = {0xc0, 26};
    memcpy(msg + 20, f_isi_arpa, sizeof(f_isi_arpa));
    memcpy(msg + 40, foo, sizeof(foo));
    memcpy(msg + 64, arpa, sizeof(arpa));
    char name[ACME_DNS_NAME_MAX + 2];
    size_t next;
    assert_int_equal(acme_dns_read_name(msg, sizeof(msg), 20, name, sizeof(name), &next), ACME_OK);
    assert_string_equal(name, "F.ISI.ARPA");
    assert_int_equal(next, 32);
    assert_int_equal(acme_dns_read_name(msg, sizeof(msg), 40, name, sizeof(name), &next), ACME_OK);
    assert_string_equal(name, "FOO.F.ISI.ARPA");
    assert_int_equal(next, 46);
    assert_int_equal(acme_dns_read_name(msg, sizeof(msg), 64, name, sizeof(name), &next), ACME_OK);
    assert_string_equal(name, "ARPA");
    assert_int_equal(next, 66);
    assert_int_equal(acme_dns_read_name(msg, sizeof(msg), 92, name, sizeof(name), &next), ACME_OK);
    assert_string_equal(name, "");
    assert_int_equal(next, 93);
}

/* ---- rejections --------------------------------------------------------- */

static acme_status_t read_name_at(const uint8_t *msg, size_t len, size_t off)
{
    char name[ACME_DNS_NAME_MAX + 2];
    size_t next;
    return acme_dns_read_name(msg, len, off, name, sizeof(name), &next);
}

/* The first answer of msg, after a successful reader init. */
static acme_status_t first_answer(const uint8_t *msg, size_t len)
{
    acme_dns_reader_t r;
    acme_dns_rr_t rr;
    assert_int_equal(acme_dns_reader_init(&r, msg, len), ACME_OK);
    return acme_dns_next_answer(&r, &rr);
}

static void test_reject_pointer_loops(void **state)
{
    (void)state;
    /* Answer owner at 33 points to itself. */
    static const uint8_t self[] = {HDR(1, RESPONSE, 1, 1, 0, 0), NAME_WWW_EXAMPLE_COM, QTYPE_A,
                                   CLASS_IN, PTR(33), QTYPE_A, CLASS_IN, TTL_3600, 0, 0};
    assert_int_equal(first_answer(self, sizeof(self)), ACME_ERR_MALFORMED);

    /* A label then a pointer back to that label: "points backwards" from
     * the pointer, but into its own name, so it would loop. */
    static const uint8_t own[] = {HDR(1, RESPONSE, 1, 1, 0, 0), NAME_WWW_EXAMPLE_COM, QTYPE_A,
                                  CLASS_IN, 1, 'x', PTR(33), QTYPE_A, CLASS_IN, TTL_3600, 0, 0};
    assert_int_equal(first_answer(own, sizeof(own)), ACME_ERR_MALFORMED);

    /* The same trick in the question makes the whole message unreadable. */
    static const uint8_t q_loop[] = {HDR(1, RESPONSE, 1, 0, 0, 0), 3, 'a', 'b', 'c', PTR(12),
                                     QTYPE_A, CLASS_IN};
    acme_dns_reader_t r;
    assert_int_equal(acme_dns_reader_init(&r, q_loop, sizeof(q_loop)), ACME_ERR_MALFORMED);

    /* Two names pointing at each other: 33 -> 35 is forward. */
    static const uint8_t pair[] = {HDR(1, RESPONSE, 1, 0, 0, 0), NAME_WWW_EXAMPLE_COM, QTYPE_A,
                                   CLASS_IN, PTR(35), PTR(33)};
    assert_int_equal(read_name_at(pair, sizeof(pair), 33), ACME_ERR_MALFORMED);
    assert_int_equal(read_name_at(pair, sizeof(pair), 35), ACME_ERR_MALFORMED);
}

static void test_reject_bad_pointers(void **state)
{
    (void)state;
    /* Forward pointer (to the RDATA of the same record). */
    static const uint8_t fwd[] = {HDR(1, RESPONSE, 1, 1, 0, 0), NAME_WWW_EXAMPLE_COM, QTYPE_A,
                                  CLASS_IN, PTR(45), QTYPE_A, CLASS_IN, TTL_3600, 0, 2, 0, 0};
    assert_int_equal(first_answer(fwd, sizeof(fwd)), ACME_ERR_MALFORMED);

    /* Pointer beyond the end of the message. */
    static const uint8_t oob[] = {HDR(1, RESPONSE, 1, 1, 0, 0), NAME_WWW_EXAMPLE_COM, QTYPE_A,
                                  CLASS_IN, 0xcf, 0xff, QTYPE_A, CLASS_IN, TTL_3600, 0, 0};
    assert_int_equal(first_answer(oob, sizeof(oob)), ACME_ERR_MALFORMED);

    /* Pointer into the header. */
    static const uint8_t hdr[] = {HDR(1, RESPONSE, 1, 1, 0, 0), NAME_WWW_EXAMPLE_COM, QTYPE_A,
                                  CLASS_IN, PTR(4), QTYPE_A, CLASS_IN, TTL_3600, 0, 0};
    assert_int_equal(first_answer(hdr, sizeof(hdr)), ACME_ERR_MALFORMED);

    /* Message ends in the middle of a pointer. */
    static const uint8_t half[] = {HDR(1, RESPONSE, 1, 1, 0, 0), NAME_WWW_EXAMPLE_COM, QTYPE_A,
                                   CLASS_IN, 0xc0};
    assert_int_equal(first_answer(half, sizeof(half)), ACME_ERR_MALFORMED);

    /* The sound version of the same message reads fine (the tests above
     * fail for their pointer, not for something else). */
    static const uint8_t good[] = {HDR(1, RESPONSE, 1, 1, 0, 0), NAME_WWW_EXAMPLE_COM, QTYPE_A,
                                   CLASS_IN, PTR(12), QTYPE_A, CLASS_IN, TTL_3600, 0, 0};
    assert_int_equal(first_answer(good, sizeof(good)), ACME_OK);
}

static void test_reject_label_types_and_bytes(void **state)
{
    (void)state;
    /* Length octets 64..191 are label types 01 and 10: a "label > 63". */
    uint8_t msg[12 + 1 + 70 + 1];
    memset(msg, 'a', sizeof(msg));
    msg[sizeof(msg) - 1] = 0;
    msg[12] = 0x40;
    assert_int_equal(read_name_at(msg, sizeof(msg), 12), ACME_ERR_MALFORMED);
    msg[12] = 0x80;
    assert_int_equal(read_name_at(msg, sizeof(msg), 12), ACME_ERR_MALFORMED);
    msg[12] = 63; /* 63 x 'a', then 'a' (0x61) read as a length octet: type 01 */
    assert_int_equal(read_name_at(msg, sizeof(msg), 12), ACME_ERR_MALFORMED);
    msg[12 + 64] = 0; /* terminate after one 63-octet label */
    assert_int_equal(read_name_at(msg, sizeof(msg), 12), ACME_OK);

    /* Labels without a text form: a dot, a space, a backslash, NUL, 8-bit. */
    const uint8_t bytes[] = {'.', ' ', '\\', 0x00, 0x7f, 0xc3};
    for (size_t i = 0; i < sizeof(bytes); i++) {
        uint8_t m[] = {HDR(1, RESPONSE, 0, 0, 0, 0), 3, 'a', bytes[i], 'b', 0};
        if (read_name_at(m, sizeof(m), 12) != ACME_ERR_MALFORMED) {
            fail_msg("label byte 0x%02x accepted", bytes[i]);
        }
    }
    /* Label running past the end of the message. */
    static const uint8_t short_label[] = {HDR(1, RESPONSE, 0, 0, 0, 0), 5, 'a', 'b'};
    assert_int_equal(read_name_at(short_label, sizeof(short_label), 12), ACME_ERR_MALFORMED);
    /* No terminating root label. */
    static const uint8_t unterminated[] = {HDR(1, RESPONSE, 0, 0, 0, 0), 2, 'a', 'b'};
    assert_int_equal(read_name_at(unterminated, sizeof(unterminated), 12), ACME_ERR_MALFORMED);
}

/* Writes labels of the given lengths ('x' filled) at p, returns the end. */
static size_t put_labels(uint8_t *msg, size_t p, const unsigned *lens, size_t n, bool root)
{
    for (size_t i = 0; i < n; i++) {
        msg[p++] = (uint8_t)lens[i];
        memset(msg + p, 'x', lens[i]);
        p += lens[i];
    }
    if (root) {
        msg[p++] = 0;
    }
    return p;
}

static void test_name_wire_length_limit(void **state)
{
    (void)state;
    uint8_t msg[600];
    char name[ACME_DNS_NAME_MAX + 2];
    size_t next;
    memset(msg, 0, sizeof(msg));

    /* 63+63+63+61 labels: 255 octets on the wire, 253 characters: fits. */
    static const unsigned max_ok[] = {63, 63, 63, 61};
    size_t end = put_labels(msg, 12, max_ok, 4, true);
    assert_int_equal(end - 12, 255);
    assert_int_equal(acme_dns_read_name(msg, end, 12, name, sizeof(name), &next), ACME_OK);
    assert_int_equal(strlen(name), 253);
    assert_int_equal(next, end);
    /* The same name does not fit a 253-byte buffer (252 characters + NUL). */
    assert_int_equal(acme_dns_read_name(msg, end, 12, name, 253, &next),
                     ACME_ERR_BUFFER_TOO_SMALL);

    /* 63+63+63+62: 256 octets. */
    static const unsigned over[] = {63, 63, 63, 62};
    end = put_labels(msg, 12, over, 4, true);
    assert_int_equal(acme_dns_read_name(msg, end, 12, name, sizeof(name), &next),
                     ACME_ERR_MALFORMED);

    /* Over the limit only through a pointer: 3 x 63 at 12 (193 octets with
     * the root), then a 63-octet label + pointer to it: 64 + 193 = 257. */
    static const unsigned three[] = {63, 63, 63};
    size_t p = put_labels(msg, 12, three, 3, true);
    assert_int_equal(acme_dns_read_name(msg, p, 12, name, sizeof(name), &next), ACME_OK);
    static const unsigned one[] = {63};
    size_t q = put_labels(msg, p, one, 1, false);
    msg[q++] = 0xc0;
    msg[q++] = 12;
    assert_int_equal(acme_dns_read_name(msg, q, p, name, sizeof(name), &next), ACME_ERR_MALFORMED);
    /* With a 61-octet label instead it is exactly 255 again. */
    static const unsigned sixty_one[] = {61};
    q = put_labels(msg, p, sixty_one, 1, false);
    msg[q++] = 0xc0;
    msg[q++] = 12;
    assert_int_equal(acme_dns_read_name(msg, q, p, name, sizeof(name), &next), ACME_OK);
    assert_int_equal(next, q);
}

static void test_reject_bad_headers(void **state)
{
    (void)state;
    acme_dns_reader_t r;
    static const uint8_t good[] = {HDR(1, RESPONSE, 1, 0, 0, 0), NAME_WWW_EXAMPLE_COM, QTYPE_A,
                                   CLASS_IN};
    assert_int_equal(acme_dns_reader_init(&r, good, sizeof(good)), ACME_OK);
    /* Truncated header. */
    assert_int_equal(acme_dns_reader_init(&r, good, 11), ACME_ERR_MALFORMED);
    assert_int_equal(acme_dns_reader_init(&r, good, 0), ACME_ERR_MALFORMED);
    /* Question without its type and class, or cut in the name. */
    assert_int_equal(acme_dns_reader_init(&r, good, sizeof(good) - 1u), ACME_ERR_MALFORMED);
    assert_int_equal(acme_dns_reader_init(&r, good, 20), ACME_ERR_MALFORMED);

    static const uint8_t qd0[] = {HDR(1, RESPONSE, 0, 0, 0, 0)};
    assert_int_equal(acme_dns_reader_init(&r, qd0, sizeof(qd0)), ACME_ERR_MALFORMED);
    static const uint8_t qd2[] = {HDR(1, RESPONSE, 2, 0, 0, 0), NAME_WWW_EXAMPLE_COM, QTYPE_A,
                                  CLASS_IN, PTR(12), QTYPE_A, CLASS_IN};
    assert_int_equal(acme_dns_reader_init(&r, qd2, sizeof(qd2)), ACME_ERR_MALFORMED);
    /* A query (QR=0) is not an answer. */
    static const uint8_t query[] = {HDR(1, 0x0100u, 1, 0, 0, 0), NAME_WWW_EXAMPLE_COM, QTYPE_A,
                                    CLASS_IN};
    assert_int_equal(acme_dns_reader_init(&r, query, sizeof(query)), ACME_ERR_MALFORMED);
}

static void test_reject_truncated_records(void **state)
{
    (void)state;
    acme_dns_reader_t r;
    acme_dns_rr_t rr;
    /* RDLENGTH 4 with 3 octets present. */
    static const uint8_t rdata[] = {HDR(1, RESPONSE, 1, 1, 0, 0), NAME_WWW_EXAMPLE_COM, QTYPE_A,
                                    CLASS_IN, PTR(12), QTYPE_A, CLASS_IN, TTL_3600, 0, 4,
                                    192, 0, 2};
    assert_int_equal(first_answer(rdata, sizeof(rdata)), ACME_ERR_MALFORMED);
    /* Record cut inside its fixed fields. */
    assert_int_equal(first_answer(rdata, 33 + 2 + 6), ACME_ERR_MALFORMED);

    /* ANCOUNT 2, one record present: the first reads, the second fails. */
    static const uint8_t two[] = {HDR(1, RESPONSE, 1, 2, 0, 0), NAME_WWW_EXAMPLE_COM, QTYPE_A,
                                  CLASS_IN, PTR(12), QTYPE_A, CLASS_IN, TTL_3600, 0, 4,
                                  192, 0, 2, 1};
    assert_int_equal(acme_dns_reader_init(&r, two, sizeof(two)), ACME_OK);
    assert_int_equal(acme_dns_next_answer(&r, &rr), ACME_OK);
    assert_int_equal(acme_dns_next_answer(&r, &rr), ACME_ERR_MALFORMED);
    /* ANCOUNT 65535 with nothing present. */
    static const uint8_t many[] = {HDR(1, RESPONSE, 1, 0, 0, 0), NAME_WWW_EXAMPLE_COM, QTYPE_A,
                                   CLASS_IN};
    uint8_t m[sizeof(many)];
    memcpy(m, many, sizeof(m));
    m[6] = 0xff;
    m[7] = 0xff;
    assert_int_equal(first_answer(m, sizeof(m)), ACME_ERR_MALFORMED);
}

static void test_name_equal(void **state)
{
    (void)state;
    assert_true(acme_dns_name_equal("www.example.com", "www.example.com"));
    assert_true(acme_dns_name_equal("WWW.Example.COM", "www.example.com"));
    assert_true(acme_dns_name_equal("www.example.com.", "www.example.com"));
    assert_true(acme_dns_name_equal("www.example.com", "WWW.EXAMPLE.COM."));
    assert_true(acme_dns_name_equal("", "."));
    assert_true(acme_dns_name_equal("_acme-challenge.a.test", "_ACME-challenge.A.test"));
    assert_false(acme_dns_name_equal("example.com", "www.example.com"));
    assert_false(acme_dns_name_equal("www.example.com", "www.example.co"));
    assert_false(acme_dns_name_equal("a", "a.."));
    assert_false(acme_dns_name_equal("a", ""));
    /* Only ASCII letters fold: '[' (0x5b) is not '{' (0x7b), and bytes
     * above 0x7f are compared as they are. */
    assert_false(acme_dns_name_equal("a[b", "a{b"));
    assert_false(acme_dns_name_equal("a@b", "a`b"));
    assert_false(acme_dns_name_equal("\xc4", "\xe4"));
    assert_false(acme_dns_name_equal(NULL, "a"));
    /* Over-long text never equals anything. */
    char a[300];
    char b[300];
    memset(a, 'a', 280);
    a[280] = '\0';
    memcpy(b, a, sizeof(b));
    assert_false(acme_dns_name_equal(a, b));
}

/* clang-format on */

/* Host names the agent requests certificates for (CSR and configuration). */
static void test_name_length(void **state)
{
    (void)state;
    assert_int_equal(acme_dns_name_length("www.example.com"), 15);
    assert_int_equal(acme_dns_name_length("a"), 1);
    assert_int_equal(acme_dns_name_length("A-1.b2.EXAMPLE"), 14);
    assert_int_equal(acme_dns_name_length("*.example.com"), 13);
    assert_int_equal(acme_dns_name_length(NULL), 0);
    static const char *const bad[] = {
        "",      ".",   "a.", ".a", "a..b",  "-a.b", "a-.b", "a.b-", "a.-b",
        "a_b.c", "a b", "*",  "*.", "a.*.b", "**.a", "x*.a", "a/b",  "\xc3\xa9.example",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (acme_dns_name_length(bad[i]) != 0) {
            fail_msg("\"%s\" taken for a name", bad[i]);
        }
    }
    /* Labels up to 63 characters, names up to ACME_DNS_NAME_MAX. */
    char name[ACME_DNS_NAME_MAX + 2];
    memset(name, 'a', 63);
    name[63] = '\0';
    assert_int_equal(acme_dns_name_length(name), 63);
    name[63] = 'a';
    name[64] = '\0';
    assert_int_equal(acme_dns_name_length(name), 0);
    for (size_t i = 0; i < sizeof(name) - 1; i++) {
        name[i] = (i % 4 == 3) ? '.' : 'a';
    }
    name[ACME_DNS_NAME_MAX] = '\0'; /* 253 characters ending in "a" */
    assert_int_equal(acme_dns_name_length(name), ACME_DNS_NAME_MAX);
    name[ACME_DNS_NAME_MAX] = 'b';
    name[ACME_DNS_NAME_MAX + 1] = '\0';
    assert_int_equal(acme_dns_name_length(name), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_exact_bytes),
        cmocka_unit_test(test_name_length),
        cmocka_unit_test(test_query_with_edns0),
        cmocka_unit_test(test_query_name_limits),
        cmocka_unit_test(test_answer_a),
        cmocka_unit_test(test_answer_class_mismatch),
        cmocka_unit_test(test_answer_aaaa),
        cmocka_unit_test(test_answer_cname_chain_compressed),
        cmocka_unit_test(test_rfc1035_compression_example),
        cmocka_unit_test(test_reject_pointer_loops),
        cmocka_unit_test(test_reject_bad_pointers),
        cmocka_unit_test(test_reject_label_types_and_bytes),
        cmocka_unit_test(test_name_wire_length_limit),
        cmocka_unit_test(test_reject_bad_headers),
        cmocka_unit_test(test_reject_truncated_records),
        cmocka_unit_test(test_name_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
