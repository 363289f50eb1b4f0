/*
 * Tests for the incremental HTTP response parser: canned responses of the
 * kinds ACME servers send, each fed whole, in two pieces at every split
 * point and byte by byte, must give the same status, fields and body; hostile
 * or broken responses are refused with the right status at every split too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "acme/codec/http_response.h"

#define BODY_BUF ACME_HTTP_BODY_MAX
#define RAW_MAX (ACME_HTTP_HEADER_MAX + ACME_HTTP_BODY_MAX + 4096)
#define NONE NULL /* an expected string field left empty */

/* One canned exchange and what the parser must make of it. */
typedef struct canned {
    const char *name;
    const char *raw;
    size_t cap; /* body buffer size; 0 means BODY_BUF */
    bool head;  /* the request was HEAD */
    bool eof;   /* the peer closes after raw */
    acme_status_t expect;
    uint16_t status;
    bool keep_alive;
    int64_t retry_s;
    int64_t retry_epoch;
    const char *location;
    const char *nonce;
    const char *body;
} canned_t;

/* What one run of the parser produced. */
typedef struct outcome {
    acme_status_t st;
    size_t consumed;
    bool headers_done;
    acme_http_response_t resp;
    uint8_t body[BODY_BUF];
} outcome_t;

static outcome_t reference;
static outcome_t trial;
static uint8_t raw_buf[RAW_MAX];

/* Feeds raw[0..n) in pieces: [0..cut) then the rest, or one byte at a time
 * when bytewise. Stops at the first status other than WOULD_BLOCK; calls eof
 * at the end when asked. */
static void run(const uint8_t *raw, size_t n, size_t cap, bool head, bool eof, size_t cut,
                bool bytewise, outcome_t *o)
{
    acme_http_parser_t p;
    memset(o, 0x5A, sizeof(*o)); /* nothing may depend on prior contents */
    acme_http_parser_init(&p, &o->resp, o->body, cap, head);
    assert_false(acme_http_parser_headers_done(&p));
    size_t off = 0;
    acme_status_t st = ACME_WOULD_BLOCK;
    /* A zero-length feed first: harmless by contract. */
    st = acme_http_parser_feed(&p, raw, 0, &o->consumed);
    assert_int_equal(st, ACME_WOULD_BLOCK);
    assert_int_equal(o->consumed, 0);
    while (off < n) {
        size_t piece = bytewise ? 1 : (off < cut ? cut - off : n - off);
        size_t used = 0;
        st = acme_http_parser_feed(&p, raw + off, piece, &used);
        assert_true(used <= piece);
        off += used;
        if (st != ACME_WOULD_BLOCK) {
            break;
        }
        assert_int_equal(used, piece);
    }
    if (st == ACME_WOULD_BLOCK && eof) {
        st = acme_http_parser_eof(&p);
    }
    o->st = st;
    o->consumed = off;
    o->headers_done = acme_http_parser_headers_done(&p);
    /* Whatever happened, the kept strings stay terminated inside their fields
     * and the body inside its buffer. */
    assert_non_null(memchr(o->resp.location, '\0', sizeof(o->resp.location)));
    assert_non_null(memchr(o->resp.nonce, '\0', sizeof(o->resp.nonce)));
    assert_true(o->resp.body_len <= cap);
    assert_ptr_equal(o->resp.body, o->body);
}

static void same_outcome(const char *name, const char *how, size_t cut, const outcome_t *a,
                         const outcome_t *b)
{
    if (a->st != b->st) {
        fail_msg("%s (%s %zu): status %s, whole gave %s", name, how, cut, acme_status_name(b->st),
                 acme_status_name(a->st));
    }
    if (a->st != ACME_OK) {
        return; /* where exactly an error is noticed may differ; that it is may not */
    }
    const acme_http_response_t *x = &a->resp;
    const acme_http_response_t *y = &b->resp;
    if (a->consumed != b->consumed || a->headers_done != b->headers_done ||
        x->status != y->status || x->keep_alive != y->keep_alive || x->retry_after_s != y->retry_after_s ||
        x->retry_after_epoch != y->retry_after_epoch || strcmp(x->location, y->location) != 0 ||
        strcmp(x->nonce, y->nonce) != 0 || x->body_len != y->body_len ||
        memcmp(a->body, b->body, x->body_len) != 0) {
        fail_msg("%s (%s %zu): fields or body differ from the whole-input parse", name, how, cut);
    }
}

/* Runs raw whole, at every two-piece split and byte by byte; all must agree.
 * Leaves the whole-input result in `reference`. */
static void run_all_splits(const char *name, const uint8_t *raw, size_t n, size_t cap, bool head,
                           bool eof)
{
    run(raw, n, cap, head, eof, n, false, &reference);
    for (size_t cut = 0; cut <= n; cut++) {
        run(raw, n, cap, head, eof, cut, false, &trial);
        same_outcome(name, "split at", cut, &reference, &trial);
    }
    run(raw, n, cap, head, eof, 0, true, &trial);
    same_outcome(name, "byte by byte", 0, &reference, &trial);
}

static void expect_field(const char *name, const char *field, const char *got, const char *want)
{
    if (strcmp(got, want == NONE ? "" : want) != 0) {
        fail_msg("%s: %s is \"%s\", expected \"%s\"", name, field, got, want ? want : "");
    }
}

