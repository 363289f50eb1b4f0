/*
 * Tests for the IP address codec: strict parsing of addresses and
 * endpoints, RFC 5952 canonical output (with the RFC's own examples).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "acme/codec/ip_addr.h"

static acme_status_t parse_str(const char *s, acme_ip_addr_t *ip)
{
    return acme_ip_parse(s, strlen(s), ip);
}

static void expect_v4(const char *text, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    acme_ip_addr_t ip;
    const uint8_t want[4] = {a, b, c, d};
    assert_int_equal(parse_str(text, &ip), ACME_OK);
    assert_int_equal(ip.family, ACME_IP_V4);
    assert_memory_equal(ip.bytes, want, 4);
}

static void expect_v6(const char *text, const uint8_t want[16])
{
    acme_ip_addr_t ip;
    assert_int_equal(parse_str(text, &ip), ACME_OK);
    assert_int_equal(ip.family, ACME_IP_V6);
    assert_memory_equal(ip.bytes, want, 16);
}

static void expect_bad(const char *text)
{
    acme_ip_addr_t ip;
    memset(&ip, 0xAA, sizeof(ip));
    if (parse_str(text, &ip) != ACME_ERR_MALFORMED) {
        fail_msg("accepted \"%s\"", text);
    }
    assert_int_equal(ip.family, ACME_IP_NONE);
}

static void test_ipv4_valid(void **state)
{
    (void)state;
    expect_v4("0.0.0.0", 0, 0, 0, 0);
    expect_v4("192.0.2.1", 192, 0, 2, 1);
    expect_v4("255.255.255.255", 255, 255, 255, 255);
    expect_v4("10.0.100.9", 10, 0, 100, 9);
}

static void test_ipv4_rejects(void **state)
{
    (void)state;
    const char *bad[] = {"",           "256.0.0.1", "1.2.3",     "1.2.3.4.5", "01.2.3.4",
                         "1.2.3.04",   "1.2.3.4 ",  " 1.2.3.4",  "1..2.3",    "1.2.3.",
                         ".1.2.3",     "+1.2.3.4",  "1.2.3.0x4", "127.1",     "1.2.3.-4",
                         "1.2.3.1000", "localhost", "1.2.3.4/8"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        expect_bad(bad[i]);
    }
}

static void test_ipv6_valid(void **state)
{
    (void)state;
    static const uint8_t zero[16] = {0};
    static const uint8_t loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t doc1[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t seq[16] = {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8};
    static const uint8_t seq_gap_end[16] = {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0};
    static const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1};
    static const uint8_t nat64[16] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 192, 0, 2, 33};
    static const uint8_t full_v4[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                        0xff, 0xff, 0xff, 0xff, 255,  255,  255,  255};
    expect_v6("::", zero);
    expect_v6("::1", loopback);
    expect_v6("2001:db8::1", doc1);
    expect_v6("2001:DB8:0:0:0:0:0:1", doc1);
    expect_v6("2001:0db8:0000:0000:0000:0000:0000:0001", doc1);
    expect_v6("1:2:3:4:5:6:7:8", seq);
    expect_v6("1:2:3:4:5:6:7::", seq_gap_end); /* "::" for a single group (RFC 4291) */
    expect_v6("::ffff:192.0.2.1", mapped);
    expect_v6("64:ff9b::192.0.2.33", nat64);
    expect_v6("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", full_v4); /* longest text */
}

static void test_ipv6_rejects(void **state)
{
    (void)state;
    const char *bad[] = {":",
                         ":::",
                         "1:::2",
                         "1::2::3",
                         "1:2:3:4:5:6:7:8:9",
                         "1:2:3:4:5:6:7",
                         "12345::",
                         "1:2:3:4:5:6:7:8::",
                         "::1:2:3:4:5:6:7:8",
                         "::1%eth0",
                         "fe80::1%1",
                         ":1::",
                         "1::2:",
                         "1:2:3:4:5:6:7:8:",
                         ":1:2:3:4:5:6:7:8",
                         "::1.2.3.4.5",
                         "1.2.3.4::",
                         "::1.2.3.4:5",
                         "::01.2.3.4",
                         "1:2:3:4:5:6:7:1.2.3.4",
                         "g::1",
                         "[::1]",
                         "::ffff:1.2.3",
                         "1:2:3:4:5:6:7:8:1.2.3.4"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        expect_bad(bad[i]);
    }
}

