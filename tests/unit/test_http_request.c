/*
 * Tests for HTTP request heads: the client's request writer (exact bytes,
 * Host forms, buffer limits, header injection), the http-01 responder's
 * request parser (valid requests, absolute-form, partial input, bodies and
 * garbage refused) and its response writer (exact bytes, round trip through
 * the client's response parser).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "acme/codec/http_request.h"
#include "acme/codec/http_response.h"
#include "acme/config_defaults.h"

#define UA "acme-agent/0.1"

/* Reason phrases are human text: sent with ACME_ERROR_TEXT, empty without. */
#if ACME_ERROR_TEXT
#define REASON(text) text
#else
#define REASON(text) ""
#endif

/* acme_url_t as url.c would produce it, built by hand so these tests do not
 * depend on the URL parser. */
static acme_url_t make_url(const char *host, bool ipv6, uint16_t port, const char *path)
{
    acme_url_t u;
    memset(&u, 0, sizeof(u));
    u.host = host;
    u.host_len = strlen(host);
    u.host_is_ipv6 = ipv6;
    u.port = port;
    u.port_explicit = port != 443;
    u.path = path;
    u.path_len = path != NULL ? strlen(path) : 0;
    return u;
}

static void expect_request(const acme_url_t *u, const char *method, const char *ct, size_t n,
                           const char *want)
{
    char out[512];
    size_t len = 12345;
    memset(out, 'Z', sizeof(out));
    assert_int_equal(acme_http_request_write(out, sizeof(out), &len, method, u, UA, ct, n),
                     ACME_OK);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(out, want, len + 1); /* with the NUL */
}

static void test_write_get(void **state)
{
    (void)state;
    acme_url_t u = make_url("acme-v02.api.letsencrypt.org", false, 443, "/directory");
    expect_request(&u, "GET", NULL, 0,
                   "GET /directory HTTP/1.1\r\n"
                   "Host: acme-v02.api.letsencrypt.org\r\n"
                   "User-Agent: " UA "\r\n\r\n");
}

static void test_write_post_with_body_headers(void **state)
{
    (void)state;
    acme_url_t u = make_url("acme.test", false, 443, "/acme/new-order?x=1");
    expect_request(&u, "POST", "application/jose+json", 1234,
                   "POST /acme/new-order?x=1 HTTP/1.1\r\n"
                   "Host: acme.test\r\n"
                   "User-Agent: " UA "\r\n"
                   "Content-Type: application/jose+json\r\n"
                   "Content-Length: 1234\r\n\r\n");
    expect_request(&u, "POST", "application/jose+json", 0,
                   "POST /acme/new-order?x=1 HTTP/1.1\r\n"
                   "Host: acme.test\r\n"
                   "User-Agent: " UA "\r\n"
                   "Content-Type: application/jose+json\r\n"
                   "Content-Length: 0\r\n\r\n");
}

static void test_write_host_forms(void **state)
{
    (void)state;
    acme_url_t u = make_url("127.0.0.1", false, 14000, "/dir");
    expect_request(&u, "HEAD", NULL, 0,
                   "HEAD /dir HTTP/1.1\r\nHost: 127.0.0.1:14000\r\nUser-Agent: " UA "\r\n\r\n");
    u = make_url("::1", true, 14000, "/dir");
    expect_request(&u, "GET", NULL, 0,
                   "GET /dir HTTP/1.1\r\nHost: [::1]:14000\r\nUser-Agent: " UA "\r\n\r\n");
    u = make_url("2001:db8::1", true, 443, "/dir");
    expect_request(&u, "GET", NULL, 0,
                   "GET /dir HTTP/1.1\r\nHost: [2001:db8::1]\r\nUser-Agent: " UA "\r\n\r\n");
    u = make_url("ca.test", false, 65535, "/");
    expect_request(&u, "GET", NULL, 0,
                   "GET / HTTP/1.1\r\nHost: ca.test:65535\r\nUser-Agent: " UA "\r\n\r\n");
    /* 443 written explicitly is still the default port: no ":443". */
    u = make_url("ca.test", false, 443, "/");
    u.port_explicit = true;
    expect_request(&u, "GET", NULL, 0,
                   "GET / HTTP/1.1\r\nHost: ca.test\r\nUser-Agent: " UA "\r\n\r\n");
    /* No path is "/". */
    u = make_url("ca.test", false, 443, NULL);
    expect_request(&u, "GET", NULL, 0,
                   "GET / HTTP/1.1\r\nHost: ca.test\r\nUser-Agent: " UA "\r\n\r\n");
}