static void check_canned(const canned_t *c)
{
    size_t n = strlen(c->raw);
    size_t cap = c->cap != 0 ? c->cap : BODY_BUF;
    run_all_splits(c->name, (const uint8_t *)c->raw, n, cap, c->head, c->eof);
    const outcome_t *o = &reference;
    if (o->st != c->expect) {
        fail_msg("%s: got %s, expected %s", c->name, acme_status_name(o->st),
                 acme_status_name(c->expect));
    }
    if (c->expect != ACME_OK) {
        return;
    }
    const acme_http_response_t *r = &o->resp;
    assert_true(o->headers_done);
    if (r->status != c->status || r->keep_alive != c->keep_alive ||
        r->retry_after_s != c->retry_s || r->retry_after_epoch != c->retry_epoch) {
        fail_msg("%s: status %u keep_alive %d retry %lld/%lld", c->name, r->status,
                 r->keep_alive, (long long)r->retry_after_s,
                 (long long)r->retry_after_epoch);
    }
    expect_field(c->name, "location", r->location, c->location);
    expect_field(c->name, "nonce", r->nonce, c->nonce);
    const char *body = c->body != NULL ? c->body : "";
    if (r->body_len != strlen(body) || memcmp(o->body, body, r->body_len) != 0) {
        fail_msg("%s: body \"%.*s\", expected \"%s\"", c->name, (int)r->body_len,
                 (const char *)o->body, body);
    }
    /* A complete response ends where it says: bytes after it (the next
     * response on the connection) are not consumed. */
    if (!c->eof) {
        assert_true(n + 6 < sizeof(raw_buf));
        memcpy(raw_buf, c->raw, n);
        memcpy(raw_buf + n, "HTTP/1", 6);
        run(raw_buf, n + 6, cap, c->head, false, n + 6, false, &trial);
        assert_int_equal(trial.st, ACME_OK);
        assert_int_equal(trial.consumed, n);
    }
}

/* Expected fields for the common case; tests override what they check. */
#define OK_FIELDS(st_, ka_)                                                                   \
    .expect = ACME_OK, .status = (st_), .keep_alive = (ka_), .retry_s = -1, .retry_epoch = -1

