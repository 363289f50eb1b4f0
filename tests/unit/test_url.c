/*
 * Tests for the strict https URL parser and the same-origin check: the forms
 * ACME servers use (names, IPv4 and IPv6 literals, ports, queries), and one
 * or more inputs for every class of URL the parser must refuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "acme/codec/url.h"

static acme_url_t parse_ok(const char *text)
{
    acme_url_t u;
    acme_status_t st = acme_url_parse_https(text, strlen(text), &u);
    if (st != ACME_OK) {
        fail_msg("\"%s\": expected OK, got %d", text, (int)st);
    }
    return u;
}

static void expect_url(const char *text, const char *host, bool ipv6, uint16_t port,
                       bool port_explicit, const char *path)
{
    acme_url_t u = parse_ok(text);
    if (u.host_len != strlen(host) || memcmp(u.host, host, u.host_len) != 0) {
        fail_msg("\"%s\": host \"%.*s\", expected \"%s\"", text, (int)u.host_len, u.host, host);
    }
    assert_int_equal(u.host_is_ipv6, ipv6);
    assert_int_equal(u.port, port);
    assert_int_equal(u.port_explicit, port_explicit);
    if (u.path_len != strlen(path) || memcmp(u.path, path, u.path_len) != 0) {
        fail_msg("\"%s\": path \"%.*s\", expected \"%s\"", text, (int)u.path_len, u.path, path);
    }
}

static void expect_status_n(const char *text, size_t len, acme_status_t expected)
{
    acme_url_t u;
    memset(&u, 0x5A, sizeof(u));
    acme_status_t st = acme_url_parse_https(text, len, &u);
    if (st != expected) {
        fail_msg("\"%.*s\": expected %d, got %d", (int)len, text, (int)expected, (int)st);
    }
    /* A refused URL leaves nothing half-filled behind. */
    assert_null(u.host);
    assert_null(u.path);
    assert_int_equal(u.port, 0);
}

static void expect_malformed(const char *text)
{
    expect_status_n(text, strlen(text), ACME_ERR_MALFORMED);
}

static void test_names_and_paths(void **state)
{
    (void)state;
    expect_url("https://example.com", "example.com", false, 443, false, "/");
    expect_url("https://example.com/", "example.com", false, 443, false, "/");
    expect_url("https://acme-v02.api.letsencrypt.org/directory", "acme-v02.api.letsencrypt.org",
               false, 443, false, "/directory");
    expect_url("HTTPS://Example.COM/Dir", "Example.COM", false, 443, false, "/Dir");
    expect_url("hTtPs://a/", "a", false, 443, false, "/");
    expect_url("https://ca.test/acme/order/1?cursor=2&x=%2F%aa", "ca.test", false, 443, false,
               "/acme/order/1?cursor=2&x=%2F%aa");
    expect_url("https://ca.test/a/?q=/b?c", "ca.test", false, 443, false, "/a/?q=/b?c");
    expect_url("https://ca.test/acct/1@x:y;z=1,2!$&'()*+~_.-", "ca.test", false, 443, false,
               "/acct/1@x:y;z=1,2!$&'()*+~_.-");
    expect_url("https://xn--bcher-kva.example/", "xn--bcher-kva.example", false, 443, false, "/");
    expect_url("https://a-b.c-d9.example/", "a-b.c-d9.example", false, 443, false, "/");
    expect_url("https://1a.example/", "1a.example", false, 443, false, "/");
    /* the caller's length is what counts, not a NUL */
    acme_url_t u;
    assert_int_equal(acme_url_parse_https("https://example.com/abcdef", 22, &u), ACME_OK);
    assert_int_equal(u.path_len, 3);
}

static void test_ports(void **state)
{
    (void)state;
    expect_url("https://example.com:443/", "example.com", false, 443, true, "/");
    expect_url("https://example.com:14000/dir", "example.com", false, 14000, true, "/dir");
    expect_url("https://example.com:1", "example.com", false, 1, true, "/");
    expect_url("https://example.com:65535", "example.com", false, 65535, true, "/");
}