static void test_write_buffer_limits(void **state)
{
    (void)state;
    acme_url_t u = make_url("acme.test", false, 8443, "/acme/finalize/1/2");
    char ref[256];
    size_t need;
    assert_int_equal(acme_http_request_write(ref, sizeof(ref), &need, "POST", &u, UA,
                                             "application/jose+json", 99),
                     ACME_OK);
    /* Every buffer too small for the request and its NUL is refused, and
     * nothing is written past the cap. */
    for (size_t cap = 0; cap <= need; cap++) {
        char out[256];
        size_t len = 7;
        memset(out, 'Z', sizeof(out));
        assert_int_equal(
            acme_http_request_write(out, cap, &len, "POST", &u, UA, "application/jose+json", 99),
            ACME_ERR_BUFFER_TOO_SMALL);
        assert_int_equal(len, 0);
        for (size_t i = cap; i < sizeof(out); i++) {
            assert_int_equal(out[i], 'Z');
        }
    }
    char out[256];
    size_t len;
    assert_int_equal(
        acme_http_request_write(out, need + 1, &len, "POST", &u, UA, "application/jose+json", 99),
        ACME_OK);
    assert_int_equal(len, need);
    assert_memory_equal(out, ref, need + 1);
}

static void test_write_refuses_injection(void **state)
{
    (void)state;
    char out[256];
    size_t len;
    acme_url_t u = make_url("acme.test", false, 443, "/a\r\nX-Evil: 1");
    assert_int_equal(acme_http_request_write(out, sizeof(out), &len, "GET", &u, UA, NULL, 0),
                     ACME_ERR_INVALID_ARG);
    u = make_url("acme.test", false, 443, "/a b");
    assert_int_equal(acme_http_request_write(out, sizeof(out), &len, "GET", &u, UA, NULL, 0),
                     ACME_ERR_INVALID_ARG);
    u = make_url("acme.test", false, 443, "/a#fragment");
    assert_int_equal(acme_http_request_write(out, sizeof(out), &len, "GET", &u, UA, NULL, 0),
                     ACME_ERR_INVALID_ARG);
    u = make_url("acme.test", false, 443, "relative");
    assert_int_equal(acme_http_request_write(out, sizeof(out), &len, "GET", &u, UA, NULL, 0),
                     ACME_ERR_INVALID_ARG);
    u = make_url("acme.test\r\nX: y", false, 443, "/");
    assert_int_equal(acme_http_request_write(out, sizeof(out), &len, "GET", &u, UA, NULL, 0),
                     ACME_ERR_INVALID_ARG);
    u = make_url("acme.test", false, 443, "/");
    assert_int_equal(
        acme_http_request_write(out, sizeof(out), &len, "GET", &u, "ua\r\nX: y", NULL, 0),
        ACME_ERR_INVALID_ARG);
    assert_int_equal(
        acme_http_request_write(out, sizeof(out), &len, "GET", &u, UA, "text/plain\nX: y", 1),
        ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_http_request_write(out, sizeof(out), &len, "G T", &u, UA, NULL, 0),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_http_request_write(out, sizeof(out), &len, "", &u, UA, NULL, 0),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_http_request_write(out, sizeof(out), &len, NULL, &u, UA, NULL, 0),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_http_request_write(out, sizeof(out), &len, "GET", NULL, UA, NULL, 0),
                     ACME_ERR_INVALID_ARG);
    u = make_url("", false, 443, "/");
    assert_int_equal(acme_http_request_write(out, sizeof(out), &len, "GET", &u, UA, NULL, 0),
                     ACME_ERR_INVALID_ARG);
}

/* The writer for parsed URLs writes the same head for every URL the parser
 * accepts, and still refuses a user agent or content type that could
 * inject a header. */