static void test_parse_uses_length_not_nul(void **state)
{
    (void)state;
    acme_ip_addr_t ip;
    /* A URL host is a slice of the URL. */
    const char *url_host = "192.0.2.7:8443/dir";
    assert_int_equal(acme_ip_parse(url_host, 9, &ip), ACME_OK);
    const uint8_t want[4] = {192, 0, 2, 7};
    assert_memory_equal(ip.bytes, want, 4);
    /* An embedded NUL is not the end of the text. */
    assert_int_equal(acme_ip_parse("1.2.3.4\0", 8, &ip), ACME_ERR_MALFORMED);
    assert_int_equal(acme_ip_parse("::1\0", 4, &ip), ACME_ERR_MALFORMED);
    /* Host names are not IP literals. */
    assert_int_equal(acme_ip_parse("example.com", 11, &ip), ACME_ERR_MALFORMED);
    assert_int_equal(acme_ip_parse(NULL, 0, &ip), ACME_ERR_MALFORMED);
    assert_int_equal(acme_ip_parse("1.2.3.4", 7, NULL), ACME_ERR_INVALID_ARG);
}

static void test_endpoint_valid(void **state)
{
    (void)state;
    acme_ip_addr_t ip;
    uint16_t port;
    const char *s = "127.0.0.1:53";
    assert_int_equal(acme_ip_parse_endpoint(s, strlen(s), 0, &ip, &port), ACME_OK);
    assert_int_equal(ip.family, ACME_IP_V4);
    assert_int_equal(port, 53);
    const uint8_t lo4[4] = {127, 0, 0, 1};
    assert_memory_equal(ip.bytes, lo4, 4);

    s = "[::1]:5353";
    assert_int_equal(acme_ip_parse_endpoint(s, strlen(s), 0, &ip, &port), ACME_OK);
    assert_int_equal(ip.family, ACME_IP_V6);
    assert_int_equal(ip.bytes[15], 1);
    assert_int_equal(port, 5353);

    s = "[2001:db8::1]:65535";
    assert_int_equal(acme_ip_parse_endpoint(s, strlen(s), 0, &ip, &port), ACME_OK);
    assert_int_equal(port, 65535);

    /* The default applies only when the port is absent. */
    s = "192.0.2.1";
    assert_int_equal(acme_ip_parse_endpoint(s, strlen(s), 53, &ip, &port), ACME_OK);
    assert_int_equal(port, 53);
    s = "[::1]";
    assert_int_equal(acme_ip_parse_endpoint(s, strlen(s), 80, &ip, &port), ACME_OK);
    assert_int_equal(port, 80);
    s = "192.0.2.1:1";
    assert_int_equal(acme_ip_parse_endpoint(s, strlen(s), 53, &ip, &port), ACME_OK);
    assert_int_equal(port, 1);
}

static void test_endpoint_rejects(void **state)
{
    (void)state;
    const char *bad[] = {"::1:53",
                         "::1",
                         "127.0.0.1:0",
                         "127.0.0.1:65536",
                         "127.0.0.1:053",
                         "127.0.0.1:",
                         "[127.0.0.1]:53",
                         "[::1]53",
                         "[::1",
                         "127.0.0.1:53:1",
                         "127.0.0.1:+53",
                         " 127.0.0.1:53",
                         "127.0.0.1:53 ",
                         "[]:53",
                         "[::1]:",
                         "host:53",
                         "[::1]:99999",
                         "127.0.0.1:5a",
                         ":53",
                         "127.0.0.1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        acme_ip_addr_t ip;
        uint16_t port = 7;
        if (acme_ip_parse_endpoint(bad[i], strlen(bad[i]), 0, &ip, &port) != ACME_ERR_MALFORMED) {
            fail_msg("accepted endpoint \"%s\"", bad[i]);
        }
        assert_int_equal(port, 0);
        assert_int_equal(ip.family, ACME_IP_NONE);
    }
}

static void expect_format(const char *in, const char *canonical)
{
    acme_ip_addr_t ip;
    char out[ACME_IP_TEXT_MAX];
    size_t len = 0;
    assert_int_equal(parse_str(in, &ip), ACME_OK);
    assert_int_equal(acme_ip_format(&ip, out, sizeof(out), &len), ACME_OK);
    assert_string_equal(out, canonical);
    assert_int_equal(len, strlen(canonical));
    /* The canonical text reads back to the same address. */
    acme_ip_addr_t again;
    assert_int_equal(parse_str(out, &again), ACME_OK);
    assert_true(acme_ip_equal(&ip, &again));
}