static void test_ip_literals(void **state)
{
    (void)state;
    expect_url("https://127.0.0.1:14000/dir", "127.0.0.1", false, 14000, true, "/dir");
    expect_url("https://0.0.0.0/", "0.0.0.0", false, 443, false, "/");
    expect_url("https://255.255.255.255/", "255.255.255.255", false, 443, false, "/");
    expect_url("https://[::1]:14000/dir", "::1", true, 14000, true, "/dir");
    expect_url("https://[::1]", "::1", true, 443, false, "/");
    expect_url("https://[::]/", "::", true, 443, false, "/");
    expect_url("https://[1::]/", "1::", true, 443, false, "/");
    expect_url("https://[2001:DB8::8:800:200c:417a]/x", "2001:DB8::8:800:200c:417a", true, 443,
               false, "/x");
    expect_url("https://[1:2:3:4:5:6:7:8]:8443/", "1:2:3:4:5:6:7:8", true, 8443, true, "/");
    expect_url("https://[1:2:3:4:5:6:7::]/", "1:2:3:4:5:6:7::", true, 443, false, "/");
    expect_url("https://[::2:3:4:5:6:7:8]/", "::2:3:4:5:6:7:8", true, 443, false, "/");
    expect_url("https://[::ffff:192.0.2.1]/", "::ffff:192.0.2.1", true, 443, false, "/");
    expect_url("https://[1:2:3:4:5:6:1.2.3.4]/", "1:2:3:4:5:6:1.2.3.4", true, 443, false, "/");
    expect_url("https://[ffff:FFFF:0:00:000:0000:1:2]/", "ffff:FFFF:0:00:000:0000:1:2", true, 443,
               false, "/");
}

static void test_scheme_rejected(void **state)
{
    (void)state;
    expect_malformed("");
    expect_malformed("http://example.com/");
    expect_malformed("ftp://example.com/");
    expect_malformed("httpss://example.com/");
    expect_malformed("https:/example.com/");
    expect_malformed("https:example.com");
    expect_malformed("https//example.com/");
    expect_malformed("//example.com/");
    expect_malformed("example.com");
    expect_malformed("https:");
    expect_malformed("https://");
}

static void test_userinfo_and_fragment_rejected(void **state)
{
    (void)state;
    expect_malformed("https://user@example.com/");
    expect_malformed("https://user:pass@example.com/");
    expect_malformed("https://@example.com/");
    expect_malformed("https://example.com@evil.test/");
    expect_malformed("https://example.com/#");
    expect_malformed("https://example.com/dir#frag");
    expect_malformed("https://example.com#frag");
    expect_malformed("https://example.com/?q#f");
}

static void test_bytes_rejected(void **state)
{
    (void)state;
    expect_malformed("https://example.com/a b");
    expect_malformed("https://exa mple.com/");
    expect_malformed(" https://example.com/");
    expect_malformed("https://example.com/\t");
    expect_malformed("https://example.com/\r\n");
    expect_malformed("https://example.com/\x01");
    expect_malformed("https://example.com/\x7f");
    expect_malformed("https://example.com/\x80");
    expect_malformed("https://ex\xc3\xa4mple.com/");
    expect_malformed("https://example.com/\xff");
    expect_status_n("https://example.com\0.evil.test/", 31, ACME_ERR_MALFORMED);
    expect_status_n("https://example.com/\0", 21, ACME_ERR_MALFORMED);
    /* characters another parser might read as a separator or a quote */
    expect_malformed("https://example.com\\@evil.test/");
    expect_malformed("https://example.com/a\\b");
    expect_malformed("https://example.com/\"");
    expect_malformed("https://example.com/<x>");
    expect_malformed("https://example.com/{x}");
    expect_malformed("https://example.com/a|b");
    expect_malformed("https://example.com/^");
    expect_malformed("https://example.com/`");
    expect_malformed("https://example.com/[x]");
    /* percent escapes must be complete */
    expect_malformed("https://example.com/%");
    expect_malformed("https://example.com/%4");
    expect_malformed("https://example.com/%zz");
    expect_malformed("https://example.com/%%41");
}