static void test_write_parsed(void **state)
{
    (void)state;
    static const char *const urls[] = {"https://acme.test/dir",
                                       "https://acme.test:8443/a/b?c=d%20e", "https://10.0.0.1",
                                       "HTTPS://Acme.Test:443/x"};
    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        acme_url_t u;
        assert_int_equal(acme_url_parse_https(urls[i], strlen(urls[i]), &u), ACME_OK);
        char ref[256];
        char out[256];
        size_t ref_len = 0;
        size_t len = 1;
        assert_int_equal(acme_http_request_write(ref, sizeof(ref), &ref_len, "POST", &u, UA,
                                                 "application/jose+json", 321),
                         ACME_OK);
        assert_int_equal(acme_http_request_write_parsed(out, sizeof(out), &len, "POST", &u, UA,
                                                        "application/jose+json", 321),
                         ACME_OK);
        assert_int_equal(len, ref_len);
        assert_memory_equal(out, ref, len + 1);
        assert_int_equal(acme_http_request_write_parsed(out, ref_len, &len, "POST", &u, UA,
                                                        "application/jose+json", 321),
                         ACME_ERR_BUFFER_TOO_SMALL);
        assert_int_equal(len, 0);
    }
    acme_url_t u;
    assert_int_equal(acme_url_parse_https("https://acme.test/", 18, &u), ACME_OK);
    char out[256];
    size_t len = 1;
    assert_int_equal(
        acme_http_request_write_parsed(out, sizeof(out), &len, "GET", &u, "ua\r\nX: y", NULL, 0),
        ACME_ERR_INVALID_ARG);
    assert_int_equal(len, 0);
    assert_int_equal(acme_http_request_write_parsed(out, sizeof(out), &len, "POST", &u, UA,
                                                    "text/plain\nX: y", 1),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(
        acme_http_request_write_parsed(out, sizeof(out), &len, "GET", NULL, UA, NULL, 0),
        ACME_ERR_INVALID_ARG);
}

/* ---- request parser ------------------------------------------------------- */

#define VALIDATION_REQUEST                                                                         \
    "GET /.well-known/acme-challenge/LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0 HTTP/1.1\r\n"     \
    "Host: example.org\r\n"                                                                        \
    "User-Agent: Mozilla/5.0 (compatible; Let's Encrypt validation server; "                       \
    "+https://www.letsencrypt.org)\r\n"                                                            \
    "Accept: */*\r\n"                                                                              \
    "Accept-Encoding: gzip\r\n"                                                                    \
    "Connection: close\r\n"                                                                        \
    "\r\n"

#define CHALLENGE_PATH "/.well-known/acme-challenge/LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"

static acme_status_t parse_str(const char *s, acme_http_request_t *req)
{
    return acme_http_request_parse((const uint8_t *)s, strlen(s), req);
}

static void expect_parsed(const char *raw, uint8_t method, const char *path)
{
    acme_http_request_t req;
    assert_int_equal(parse_str(raw, &req), ACME_OK);
    assert_int_equal(req.method, method);
    assert_int_equal(req.path_len, strlen(path));
    assert_memory_equal(req.path, path, req.path_len);
    assert_true(req.path >= raw && req.path + req.path_len <= raw + strlen(raw));
    assert_int_equal(req.head_len, strlen(raw));
}

static void test_parse_valid(void **state)
{
    (void)state;
    expect_parsed(VALIDATION_REQUEST, ACME_METHOD_GET, CHALLENGE_PATH);
    expect_parsed("HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n", ACME_METHOD_HEAD, "/x");
    expect_parsed("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", ACME_METHOD_OTHER,
                  "/x");
    expect_parsed("get /x HTTP/1.1\r\n\r\n", ACME_METHOD_OTHER,
                  "/x"); /* methods are case-sensitive */
    expect_parsed("GET /x?q=1 HTTP/1.0\r\n\r\n", ACME_METHOD_GET, "/x?q=1");
    expect_parsed("GET / HTTP/1.1\nHost: a\n\n", ACME_METHOD_GET, "/"); /* bare LF */
    expect_parsed("GET /x HTTP/1.1\r\nX-Empty:\r\nX-Tab:\tv\t\r\nX-Obs: caf\xc3\xa9\r\n\r\n",
                  ACME_METHOD_GET, "/x");
}

