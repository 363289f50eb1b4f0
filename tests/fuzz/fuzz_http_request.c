/*
 * Fuzz target for HTTP request heads. The input is parsed as a request the
 * http-01 responder received: what is accepted must point inside the input,
 * be origin-form, and not depend on what follows the head; a shorter prefix
 * may never be accepted. The input also drives the two writers, whose output
 * must read back through the matching parser: the client's request through
 * the responder's parser, the responder's response through the client's.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acme/codec/http_request.h"
#include "acme/codec/http_response.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WRITE_MAX 2048u

static char written[WRITE_MAX];
static uint8_t body[WRITE_MAX];

static void check(bool ok)
{
    if (!ok) {
        abort();
    }
}

static bool same_request(const acme_http_request_t *a, const acme_http_request_t *b)
{
    return a->method == b->method && a->path == b->path && a->path_len == b->path_len &&
           a->head_len == b->head_len;
}

static void check_parse(const uint8_t *data, size_t size)
{
    acme_http_request_t req;
    acme_status_t st = acme_http_request_parse(data, size, &req);
    check(st == ACME_OK || st == ACME_WOULD_BLOCK || st == ACME_ERR_MALFORMED);
    if (st == ACME_WOULD_BLOCK && size > 0) {
        /* A prefix of something still viable is viable. */
        acme_http_request_t shorter;
        check(acme_http_request_parse(data, size - 1, &shorter) == ACME_WOULD_BLOCK);
    }
    if (st != ACME_OK) {
        return;
    }
    check(req.head_len >= 4 && req.head_len <= size);
    check(req.method <= ACME_METHOD_HEAD);
    const uint8_t *path = (const uint8_t *)req.path;
    check(path >= data && req.path_len >= 1 &&
          (size_t)(path - data) + req.path_len <= req.head_len);
    check(path[0] == '/');
    for (size_t i = 0; i < req.path_len; i++) {
        check(path[i] > 0x20 && path[i] < 0x7f && path[i] != '#');
    }
    /* Bytes after the head change nothing; the head alone is enough. */
    acme_http_request_t again;
    check(acme_http_request_parse(data, req.head_len, &again) == ACME_OK);
    check(same_request(&req, &again));
    /* One byte less is never a complete head. */
    check(acme_http_request_parse(data, req.head_len - 1, &again) != ACME_OK);
}

/* The client writes a request for a path taken from the input; the
 * responder's parser must read back the same method and path. */
static void check_request_writer(const uint8_t *data, size_t size)
{
    char path[256];
    size_t path_len = size < sizeof(path) - 1 ? size + 1 : sizeof(path);
    path[0] = '/';
    if (path_len > 1) {
        memcpy(path + 1, data, path_len - 1);
    }
    acme_url_t u;
    memset(&u, 0, sizeof(u));
    u.host = "acme.test";
    u.host_len = 9;
    u.port = (uint16_t)(size * 257u);
    u.path = path;
    u.path_len = path_len;
    bool with_body = size % 2 != 0;
    size_t len;
    acme_status_t st =
        acme_http_request_write(written, sizeof(written), &len, "GET", &u, "fuzz/1.0",
                                with_body ? "application/jose+json" : NULL, size);
    if (st != ACME_OK) {
        check(st == ACME_ERR_INVALID_ARG);
        return;
    }
    check(len < sizeof(written) && written[len] == '\0');
    acme_http_request_t req;
    st = acme_http_request_parse((const uint8_t *)written, len, &req);
    if (with_body) {
        check(st == ACME_ERR_MALFORMED); /* Content-Length > 0 was announced */
        return;
    }
    check(st == ACME_OK);
    check(req.method == ACME_METHOD_GET && req.head_len == len);
    check(req.path_len == path_len && memcmp(req.path, path, path_len) == 0);
}

/* The responder writes a response with the input as body; the client's
 * parser must read back the status and the body. (Interim 1xx statuses are
 * not something the responder sends, so they are left out.) */
static void check_response_writer(const uint8_t *data, size_t size)
{
    int status = 200 + (int)(size % 400u);
    bool head_only = size > 0 && (data[0] & 1u) != 0;
    size_t len;
    acme_status_t st = acme_http_response_write(written, sizeof(written), &len, status,
                                                "text/plain", (const char *)data, size, head_only);
    if (st != ACME_OK) {
        check(st == ACME_ERR_BUFFER_TOO_SMALL);
        return;
    }
    acme_http_response_t resp;
    acme_http_parser_t p;
    size_t used;
    acme_http_parser_init(&p, &resp, body, sizeof(body), head_only);
    st = acme_http_parser_feed(&p, (const uint8_t *)written, len, &used);
    check(st == ACME_OK);
    check(resp.status == status && !resp.keep_alive);
    /* 204 and 304 have no body whatever Content-Length says: the parser stops
     * at the blank line and leaves the written body unread. */
    bool no_body_status = status == 204 || status == 304;
    bool has_body = !head_only && !no_body_status;
    check(used == (!head_only && no_body_status ? len - size : len));
    check(resp.body_len == (has_body ? size : 0));
    check(!has_body || size == 0 || memcmp(body, data, size) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_parse(data, size);
    check_request_writer(data, size);
    check_response_writer(data, size);
    return 0;
}