static void test_hosts_rejected(void **state)
{
    (void)state;
    expect_malformed("https:///dir");
    expect_malformed("https://:443/");
    expect_malformed("https://?q");
    expect_malformed("https://example.com?q=1"); /* query without a path */
    expect_malformed("https://example.com:9?q");
    expect_malformed("https://under_score.example/");
    expect_malformed("https://ex%41mple.com/");
    expect_malformed("https://example.com!/");
    expect_malformed("https://a..b/");
    expect_malformed("https://.example.com/");
    expect_malformed("https://example.com./");
    expect_malformed("https://-a.example/");
    expect_malformed("https://a-.example/");
    expect_malformed("https://a.-example/");
    /* numeric hosts that browsers would read as some IPv4 address */
    expect_malformed("https://1.2.3/");
    expect_malformed("https://1.2.3.4.5/");
    expect_malformed("https://256.1.1.1/");
    expect_malformed("https://01.2.3.4/");
    expect_malformed("https://1.2.3.04/");
    expect_malformed("https://0x7f.0.0.1/");
    expect_malformed("https://1.2.3.0x4/");
    expect_malformed("https://2130706433/");
    expect_malformed("https://example.123/");
    expect_malformed("https://1234.1.1.1/");
}

static void test_host_length(void **state)
{
    (void)state;
    /* 253 characters in labels of 63: accepted; 254: oversize. */
    char url[320];
    char host[260];
    size_t n = 0;
    while (n < 253) {
        size_t label = 253 - n >= 64 ? 63 : 253 - n;
        memset(host + n, 'a', label);
        n += label;
        if (n < 253) {
            host[n++] = '.';
        }
    }
    host[n] = '\0';
    assert_int_equal(strlen(host), 253);
    strcpy(url, "https://");
    strcat(url, host);
    strcat(url, "/");
    expect_url(url, host, false, 443, false, "/");

    strcpy(url, "https://b");
    strcat(url, host);
    strcat(url, ":8443/");
    expect_status_n(url, strlen(url), ACME_ERR_OVERSIZE);

    /* a 64-character label */
    memset(host, 'a', 64);
    strcpy(host + 64, ".example");
    strcpy(url, "https://");
    strcat(url, host);
    expect_malformed(url);
}

static void test_ipv6_rejected(void **state)
{
    (void)state;
    expect_malformed("https://[::1/");
    expect_malformed("https://[::1");
    expect_malformed("https://::1/");
    expect_malformed("https://[]/");
    expect_malformed("https://[:]/");
    expect_malformed("https://[:1]/");
    expect_malformed("https://[1:]/");
    expect_malformed("https://[:::]/");
    expect_malformed("https://[1:::2]/");
    expect_malformed("https://[1::2::3]/");
    expect_malformed("https://[1:2:3:4:5:6:7:8:9]/");
    expect_malformed("https://[1:2:3:4:5:6:7]/");
    expect_malformed("https://[1:2:3:4::5:6:7:8]/");
    expect_malformed("https://[12345::]/");
    expect_malformed("https://[::g]/");
    expect_malformed("https://[fe80::1%25eth0]/");
    expect_malformed("https://[v1.fe80]/");
    expect_malformed("https://[::1.2.3]/");
    expect_malformed("https://[::1.2.3.4.5]/");
    expect_malformed("https://[::256.1.1.1]/");
    expect_malformed("https://[1:2:3:4:5:6:7:1.2.3.4]/");
    expect_malformed("https://[1.2.3.4]/");
    expect_malformed("https://[::1]x/");
    expect_malformed("https://[::1]]/");
    expect_malformed("https://[::1]:/");
    expect_malformed("https://x[::1]/");
    expect_malformed("https://[[::1]]/");
}

