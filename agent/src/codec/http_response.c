/*
 * Incremental HTTP/1.1 message parser (RFC 9112): responses for the ACME
 * client, request heads for the http-01 responder.
 *
 * Everything before the body is parsed one byte at a time by a state machine
 * whose whole state lives in acme_http_parser_t, so the result cannot depend
 * on how the input was split into pieces. Body bytes are copied in runs.
 * Kept header values are written straight into the response fields; other
 * headers are only checked for syntax.
 */
#include "acme/codec/http_response.h"

#include <string.h>

#include "ascii.h"
#include "compiler.h"
#include "crypto/crypto.h"

/* Where the parser is in the message. In groups, so that a range test tells
 * them apart: header section lines (counted against ACME_HTTP_HEADER_MAX),
 * the other lines, body runs with a count, the body up to the close. */
enum parser_state {
    P_STATUS_LINE = 0,
    P_HEADER_LINE,
    P_TRAILER_LINE,
    P_CHUNK_SIZE_LINE, /* "hex[;ext]" */
    P_CHUNK_END_LINE,  /* the CRLF after chunk data */
    P_BODY_LENGTH,     /* Content-Length body */
    P_CHUNK_DATA,
    P_BODY_CLOSE, /* body delimited by the peer closing */
    P_DONE,
    P_ERROR
};

/* Position within a header (or trailer) line. */
enum header_line_state {
    HL_NAME_START = 0, /* nothing yet: an empty line ends the section */
    HL_NAME,
    HL_OWS, /* after the colon */
    HL_VALUE
};

/* Position within a request line. */
enum request_line_state {
    RL_METHOD = 0,
    RL_TARGET,
    RL_VERSION
};

/* Position within a chunk size line. */
enum chunk_line_state {
    CS_DIGITS = 0,
    CS_AFTER_DIGITS, /* BWS before ";" */
    CS_EXTENSION     /* skipped up to the end of the line */
};

/* Headers whose values are used, in the order of kept_names; every other
 * one is HDR_NONE. */
enum header_id {
    HDR_NONE = 0,
    HDR_CONTENT_LENGTH,
    HDR_TRANSFER_ENCODING,
    HDR_CONNECTION,
    HDR_RETRY_AFTER,
    HDR_LOCATION,
    HDR_REPLAY_NONCE
};

static const char kept_names[] = "content-length\0transfer-encoding\0connection\0"
                                 "retry-after\0location\0replay-nonce\0";

/* RFC 9111 §1.2.2: a delta-seconds too large to represent is taken as this. */
#define DELTA_SECONDS_CEILING 2147483648u

/* ---- character classes ------------------------------------------------ */

static bool is_ws(uint8_t c)
{
    return c == ' ' || c == '\t';
}

/* ---- dates (RFC 9110 §5.6.7, IMF-fixdate only) ------------------------- */

/* Index of the three letters at s among the day names (0..6) and then the
 * month names (7..18), or -1. Case-sensitive, as RFC 9110 §5.6.7 has them. */
static int name_index(const char *s)
{
    static const char names[] = "MonTueWedThuFriSatSun"
                                "JanFebMarAprMayJunJulAugSepOctNovDec";
    for (int i = 0; i < 19; i++) {
        if (memcmp(s, names + 3 * i, 3) == 0) {
            return i;
        }
    }
    return -1;
}

/* "Sun, 06 Nov 1994 08:49:37 GMT" -> Unix seconds, or -1. The weekday is
 * checked for being a weekday name, not for agreeing with the date: a
 * server's arithmetic slip should not cost the client its Retry-After. */