static void test_format_rfc5952(void **state)
{
    (void)state;
    /* RFC 5952 §4.1 leading zeros, §4.2.1 longest run, §4.2.2 one zero
     * group is not shortened, §4.2.3 first of equal runs, §4.3 lower case,
     * §5 IPv4-mapped. */
    expect_format("2001:0db8::0001", "2001:db8::1");
    expect_format("2001:db8:0:0:0:0:2:1", "2001:db8::2:1");
    expect_format("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");
    expect_format("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
    expect_format("1:0:0:2:0:0:0:3", "1:0:0:2::3");
    expect_format("2001:DB8::AbCd", "2001:db8::abcd");
    expect_format("0:0:0:0:0:ffff:192.0.2.1", "::ffff:192.0.2.1");
    expect_format("0:0:0:0:0:0:0:0", "::");
    expect_format("0:0:0:0:0:0:0:1", "::1");
    expect_format("1:0:0:0:0:0:0:0", "1::");
    expect_format("fe80:0:0:0:200:5eff:fe00:5301", "fe80::200:5eff:fe00:5301");
    expect_format("1111:2222:3333:4444:5555:6666:7777:8888",
                  "1111:2222:3333:4444:5555:6666:7777:8888");
    expect_format("64:ff9b::192.0.2.33", "64:ff9b::c000:221");
    expect_format("10.0.0.255", "10.0.0.255");
    expect_format("0.0.0.0", "0.0.0.0");
}

static void test_format_endpoint_and_limits(void **state)
{
    (void)state;
    acme_ip_addr_t ip;
    char out[ACME_IP_ENDPOINT_TEXT_MAX];
    size_t len;
    assert_int_equal(parse_str("::1", &ip), ACME_OK);
    assert_int_equal(acme_ip_format_endpoint(&ip, 53, out, sizeof(out), &len), ACME_OK);
    assert_string_equal(out, "[::1]:53");
    assert_int_equal(parse_str("192.0.2.1", &ip), ACME_OK);
    assert_int_equal(acme_ip_format_endpoint(&ip, 65535, out, sizeof(out), &len), ACME_OK);
    assert_string_equal(out, "192.0.2.1:65535");

    /* "192.0.2.1" is 9 characters: 10 bytes fit, 9 do not. */
    assert_int_equal(acme_ip_format(&ip, out, 10, &len), ACME_OK);
    assert_int_equal(len, 9);
    memset(out, 'x', sizeof(out));
    assert_int_equal(acme_ip_format(&ip, out, 9, &len), ACME_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(out[0], '\0');
    assert_int_equal(out[9], 'x'); /* nothing written past cap */
    assert_int_equal(acme_ip_format(&ip, NULL, 0, &len), ACME_ERR_BUFFER_TOO_SMALL);

    acme_ip_addr_t none;
    memset(&none, 0, sizeof(none));
    assert_int_equal(acme_ip_format(&none, out, sizeof(out), &len), ACME_ERR_INVALID_ARG);
}

static void test_equal(void **state)
{
    (void)state;
    acme_ip_addr_t a;
    acme_ip_addr_t b;
    assert_int_equal(parse_str("192.0.2.1", &a), ACME_OK);
    assert_int_equal(parse_str("192.0.2.1", &b), ACME_OK);
    b.bytes[10] = 0x55; /* unused bytes of an IPv4 address do not count */
    assert_true(acme_ip_equal(&a, &b));
    b.bytes[3] = 2;
    assert_false(acme_ip_equal(&a, &b));
    /* The mapped IPv6 form is a different address for source matching. */
    assert_int_equal(parse_str("::ffff:192.0.2.1", &b), ACME_OK);
    assert_false(acme_ip_equal(&a, &b));
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    assert_false(acme_ip_equal(&a, &b)); /* family NONE never matches */
    assert_false(acme_ip_equal(NULL, &b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_valid),
        cmocka_unit_test(test_ipv4_rejects),
        cmocka_unit_test(test_ipv6_valid),
        cmocka_unit_test(test_ipv6_rejects),
        cmocka_unit_test(test_parse_uses_length_not_nul),
        cmocka_unit_test(test_endpoint_valid),
        cmocka_unit_test(test_endpoint_rejects),
        cmocka_unit_test(test_format_rfc5952),
        cmocka_unit_test(test_format_endpoint_and_limits),
        cmocka_unit_test(test_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