static void test_ports_rejected(void **state)
{
    (void)state;
    expect_malformed("https://example.com:/");
    expect_malformed("https://example.com:0/");
    expect_malformed("https://example.com:65536/");
    expect_malformed("https://example.com:99999/");
    expect_malformed("https://example.com:123456/");
    expect_malformed("https://example.com:4294967739/");           /* 443 mod 2^32 */
    expect_malformed("https://example.com:18446744073709552059/"); /* 443 mod 2^64 */
    expect_malformed("https://example.com:08443/");
    expect_malformed("https://example.com:-1/");
    expect_malformed("https://example.com:+443/");
    expect_malformed("https://example.com:44a/");
    expect_malformed("https://example.com:443:443/");
    expect_malformed("https://example.com: 443/");
    expect_malformed("https://[::1]:0/");
    expect_malformed("https://[::1]:65536/");
}

static void test_invalid_arguments(void **state)
{
    (void)state;
    acme_url_t u;
    assert_int_equal(acme_url_parse_https(NULL, 0, &u), ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_url_parse_https("https://a/", 10, NULL), ACME_ERR_INVALID_ARG);
}

static bool same(const char *a, const char *b)
{
    acme_url_t ua = parse_ok(a);
    acme_url_t ub = parse_ok(b);
    bool ab = acme_url_same_origin(&ua, &ub);
    assert_int_equal(ab, acme_url_same_origin(&ub, &ua)); /* symmetric */
    return ab;
}

static void test_same_origin(void **state)
{
    (void)state;
    assert_true(same("https://ca.test/dir", "https://ca.test/acme/new-order"));
    assert_true(same("https://CA.Test/dir", "https://ca.TEST"));
    assert_true(same("https://ca.test/", "https://ca.test:443/x"));
    assert_true(same("https://ca.test:14000/", "https://ca.test:14000/x?y"));
    assert_true(same("https://127.0.0.1:14000/", "https://127.0.0.1:14000/y"));
    assert_true(same("https://[::1]:14000/", "https://[0:0:0:0:0:0:0:1]:14000/"));
    assert_true(same("https://[2001:db8::1]/", "https://[2001:DB8:0::0:1]/"));
    assert_true(same("https://[::ffff:127.0.0.1]/", "https://[::ffff:7f00:1]/"));

    assert_false(same("https://ca.test/", "https://ca.test:8443/"));
    assert_false(same("https://ca.test:14000/", "https://ca.test:14001/"));
    assert_false(same("https://ca.test/", "https://ca.test.evil/"));
    assert_false(same("https://ca.test/", "https://a.test/"));
    assert_false(same("https://ca.test/", "https://cb.test/"));
    assert_false(same("https://127.0.0.1/", "https://127.0.0.2/"));
    assert_false(same("https://[::1]/", "https://[::2]/"));
    assert_false(same("https://[::1]/", "https://[::1]:444/"));
    /* the same address written as IPv4 and as IPv4-mapped IPv6 is a
     * different host name for TLS: not the same origin */
    assert_false(same("https://127.0.0.1/", "https://[::ffff:127.0.0.1]/"));

    acme_url_t u = parse_ok("https://ca.test/");
    assert_false(acme_url_same_origin(&u, NULL));
    assert_false(acme_url_same_origin(NULL, &u));
    assert_true(acme_url_same_origin(&u, &u));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_paths),
        cmocka_unit_test(test_ports),
        cmocka_unit_test(test_ip_literals),
        cmocka_unit_test(test_scheme_rejected),
        cmocka_unit_test(test_userinfo_and_fragment_rejected),
        cmocka_unit_test(test_bytes_rejected),
        cmocka_unit_test(test_hosts_rejected),
        cmocka_unit_test(test_host_length),
        cmocka_unit_test(test_ipv6_rejected),
        cmocka_unit_test(test_ports_rejected),
        cmocka_unit_test(test_invalid_arguments),
        cmocka_unit_test(test_same_origin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