static int64_t parse_imf_fixdate(const char *s, size_t n)
{
    /* '#' is a digit, 'a' a letter of a name checked below, the rest literal. */
    static const char shape[] = "aaa, ## aaa #### ##:##:## GMT";
    uint32_t num[5] = {0, 0, 0, 0, 0}; /* day, year, hour, minute, second */
    size_t field = 0;
    if (n != sizeof(shape) - 1u) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        if (shape[i] == '#') {
            if (!acme_ascii_is_digit(c)) {
                return -1;
            }
            num[field] = num[field] * 10u + (uint32_t)(c - '0');
            field += shape[i + 1] != '#' ? 1u : 0u;
        } else if (shape[i] != 'a' && c != (uint8_t)shape[i]) {
            return -1;
        }
    }
    int weekday = name_index(s);
    int32_t month = name_index(s + 8) - 6; /* 1..12 for a month name */
    int32_t day = (int32_t)num[0];
    int32_t year = (int32_t)num[1];
    /* Before 1970 would be negative, which the field reserves for "none". */
    if (weekday < 0 || weekday > 6 || month < 1 || day < 1 || year < 1970 || num[2] > 23 ||
        num[3] > 59 || num[4] > 60) {
        return -1;
    }
    /* A day past the month's last is on or after the next month's first.
     * The day count takes month 13 as January of the next year (its year
     * starts in March), so no table of month lengths or leap rule is kept. */
    int32_t days = acme_days_from_civil(year, month, day);
    if (days >= acme_days_from_civil(year, month + 1, 1)) {
        return -1;
    }
    return (int64_t)days * 86400 + (int64_t)(num[2] * 3600u + num[3] * 60u + num[4]);
}

/* ---- resetting ----------------------------------------------------------- */

void acme_http_parser_init_request(acme_http_parser_t *p)
{
    memset(p, 0, sizeof(*p));
    p->state = P_STATUS_LINE;
    p->request = true;
}

void acme_http_parser_init(acme_http_parser_t *p, acme_http_response_t *resp, uint8_t *body,
                           size_t body_cap, bool head_only)
{
    if (p == NULL) {
        return;
    }
    memset(p, 0, sizeof(*p));
    p->state = P_STATUS_LINE;
    p->head_only = head_only;
    p->resp = resp;
    if (resp != NULL) {
        memset(resp, 0, sizeof(*resp));
        resp->retry_after_s = -1;
        resp->retry_after_epoch = -1;
        resp->body = body;
        resp->body_cap = body == NULL ? 0 : body_cap;
    }
}

/* ---- header values ------------------------------------------------------- */

/* One byte of a captured value. Whitespace is held back so that trailing OWS
 * is dropped without look-ahead; held-back whitespace is written as SP.
 * Location and Replay-Nonce go straight to their response fields (too long
 * is an error); the rest to the scratch value[] (too long only marks the
 * value unusable). */
static acme_status_t capture_byte(acme_http_parser_t *p, uint8_t c)
{
    if (is_ws(c)) {
        p->pending_ws++;
        return ACME_OK;
    }
    /* Location and Replay-Nonce are only kept in response mode (resp set);
     * request mode captures nothing but the framing values into value[]. */
    bool kept = false;
    char *dst = p->value;
    size_t cap = sizeof(p->value) - 1;
    if (p->header_id == HDR_REPLAY_NONCE) {
        kept = true;
        dst = p->resp->nonce;
        cap = sizeof(p->resp->nonce) - 1;
    } else if (p->header_id == HDR_LOCATION) {
        kept = true;
        dst = p->resp->location;
        cap = sizeof(p->resp->location) - 1;
    }
    if (p->value_overflow) {
        return ACME_OK;
    }
    if (p->value_len + p->pending_ws + 1 > cap) {
        if (kept) {
            return ACME_ERR_OVERSIZE;
        }
        p->value_overflow = true;
        return ACME_OK;
    }
    if (p->pending_ws > 0) {
        memset(dst + p->value_len, ' ', p->pending_ws);
        p->value_len += p->pending_ws;
        p->pending_ws = 0;
        p->nonce_bad = true; /* only meaningful for Replay-Nonce */
    }
    if (!acme_ascii_is_b64u(c)) {
        p->nonce_bad = true;
    }
    dst[p->value_len++] = (char)c;
    dst[p->value_len] = '\0'; /* kept fields stay terminated even after an error */
    return ACME_OK;
}

/* The captured value as a decimal number, saturated at SIZE_MAX (more than
 * any buffer or delay); false when it is empty, too long for value[], or
 * holds anything but digits. Shared by Content-Length and Retry-After. */
static bool value_decimal(const acme_http_parser_t *p, size_t *out)
{
    if (p->value_overflow || p->value_len == 0) {
        return false;
    }
    size_t v = 0;
    for (size_t i = 0; i < p->value_len; i++) {
        uint8_t c = (uint8_t)p->value[i];
        if (!acme_ascii_is_digit(c)) {
            return false;
        }
        v = v > (SIZE_MAX - 9u) / 10u ? SIZE_MAX : v * 10u + (size_t)(c - '0');
    }
    *out = v;
    return true;
}

