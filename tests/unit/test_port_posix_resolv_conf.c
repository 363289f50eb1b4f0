/*
 * Tests of the POSIX port's system resolver: the resolv.conf parser on
 * inline texts (first nameserver wins, IPv4 and IPv6, comments, garbage
 * and indented lines, zones, CRLF, no server at all, reads bounded by the
 * given length) and the seam reading the real file. Nothing is sent: the
 * address found is never queried here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../port/posix/resolv_conf_posix.h"
#include "acme/port_posix.h"

static acme_ip_addr_t v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    acme_ip_addr_t ip;
    memset(&ip, 0, sizeof(ip));
    ip.family = ACME_IP_V4;
    ip.bytes[0] = a;
    ip.bytes[1] = b;
    ip.bytes[2] = c;
    ip.bytes[3] = d;
    return ip;
}

/* Parse text (its strlen) and return the status; the address in *ip. */
static acme_status_t parse(const char *text, acme_ip_addr_t *ip)
{
    return acme_posix_resolv_conf_parse(text, strlen(text), ip);
}

static void assert_v4(const char *text, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    acme_ip_addr_t ip;
    assert_int_equal(parse(text, &ip), ACME_OK);
    acme_ip_addr_t want = v4(a, b, c, d);
    assert_int_equal(ip.family, ACME_IP_V4);
    assert_memory_equal(ip.bytes, want.bytes, 4);
}

static void test_first_nameserver_wins(void **state)
{
    (void)state;
    assert_v4("nameserver 192.0.2.1\nnameserver 192.0.2.2\n", 192, 0, 2, 1);
    /* Other keywords around it, no final newline. */
    assert_v4("domain example.org\nsearch example.org lan\noptions edns0 trust-ad\n"
              "nameserver 198.51.100.53",
              198, 51, 100, 53);
    /* Tabs and several blanks between keyword and address. */
    assert_v4("nameserver\t \t203.0.113.9  \n", 203, 0, 113, 9);
}

static void test_ipv6_nameserver(void **state)
{
    (void)state;
    acme_ip_addr_t ip;
    assert_int_equal(parse("nameserver 2001:db8::53\nnameserver 192.0.2.1\n", &ip), ACME_OK);
    assert_int_equal(ip.family, ACME_IP_V6);
    static const uint8_t want[16] = {0x20, 0x01, 0x0d, 0xb8, [14] = 0, [15] = 0x53};
    assert_memory_equal(ip.bytes, want, 16);
    assert_int_equal(parse("nameserver ::1\n", &ip), ACME_OK);
    assert_int_equal(ip.family, ACME_IP_V6);
    assert_int_equal(ip.bytes[15], 1);
}

static void test_comments(void **state)
{
    (void)state;
    /* Commented-out servers, then a line with a comment after the address
     * (';' or '#' right after it, or after a blank). */
    assert_v4("# nameserver 10.0.0.1\n; nameserver 10.0.0.2\n#nameserver 10.0.0.3\n"
              "nameserver 10.0.0.4 # the router\n",
              10, 0, 0, 4);
    assert_v4("nameserver 10.0.0.5;primary\n", 10, 0, 0, 5);
    assert_v4("nameserver 10.0.0.6#primary\n", 10, 0, 0, 6);
    /* systemd-resolved's stub file, abridged. */
    assert_v4(
        "# This is /run/systemd/resolve/stub-resolv.conf managed by man:systemd-resolved(8).\n"
        "# Do not edit.\n#\n# Third party programs should typically not access this file\n"
        "\n"
        "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n",
        127, 0, 0, 53);
}

static void test_garbage_lines_skipped(void **state)
{
    (void)state;
    assert_v4("nameserver\n"                /* no address */
              "nameserver   \n"             /* blanks only */
              "nameserver not-an-address\n" /* a name, not an address */
              "nameserver 10.0.0.256\n"     /* out of range */
              "nameserver 010.0.0.1\n"      /* leading zero: octal to some */
              "nameserver 10.1\n"           /* shortened */
              "nameserver fe80::1%eth0\n"   /* a zone the seam cannot express */
              "nameservers 10.0.0.7\n"      /* another keyword */
              "nameserver10.0.0.8\n"        /* no blank after the keyword */
              " nameserver 10.0.0.9\n"      /* not at the start of the line */
              "NAMESERVER 10.0.0.10\n"      /* keywords are lower case */
              "\n\n\x01\xff garbage \x7f\n" /* bytes */
              /* longer than any address text */
              "nameserver 1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa\n"
              "nameserver 10.0.0.11\n",
              10, 0, 0, 11);
}