static void test_parse_absolute_form(void **state)
{
    (void)state;
    expect_parsed("GET http://example.org/.well-known/acme-challenge/tok HTTP/1.1\r\n"
                  "Host: example.org\r\n\r\n",
                  ACME_METHOD_GET, "/.well-known/acme-challenge/tok");
    expect_parsed("GET HTTP://Example.ORG:80/a?b HTTP/1.1\r\n\r\n", ACME_METHOD_GET, "/a?b");
    expect_parsed("GET https://[2001:db8::1]:8080/t HTTP/1.1\r\n\r\n", ACME_METHOD_GET, "/t");
    acme_http_request_t req;
    assert_int_equal(parse_str("GET http://example.org HTTP/1.1\r\n\r\n", &req),
                     ACME_ERR_MALFORMED);
    assert_int_equal(parse_str("GET http:///x HTTP/1.1\r\n\r\n", &req), ACME_ERR_MALFORMED);
    assert_int_equal(parse_str("GET http://u:p@example.org/x HTTP/1.1\r\n\r\n", &req),
                     ACME_ERR_MALFORMED);
    assert_int_equal(parse_str("GET http://example.org?x/y HTTP/1.1\r\n\r\n", &req),
                     ACME_ERR_MALFORMED);
    assert_int_equal(parse_str("GET ftp://example.org/x HTTP/1.1\r\n\r\n", &req),
                     ACME_ERR_MALFORMED);
    assert_int_equal(parse_str("GET hxxp://example.org/x HTTP/1.1\r\n\r\n", &req),
                     ACME_ERR_MALFORMED);
}

static void test_parse_would_block_on_every_prefix(void **state)
{
    (void)state;
    const char *raw = VALIDATION_REQUEST;
    size_t n = strlen(raw);
    acme_http_request_t req;
    for (size_t k = 0; k < n; k++) {
        acme_status_t st = acme_http_request_parse((const uint8_t *)raw, k, &req);
        if (st != ACME_WOULD_BLOCK) {
            fail_msg("prefix of %zu bytes gave %s", k, acme_status_name(st));
        }
    }
    /* Bytes after the head (a pipelined request) are not part of it. */
    char more[sizeof(VALIDATION_REQUEST) + 16];
    memcpy(more, raw, n);
    memcpy(more + n, "GET / HTTP/1.1", 14);
    assert_int_equal(acme_http_request_parse((const uint8_t *)more, n + 14, &req), ACME_OK);
    assert_int_equal(req.head_len, n);
}

static void test_parse_rejects_bodies(void **state)
{
    (void)state;
    acme_http_request_t req;
    assert_int_equal(parse_str("POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", &req),
                     ACME_ERR_MALFORMED);
    assert_int_equal(parse_str("GET /x HTTP/1.1\r\ncontent-length: 1\r\n\r\n", &req),
                     ACME_ERR_MALFORMED);
    assert_int_equal(parse_str("GET /x HTTP/1.1\r\nContent-Length: 00010\r\n\r\n", &req),
                     ACME_ERR_MALFORMED);
    assert_int_equal(parse_str("GET /x HTTP/1.1\r\nContent-Length: x\r\n\r\n", &req),
                     ACME_ERR_MALFORMED);
    assert_int_equal(parse_str("GET /x HTTP/1.1\r\nContent-Length: \r\n\r\n", &req),
                     ACME_ERR_MALFORMED);
    assert_int_equal(parse_str("GET /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", &req),
                     ACME_ERR_MALFORMED);
    assert_int_equal(parse_str("GET /x HTTP/1.1\r\nTRANSFER-ENCODING: identity\r\n\r\n", &req),
                     ACME_ERR_MALFORMED);
    assert_int_equal(parse_str("GET /x HTTP/1.1\r\nContent-Length: 000 \r\n\r\n", &req), ACME_OK);
}