static acme_status_t finish_content_length(acme_http_parser_t *p)
{
    /* A length past SIZE_MAX is kept as SIZE_MAX: more than any buffer, so
     * the body is refused as oversize (a HEAD response has none). */
    size_t v;
    /* RFC 9112 §6.3: differing lengths are unrecoverable framing errors. */
    if (!value_decimal(p, &v) || (p->have_length && v != p->content_length)) {
        return ACME_ERR_MALFORMED;
    }
    p->have_length = true;
    p->content_length = v;
    return ACME_OK;
}

static void finish_retry_after(acme_http_parser_t *p)
{
    acme_http_response_t *r = p->resp;
    r->retry_after_s = -1;
    r->retry_after_epoch = -1;
    size_t v;
    if (value_decimal(p, &v)) {
        /* Saturated at the ceiling. SIZE_MAX saturation above happens only
         * past 4294967289, well over it, so the result is the same as
         * saturating the exact value. */
        r->retry_after_s = v > DELTA_SECONDS_CEILING ? DELTA_SECONDS_CEILING : v;
    } else if (!p->value_overflow) {
        /* Not digits (or empty, which the date parser refuses too). */
        r->retry_after_epoch = parse_imf_fixdate(p->value, p->value_len);
    }
}

/* Connection is a comma list of tokens (RFC 9110 §7.6.1), matched one token
 * at a time so that any number of options fits. */
static void connection_token_end(acme_http_parser_t *p)
{
    if (!p->value_overflow) {
        int i = acme_ascii_find_nocase("close\0keep-alive\0", p->value, p->value_len);
        p->conn_close |= i == 0;
        p->conn_keep_alive |= i == 1;
    }
    p->value_len = 0;
    p->value_overflow = false;
}

/* ---- header lines -------------------------------------------------------- */

static acme_status_t value_byte(acme_http_parser_t *p, uint8_t c)
{
    switch (p->header_id) {
    case HDR_NONE:
        return ACME_OK;
    case HDR_CONNECTION:
        if (c == ',' || is_ws(c)) {
            connection_token_end(p);
        } else if (!acme_ascii_is_tchar(c) || p->value_len >= sizeof(p->value) - 1) {
            p->value_overflow = true; /* not a token we know: ignored */
        } else {
            p->value[p->value_len++] = (char)c;
        }
        return ACME_OK;
    default:
        return capture_byte(p, c);
    }
}

static acme_status_t header_line_byte(acme_http_parser_t *p, uint8_t c)
{
    switch (p->line_state) {
    case HL_NAME_START:
        /* Leading whitespace is obs-fold (or space before the first field):
         * RFC 9112 §5.2 lets us reject it, and we do. */
        if (!acme_ascii_is_tchar(c)) {
            return ACME_ERR_MALFORMED;
        }
        p->name_len = 0;
        p->line_state = HL_NAME;
        /* fall through */
    case HL_NAME:
        if (c == ':') {
            /* Trailers are checked and dropped. */
            int i = p->state == P_HEADER_LINE
                        ? acme_ascii_find_nocase(kept_names, p->name, p->name_len)
                        : -1;
            /* A request's only kept headers are its framing ones. */
            if (p->request && i + 1 > HDR_TRANSFER_ENCODING) {
                i = -1;
            }
            p->header_id = (uint8_t)(i + 1);
            p->value_len = 0;
            p->pending_ws = 0;
            p->value_overflow = false;
            p->nonce_bad = false;
            if (p->header_id == HDR_LOCATION) {
                p->resp->location[0] = '\0';
            } else if (p->header_id == HDR_REPLAY_NONCE) {
                p->resp->nonce[0] = '\0';
            }
            p->line_state = HL_OWS;
            return ACME_OK;
        }
        /* No whitespace between name and colon (RFC 9112 §5.1). */
        if (!acme_ascii_is_tchar(c)) {
            return ACME_ERR_MALFORMED;
        }
        /* Longer names than name[] match nothing we keep. */
        if (p->name_len < sizeof(p->name)) {
            p->name[p->name_len++] = (char)c;
        }
        return ACME_OK;
    case HL_OWS:
        if (is_ws(c)) {
            return ACME_OK;
        }
        p->line_state = HL_VALUE;
        /* fall through */
    default: /* HL_VALUE */
        if (!acme_ascii_is_field_char(c)) {
            return ACME_ERR_MALFORMED;
        }
        return value_byte(p, c);
    }
}

