/*
 * Incremental HTTP/1.1 response parser (RFC 9112) for the ACME client.
 *
 * Everything before the body is parsed one byte at a time by a state machine
 * whose whole state lives in acme_http_parser_t, so the result cannot depend
 * on how the input was split into pieces. Body bytes are copied in runs.
 * Kept header values are written straight into the response fields; other
 * headers are only checked for syntax.
 */
#include "acme/codec/http_response.h"

#include <string.h>

/* Where the parser is in the message. */
enum parser_state {
    P_STATUS_LINE = 0,
    P_HEADER_LINE,
    P_BODY_LENGTH,     /* Content-Length body */
    P_BODY_CLOSE,      /* body delimited by the peer closing */
    P_CHUNK_SIZE_LINE, /* "hex[;ext]" */
    P_CHUNK_DATA,
    P_CHUNK_END_LINE, /* the CRLF after chunk data */
    P_TRAILER_LINE,
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

/* Position within a chunk size line. */
enum chunk_line_state {
    CS_DIGITS = 0,
    CS_AFTER_DIGITS, /* BWS before ";" */
    CS_EXTENSION     /* skipped up to the end of the line */
};

/* Headers whose values are used; every other one is HDR_NONE. */
enum header_id {
    HDR_NONE = 0,
    HDR_CONTENT_LENGTH,
    HDR_TRANSFER_ENCODING,
    HDR_CONTENT_TYPE,
    HDR_CONNECTION,
    HDR_RETRY_AFTER,
    HDR_LOCATION,
    HDR_REPLAY_NONCE,
    HDR_LINK
};

/* Position within a Link value (RFC 8288 §3):
 *   #( "<" URI-Reference ">" *( OWS ";" OWS token [ "=" ( token / quoted-string ) ] ) ) */
enum link_state {
    L_START = 0, /* before "<" (skips OWS and empty list elements) */
    L_URL,
    L_AFTER_URL,
    L_PARAM_START,
    L_PARAM_NAME,
    L_PARAM_NAME_END,
    L_VALUE_START,
    L_TOKEN_VALUE,
    L_QUOTED_VALUE,
    L_QUOTED_ESCAPE,
    L_PARAM_END,
    L_BAD /* unparsable: the rest of this header is ignored */
};

/* clang-format off: one header per line */
static const struct {
    const char *name; /* lower case */
    uint8_t len;
    uint8_t id;
} kept_headers[] = {
    {"content-length", 14, HDR_CONTENT_LENGTH}, {"transfer-encoding", 17, HDR_TRANSFER_ENCODING},
    {"content-type", 12, HDR_CONTENT_TYPE},     {"connection", 10, HDR_CONNECTION},
    {"retry-after", 11, HDR_RETRY_AFTER},       {"location", 8, HDR_LOCATION},
    {"replay-nonce", 12, HDR_REPLAY_NONCE},     {"link", 4, HDR_LINK},
};
/* clang-format on */

/* RFC 9111 §1.2.2: a delta-seconds too large to represent is taken as this. */
#define DELTA_SECONDS_CEILING 2147483648LL

/* ---- character classes ------------------------------------------------ */

static bool is_ws(uint8_t c)
{
    return c == ' ' || c == '\t';
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* tchar (RFC 9110 §5.6.2) */
static bool is_tchar(uint8_t c)
{
    return is_alpha(c) || is_digit(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* field-vchar / SP / HTAB (RFC 9110 §5.5), obs-text included: anything but
 * control characters, which in a field value are an attack or a bug. */
static bool is_field_char(uint8_t c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool is_base64url(uint8_t c)
{
    return is_alpha(c) || is_digit(c) || c == '-' || c == '_';
}

static uint8_t to_lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

static int hex_value(uint8_t c)
{
    if (is_digit(c)) {
        return c - '0';
    }
    c = to_lower(c);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

static bool equals_nocase(const char *s, size_t n, const char *lit)
{
    size_t lit_len = strlen(lit);
    if (n != lit_len) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (to_lower((uint8_t)s[i]) != (uint8_t)lit[i]) {
            return false;
        }
    }
    return true;
}

/* ---- dates (RFC 9110 §5.6.7, IMF-fixdate only) ------------------------- */

static bool is_leap_year(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Leap years in 1..y (y >= 0). */
static int64_t leap_years_through(int64_t y)
{
    return y / 4 - y / 100 + y / 400;
}

/* Days from 1970-01-01 to y-m-d (y >= 1970, m 1..12, d valid for the month). */
static int64_t days_since_epoch(int64_t y, int m, int d)
{
    static const int16_t days_before_month[12] = {0,   31,  59,  90,  120, 151,
                                                  181, 212, 243, 273, 304, 334};
    int64_t days = 365 * (y - 1970) + leap_years_through(y - 1) - leap_years_through(1969);
    days += days_before_month[m - 1] + ((m > 2 && is_leap_year(y)) ? 1 : 0);
    return days + d - 1;
}

static int two_digits(const char *s)
{
    if (!is_digit((uint8_t)s[0]) || !is_digit((uint8_t)s[1])) {
        return -1;
    }
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* "Sun, 06 Nov 1994 08:49:37 GMT" -> Unix seconds, or -1. Names are
 * case-sensitive (RFC 9110 §5.6.7). The weekday is checked for being a
 * weekday name, not for agreeing with the date: a server's arithmetic slip
 * should not cost the client its Retry-After. */
static int64_t parse_imf_fixdate(const char *s, size_t n)
{
    static const char day_names[] = "MonTueWedThuFriSatSun";
    static const char month_names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    static const uint8_t month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (n != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
        s[19] != ':' || s[22] != ':' || s[25] != ' ' || memcmp(s + 26, "GMT", 3) != 0) {
        return -1;
    }
    bool day_name_ok = false;
    for (size_t i = 0; i < 7; i++) {
        day_name_ok |= memcmp(s, day_names + 3 * i, 3) == 0;
    }
    int month = 0;
    for (int i = 0; i < 12; i++) {
        if (memcmp(s + 8, month_names + 3 * i, 3) == 0) {
            month = i + 1;
        }
    }
    int day = two_digits(s + 5);
    int century = two_digits(s + 12);
    int year_low = two_digits(s + 14);
    int hour = two_digits(s + 17);
    int minute = two_digits(s + 20);
    int second = two_digits(s + 23);
    if (!day_name_ok || month == 0 || day < 1 || century < 0 || year_low < 0 || hour < 0 ||
        hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) {
        return -1;
    }
    int64_t year = century * 100 + year_low;
    int max_day = month_days[month - 1] + ((month == 2 && is_leap_year(year)) ? 1 : 0);
    /* Before 1970 would be negative, which the field reserves for "none". */
    if (year < 1970 || day > max_day) {
        return -1;
    }
    return days_since_epoch(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
}

/* ---- resetting ----------------------------------------------------------- */

static void reset_response(acme_http_response_t *r)
{
    r->status = 0;
    r->content_type = ACME_CT_NONE;
    r->keep_alive = false;
    r->retry_after_s = -1;
    r->retry_after_epoch = -1;
    r->location[0] = '\0';
    r->nonce[0] = '\0';
    r->link_up[0] = '\0';
    r->body_len = 0;
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
        reset_response(resp);
        resp->body = body;
        resp->body_cap = body == NULL ? 0 : body_cap;
    }
}

/* After an interim 1xx response: start again for the real one. The header
 * byte count is kept, so a stream of 1xx responses is bounded by
 * ACME_HTTP_HEADER_MAX like a single header section. */
static void restart_after_interim(acme_http_parser_t *p)
{
    size_t header_bytes = p->header_bytes;
    acme_http_response_t *resp = p->resp;
    acme_http_parser_init(p, resp, resp->body, resp->body_cap, p->head_only);
    p->header_bytes = header_bytes;
}

/* ---- header values ------------------------------------------------------- */

/* The buffer a captured value goes to: a response field (kept: too long is
 * an error) or the scratch value[] (too long only marks the value unusable). */
static char *capture_target(acme_http_parser_t *p, size_t *cap, bool *kept)
{
    *kept = true;
    switch (p->header_id) {
    case HDR_LOCATION:
        *cap = sizeof(p->resp->location) - 1;
        return p->resp->location;
    case HDR_REPLAY_NONCE:
        *cap = sizeof(p->resp->nonce) - 1;
        return p->resp->nonce;
    default:
        *kept = false;
        *cap = sizeof(p->value) - 1;
        return p->value;
    }
}

/* One byte of a captured value. Whitespace is held back so that trailing OWS
 * is dropped without look-ahead; held-back whitespace is written as SP. */
static acme_status_t capture_byte(acme_http_parser_t *p, uint8_t c)
{
    if (is_ws(c)) {
        p->pending_ws++;
        return ACME_OK;
    }
    size_t cap;
    bool kept;
    char *dst = capture_target(p, &cap, &kept);
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
    if (!is_base64url(c)) {
        p->nonce_bad = true;
    }
    dst[p->value_len++] = (char)c;
    dst[p->value_len] = '\0'; /* kept fields stay terminated even after an error */
    return ACME_OK;
}

static acme_status_t finish_content_length(acme_http_parser_t *p)
{
    if (p->value_overflow || p->value_len == 0) {
        return ACME_ERR_MALFORMED;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < p->value_len; i++) {
        uint8_t c = (uint8_t)p->value[i];
        if (!is_digit(c) || v > (UINT64_MAX - (uint64_t)(c - '0')) / 10u) {
            return ACME_ERR_MALFORMED;
        }
        v = v * 10u + (uint64_t)(c - '0');
    }
    /* RFC 9112 §6.3: differing lengths are unrecoverable framing errors. */
    if (p->have_length && v != p->content_length) {
        return ACME_ERR_MALFORMED;
    }
    p->have_length = true;
    p->content_length = v;
    return ACME_OK;
}

static acme_status_t finish_transfer_encoding(acme_http_parser_t *p)
{
    /* Only a single "chunked": anything we cannot decode must not be taken
     * for a body (request smuggling and truncation both start there). */
    if (p->chunked || p->value_overflow || !equals_nocase(p->value, p->value_len, "chunked")) {
        return ACME_ERR_MALFORMED;
    }
    p->chunked = true;
    return ACME_OK;
}

static void finish_content_type(acme_http_parser_t *p)
{
    size_t n = 0;
    while (n < p->value_len && p->value[n] != ';') {
        n++;
    }
    if (p->value_overflow && n == p->value_len) {
        p->resp->content_type = ACME_CT_OTHER; /* a type longer than any we know */
        return;
    }
    while (n > 0 && p->value[n - 1] == ' ') {
        n--;
    }
    if (equals_nocase(p->value, n, "application/json")) {
        p->resp->content_type = ACME_CT_JSON;
    } else if (equals_nocase(p->value, n, "application/problem+json")) {
        p->resp->content_type = ACME_CT_PROBLEM_JSON;
    } else if (equals_nocase(p->value, n, "application/pem-certificate-chain")) {
        p->resp->content_type = ACME_CT_PEM_CHAIN;
    } else {
        p->resp->content_type = ACME_CT_OTHER;
    }
}

static void finish_retry_after(acme_http_parser_t *p)
{
    acme_http_response_t *r = p->resp;
    r->retry_after_s = -1;
    r->retry_after_epoch = -1;
    if (p->value_overflow || p->value_len == 0) {
        return;
    }
    bool all_digits = true;
    int64_t v = 0;
    for (size_t i = 0; i < p->value_len && all_digits; i++) {
        uint8_t c = (uint8_t)p->value[i];
        all_digits = is_digit(c);
        if (all_digits && v < DELTA_SECONDS_CEILING) {
            v = v * 10 + (c - '0');
        }
    }
    if (all_digits) {
        r->retry_after_s = v < DELTA_SECONDS_CEILING ? v : DELTA_SECONDS_CEILING;
        return;
    }
    r->retry_after_epoch = parse_imf_fixdate(p->value, p->value_len);
}

/* Connection is a comma list of tokens (RFC 9110 §7.6.1), matched one token
 * at a time so that any number of options fits. */
static void connection_token_end(acme_http_parser_t *p)
{
    if (!p->value_overflow) {
        if (equals_nocase(p->value, p->value_len, "close")) {
            p->conn_close = true;
        } else if (equals_nocase(p->value, p->value_len, "keep-alive")) {
            p->conn_keep_alive = true;
        }
    }
    p->value_len = 0;
    p->value_overflow = false;
}

static void connection_byte(acme_http_parser_t *p, uint8_t c)
{
    if (c == ',' || is_ws(c)) {
        connection_token_end(p);
    } else if (!is_tchar(c) || p->value_len >= sizeof(p->value) - 1) {
        p->value_overflow = true; /* not a token we know: ignored */
    } else {
        p->value[p->value_len++] = (char)c;
    }
}

/* ---- Link ------------------------------------------------------------------- */

static void link_begin(acme_http_parser_t *p)
{
    p->link_len = 0;
    p->link_overflow = false;
    p->link_is_up = false;
    p->link_rel_seen = false;
    if (!p->link_up_done) {
        p->resp->link_up[0] = '\0';
    }
}

/* A link that is not kept leaves no trace in link_up. */
static void link_discard(acme_http_parser_t *p)
{
    if (!p->link_up_done) {
        p->resp->link_up[0] = '\0';
    }
}

static void link_param_begin(acme_http_parser_t *p)
{
    p->name_len = 0;
    p->value_len = 0;
    p->value_overflow = false;
}

static void link_name_byte(acme_http_parser_t *p, uint8_t c)
{
    if (p->name_len < sizeof(p->name)) {
        p->name[p->name_len++] = (char)to_lower(c);
    }
}

static void link_value_byte(acme_http_parser_t *p, uint8_t c)
{
    if (p->value_len < sizeof(p->value)) {
        p->value[p->value_len++] = (char)c;
    } else {
        p->value_overflow = true;
    }
}

/* rel is a space-separated list of relation types (RFC 8288 §3.3); only the
 * first rel parameter of a link counts. */
static void link_param_end(acme_http_parser_t *p)
{
    if (p->link_rel_seen || p->name_len != 3 || memcmp(p->name, "rel", 3) != 0) {
        return;
    }
    p->link_rel_seen = true;
    if (p->value_overflow) {
        return;
    }
    size_t i = 0;
    while (i < p->value_len) {
        size_t start = i;
        while (i < p->value_len && !is_ws((uint8_t)p->value[i])) {
            i++;
        }
        if (equals_nocase(p->value + start, i - start, "up")) {
            p->link_is_up = true;
        }
        while (i < p->value_len && is_ws((uint8_t)p->value[i])) {
            i++;
        }
    }
}

static acme_status_t link_end(acme_http_parser_t *p)
{
    if (p->link_is_up && !p->link_up_done) {
        if (p->link_overflow) {
            return ACME_ERR_OVERSIZE;
        }
        p->resp->link_up[p->link_len] = '\0';
        p->link_up_done = true;
    } else {
        link_discard(p);
    }
    return ACME_OK;
}

/* The separators after a parameter name or value: ";" starts the next
 * parameter, "," the next link. Returns false for any other byte. */
static bool link_separator(acme_http_parser_t *p, uint8_t c, acme_status_t *st)
{
    if (c == ';') {
        link_param_begin(p);
        p->link_state = L_PARAM_START;
        return true;
    }
    if (c == ',') {
        p->link_state = L_START;
        *st = link_end(p);
        return true;
    }
    return false;
}

static acme_status_t link_byte(acme_http_parser_t *p, uint8_t c)
{
    acme_status_t st = ACME_OK;
    switch (p->link_state) {
    case L_START:
        if (c == '<') {
            link_begin(p);
            p->link_state = L_URL;
        } else if (!is_ws(c) && c != ',') {
            p->link_state = L_BAD;
        }
        return ACME_OK;
    case L_URL:
        if (c == '>') {
            p->link_state = L_AFTER_URL;
        } else if (!p->link_up_done) {
            if (p->link_len >= sizeof(p->resp->link_up) - 1) {
                p->link_overflow = true;
            } else {
                p->resp->link_up[p->link_len++] = (char)c;
                p->resp->link_up[p->link_len] = '\0';
            }
        }
        return ACME_OK;
    case L_AFTER_URL:
    case L_PARAM_END:
        if (!is_ws(c) && !link_separator(p, c, &st)) {
            p->link_state = L_BAD;
        }
        return st;
    case L_PARAM_START:
        if (is_tchar(c)) {
            link_name_byte(p, c);
            p->link_state = L_PARAM_NAME;
        } else if (!is_ws(c) && !link_separator(p, c, &st)) {
            p->link_state = L_BAD;
        }
        return st;
    case L_PARAM_NAME:
        if (is_tchar(c)) {
            link_name_byte(p, c);
            return ACME_OK;
        }
        /* BWS, "=", or a separator: handled as after the name */
        p->link_state = L_PARAM_NAME_END;
        /* fall through */
    case L_PARAM_NAME_END:
        if (c == '=') {
            p->link_state = L_VALUE_START;
        } else if (c == ';' || c == ',') {
            link_param_end(p);
            (void)link_separator(p, c, &st);
        } else if (!is_ws(c)) {
            p->link_state = L_BAD;
        }
        return st;
    case L_VALUE_START:
        if (c == '"') {
            p->link_state = L_QUOTED_VALUE;
        } else if (is_tchar(c)) {
            link_value_byte(p, c);
            p->link_state = L_TOKEN_VALUE;
        } else if (!is_ws(c)) {
            p->link_state = L_BAD;
        }
        return ACME_OK;
    case L_TOKEN_VALUE:
        if (is_tchar(c)) {
            link_value_byte(p, c);
        } else if (is_ws(c)) {
            link_param_end(p);
            p->link_state = L_PARAM_END;
        } else if (c == ';' || c == ',') {
            link_param_end(p);
            (void)link_separator(p, c, &st);
        } else {
            p->link_state = L_BAD;
        }
        return st;
    case L_QUOTED_VALUE:
        if (c == '\\') {
            p->link_state = L_QUOTED_ESCAPE;
        } else if (c == '"') {
            link_param_end(p);
            p->link_state = L_PARAM_END;
        } else {
            link_value_byte(p, c);
        }
        return ACME_OK;
    case L_QUOTED_ESCAPE:
        link_value_byte(p, c);
        p->link_state = L_QUOTED_VALUE;
        return ACME_OK;
    default: /* L_BAD */
        return ACME_OK;
    }
}

static acme_status_t link_line_end(acme_http_parser_t *p)
{
    switch (p->link_state) {
    case L_AFTER_URL:
    case L_PARAM_START:
    case L_PARAM_END:
        return link_end(p);
    case L_PARAM_NAME:
    case L_PARAM_NAME_END:
    case L_TOKEN_VALUE:
        link_param_end(p);
        return link_end(p);
    default: /* nothing started, or cut off inside a target or quoted string */
        link_discard(p);
        return ACME_OK;
    }
}

/* ---- header lines -------------------------------------------------------- */

static void identify_header(acme_http_parser_t *p)
{
    p->header_id = HDR_NONE;
    if (p->state != P_HEADER_LINE) {
        return; /* trailers are checked and dropped */
    }
    for (size_t i = 0; i < sizeof(kept_headers) / sizeof(kept_headers[0]); i++) {
        if (p->name_len == kept_headers[i].len &&
            memcmp(p->name, kept_headers[i].name, kept_headers[i].len) == 0) {
            p->header_id = kept_headers[i].id;
        }
    }
}

static void begin_value(acme_http_parser_t *p)
{
    p->value_len = 0;
    p->pending_ws = 0;
    p->value_overflow = false;
    p->nonce_bad = false;
    p->link_state = L_START;
    if (p->header_id == HDR_LOCATION) {
        p->resp->location[0] = '\0';
    } else if (p->header_id == HDR_REPLAY_NONCE) {
        p->resp->nonce[0] = '\0';
    }
}

static acme_status_t value_byte(acme_http_parser_t *p, uint8_t c)
{
    switch (p->header_id) {
    case HDR_NONE:
        return ACME_OK;
    case HDR_CONNECTION:
        connection_byte(p, c);
        return ACME_OK;
    case HDR_LINK:
        return link_byte(p, c);
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
        if (!is_tchar(c)) {
            return ACME_ERR_MALFORMED;
        }
        p->name_len = 0;
        p->line_state = HL_NAME;
        /* fall through */
    case HL_NAME:
        if (c == ':') {
            identify_header(p);
            begin_value(p);
            p->line_state = HL_OWS;
            return ACME_OK;
        }
        /* No whitespace between name and colon (RFC 9112 §5.1). */
        if (!is_tchar(c)) {
            return ACME_ERR_MALFORMED;
        }
        if (p->name_len < sizeof(p->name)) {
            p->name[p->name_len++] = (char)to_lower(c);
        }
        return ACME_OK;
    case HL_OWS:
        if (is_ws(c)) {
            return ACME_OK;
        }
        p->line_state = HL_VALUE;
        /* fall through */
    default: /* HL_VALUE */
        if (!is_field_char(c)) {
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
        return finish_transfer_encoding(p);
    case HDR_CONTENT_TYPE:
        finish_content_type(p);
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
    case HDR_LINK:
        return link_line_end(p);
    default:
        return ACME_OK;
    }
}

/* The blank line after the headers: decide how the body is delimited
 * (RFC 9112 §6.3). */
static acme_status_t headers_end(acme_http_parser_t *p)
{
    acme_http_response_t *r = p->resp;
    if (r->status < 200 && r->status != 101) {
        restart_after_interim(p);
        return ACME_OK;
    }
    if (p->have_length && p->chunked) {
        return ACME_ERR_MALFORMED;
    }
    /* An HTTP/1.0 message with Transfer-Encoding has faulty framing
     * (RFC 9112 §6.1). */
    if (p->chunked && p->http10) {
        return ACME_ERR_MALFORMED;
    }
    p->headers_complete = true;
    r->keep_alive = p->http10 ? (p->conn_keep_alive && !p->conn_close) : !p->conn_close;
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

static acme_status_t header_line_end(acme_http_parser_t *p)
{
    switch (p->line_state) {
    case HL_NAME_START:
        if (p->state == P_TRAILER_LINE) {
            p->state = P_DONE;
            return ACME_OK;
        }
        return headers_end(p);
    case HL_NAME:
        return ACME_ERR_MALFORMED; /* no colon */
    default:
        return finish_value(p);
    }
}

/* ---- status line: "HTTP/1.x NNN[ reason]" ---------------------------------- */

static acme_status_t status_line_byte(acme_http_parser_t *p, uint8_t c)
{
    static const char version_prefix[] = "HTTP/1.";
    size_t pos = p->line_len - 1;
    if (pos < 7) {
        return c == (uint8_t)version_prefix[pos] ? ACME_OK : ACME_ERR_MALFORMED;
    }
    if (pos == 7) {
        /* A higher 1.x minor version is handled as 1.1 (RFC 9110 §2.5). */
        p->http10 = c == '0';
        return is_digit(c) ? ACME_OK : ACME_ERR_MALFORMED;
    }
    if (pos == 8 || pos == 12) {
        return c == ' ' ? ACME_OK : ACME_ERR_MALFORMED;
    }
    if (pos <= 11) {
        if (!is_digit(c) || (pos == 9 && (c < '1' || c > '5'))) {
            return ACME_ERR_MALFORMED;
        }
        p->resp->status = (uint16_t)(p->resp->status * 10u + (uint16_t)(c - '0'));
        return ACME_OK;
    }
    return is_field_char(c) ? ACME_OK : ACME_ERR_MALFORMED; /* reason phrase */
}

/* ---- chunked framing (RFC 9112 §7.1) -------------------------------------- */

static acme_status_t chunk_size_byte(acme_http_parser_t *p, uint8_t c)
{
    switch (p->line_state) {
    case CS_DIGITS: {
        int v = hex_value(c);
        if (v >= 0) {
            if (p->remaining > (UINT64_MAX >> 4)) {
                return ACME_ERR_MALFORMED;
            }
            p->remaining = (p->remaining << 4) | (uint64_t)v;
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
        return is_field_char(c) ? ACME_OK : ACME_ERR_MALFORMED;
    }
}

static acme_status_t chunk_size_end(acme_http_parser_t *p)
{
    acme_http_response_t *r = p->resp;
    if (p->line_len == 0) {
        return ACME_ERR_MALFORMED;
    }
    if (p->remaining == 0) {
        p->state = P_TRAILER_LINE;
    } else if (p->remaining > r->body_cap - r->body_len) {
        return ACME_ERR_OVERSIZE;
    } else {
        p->state = P_CHUNK_DATA;
    }
    return ACME_OK;
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

static acme_status_t line_end(acme_http_parser_t *p)
{
    acme_status_t st = ACME_OK;
    switch (p->state) {
    case P_STATUS_LINE:
        if (p->line_len < 12) {
            st = ACME_ERR_MALFORMED; /* no status code */
        } else {
            p->state = P_HEADER_LINE;
        }
        break;
    case P_CHUNK_SIZE_LINE:
        st = chunk_size_end(p);
        break;
    case P_CHUNK_END_LINE:
        p->state = P_CHUNK_SIZE_LINE;
        p->remaining = 0;
        break;
    default:
        st = header_line_end(p);
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
    if (p->state == P_STATUS_LINE || p->state == P_HEADER_LINE || p->state == P_TRAILER_LINE) {
        if (++p->header_bytes > ACME_HTTP_HEADER_MAX) {
            return ACME_ERR_OVERSIZE;
        }
    }
    if (p->cr) {
        if (c != '\n') {
            return ACME_ERR_MALFORMED;
        }
        p->cr = false;
        return line_end(p);
    }
    if (c == '\r') {
        p->cr = true;
        return ACME_OK;
    }
    if (c == '\n') {
        return line_end(p);
    }
    if (++p->line_len > ACME_HTTP_LINE_MAX) {
        return ACME_ERR_OVERSIZE;
    }
    return line_content_byte(p, c);
}

/* ---- body ------------------------------------------------------------------- */

/* Copies up to the remaining count of a Content-Length body or a chunk;
 * returns the bytes used. Sizes were checked against the cap beforehand. */
static size_t copy_counted(acme_http_parser_t *p, const uint8_t *src, size_t avail)
{
    acme_http_response_t *r = p->resp;
    size_t n = p->remaining < avail ? (size_t)p->remaining : avail;
    memcpy(r->body + r->body_len, src, n);
    r->body_len += n;
    p->remaining -= n;
    if (p->remaining == 0) {
        p->state = p->state == P_BODY_LENGTH ? P_DONE : P_CHUNK_END_LINE;
    }
    return n;
}

acme_status_t acme_http_parser_feed(acme_http_parser_t *p, const uint8_t *data, size_t len,
                                    size_t *consumed)
{
    if (consumed != NULL) {
        *consumed = 0;
    }
    if (p == NULL || p->resp == NULL || (data == NULL && len > 0)) {
        return ACME_ERR_INVALID_ARG;
    }
    if (p->state == P_DONE || p->state == P_ERROR) {
        return ACME_ERR_BAD_STATE;
    }
    acme_http_response_t *r = p->resp;
    acme_status_t st = ACME_OK;
    size_t used = 0;
    while (used < len && st == ACME_OK && p->state != P_DONE) {
        if (p->state == P_BODY_LENGTH || p->state == P_CHUNK_DATA) {
            used += copy_counted(p, data + used, len - used);
        } else if (p->state == P_BODY_CLOSE) {
            size_t n = len - used;
            if (n > r->body_cap - r->body_len) {
                st = ACME_ERR_OVERSIZE;
            } else {
                memcpy(r->body + r->body_len, data + used, n);
                r->body_len += n;
                used += n;
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