static const canned_t accepted[] = {
    {.name = "new-account 201 with JSON",
     .raw = "HTTP/1.1 201 Created\r\n"
            "Server: nginx\r\n"
            "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            "Content-Type: application/json\r\n"
            "Content-Length: 24\r\n"
            "Connection: keep-alive\r\n"
            "Cache-Control: public, max-age=0, no-cache\r\n"
            "Link: <https://acme.test/directory>;rel=\"index\"\r\n"
            "Location: https://acme.test/acme/acct/1234\r\n"
            "Replay-Nonce: AbCd-_0123456789xyzXYZ_-aQ\r\n"
            "X-Frame-Options: DENY\r\n"
            "\r\n"
            "{\"status\":\"valid\",\"n\":1}",
     OK_FIELDS(201, true),
     .location = "https://acme.test/acme/acct/1234",
     .nonce = "AbCd-_0123456789xyzXYZ_-aQ",
     .body = "{\"status\":\"valid\",\"n\":1}"},
    {.name = "chunked with extensions and trailers",
     .raw = "HTTP/1.1 200 OK\r\n"
            "Content-Type: application/json; charset=utf-8\r\n"
            "Transfer-Encoding: chunked\r\n"
            "Replay-Nonce: nonce_1\r\n"
            "\r\n"
            "5;name=value\r\n"
            "{\"a\":\r\n"
            "A ; ext=\"quoted;\\\"x\" ; e2\r\n"
            "\"bcdefgh\"}\r\n"
            "0\r\n"
            "X-Checksum: abc\r\n"
            "Server-Timing: total;dur=1\r\n"
            "\r\n",
     OK_FIELDS(200, true),
     .nonce = "nonce_1",
     .body = "{\"a\":\"bcdefgh\"}"},
    {.name = "chunked: upper-case hex, leading zeros, no trailers",
     .raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED\r\n\r\n"
            "00A\r\n0123456789\r\n1\r\n!\r\n000\r\n\r\n",
     OK_FIELDS(200, true),
     .body = "0123456789!"},
    {.name = "body delimited by close",
     .raw = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nbody until the peer closes\n",
     .eof = true,
     OK_FIELDS(200, false),
     .body = "body until the peer closes\n"},
    {.name = "close-delimited, empty",
     .raw = "HTTP/1.1 200 OK\r\n\r\n",
     .eof = true,
     OK_FIELDS(200, false)},
    {.name = "HEAD: Content-Length describes nothing",
     .raw = "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nReplay-Nonce: headNonce\r\n"
            "Cache-Control: no-store\r\n\r\n",
     .head = true,
     OK_FIELDS(200, true),
     .nonce = "headNonce"},
    {.name = "HEAD: chunked and no length",
     .raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
     .head = true,
     OK_FIELDS(200, true)},
    {.name = "204 newNonce",
     .raw = "HTTP/1.1 204 No Content\r\nCache-Control: no-store\r\n"
            "Link: <https://acme.test/dir>;rel=\"index\"\r\nReplay-Nonce: 204nonce\r\n\r\n",
     OK_FIELDS(204, true),
     .nonce = "204nonce"},
    {.name = "304 with Content-Length",
     .raw = "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n",
     OK_FIELDS(304, true)},
    {.name = "100 Continue and 103 Early Hints before the response",
     .raw = "HTTP/1.1 100 Continue\r\nLocation: https://interim.test/\r\n\r\n"
            "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=up\r\nConnection: close\r\n\r\n"
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
     OK_FIELDS(200, true),
     .body = "ok"},
    {.name = "101 is final and has no body",
     .raw = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n",
     OK_FIELDS(101, true)},
    {.name = "HTTP/1.0 closes by default",
     .raw = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc",
     OK_FIELDS(200, false),
     .body = "abc"},
    {.name = "HTTP/1.0 with Connection: Keep-Alive",
     .raw = "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 3\r\n\r\nabc",
     OK_FIELDS(200, true),
     .body = "abc"},
    {.name = "HTTP/1.0 with a token list",
     .raw = "HTTP/1.0 200 OK\r\nConnection: keep-alive, Upgrade\r\nContent-Length: 0\r\n\r\n",
     OK_FIELDS(200, true)},
    {.name = "HTTP/1.1 with close in a token list",
     .raw = "HTTP/1.1 200 OK\r\nConnection: Upgrade,CLOSE\r\nContent-Length: 0\r\n\r\n",
     OK_FIELDS(200, false)},
    {.name = "HTTP/1.1 keep-alive option is not close",
     .raw = "HTTP/1.1 200 OK\r\nConnection: closed, keep-alive\r\nContent-Length: 0\r\n\r\n",
     OK_FIELDS(200, true)},
    {.name = "HTTP/1.2 is handled as 1.1",
     .raw = "HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n",
     OK_FIELDS(200, true)},
    {.name = "problem+json with Connection: close",
     .raw = "HTTP/1.1 400 Bad Request\r\n"
            "Content-Type: application/problem+json\r\n"
            "Content-Length: 74\r\n"
            "Replay-Nonce: fresh-nonce_42\r\n"
            "Connection: close\r\n\r\n"
            "{\"type\":\"urn:ietf:params:acme:error:badNonce\",\"detail\":\"JWS has no nonce\"}",
     OK_FIELDS(400, false),
     .nonce = "fresh-nonce_42",
     .body = "{\"type\":\"urn:ietf:params:acme:error:badNonce\",\"detail\":\"JWS has no nonce\"}"},
    /* Link headers (RFC 8288) are not used by the agent: whatever their
     * content, they are ignored like any other header. */
    {.name = "PEM chain with Link headers",
     .raw = "HTTP/1.1 200 OK\r\n"
            "Content-Type: application/pem-certificate-chain\r\n"
            "Link: <https://acme.test/dir>;rel=\"index\"\r\n"
            "Link: <https://acme.test/cert/1/1>;rel=\"alternate\", "
            "<https://acme.test/issuer/1> ; rel=\"up\"\r\n"
            "Link: <https://acme.test/issuer/2>;rel=up\r\n"
            "Content-Length: 59\r\n\r\n"
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
     OK_FIELDS(200, true),
     .body = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"},
    {.name = "Link: quotes, commas and rel lists are ignored",
     .raw = "HTTP/1.1 200 OK\r\n"
            "Link: <https://a.test/x,y>; title=\"a, b; c\"; rel=\"alternate\","
            "<https://a.test/p,q>;title=\"\\\"up\\\"\";REL=\"index UP\";rel=other\r\n"
            "Content-Length: 0\r\n\r\n",
     OK_FIELDS(200, true)},
    {.name = "Link: malformed links are ignored",
     .raw = "HTTP/1.1 200 OK\r\n"
            "Link: <https://a.test/1>; rel=alternate; rel=up\r\n"
            "Link: https://a.test/2; rel=up\r\n"
            "Link: <https://a.test/3; rel=up\r\n"
            "Link: <https://a.test/4>; rel=\"up\r\n"
            "Link: <https://a.test/5>; rel=\"upper\"\r\n"
            "Link: <https://a.test/7>junk; rel=up\r\n"
            "Link: <https://a.test/8>; =x; rel=up\r\n"
            "Link: <https://a.test/9>; rel x; rel=up\r\n"
            "Link: <https://a.test/10>; rel=@up\r\n"
            "Link: <https://a.test/11>; rel=up@\r\n"
            "Link: <https://a.test/12>; rel=\"alternate alternate alternate alternate alternate "
            "alternate alternate alternate up\"\r\n"
            "Link: <https://a.test/6>; rel = up ; x\r\n"
            "Link: <https://a.test/13>; rel=up\r\n"
            "Content-Length: 0\r\n\r\n",
     OK_FIELDS(200, true)},
    {.name = "Link: parameters without values are ignored",
     .raw = "HTTP/1.1 200 OK\r\n"
            "Link: <https://a.test/1>; anchor; rel=\"up\", <https://a.test/2>;x,<https://a.test/3>;"
            "rel=up\r\n"
            "Content-Length: 0\r\n\r\n",
     OK_FIELDS(200, true)},
    {.name = "Link: escapes in quoted parameters are ignored",
     .raw = "HTTP/1.1 200 OK\r\n"
            "Link: <https://a.test/1>;x=\"\\\";rel=up\", <https://a.test/2>; rel=up\r\n"
            "Content-Length: 0\r\n\r\n",
     OK_FIELDS(200, true)},
    {.name = "Connection: near misses are not close",
     .raw = "HTTP/1.1 200 OK\r\nConnection: clone, close/1, "
            "closeclosecloseclosecloseclosecloseclosecloseclosecloseclosecloseclosecloseclosec"
            "loseclose\r\nContent-Length: 0\r\n\r\n",
     OK_FIELDS(200, true)},
    {.name = "Retry-After in seconds",
     .raw = "HTTP/1.1 200 OK\r\nRetry-After: 120\r\nContent-Length: 0\r\n\r\n",
     .expect = ACME_OK,
     .status = 200,
     .keep_alive = true,
     .retry_s = 120,
     .retry_epoch = -1},
    {.name = "Retry-After as IMF-fixdate",
     .raw = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: Sun, 06 Nov 1994 08:49:37 GMT \r\n"
            "Content-Length: 0\r\n\r\n",
     .expect = ACME_OK,
     .status = 503,
     .keep_alive = true,
     .retry_s = -1,
     .retry_epoch = 784111777},
    {.name = "Retry-After in RFC 850 form is ignored",
     .raw = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: Sunday, 06-Nov-94 08:49:37 GMT\r\n"
            "Content-Length: 0\r\n\r\n",
     OK_FIELDS(503, true)},
    {.name = "Retry-After too large is capped",
     .raw = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 99999999999999999999999\r\n"
            "Content-Length: 0\r\n\r\n",
     .expect = ACME_OK,
     .status = 429,
     .keep_alive = true,
     .retry_s = 2147483648LL,
     .retry_epoch = -1},
    {.name = "Retry-After just under the cap is kept",
     .raw = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 2147483647\r\n"
            "Content-Length: 0\r\n\r\n",
     .expect = ACME_OK,
     .status = 429,
     .keep_alive = true,
     .retry_s = 2147483647LL,
     .retry_epoch = -1},
    {.name = "Retry-After at the cap is the cap",
     .raw = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 2147483648\r\n"
            "Content-Length: 0\r\n\r\n",
     .expect = ACME_OK,
     .status = 429,
     .keep_alive = true,
     .retry_s = 2147483648LL,
     .retry_epoch = -1},
    {.name = "Retry-After just over the cap is capped",
     .raw = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 2147483649\r\n"
            "Content-Length: 0\r\n\r\n",
     .expect = ACME_OK,
     .status = 429,
     .keep_alive = true,
     .retry_s = 2147483648LL,
     .retry_epoch = -1},
    {.name = "Retry-After at 2^32-1 is capped",
     .raw = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 4294967295\r\n"
            "Content-Length: 0\r\n\r\n",
     .expect = ACME_OK,
     .status = 429,
     .keep_alive = true,
     .retry_s = 2147483648LL,
     .retry_epoch = -1},
    {.name = "Retry-After at 2^32 is capped",
     .raw = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 4294967296\r\n"
            "Content-Length: 0\r\n\r\n",
     .expect = ACME_OK,
     .status = 429,
     .keep_alive = true,
     .retry_s = 2147483648LL,
     .retry_epoch = -1},
    {.name = "Retry-After with leading zeros keeps its value",
     .raw = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0002147483640\r\n"
            "Content-Length: 0\r\n\r\n",
     .expect = ACME_OK,
     .status = 429,
     .keep_alive = true,
     .retry_s = 2147483640LL,
     .retry_epoch = -1},
    {.name = "Retry-After empty is ignored",
     .raw = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 5\r\nRetry-After:\r\n"
            "Content-Length: 0\r\n\r\n",
     OK_FIELDS(429, true)},
    {.name = "Retry-After longer than any date is ignored",
     .raw = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: Sun, 06 Nov 1994 08:49:37 GMT "
            "and then a great deal of text that no date has in it at all, none\r\n"
            "Content-Length: 0\r\n\r\n",
     OK_FIELDS(429, true)},
    {.name = "Retry-After garbage is ignored",
     .raw = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 12s\r\nContent-Length: 0\r\n\r\n",
     OK_FIELDS(429, true)},
    {.name = "Replay-Nonce with non-base64url characters is ignored",
     .raw = "HTTP/1.1 200 OK\r\nReplay-Nonce: abc+/=\r\nContent-Length: 0\r\n\r\n",
     OK_FIELDS(200, true)},
    {.name = "Replay-Nonce with inner space is ignored",
     .raw = "HTTP/1.1 200 OK\r\nReplay-Nonce: abc def\r\nContent-Length: 0\r\n\r\n",
     OK_FIELDS(200, true)},
    {.name = "bare LF line endings",
     .raw = "HTTP/1.1 200 OK\nContent-Length: 2\nLocation: https://x.test/1\n\nhi",
     OK_FIELDS(200, true),
     .location = "https://x.test/1",
     .body = "hi"},
    {.name = "header names case-insensitive, OWS trimmed",
     .raw = "HTTP/1.1 200 OK\r\n"
            "CONTENT-TYPE:APPLICATION/JSON ;Charset=UTF-8\r\n"
            "lOcAtIoN: \t https://x.test/y  \t\r\n"
            "replay-nonce:   n0nce   \r\n"
            "content-length:\t2\t\r\n\r\n{}",
     OK_FIELDS(200, true),
     .location = "https://x.test/y",
     .nonce = "n0nce",
     .body = "{}"},
    {.name = "empty value of a dropped header",
     .raw = "HTTP/1.1 200 OK\r\nContent-Type:\r\nContent-Length: 0\r\n\r\n",
     OK_FIELDS(200, true)},
    {.name = "dropped header longer than the value scratch",
     .raw = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.example.a-very-long-media-type-"
            "name-that-goes-on-and-on-and-on+json\r\nContent-Length: 0\r\n\r\n",
     OK_FIELDS(200, true)},
    {.name = "status line without reason phrase",
     .raw = "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nx",
     OK_FIELDS(200, true),
     .body = "x"},
    {.name = "status line with empty reason phrase",
     .raw = "HTTP/1.1 599 \r\nContent-Length: 1\r\n\r\nx",
     OK_FIELDS(599, true),
     .body = "x"},
    {.name = "duplicate Content-Length that agrees",
     .raw = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\ncontent-length: 003\r\n\r\nabc",
     OK_FIELDS(200, true),
     .body = "abc"},
    {.name = "unknown long header names and obs-text values",
     .raw = "HTTP/1.1 200 OK\r\n"
            "X-A-Very-Long-Header-Name-Beyond-The-Name-Buffer: 1\r\n"
            "X-Junk: caf\xc3\xa9 \x80\xff\r\n"
            "Content-Length: 0\r\n\r\n",
     OK_FIELDS(200, true)},
    {.name = "a later Location replaces an earlier one",
     .raw = "HTTP/1.1 201 Created\r\nLocation: https://x.test/1\r\nLocation: https://x.test/2\r\n"
            "Content-Length: 0\r\n\r\n",
     OK_FIELDS(201, true),
     .location = "https://x.test/2"},
};

static const canned_t rejected[] = {
    {.name = "conflicting Content-Length",
     .raw = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
     .expect = ACME_ERR_MALFORMED},
    {.name = "Content-Length and Transfer-Encoding",
     .raw = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
            "5\r\nhello\r\n0\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "Content-Length and Transfer-Encoding on HEAD",
     .raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
     .head = true,
     .expect = ACME_ERR_MALFORMED},
    {.name = "gzip transfer coding",
     .raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "gzip, chunked",
     .raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "chunked twice",
     .raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "chunked in HTTP/1.0",
     .raw = "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "Content-Length not digits",
     .raw = "HTTP/1.1 200 OK\r\nContent-Length: 5a\r\n\r\nhello",
     .expect = ACME_ERR_MALFORMED},
    {.name = "Content-Length negative",
     .raw = "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "Content-Length with a sign",
     .raw = "HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\nx",
     .expect = ACME_ERR_MALFORMED},
    {.name = "Content-Length empty",
     .raw = "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "Content-Length as a list",
     .raw = "HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\nx",
     .expect = ACME_ERR_MALFORMED},
    {.name = "Content-Length of 2^64 exceeds the buffer",
     .raw = "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n",
     .expect = ACME_ERR_OVERSIZE},
    {.name = "Content-Length of 2^128 exceeds the buffer",
     .raw = "HTTP/1.1 200 OK\r\nContent-Length: 340282366920938463463374607431768211456\r\n\r\n",
     .expect = ACME_ERR_OVERSIZE},
    {.name = "Content-Length of 2^64-1 exceeds the buffer",
     .raw = "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n",
     .expect = ACME_ERR_OVERSIZE},
    {.name = "Content-Length longer than any number",
     .raw = "HTTP/1.1 200 OK\r\nContent-Length: 0000000000000000000000000000000000000000000000"
            "0000000000000000000000000000000000000000000000000\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "bad chunk size",
     .raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "negative chunk size",
     .raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "empty chunk size line",
     .raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "space inside chunk size",
     .raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1 0\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "chunk size of 2^64 exceeds the buffer",
     .raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n",
     .expect = ACME_ERR_OVERSIZE},
    {.name = "chunk size 2^64-1 exceeds the buffer",
     .raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\n",
     .expect = ACME_ERR_OVERSIZE},
    {.name = "chunk extension with a control character",
     .raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;a\x01\r\nx\r\n0\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "missing CRLF after chunk data",
     .raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "CR without LF after chunk data",
     .raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r0\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "bad trailer",
     .raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nno colon here\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "obs-fold with SP",
     .raw = "HTTP/1.1 200 OK\r\nX-A: b\r\n continued\r\nContent-Length: 0\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "obs-fold with HT",
     .raw = "HTTP/1.1 200 OK\r\nLocation: https://x.test/\r\n\tmore\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "whitespace before the first header",
     .raw = "HTTP/1.1 200 OK\r\n Content-Length: 0\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "space before colon",
     .raw = "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "header without colon",
     .raw = "HTTP/1.1 200 OK\r\nContent-Length\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "empty header name",
     .raw = "HTTP/1.1 200 OK\r\n: x\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "non-token header name",
     .raw = "HTTP/1.1 200 OK\r\nX(y): x\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "control character in value",
     .raw = "HTTP/1.1 200 OK\r\nX-A: a\x1b[31m\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "DEL in value",
     .raw = "HTTP/1.1 200 OK\r\nX-A: a\x7f\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "bare CR inside a header line",
     .raw = "HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "CR CR LF", .raw = "HTTP/1.1 200 OK\r\r\n\r\n", .expect = ACME_ERR_MALFORMED},
    {.name = "bare CR ending the header section",
     .raw = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\rX",
     .expect = ACME_ERR_MALFORMED},
    {.name = "HTTP/2 status line", .raw = "HTTP/2 200 OK\r\n\r\n", .expect = ACME_ERR_MALFORMED},
    {.name = "HTTP/1.x with x not a digit",
     .raw = "HTTP/1.x 200 OK\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "lower-case version", .raw = "http/1.1 200 OK\r\n\r\n", .expect = ACME_ERR_MALFORMED},
    {.name = "two-digit status", .raw = "HTTP/1.1 20 OK\r\n\r\n", .expect = ACME_ERR_MALFORMED},
    {.name = "four-digit status", .raw = "HTTP/1.1 2000 OK\r\n\r\n", .expect = ACME_ERR_MALFORMED},
    {.name = "status 600", .raw = "HTTP/1.1 600 X\r\n\r\n", .expect = ACME_ERR_MALFORMED},
    {.name = "status 099", .raw = "HTTP/1.1 099 X\r\n\r\n", .expect = ACME_ERR_MALFORMED},
    {.name = "double space", .raw = "HTTP/1.1  200 OK\r\n\r\n", .expect = ACME_ERR_MALFORMED},
    {.name = "no status code", .raw = "HTTP/1.1\r\n\r\n", .expect = ACME_ERR_MALFORMED},
    {.name = "ICY status line", .raw = "ICY 200 OK\r\n\r\n", .expect = ACME_ERR_MALFORMED},
    {.name = "leading blank line",
     .raw = "\r\nHTTP/1.1 200 OK\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "control character in reason",
     .raw = "HTTP/1.1 200 O\x01K\r\n\r\n",
     .expect = ACME_ERR_MALFORMED},
    {.name = "TLS bytes on a plain connection",
     .raw = "\x15\x03\x03\x00\x02\x02\x46",
     .expect = ACME_ERR_MALFORMED},
    {.name = "Content-Length body cut short",
     .raw = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
     .eof = true,
     .expect = ACME_ERR_TRUNCATED},
    {.name = "chunked body cut inside a chunk",
     .raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
     .eof = true,
     .expect = ACME_ERR_TRUNCATED},
    {.name = "chunked body cut before the last chunk",
     .raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
     .eof = true,
     .expect = ACME_ERR_TRUNCATED},
    {.name = "chunked body cut inside the trailers",
     .raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n",
     .eof = true,
     .expect = ACME_ERR_TRUNCATED},
    {.name = "eof inside the status line",
     .raw = "HTTP/1.1 20",
     .eof = true,
     .expect = ACME_ERR_TRUNCATED},
    {.name = "eof before the end of the headers",
     .raw = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n",
     .eof = true,
     .expect = ACME_ERR_TRUNCATED},
    {.name = "eof after an interim response",
     .raw = "HTTP/1.1 100 Continue\r\n\r\n",
     .eof = true,
     .expect = ACME_ERR_TRUNCATED},
    {.name = "eof with nothing received", .raw = "", .eof = true, .expect = ACME_ERR_TRUNCATED},
};

static void test_accepted_responses_at_every_split(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
        check_canned(&accepted[i]);
    }
}

static void test_rejected_responses_at_every_split(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rejected) / sizeof(rejected[0]); i++) {
        check_canned(&rejected[i]);
    }
}

