/*
 * Incremental HTTP/1.1 message parser (RFC 9112): responses for the ACME
 * client and, in request mode, the request heads the http-01 responder
 * receives (acme_http_request_parse() in http_request.h), so both directions
 * share one strict header grammar.
 *
 * Bytes are fed as they arrive, in pieces of any size (the parser is tested
 * at every split point). Only what ACME needs is kept, in fixed fields: the
 * status, the headers Location, Replay-Nonce and Retry-After, whether the
 * connection stays open, and the body (Content-Length, chunked, or until
 * close), written into the caller's buffer. Every other header (Content-Type
 * and Link among them: ACME tells problems by status and the agent downloads
 * the default chain only) is checked for syntax and length, and dropped.
 *
 * Limits (config_defaults.h): a header line longer than ACME_HTTP_LINE_MAX,
 * a header section longer than ACME_HTTP_HEADER_MAX, a body longer than the
 * caller's buffer, a kept value longer than its field: ACME_ERR_OVERSIZE.
 * Syntax errors, conflicting Content-Length values, Content-Length together
 * with Transfer-Encoding, transfer codings other than chunked, obsolete line
 * folding, bad chunk sizes: ACME_ERR_MALFORMED.
 *
 * Request mode reads "METHOD SP request-target SP HTTP/1.x" and the header
 * section, and stops at the blank line. The target must be origin-form or
 * absolute-form (it starts with '/' or 'h') and hold no fragment; a request
 * that announces a body (Content-Length other than 0, any
 * Transfer-Encoding) is ACME_ERR_MALFORMED. Only the framing headers are
 * interpreted; no response fields are written.
 */
#ifndef ACME_CODEC_HTTP_RESPONSE_H
#define ACME_CODEC_HTTP_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/config_defaults.h"
#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct acme_http_response {
    uint16_t status;           /* 100..599 */
    bool keep_alive;           /* false after "Connection: close" or for
                                  HTTP/1.0 without "Connection: keep-alive" */
    int64_t retry_after_s;     /* delta-seconds, or -1 when absent/unparsable */
    int64_t retry_after_epoch; /* HTTP-date form as Unix seconds, or -1 */
    uint8_t *body; /* the caller's buffer */
    size_t body_len;
    size_t body_cap;
    char location[ACME_URL_MAX + 1];
    char nonce[ACME_NONCE_MAX + 1];
} acme_http_response_t;

/* Parser state. All fields are private: the layout may change between
 * releases; only the functions below are the interface. */
typedef struct acme_http_parser {
    /* Bytes first, then words, then the rest: fields at short offsets take
     * shorter instructions on Thumb-2, and this is read once per byte. */
    uint8_t state;
    uint8_t line_state; /* position in the current line's grammar */
    uint8_t header_id;  /* which kept header the current line is */
    uint8_t name_len;
    bool cr;             /* CR read: the next byte must be LF */
    bool value_overflow; /* scratch value or token longer than value[] */
    bool nonce_bad;      /* Replay-Nonce has a non-base64url character */
    bool request;        /* request mode (acme_http_parser_init_request) */
    bool head_only;      /* response to HEAD: no body whatever it says */
    bool chunked;
    bool have_length;
    bool http10;
    bool conn_keep_alive; /* "Connection: keep-alive" seen */
    bool conn_close;      /* "Connection: close" seen */
    bool headers_complete;
    acme_http_response_t *resp;
    size_t line_len;     /* content bytes of the current line (no CR/LF) */
    size_t header_bytes; /* bytes of all header sections so far (interim
                            responses and trailers included) */
    size_t value_len;    /* bytes captured of the current value/token */
    size_t pending_ws;   /* whitespace held back inside a value: written
                            only if more text follows (trailing OWS) */
    size_t target_off;   /* request mode: the request-target is bytes
                            [target_off, target_off + target_len) of the
                            input, the method the bytes before it minus SP */
    size_t target_len;
    size_t content_length; /* declared Content-Length (SIZE_MAX: more) */
    size_t remaining;      /* body or chunk bytes still expected; the chunk
                              size while its size line is read */
    char name[24];           /* header name, lower case (longer names match
                                nothing we keep) */
    char value[80];          /* scratch for short values (numbers, types) */
} acme_http_parser_t;

/* Prepare to parse one response into resp, with body going to body[0..cap).
 * head_only: the request was HEAD (or the body must be ignored). */
void acme_http_parser_init(acme_http_parser_t *p, acme_http_response_t *resp, uint8_t *body,
                           size_t body_cap, bool head_only);

/* Prepare to parse one request head (request mode; no response struct). */
void acme_http_parser_init_request(acme_http_parser_t *p);

/* Consume bytes. Returns ACME_OK when the response is complete (*consumed
 * tells how many bytes were used; any rest is not part of this response),
 * ACME_WOULD_BLOCK when all bytes were used and more are needed, or an error.
 * Interim 1xx responses are skipped. After an error or completion, feeding
 * again is ACME_ERR_BAD_STATE. */
acme_status_t acme_http_parser_feed(acme_http_parser_t *p, const uint8_t *data, size_t len,
                                    size_t *consumed);

/* The peer closed the connection. ACME_OK when that ends a body delimited by
 * close (no length, not chunked) or the response was already complete;
 * ACME_ERR_TRUNCATED otherwise. */
acme_status_t acme_http_parser_eof(acme_http_parser_t *p);

/* True once the status line and headers are complete (body may follow). */
bool acme_http_parser_headers_done(const acme_http_parser_t *p);

#ifdef __cplusplus
}
#endif

#endif /* ACME_CODEC_HTTP_RESPONSE_H */