static acme_status_t finish_value(acme_http_parser_t *p)
{
    switch (p->header_id) {
    case HDR_CONTENT_LENGTH:
        return finish_content_length(p);
    case HDR_TRANSFER_ENCODING:
        /* Only a single "chunked": anything we cannot decode must not be
         * taken for a body (request smuggling and truncation both start
         * there). */
        if (p->chunked || p->value_overflow ||
            !acme_ascii_eq_nocase(p->value, p->value_len, "chunked", 7)) {
            return ACME_ERR_MALFORMED;
        }
        p->chunked = true;
        return ACME_OK;
    case HDR_CONNECTION:
        connection_token_end(p);
        return ACME_OK;
    case HDR_RETRY_AFTER:
        finish_retry_after(p);
        return ACME_OK;
    case HDR_REPLAY_NONCE:
        /* A nonce we could not echo back is as good as none: ignored. */
        if (p->nonce_bad) {
            p->resp->nonce[0] = '\0';
        }
        return ACME_OK;
    default:
        return ACME_OK;
    }
}

/* The blank line after the headers: decide how the body is delimited
 * (RFC 9112 §6.3). */
static acme_status_t headers_end(acme_http_parser_t *p)
{
    acme_http_response_t *r = p->resp;
    if (p->request) {
        /* A validation request has no body; one announced is refused. */
        if (p->chunked || p->content_length != 0) {
            return ACME_ERR_MALFORMED;
        }
        p->headers_complete = true;
        p->state = P_DONE;
        return ACME_OK;
    }
    if (r->status < 200 && r->status != 101) {
        /* An interim response: start again for the real one. The header
         * byte count is kept, so a stream of 1xx responses is bounded by
         * ACME_HTTP_HEADER_MAX like a single header section. */
        size_t header_bytes = p->header_bytes;
        acme_http_parser_init(p, r, r->body, r->body_cap, p->head_only);
        p->header_bytes = header_bytes;
        return ACME_OK;
    }
    /* Content-Length with chunked, or Transfer-Encoding in an HTTP/1.0
     * message: faulty framing (RFC 9112 §6.1, §6.3). */
    if (p->chunked && (p->have_length || p->http10)) {
        return ACME_ERR_MALFORMED;
    }
    p->headers_complete = true;
    r->keep_alive = !p->conn_close && (p->conn_keep_alive || !p->http10);
    if (p->head_only || r->status < 200 || r->status == 204 || r->status == 304) {
        p->state = P_DONE;
    } else if (p->chunked) {
        p->state = P_CHUNK_SIZE_LINE;
        p->remaining = 0;
    } else if (p->have_length) {
        if (p->content_length > r->body_cap) {
            return ACME_ERR_OVERSIZE;
        }
        p->remaining = p->content_length;
        p->state = p->remaining == 0 ? P_DONE : P_BODY_LENGTH;
    } else {
        r->keep_alive = false; /* the close is the delimiter */
        p->state = P_BODY_CLOSE;
    }
    return ACME_OK;
}

/* ---- start lines ------------------------------------------------------------ */

/* Byte pos (0..7) of "HTTP/1.x". A higher 1.x minor version is handled as
 * 1.1 (RFC 9110 §2.5). */
static acme_status_t version_byte(acme_http_parser_t *p, size_t pos, uint8_t c)
{
    static const char version_prefix[] = "HTTP/1.";
    if (pos < 7) {
        return c == (uint8_t)version_prefix[pos] ? ACME_OK : ACME_ERR_MALFORMED;
    }
    p->http10 = c == '0';
    return acme_ascii_is_digit(c) ? ACME_OK : ACME_ERR_MALFORMED;
}

/* "METHOD SP request-target SP HTTP/1.x" (RFC 9112 §3): method tchars, a
 * target of visible ASCII that starts origin-form ('/') or absolute-form
 * ('h' of http[s]://) and holds no fragment. */