static void test_parse_rejects_garbage(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\r\n",
        "GET\r\n\r\n",
        "GET /x\r\n\r\n",
        "GET /x HTTP/1.1 \r\n\r\n",
        "GET  /x HTTP/1.1\r\n\r\n",
        "GET /x  HTTP/1.1\r\n\r\n",
        " GET /x HTTP/1.1\r\n\r\n",
        "GET /x HTTP/2.0\r\n\r\n",
        "GET /x HTTP/1.x\r\n\r\n",
        "GET /x http/1.1\r\n\r\n",
        "GET * HTTP/1.1\r\n\r\n",
        "CONNECT example.org:443 HTTP/1.1\r\n\r\n",
        "GET x HTTP/1.1\r\n\r\n",
        "GET /x#frag HTTP/1.1\r\n\r\n",
        "GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n",
        "G(T /x HTTP/1.1\r\n\r\n",
        "GET /x HTTP/1.1\r\nNo colon\r\n\r\n",
        "GET /x HTTP/1.1\r\nName : v\r\n\r\n",
        "GET /x HTTP/1.1\r\n: v\r\n\r\n",
        "GET /x HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
        "GET /x HTTP/1.1\r\nA: b\x01\r\n\r\n",
        "GET /x HTTP/1.1\r\nA: b\rc\r\n\r\n",
        "GET /x HTTP/1.1\r\r\n\r\n",
        "GET /x HTTP/1.1\r\n\rX",
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", /* a TLS ClientHello on port 80 */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        acme_http_request_t req;
        acme_status_t st = parse_str(bad[i], &req);
        if (st != ACME_ERR_MALFORMED) {
            fail_msg("bad[%zu] gave %s", i, acme_status_name(st));
        }
    }
    /* Garbage is refused as soon as it is seen, not after a timeout. */
    acme_http_request_t req;
    assert_int_equal(parse_str("\x16\x03", &req), ACME_ERR_MALFORMED);
    assert_int_equal(parse_str("GET /x HTTP/2", &req), ACME_ERR_MALFORMED);
    assert_int_equal(parse_str("GET /x HTTP/1.1X", &req), ACME_ERR_MALFORMED);
    assert_int_equal(parse_str("GET /x HTTP/1.1\r\nA\x01", &req), ACME_ERR_MALFORMED);
    assert_int_equal(parse_str("GET /x HTTP/1.1\r\n folded", &req), ACME_ERR_MALFORMED);
    /* An embedded NUL (length-delimited input). */
    static const char nul[] = "GET /x\0y HTTP/1.1\r\n\r\n";
    assert_int_equal(acme_http_request_parse((const uint8_t *)nul, sizeof(nul) - 1, &req),
                     ACME_ERR_MALFORMED);
    assert_int_equal(acme_http_request_parse(NULL, 0, &req), ACME_WOULD_BLOCK);
    assert_int_equal(acme_http_request_parse(NULL, 1, &req), ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_http_request_parse((const uint8_t *)"x", 1, NULL), ACME_ERR_INVALID_ARG);
}

/* ---- response writer --------------------------------------------------------- */

static void test_response_write(void **state)
{
    (void)state;
    char out[256];
    size_t len;
    const char *ka =
        "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9"
        "fm21mqTI";
    assert_int_equal(
        acme_http_response_write(out, sizeof(out), &len, 200, "text/plain", ka, strlen(ka), false),
        ACME_OK);
    const char *want_head = "HTTP/1.1 200 " REASON("OK") "\r\n"
                                                         "Content-Type: text/plain\r\n"
                                                         "Content-Length: 87\r\n"
                                                         "Connection: close\r\n\r\n";
    assert_int_equal(strlen(ka), 87);
    assert_int_equal(len, strlen(want_head) + strlen(ka));
    assert_memory_equal(out, want_head, strlen(want_head));
    assert_memory_equal(out + strlen(want_head), ka, strlen(ka));

    /* HEAD: same head, no body. */
    assert_int_equal(
        acme_http_response_write(out, sizeof(out), &len, 200, "text/plain", ka, strlen(ka), true),
        ACME_OK);
    assert_int_equal(len, strlen(want_head));
    assert_memory_equal(out, want_head, len);

    assert_int_equal(
        acme_http_response_write(out, sizeof(out), &len, 404, "text/plain", NULL, 0, false),
        ACME_OK);
    const char *not_found =
        "HTTP/1.1 404 " REASON("Not Found") "\r\nContent-Type: text/plain\r\n"
                                            "Content-Length: 0\r\nConnection: close\r\n\r\n";
    assert_int_equal(len, strlen(not_found));
    assert_memory_equal(out, not_found, len);

    /* A status without a known phrase keeps the SP, as RFC 9112 §4 asks. */
    assert_int_equal(
        acme_http_response_write(out, sizeof(out), &len, 299, "text/plain", NULL, 0, false),
        ACME_OK);
    assert_memory_equal(out, "HTTP/1.1 299 \r\n", 15);
}

static void test_response_reason_phrases(void **state)
{
    (void)state;
    static const struct {
        int status;
        const char *line;
    } phrases[] = {
        {200, "HTTP/1.1 200 " REASON("OK") "\r\n"},
        {400, "HTTP/1.1 400 " REASON("Bad Request") "\r\n"},
        {404, "HTTP/1.1 404 " REASON("Not Found") "\r\n"},
        {405, "HTTP/1.1 405 " REASON("Method Not Allowed") "\r\n"},
        {408, "HTTP/1.1 408 " REASON("Request Timeout") "\r\n"},
        {413, "HTTP/1.1 413 " REASON("Content Too Large") "\r\n"},
        {500, "HTTP/1.1 500 " REASON("Internal Server Error") "\r\n"},
        {503, "HTTP/1.1 503 " REASON("Service Unavailable") "\r\n"},
        {100, "HTTP/1.1 100 \r\n"},
        {599, "HTTP/1.1 599 \r\n"},
    };
    for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++) {
        char out[128];
        size_t len;
        assert_int_equal(acme_http_response_write(out, sizeof(out), &len, phrases[i].status,
                                                  "text/plain", NULL, 0, false),
                         ACME_OK);
        assert_memory_equal(out, phrases[i].line, strlen(phrases[i].line));
    }
}

