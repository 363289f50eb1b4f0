/*
 * Fuzz target for the incremental HTTP response parser. The first input
 * byte picks the run's options (HEAD or not, body buffer size) and seeds how
 * the rest is cut into pieces; the rest is one response, fed whole and then
 * in those pieces, each followed by eof. Both runs must agree exactly (the
 * parser's result may not depend on the split), and what is accepted must
 * respect the limits: body within its buffer, kept strings terminated inside
 * their fields, nonce base64url only, status 100..599.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acme/codec/http_response.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct run_result {
    acme_status_t st;
    size_t consumed;
    bool headers_done;
    acme_http_response_t resp;
    uint8_t body[ACME_HTTP_BODY_MAX];
} run_result_t;

static run_result_t whole;
static run_result_t pieces;

static void check(bool ok)
{
    if (!ok) {
        abort();
    }
}

static bool terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static bool all_base64url(const char *s)
{
    for (; *s != '\0'; s++) {
        char c = *s;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_')) {
            return false;
        }
    }
    return true;
}

/* Feeds data in pieces whose lengths come from a small xorshift generator
 * (max_piece == 0: the whole input at once), then eof if still waiting. */
static void run(const uint8_t *data, size_t size, size_t cap, bool head, uint32_t rng,
                size_t max_piece, run_result_t *r)
{
    acme_http_parser_t p;
    memset(r, 0xA5, sizeof(*r));
    acme_http_parser_init(&p, &r->resp, r->body, cap, head);
    acme_status_t st = ACME_WOULD_BLOCK;
    size_t off = 0;
    while (off < size) {
        size_t piece = size - off;
        if (max_piece > 0) {
            rng ^= rng << 13;
            rng ^= rng >> 17;
            rng ^= rng << 5;
            size_t want = 1 + rng % max_piece;
            piece = want < piece ? want : piece;
        }
        size_t used = 0;
        st = acme_http_parser_feed(&p, data + off, piece, &used);
        check(used <= piece);
        off += used;
        if (st != ACME_WOULD_BLOCK) {
            break;
        }
        check(used == piece);
    }
    if (st == ACME_WOULD_BLOCK) {
        st = acme_http_parser_eof(&p);
    }
    r->st = st;
    r->consumed = off;
    r->headers_done = acme_http_parser_headers_done(&p);
    /* Whatever the outcome. */
    check(st == ACME_OK || st == ACME_ERR_MALFORMED || st == ACME_ERR_OVERSIZE ||
          st == ACME_ERR_TRUNCATED);
    check(r->resp.body == r->body && r->resp.body_len <= cap);
    check(terminated(r->resp.location, sizeof(r->resp.location)));
    check(terminated(r->resp.nonce, sizeof(r->resp.nonce)));
    /* The parser is finished either way: more input is refused. */
    check(acme_http_parser_feed(&p, data, size, NULL) == ACME_ERR_BAD_STATE);
}

static void check_accepted(const run_result_t *r, size_t size)
{
    const acme_http_response_t *x = &r->resp;
    check(r->headers_done);
    check(r->consumed <= size);
    check(x->status >= 100 && x->status <= 599);
    check(x->status == 101 || x->status >= 200);
    check(all_base64url(x->nonce));
    check(x->retry_after_s >= -1 && x->retry_after_epoch >= -1);
    check(x->retry_after_s == -1 || x->retry_after_epoch == -1);
}

static bool same(const run_result_t *a, const run_result_t *b)
{
    if (a->st != b->st) {
        return false;
    }
    if (a->st != ACME_OK) {
        return true;
    }
    const acme_http_response_t *x = &a->resp;
    const acme_http_response_t *y = &b->resp;
    return a->consumed == b->consumed && a->headers_done == b->headers_done &&
           x->status == y->status &&
           x->keep_alive == y->keep_alive && x->retry_after_s == y->retry_after_s &&
           x->retry_after_epoch == y->retry_after_epoch && strcmp(x->location, y->location) == 0 &&
           strcmp(x->nonce, y->nonce) == 0 && x->body_len == y->body_len &&
           memcmp(a->body, b->body, x->body_len) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t caps[4] = {ACME_HTTP_BODY_MAX, 0, 16, 300};
    if (size < 1) {
        return 0;
    }
    uint8_t seed = data[0];
    data++;
    size--;
    bool head = (seed & 0x80) != 0;
    size_t cap = caps[(seed >> 5) & 3u];
    /* (seed & 31) == 0: byte by byte; otherwise pieces of 1..1+8k bytes */
    size_t max_piece = 1 + (size_t)(seed & 31u) * 8u;
    uint32_t rng = 0x9E3779B9u ^ seed;

    run(data, size, cap, head, 0, 0, &whole);
    run(data, size, cap, head, rng, max_piece, &pieces);
    check(same(&whole, &pieces));
    if (whole.st == ACME_OK) {
        check_accepted(&whole, size);
    }
    return 0;
}