static acme_status_t request_line_byte(acme_http_parser_t *p, uint8_t c)
{
    switch (p->line_state) {
    case RL_METHOD:
        if (c == ' ' && p->line_len > 1) {
            p->line_state = RL_TARGET;
            p->target_off = p->header_bytes;
            return ACME_OK;
        }
        return acme_ascii_is_tchar(c) ? ACME_OK : ACME_ERR_MALFORMED;
    case RL_TARGET:
        if (c == ' ' && p->target_len > 0) {
            p->line_state = RL_VERSION;
            p->value_len = 0;
            return ACME_OK;
        }
        if (c <= 0x20 || c >= 0x7f || c == '#' ||
            (p->target_len == 0 && c != '/' && (c | 0x20) != 'h')) {
            return ACME_ERR_MALFORMED;
        }
        p->target_len++;
        return ACME_OK;
    default: /* RL_VERSION */
        return p->value_len < 8 ? version_byte(p, p->value_len++, c) : ACME_ERR_MALFORMED;
    }
}

/* "HTTP/1.x NNN[ reason]" */
static acme_status_t status_line_byte(acme_http_parser_t *p, uint8_t c)
{
    size_t pos = p->line_len - 1;
    if (p->request) {
        return request_line_byte(p, c);
    }
    if (pos < 8) {
        return version_byte(p, pos, c);
    }
    if (pos == 8 || pos == 12) {
        return c == ' ' ? ACME_OK : ACME_ERR_MALFORMED;
    }
    if (pos <= 11) {
        if (!acme_ascii_is_digit(c) || (pos == 9 && (c < '1' || c > '5'))) {
            return ACME_ERR_MALFORMED;
        }
        p->resp->status = (uint16_t)(p->resp->status * 10u + (uint16_t)(c - '0'));
        return ACME_OK;
    }
    return acme_ascii_is_field_char(c) ? ACME_OK : ACME_ERR_MALFORMED; /* reason phrase */
}

/* ---- chunked framing (RFC 9112 §7.1) -------------------------------------- */

static acme_status_t chunk_size_byte(acme_http_parser_t *p, uint8_t c)
{
    switch (p->line_state) {
    case CS_DIGITS: {
        int v = acme_ascii_hex(c);
        if (v >= 0) {
            /* Saturates like a Content-Length: past every buffer. */
            p->remaining = p->remaining > (SIZE_MAX >> 4) ? SIZE_MAX : p->remaining << 4 | (size_t)v;
            return ACME_OK;
        }
        if (p->line_len == 1) {
            return ACME_ERR_MALFORMED; /* no digits */
        }
        p->line_state = CS_AFTER_DIGITS;
    }
        /* fall through */
    case CS_AFTER_DIGITS:
        if (c == ';') {
            p->line_state = CS_EXTENSION;
            return ACME_OK;
        }
        return is_ws(c) ? ACME_OK : ACME_ERR_MALFORMED;
    default: /* CS_EXTENSION: skipped, bounded by the line limit */
        return acme_ascii_is_field_char(c) ? ACME_OK : ACME_ERR_MALFORMED;
    }
}

/* ---- lines ------------------------------------------------------------------ */

static acme_status_t line_content_byte(acme_http_parser_t *p, uint8_t c)
{
    switch (p->state) {
    case P_STATUS_LINE:
        return status_line_byte(p, c);
    case P_CHUNK_SIZE_LINE:
        return chunk_size_byte(p, c);
    case P_CHUNK_END_LINE:
        return ACME_ERR_MALFORMED; /* chunk data longer than its size */
    default:                       /* P_HEADER_LINE, P_TRAILER_LINE */
        return header_line_byte(p, c);
    }
}

/* Called from line_byte only, but kept out of line: inlined there, into the
 * per-byte loop of acme_http_parser_feed, it made the image 64 bytes larger
 * (measured on the Cortex-M4 firmware). */