/* ---- limits ------------------------------------------------------------------ */

static size_t append(size_t at, const char *s)
{
    size_t n = strlen(s);
    assert_true(at + n <= sizeof(raw_buf));
    memcpy(raw_buf + at, s, n);
    return at + n;
}

static size_t append_fill(size_t at, char c, size_t n)
{
    assert_true(at + n <= sizeof(raw_buf));
    memset(raw_buf + at, c, n);
    return at + n;
}

/* Status of raw_buf[0..n) at every split (all must agree). */
static acme_status_t status_of(const char *name, size_t n, size_t cap, bool eof)
{
    run_all_splits(name, raw_buf, n, cap, false, eof);
    return reference.st;
}

/* A header line whose content (without CRLF) is `content` bytes long. */
static size_t header_of_length(size_t at, const char *name, size_t content)
{
    size_t start = at;
    at = append(at, name);
    at = append(at, ": ");
    at = append_fill(at, 'a', content - (at - start));
    return append(at, "\r\n");
}

static void test_line_limit(void **state)
{
    (void)state;
    size_t n = append(0, "HTTP/1.1 200 OK\r\n");
    n = header_of_length(n, "X-Pad", ACME_HTTP_LINE_MAX);
    n = append(n, "Content-Length: 0\r\n\r\n");
    assert_int_equal(status_of("header line at the limit", n, BODY_BUF, false), ACME_OK);

    n = append(0, "HTTP/1.1 200 OK\r\n");
    n = header_of_length(n, "X-Pad", ACME_HTTP_LINE_MAX + 1);
    n = append(n, "Content-Length: 0\r\n\r\n");
    assert_int_equal(status_of("header line over the limit", n, BODY_BUF, false),
                     ACME_ERR_OVERSIZE);

    n = append(0, "HTTP/1.1 200 ");
    n = append_fill(n, 'K', ACME_HTTP_LINE_MAX + 1 - n);
    n = append(n, "\r\n\r\n");
    assert_int_equal(status_of("status line over the limit", n, BODY_BUF, false),
                     ACME_ERR_OVERSIZE);

    /* Chunk extensions are skipped, but not without bound. */
    n = append(0, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;x=");
    n = append_fill(n, 'e', ACME_HTTP_LINE_MAX);
    n = append(n, "\r\nx\r\n0\r\n\r\n");
    assert_int_equal(status_of("chunk extension over the limit", n, BODY_BUF, false),
                     ACME_ERR_OVERSIZE);
}

static void test_header_section_limit(void **state)
{
    (void)state;
    /* Exactly ACME_HTTP_HEADER_MAX bytes up to and including the blank line. */
    const char *status_line = "HTTP/1.1 200 OK\r\n";
    for (size_t extra = 0; extra <= 1; extra++) {
        size_t total = ACME_HTTP_HEADER_MAX + extra;
        size_t n = append(0, status_line);
        size_t left = total - n - 2; /* the blank line */
        while (left > 0) {
            /* Lines of at most 200 bytes; the last takes what remains (a
             * header line needs at least "X:" + CRLF). */
            size_t line = left > 205 ? 200 : left;
            if (left > 200 && left - 200 < 6) {
                line = left - 6;
            }
            n = header_of_length(n, "X-Fill", line - 2);
            left -= line;
        }
        n = append(n, "\r\n");
        assert_int_equal(n, total);
        acme_status_t want = extra == 0 ? ACME_OK : ACME_ERR_OVERSIZE;
        assert_int_equal(status_of("header section", n, BODY_BUF, true), want);
    }

    /* Interim responses count towards the same bound: an endless stream of
     * 100 Continue cannot keep the parser busy forever. */
    size_t n = 0;
    while (n + 30 < ACME_HTTP_HEADER_MAX + 100) {
        n = append(n, "HTTP/1.1 100 Continue\r\n\r\n");
    }
    assert_int_equal(status_of("interim stream", n, BODY_BUF, false), ACME_ERR_OVERSIZE);
}

#define SMALL_CAP 16

static void test_body_cap_content_length(void **state)
{
    (void)state;
    size_t n = append(0, "HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n");
    n = append_fill(n, 'b', 16);
    assert_int_equal(status_of("CL at cap", n, SMALL_CAP, false), ACME_OK);
    assert_int_equal(reference.resp.body_len, 16);

    n = append(0, "HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n");
    n = append_fill(n, 'b', 17);
    assert_int_equal(status_of("CL over cap", n, SMALL_CAP, false), ACME_ERR_OVERSIZE);
    assert_int_equal(reference.resp.body_len, 0); /* refused before any byte */
}

static void test_body_cap_chunked(void **state)
{
    (void)state;
    const char *head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    size_t n = append(0, head);
    n = append(n, "9\r\n123456789\r\n7\r\nabcdefg\r\n0\r\n\r\n");
    assert_int_equal(status_of("chunked at cap", n, SMALL_CAP, false), ACME_OK);
    assert_int_equal(reference.resp.body_len, 16);
    assert_memory_equal(reference.body, "123456789abcdefg", 16);

    n = append(0, head);
    n = append(n, "9\r\n123456789\r\n7\r\nabcdefg\r\n1\r\nX\r\n0\r\n\r\n");
    assert_int_equal(status_of("chunked over cap by one", n, SMALL_CAP, false), ACME_ERR_OVERSIZE);

    n = append(0, head);
    n = append(n, "11\r\n");
    assert_int_equal(status_of("one chunk over cap", n, SMALL_CAP, false), ACME_ERR_OVERSIZE);
}

static void test_body_cap_close_delimited(void **state)
{
    (void)state;
    size_t n = append(0, "HTTP/1.1 200 OK\r\n\r\n");
    n = append_fill(n, 'c', 16);
    assert_int_equal(status_of("close-delimited at cap", n, SMALL_CAP, true), ACME_OK);
    assert_int_equal(reference.resp.body_len, 16);

    n = append_fill(n, 'c', 1);
    assert_int_equal(status_of("close-delimited over cap", n, SMALL_CAP, true), ACME_ERR_OVERSIZE);
}

static void test_no_body_buffer(void **state)
{
    (void)state;
    size_t n = append(0, "HTTP/1.1 204 No Content\r\n\r\n");
    acme_http_response_t resp;
    acme_http_parser_t p;
    size_t used;
    acme_http_parser_init(&p, &resp, NULL, 100, false);
    assert_int_equal(resp.body_cap, 0);
    assert_int_equal(acme_http_parser_feed(&p, raw_buf, n, &used), ACME_OK);

    n = append(0, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx");
    acme_http_parser_init(&p, &resp, NULL, 0, false);
    assert_int_equal(acme_http_parser_feed(&p, raw_buf, n, &used), ACME_ERR_OVERSIZE);
}

/* header + value of max (then max + 1) bytes + suffix: OK, then OVERSIZE. */
static void expect_kept_limit(const char *header, size_t max, const char *suffix)
{
    for (size_t extra = 0; extra <= 1; extra++) {
        size_t n = append(0, "HTTP/1.1 200 OK\r\n");
        n = append(n, header);
        n = append_fill(n, 'v', max + extra);
        n = append(n, suffix);
        n = append(n, "\r\nContent-Length: 0\r\n\r\n");
        acme_status_t st = status_of(header, n, BODY_BUF, false);
        assert_int_equal(st, extra == 0 ? ACME_OK : ACME_ERR_OVERSIZE);
    }
}

static void test_kept_value_limits(void **state)
{
    (void)state;
    expect_kept_limit("Location: ", ACME_URL_MAX, "");
    expect_kept_limit("Replay-Nonce: ", ACME_NONCE_MAX, "");

    /* Values at the limit are kept whole. */
    size_t n = append(0, "HTTP/1.1 200 OK\r\nLocation: ");
    n = append_fill(n, 'L', ACME_URL_MAX);
    n = append(n, "  \r\nReplay-Nonce: ");
    n = append_fill(n, 'N', ACME_NONCE_MAX);
    n = append(n, "\r\nContent-Length: 0\r\n\r\n");
    assert_int_equal(status_of("kept at the limit", n, BODY_BUF, false), ACME_OK);
    assert_int_equal(strlen(reference.resp.location), ACME_URL_MAX);
    assert_int_equal(strlen(reference.resp.nonce), ACME_NONCE_MAX);
}

/* Link (RFC 8288) is not kept: a target longer than any kept field is no
 * error, but the line limit applies to a Link line like to every other one,
 * and its bytes are still checked for controls. */
static void test_link_ignored_but_bounded(void **state)
{
    (void)state;
    size_t n = append(0, "HTTP/1.1 200 OK\r\nLink: <");
    n = append_fill(n, 'U', ACME_URL_MAX + 50);
    n = append(n, ">;rel=up, <https://x.test/up>;rel=\"up\"\r\nLocation: https://x.test/o\r\n"
                  "Content-Length: 0\r\n\r\n");
    assert_int_equal(status_of("long link", n, BODY_BUF, false), ACME_OK);
    assert_string_equal(reference.resp.location, "https://x.test/o");

    n = append(0, "HTTP/1.1 200 OK\r\n");
    n = header_of_length(n, "Link", ACME_HTTP_LINE_MAX);
    n = append(n, "Content-Length: 0\r\n\r\n");
    assert_int_equal(status_of("link line at the limit", n, BODY_BUF, false), ACME_OK);

    n = append(0, "HTTP/1.1 200 OK\r\n");
    n = header_of_length(n, "Link", ACME_HTTP_LINE_MAX + 1);
    n = append(n, "Content-Length: 0\r\n\r\n");
    assert_int_equal(status_of("link line over the limit", n, BODY_BUF, false), ACME_ERR_OVERSIZE);

    static const char with_control[] =
        "HTTP/1.1 200 OK\r\nLink: <https://x.test/\x01>;rel=up\r\nContent-Length: 0\r\n\r\n";
    n = append(0, with_control);
    assert_int_equal(status_of("control in link", n, BODY_BUF, false), ACME_ERR_MALFORMED);
}

/* ---- Retry-After dates ------------------------------------------------------- */

static int64_t retry_epoch_of(const char *value)
{
    char raw[160];
    int len = snprintf(raw, sizeof(raw),
                       "HTTP/1.1 503 Busy\r\nRetry-After: %s\r\nContent-Length: 0\r\n\r\n", value);
    assert_true(len > 0 && (size_t)len < sizeof(raw));
    acme_http_response_t resp;
    acme_http_parser_t p;
    size_t used;
    acme_http_parser_init(&p, &resp, NULL, 0, false);
    assert_int_equal(acme_http_parser_feed(&p, (const uint8_t *)raw, (size_t)len, &used), ACME_OK);
    assert_int_equal(resp.retry_after_s, -1);
    return resp.retry_after_epoch;
}

static void test_retry_after_dates(void **state)
{
    (void)state;
    assert_int_equal(retry_epoch_of("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
    assert_int_equal(retry_epoch_of("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
    assert_int_equal(retry_epoch_of("Tue, 29 Feb 2000 12:00:00 GMT"), 951825600);
    assert_int_equal(retry_epoch_of("Tue, 19 Jan 2038 03:14:08 GMT"), 2147483648LL);
    assert_int_equal(retry_epoch_of("Fri, 01 Jan 2100 00:00:00 GMT"), 4102444800LL);
    assert_int_equal(retry_epoch_of("Fri, 31 Dec 9999 23:59:59 GMT"), 253402300799LL);
    /* Not dates we accept. */
    static const char *const bad[] = {
        "Wed, 29 Feb 2023 00:00:00 GMT", /* no 29 Feb in 2023 */
        "Mon, 29 Feb 2100 00:00:00 GMT", /* 2100 is not a leap year */
        "Mon, 31 Apr 2024 00:00:00 GMT", "Mon, 00 Apr 2024 00:00:00 GMT",
        "Mon, 01 Apr 2024 24:00:00 GMT", "Mon, 01 Apr 2024 23:60:00 GMT",
        "Mon, 01 Apr 2024 23:00:61 GMT", "Mon, 01 Apr 2024 23:00:00 UTC",
        "mon, 01 Apr 2024 23:00:00 GMT", "Mon, 01 apr 2024 23:00:00 GMT",
        "Mon, 01 Apr 1969 23:00:00 GMT", /* before the epoch */
        "Mon, 1 Apr 2024 23:00:00 GMT",  "Mon 01 Apr 2024 23:00:00 GMT",
        "Xyz, 01 Apr 2024 23:00:00 GMT", "Mon, 01 Apr 2024 23:00:0x GMT",
        "Mon Apr  1 23:00:00 2024", /* asctime */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (retry_epoch_of(bad[i]) != -1) {
            fail_msg("\"%s\" was accepted", bad[i]);
        }
    }
}

/* The day arithmetic against the C library's, over 1970..2399 (every ~5 days,
 * with a varying time of day), formatted as IMF-fixdate by strftime. */
static void test_retry_after_dates_against_libc(void **state)
{
    (void)state;
    const int64_t end = 13569465600LL; /* 2400-01-01 */
    unsigned count = 0;
    for (int64_t t = 0; t < end; t += 5 * 86400 + 3607) {
        time_t tt = (time_t)t;
        struct tm tm;
        assert_non_null(gmtime_r(&tt, &tm));
        char date[40];
        assert_int_equal(strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm), 29);
        if (retry_epoch_of(date) != t) {
            fail_msg("\"%s\" gave %lld, expected %lld", date, (long long)retry_epoch_of(date),
                     (long long)t);
        }
        count++;
    }
    assert_true(count > 30000);
}

/* ---- call sequences --------------------------------------------------------- */

static void test_state_after_completion_and_error(void **state)
{
    (void)state;
    acme_http_response_t resp;
    acme_http_parser_t p;
    uint8_t body[8];
    size_t used;
    const char *ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    acme_http_parser_init(&p, &resp, body, sizeof(body), false);
    assert_int_equal(acme_http_parser_feed(&p, (const uint8_t *)ok, strlen(ok), &used), ACME_OK);
    assert_int_equal(acme_http_parser_feed(&p, (const uint8_t *)ok, 1, &used), ACME_ERR_BAD_STATE);
    assert_int_equal(acme_http_parser_eof(&p), ACME_OK);

    const char *bad = "HTTP/9";
    acme_http_parser_init(&p, &resp, body, sizeof(body), false);
    assert_int_equal(acme_http_parser_feed(&p, (const uint8_t *)bad, strlen(bad), &used),
                     ACME_ERR_MALFORMED);
    assert_int_equal(acme_http_parser_feed(&p, (const uint8_t *)ok, 1, &used), ACME_ERR_BAD_STATE);
    assert_int_equal(acme_http_parser_feed(&p, NULL, 0, &used), ACME_ERR_BAD_STATE);

    /* Truncation is final too. */
    acme_http_parser_init(&p, &resp, body, sizeof(body), false);
    assert_int_equal(acme_http_parser_eof(&p), ACME_ERR_TRUNCATED);
    assert_int_equal(acme_http_parser_feed(&p, (const uint8_t *)ok, 1, &used), ACME_ERR_BAD_STATE);

    /* Caller mistakes. */
    acme_http_parser_init(&p, &resp, body, sizeof(body), false);
    assert_int_equal(acme_http_parser_feed(&p, NULL, 3, &used), ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_http_parser_feed(NULL, (const uint8_t *)ok, 3, &used),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_http_parser_eof(NULL), ACME_ERR_INVALID_ARG);
    assert_false(acme_http_parser_headers_done(NULL));
    /* consumed is optional */
    assert_int_equal(acme_http_parser_feed(&p, (const uint8_t *)ok, strlen(ok), NULL), ACME_OK);
}

static void test_headers_done_before_body(void **state)
{
    (void)state;
    acme_http_response_t resp;
    acme_http_parser_t p;
    uint8_t body[8];
    size_t used;
    const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n";
    acme_http_parser_init(&p, &resp, body, sizeof(body), false);
    assert_int_equal(acme_http_parser_feed(&p, (const uint8_t *)head, strlen(head) - 1, &used),
                     ACME_WOULD_BLOCK);
    assert_false(acme_http_parser_headers_done(&p));
    assert_int_equal(acme_http_parser_feed(&p, (const uint8_t *)"\nab", 3, &used),
                     ACME_WOULD_BLOCK);
    assert_true(acme_http_parser_headers_done(&p));
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.body_len, 2);
    assert_int_equal(acme_http_parser_eof(&p), ACME_ERR_TRUNCATED);
}

static void test_pipelined_responses(void **state)
{
    (void)state;
    const char *two = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "3\r\none\r\n0\r\n\r\n"
                      "HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\ntwo";
    size_t first_len = strlen(two) - strlen("HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\ntwo");
    acme_http_response_t resp;
    acme_http_parser_t p;
    uint8_t body[8];
    size_t used;
    acme_http_parser_init(&p, &resp, body, sizeof(body), false);
    assert_int_equal(acme_http_parser_feed(&p, (const uint8_t *)two, strlen(two), &used), ACME_OK);
    assert_int_equal(used, first_len);
    assert_memory_equal(body, "one", 3);
    acme_http_parser_init(&p, &resp, body, sizeof(body), false);
    assert_int_equal(
        acme_http_parser_feed(&p, (const uint8_t *)two + used, strlen(two) - used, &used), ACME_OK);
    assert_int_equal(resp.status, 201);
    assert_int_equal(resp.body_len, 3);
    assert_memory_equal(body, "two", 3);
}

static void test_nul_bytes_rejected(void **state)
{
    (void)state;
    static const char with_nul_value[] = "HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n";
    static const char with_nul_name[] = "HTTP/1.1 200 OK\r\nX\0: ab\r\n\r\n";
    static const char with_nul_status[] = "HTTP/1.1 200 O\0K\r\n\r\n";
    memcpy(raw_buf, with_nul_value, sizeof(with_nul_value) - 1);
    assert_int_equal(status_of("NUL in value", sizeof(with_nul_value) - 1, BODY_BUF, false),
                     ACME_ERR_MALFORMED);
    memcpy(raw_buf, with_nul_name, sizeof(with_nul_name) - 1);
    assert_int_equal(status_of("NUL in name", sizeof(with_nul_name) - 1, BODY_BUF, false),
                     ACME_ERR_MALFORMED);
    memcpy(raw_buf, with_nul_status, sizeof(with_nul_status) - 1);
    assert_int_equal(status_of("NUL in reason", sizeof(with_nul_status) - 1, BODY_BUF, false),
                     ACME_ERR_MALFORMED);
    /* A NUL in the body is just data. */
    static const char body_nul[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\na\0b";
    memcpy(raw_buf, body_nul, sizeof(body_nul) - 1);
    assert_int_equal(status_of("NUL in body", sizeof(body_nul) - 1, BODY_BUF, false), ACME_OK);
    assert_memory_equal(reference.body, "a\0b", 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted_responses_at_every_split),
        cmocka_unit_test(test_rejected_responses_at_every_split),
        cmocka_unit_test(test_line_limit),
        cmocka_unit_test(test_header_section_limit),
        cmocka_unit_test(test_body_cap_content_length),
        cmocka_unit_test(test_body_cap_chunked),
        cmocka_unit_test(test_body_cap_close_delimited),
        cmocka_unit_test(test_no_body_buffer),
        cmocka_unit_test(test_kept_value_limits),
        cmocka_unit_test(test_link_ignored_but_bounded),
        cmocka_unit_test(test_retry_after_dates),
        cmocka_unit_test(test_retry_after_dates_against_libc),
        cmocka_unit_test(test_state_after_completion_and_error),
        cmocka_unit_test(test_headers_done_before_body),
        cmocka_unit_test(test_pipelined_responses),
        cmocka_unit_test(test_nul_bytes_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