static void test_response_write_limits(void **state)
{
    (void)state;
    char out[256];
    size_t need;
    assert_int_equal(
        acme_http_response_write(out, sizeof(out), &need, 200, "text/plain", "body", 4, false),
        ACME_OK);
    for (size_t cap = 0; cap < need; cap++) {
        size_t len = 9;
        assert_int_equal(
            acme_http_response_write(out, cap, &len, 200, "text/plain", "body", 4, false),
            ACME_ERR_BUFFER_TOO_SMALL);
        assert_int_equal(len, 0);
    }
    size_t len;
    assert_int_equal(acme_http_response_write(out, need, &len, 200, "text/plain", "body", 4, false),
                     ACME_OK);
    assert_int_equal(len, need);
    assert_int_equal(
        acme_http_response_write(out, sizeof(out), &len, 99, "text/plain", NULL, 0, false),
        ACME_ERR_INVALID_ARG);
    assert_int_equal(
        acme_http_response_write(out, sizeof(out), &len, 600, "text/plain", NULL, 0, false),
        ACME_ERR_INVALID_ARG);
    assert_int_equal(
        acme_http_response_write(out, sizeof(out), &len, 200, "a\r\nB: c", NULL, 0, false),
        ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_http_response_write(out, sizeof(out), &len, 200, NULL, NULL, 0, false),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(
        acme_http_response_write(out, sizeof(out), &len, 200, "text/plain", NULL, 3, false),
        ACME_ERR_INVALID_ARG);
}

/* What the responder writes, the client's parser reads back. */
static void test_response_round_trip(void **state)
{
    (void)state;
    char out[256];
    size_t len;
    const char *body = "token.thumbprint";
    assert_int_equal(acme_http_response_write(out, sizeof(out), &len, 200, "text/plain", body,
                                              strlen(body), false),
                     ACME_OK);
    acme_http_response_t resp;
    acme_http_parser_t p;
    uint8_t buf[64];
    size_t used;
    acme_http_parser_init(&p, &resp, buf, sizeof(buf), false);
    assert_int_equal(acme_http_parser_feed(&p, (const uint8_t *)out, len, &used), ACME_OK);
    assert_int_equal(used, len);
    assert_int_equal(resp.status, 200);
    assert_false(resp.keep_alive);
    assert_int_equal(resp.body_len, strlen(body));
    assert_memory_equal(buf, body, resp.body_len);
}

/* And what the client writes, the responder's parser reads back. */
static void test_request_round_trip(void **state)
{
    (void)state;
    acme_url_t u = make_url("example.org", false, 443, CHALLENGE_PATH);
    char out[256];
    size_t len;
    assert_int_equal(acme_http_request_write(out, sizeof(out), &len, "GET", &u, UA, NULL, 0),
                     ACME_OK);
    acme_http_request_t req;
    assert_int_equal(acme_http_request_parse((const uint8_t *)out, len, &req), ACME_OK);
    assert_int_equal(req.method, ACME_METHOD_GET);
    assert_int_equal(req.head_len, len);
    assert_int_equal(req.path_len, strlen(CHALLENGE_PATH));
    assert_memory_equal(req.path, CHALLENGE_PATH, req.path_len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_get),
        cmocka_unit_test(test_write_post_with_body_headers),
        cmocka_unit_test(test_write_host_forms),
        cmocka_unit_test(test_write_buffer_limits),
        cmocka_unit_test(test_write_refuses_injection),
        cmocka_unit_test(test_write_parsed),
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_absolute_form),
        cmocka_unit_test(test_parse_would_block_on_every_prefix),
        cmocka_unit_test(test_parse_rejects_bodies),
        cmocka_unit_test(test_parse_rejects_garbage),
        cmocka_unit_test(test_response_write),
        cmocka_unit_test(test_response_reason_phrases),
        cmocka_unit_test(test_response_write_limits),
        cmocka_unit_test(test_response_round_trip),
        cmocka_unit_test(test_request_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