static void test_crlf_line_ends(void **state)
{
    (void)state;
    assert_v4("search lan\r\nnameserver 192.0.2.77\r\nnameserver 192.0.2.78\r\n", 192, 0, 2, 77);
}

static void test_none(void **state)
{
    (void)state;
    acme_ip_addr_t ip;
    assert_int_equal(parse("", &ip), ACME_ERR_NOT_FOUND);
    assert_int_equal(ip.family, ACME_IP_NONE);
    assert_int_equal(parse("search example.org\noptions ndots:2\n", &ip), ACME_ERR_NOT_FOUND);
    assert_int_equal(parse("# nameserver 10.0.0.1\nnameserver bogus\n", &ip), ACME_ERR_NOT_FOUND);
    assert_int_equal(acme_posix_resolv_conf_parse(NULL, 0, &ip), ACME_ERR_NOT_FOUND);
    assert_int_equal(acme_posix_resolv_conf_parse(NULL, 1, &ip), ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_posix_resolv_conf_parse("x", 1, NULL), ACME_ERR_INVALID_ARG);
}

static void test_reads_only_len_bytes(void **state)
{
    (void)state;
    acme_ip_addr_t ip;
    /* The server line lies beyond len: the parser must stop there. */
    static const char text[] = "search x\nnameserver 1.2.3.4\n";
    const size_t text_len = sizeof(text) - 1u;
    assert_int_equal(acme_posix_resolv_conf_parse(text, 9, &ip), ACME_ERR_NOT_FOUND);
    assert_int_equal(acme_posix_resolv_conf_parse(text, text_len, &ip), ACME_OK);
    /* Cut inside the address: "1.2.3." is all it sees, and not an address. */
    assert_int_equal(acme_posix_resolv_conf_parse(text, text_len - 2u, &ip), ACME_ERR_NOT_FOUND);
}

/* The seam reads the real file and answers what the parser makes of it,
 * with port 53. (It is not queried.) */
static void test_seam_reads_resolv_conf(void **state)
{
    (void)state;
    assert_ptr_equal(acme_posix_udp_ops.system_resolver, acme_posix_system_resolver);

    static char text[ACME_POSIX_RESOLV_CONF_READ_MAX];
    size_t len = 0;
    FILE *f = fopen(ACME_POSIX_RESOLV_CONF_PATH, "rb");
    if (f != NULL) {
        len = fread(text, 1, sizeof(text), f);
        fclose(f);
    }
    acme_ip_addr_t want;
    acme_status_t want_st = acme_posix_resolv_conf_parse(text, len, &want);

    static acme_posix_port_t pp;
    acme_port_t port;
    assert_int_equal(acme_posix_port_init(&pp, &port), ACME_OK);
    pp.log_threshold = ACME_LOG_ERROR; /* a missing file is only a warning */
    acme_ip_addr_t got;
    uint16_t got_port = 0;
    int32_t st = port.udp->system_resolver(port.udp_ctx, &got, &got_port);
    assert_int_equal(st, want_st);
    if (st == ACME_OK) {
        assert_int_equal(got_port, 53);
        assert_int_equal(got.family, want.family);
        assert_memory_equal(got.bytes, want.bytes, 16);
    }
    assert_int_equal(acme_posix_port_deinit(&pp), ACME_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_nameserver_wins),
        cmocka_unit_test(test_ipv6_nameserver),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_garbage_lines_skipped),
        cmocka_unit_test(test_crlf_line_ends),
        cmocka_unit_test(test_none),
        cmocka_unit_test(test_reads_only_len_bytes),
        cmocka_unit_test(test_seam_reads_resolv_conf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