ACME_NOINLINE static acme_status_t line_end(acme_http_parser_t *p)
{
    acme_status_t st = ACME_OK;
    acme_http_response_t *r = p->resp;
    switch (p->state) {
    case P_STATUS_LINE:
        if (p->request ? p->line_state != RL_VERSION || p->value_len != 8 : p->line_len < 12) {
            st = ACME_ERR_MALFORMED; /* no status code, or no whole request line */
        } else {
            p->state = P_HEADER_LINE;
        }
        break;
    case P_CHUNK_SIZE_LINE:
        if (p->line_len == 0) {
            st = ACME_ERR_MALFORMED;
        } else if (p->remaining == 0) {
            p->state = P_TRAILER_LINE;
        } else if (p->remaining > r->body_cap - r->body_len) {
            st = ACME_ERR_OVERSIZE;
        } else {
            p->state = P_CHUNK_DATA;
        }
        break;
    case P_CHUNK_END_LINE:
        p->state = P_CHUNK_SIZE_LINE;
        p->remaining = 0;
        break;
    default: /* header or trailer line */
        if (p->line_state == HL_NAME_START) {
            if (p->state == P_TRAILER_LINE) {
                p->state = P_DONE;
            } else {
                st = headers_end(p);
            }
        } else if (p->line_state == HL_NAME) {
            st = ACME_ERR_MALFORMED; /* no colon */
        } else {
            st = finish_value(p);
        }
        break;
    }
    p->line_len = 0;
    p->line_state = 0;
    return st;
}

/* One byte of a line-oriented part. Lines end in CRLF or a bare LF (RFC 9112
 * §2.2 allows recipients to accept LF); a CR anywhere else is an error. */
static acme_status_t line_byte(acme_http_parser_t *p, uint8_t c)
{
    if (p->state <= P_TRAILER_LINE) {
        if (++p->header_bytes > ACME_HTTP_HEADER_MAX) {
            return ACME_ERR_OVERSIZE;
        }
    }
    if (c == '\n') {
        p->cr = false;
        return line_end(p);
    }
    if (p->cr) {
        return ACME_ERR_MALFORMED; /* CR not followed by LF */
    }
    if (c == '\r') {
        p->cr = true;
        return ACME_OK;
    }
    if (++p->line_len > ACME_HTTP_LINE_MAX) {
        return ACME_ERR_OVERSIZE;
    }
    return line_content_byte(p, c);
}

/* ---- body ------------------------------------------------------------------- */

acme_status_t acme_http_parser_feed(acme_http_parser_t *p, const uint8_t *data, size_t len,
                                    size_t *consumed)
{
    if (consumed != NULL) {
        *consumed = 0;
    }
    if (p == NULL || (p->resp == NULL && !p->request) || (data == NULL && len > 0)) {
        return ACME_ERR_INVALID_ARG;
    }
    if (p->state >= P_DONE) {
        return ACME_ERR_BAD_STATE;
    }
    acme_http_response_t *r = p->resp;
    acme_status_t st = ACME_OK;
    size_t used = 0;
    while (used < len && st == ACME_OK && p->state != P_DONE) {
        size_t avail = len - used;
        if (p->state >= P_BODY_LENGTH) { /* not P_DONE: see the loop condition */
            /* A run of body bytes: up to the remaining count of a
             * Content-Length body or a chunk (checked against the cap
             * beforehand), or everything until the close. */
            size_t n = avail;
            if (p->state != P_BODY_CLOSE) {
                n = p->remaining < avail ? p->remaining : avail;
                p->remaining -= n;
            } else if (n > r->body_cap - r->body_len) {
                st = ACME_ERR_OVERSIZE;
                break;
            }
            memcpy(r->body + r->body_len, data + used, n);
            r->body_len += n;
            used += n;
            if (p->state != P_BODY_CLOSE && p->remaining == 0) {
                p->state = p->state == P_BODY_LENGTH ? P_DONE : P_CHUNK_END_LINE;
            }
        } else {
            st = line_byte(p, data[used]);
            used++;
        }
    }
    if (consumed != NULL) {
        *consumed = used;
    }
    if (st != ACME_OK) {
        p->state = P_ERROR;
        return st;
    }
    return p->state == P_DONE ? ACME_OK : ACME_WOULD_BLOCK;
}

acme_status_t acme_http_parser_eof(acme_http_parser_t *p)
{
    if (p == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    if (p->state == P_BODY_CLOSE) {
        p->state = P_DONE;
    }
    if (p->state == P_DONE) {
        return ACME_OK;
    }
    p->state = P_ERROR;
    return ACME_ERR_TRUNCATED;
}

bool acme_http_parser_headers_done(const acme_http_parser_t *p)
{
    return p != NULL && p->headers_complete;
}
