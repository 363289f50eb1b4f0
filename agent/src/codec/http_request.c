/*
 * HTTP/1.1 request heads (RFC 9112): the client's request writer, and the
 * http-01 responder's request parser and response writer.
 *
 * The writers check every piece they copy for CR, LF and other controls, so
 * a URL or value that reached them unchecked cannot inject a header. The
 * parser is stateless: it rescans the (bounded) buffer on each call.
 */
#include "acme/codec/http_request.h"

#include "acme/config_defaults.h"

#include <string.h>

#include "acme/codec/acme_request.h"
#include "acme/codec/http_response.h"
#include "acme/codec/json_writer.h"
#include "ascii.h"

/* ---- character classes ------------------------------------------------ */

/* Visible ASCII: what a request-target and a URL host may hold. */
static bool is_vchar(uint8_t c)
{
    return c > 0x20 && c < 0x7f;
}

static bool equals_nocase(const uint8_t *s, size_t n, const char *lit)
{
    return acme_ascii_eq_nocase((const char *)s, n, lit, strlen(lit));
}

/* The classes a writer checks a piece against. A class rather than a
 * function pointer: no function's address is taken, so the firmware's stack
 * analysis (tools/stack_report.py) needs no rule for an indirect call. */
enum char_class { CC_VCHAR, CC_TCHAR, CC_FIELD };

static bool all_match(const char *s, size_t n, enum char_class k)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        bool ok = k == CC_VCHAR   ? is_vchar(c)
                  : k == CC_TCHAR ? acme_ascii_is_tchar(c)
                                  : acme_ascii_is_field_char(c);
        if (!ok) {
            return false;
        }
    }
    return true;
}

static bool is_token(const char *s)
{
    return s != NULL && s[0] != '\0' && all_match(s, strlen(s), CC_TCHAR);
}

/* ---- bounded writer -------------------------------------------------------- */

/* The pieces go through the JSON writer's text layer (json_writer.h): it is
 * the agent's one bounded text writer (all or nothing per piece, the first
 * error sticks), and HTTP heads are plain text. */
typedef struct out_buf {
    acme_json_writer_t text;
    bool invalid; /* a piece held a byte its place does not allow */
} out_buf_t;

static void put_mem(out_buf_t *o, const char *s, size_t n)
{
    acme_jw_put_text_n(&o->text, s, n);
}

static void put_str(out_buf_t *o, const char *s)
{
    acme_jw_put_text(&o->text, s);
}

static void put_uint(out_buf_t *o, size_t v)
{
    char digits[20]; /* SIZE_MAX has at most 20 digits */
    size_t n = 0;
    do {
        digits[sizeof(digits) - 1 - n] = (char)('0' + (v % 10u));
        v /= 10u;
        n++;
    } while (v != 0 && n < sizeof(digits));
    put_mem(o, digits + sizeof(digits) - n, n);
}

/* A caller's piece: copied, and checked byte by byte against its class. The
 * writer refuses the whole message when one fails (nothing that could end a
 * line or start a header gets through). */
static void put_checked(out_buf_t *o, const char *s, size_t n, enum char_class allowed)
{
    if (!all_match(s, n, allowed)) {
        o->invalid = true;
    }
    put_mem(o, s, n);
}

/* "\r\nContent-Type: <type>\r\nContent-Length: <n>": the body headers both
 * writers send. */
static void put_body_headers(out_buf_t *o, const char *content_type, size_t content_length)
{
    put_str(o, "\r\nContent-Type: ");
    put_checked(o, content_type, strlen(content_type), CC_FIELD);
    put_str(o, "\r\nContent-Length: ");
    put_uint(o, content_length);
}

/* ---- client request ------------------------------------------------------ */

/* "METHOD <path> HTTP/1.1\r\nHost: <host>[:port]": copied as they are (see
 * the callers for why each may be). */
static void put_request_start(out_buf_t *o, const char *method, const acme_url_t *url)
{
    put_str(o, method);
    put_str(o, " ");
    put_mem(o, url->path, url->path_len);
    put_str(o, " HTTP/1.1\r\nHost: ");
#if ACME_ENABLE_IPV6
    if (url->host_is_ipv6) {
        put_str(o, "[");
    }
#endif
    put_mem(o, url->host, url->host_len);
#if ACME_ENABLE_IPV6
    if (url->host_is_ipv6) {
        put_str(o, "]");
    }
#endif
    if (url->port != 443) {
        put_str(o, ":");
        put_uint(o, url->port);
    }
}

/* The head of a client request. Method, path and host are copied as they
 * are: acme_http_request_write below has checked them, and the other
 * caller has them from the URL parser (see http_request.h). The user agent
 * (a configured string) and the content type are checked here. */
acme_status_t acme_http_request_write_parsed(char *out, size_t cap, size_t *len, const char *method,
                                             const acme_url_t *url, const char *user_agent,
                                             const char *content_type, size_t content_length)
{
    if (out == NULL || len == NULL || url == NULL || user_agent == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    *len = 0;
    /* The URL parser never gives an empty path; a hand-made URL may. */
    acme_url_t u = *url;
    if (u.path_len == 0) {
        u.path = "/";
        u.path_len = 1;
    }
    out_buf_t o;
    acme_jw_init(&o.text, out, cap);
    o.invalid = false;
    put_request_start(&o, method, &u);
    put_str(&o, "\r\nUser-Agent: ");
    put_checked(&o, user_agent, strlen(user_agent), CC_FIELD);
    if (content_type != NULL) {
        put_body_headers(&o, content_type, content_length);
    }
    put_str(&o, "\r\n\r\n");
    if (o.invalid) {
        return ACME_ERR_INVALID_ARG;
    }
    return acme_jw_finish(&o.text, len); /* the NUL, or BUFFER_TOO_SMALL */
}

/* The same bytes as acme_http_request_write_parsed with ACME_USER_AGENT and,
 * when jose_length > 0, "application/jose+json": both are literals of the
 * agent that hold no control character (test_acme_request checks them with
 * the checking writer), so they are written without the check, as one
 * piece each. */
acme_status_t acme_http_acme_head_write(char *out, size_t cap, size_t *len, const char *method,
                                        const acme_url_t *url, size_t jose_length)
{
    out_buf_t o;
    acme_jw_init(&o.text, out, cap);
    put_request_start(&o, method, url);
    put_str(&o, "\r\nUser-Agent: " ACME_USER_AGENT);
    if (jose_length > 0) {
        put_str(&o, "\r\nContent-Type: application/jose+json\r\nContent-Length: ");
        put_uint(&o, jose_length);
    }
    put_str(&o, "\r\n\r\n");
    return acme_jw_finish(&o.text, len); /* the NUL, or BUFFER_TOO_SMALL */
}

acme_status_t acme_http_request_write(char *out, size_t cap, size_t *len, const char *method,
                                      const acme_url_t *url, const char *user_agent,
                                      const char *content_type, size_t content_length)
{
    if (out == NULL || len == NULL || url == NULL || user_agent == NULL || !is_token(method) ||
        url->host == NULL || url->host_len == 0 || (url->path == NULL && url->path_len > 0)) {
        return ACME_ERR_INVALID_ARG;
    }
    /* A path is "/..." (origin-form) without a fragment; anything that could
     * end the request line or start a header is refused, before anything
     * is written. */
    if ((url->path_len > 0 &&
         (url->path[0] != '/' || memchr(url->path, '#', url->path_len) != NULL)) ||
        !all_match(url->path, url->path_len, CC_VCHAR) ||
        !all_match(url->host, url->host_len, CC_VCHAR)) {
        *len = 0;
        return ACME_ERR_INVALID_ARG;
    }
    return acme_http_request_write_parsed(out, cap, len, method, url, user_agent, content_type,
                                          content_length);
}

/* ---- server: request parser ------------------------------------------------ */

/* "http://authority/path" or "https://..." -> the "/path" part, or NULL. */
static const uint8_t *absolute_form_path(const uint8_t *t, size_t n, size_t *path_len)
{
    size_t skip;
    if (n >= 7 && equals_nocase(t, 7, "http://")) {
        skip = 7;
    } else if (n >= 8 && equals_nocase(t, 8, "https://")) {
        skip = 8;
    } else {
        return NULL;
    }
    size_t i = skip;
    while (i < n && t[i] != '/' && t[i] != '?') {
        if (t[i] == '@') {
            return NULL; /* userinfo has no place in a request (RFC 9110 §4.2.4) */
        }
        i++;
    }
    /* An empty authority, or no path (a bare "?query" has none either). */
    if (i == skip || i == n || t[i] != '/') {
        return NULL;
    }
    *path_len = n - i;
    return t + i;
}

/* The head is read by the message parser in request mode (http_response.h),
 * one byte at a time from the start, so garbage is refused as soon as it is
 * seen and the result does not depend on how the bytes arrived. */
acme_status_t acme_http_request_parse(const uint8_t *buf, size_t len, acme_http_request_t *out)
{
    if (out == NULL || (buf == NULL && len > 0)) {
        return ACME_ERR_INVALID_ARG;
    }
    acme_http_parser_t p;
    acme_http_parser_init_request(&p);
    size_t used = 0;
    acme_status_t st = acme_http_parser_feed(&p, buf, len, &used);
    if (st != ACME_OK) {
        /* A head over the parser's line or section limit is a bad request. */
        return st == ACME_WOULD_BLOCK ? st : ACME_ERR_MALFORMED;
    }
    const uint8_t *path = buf + p.target_off;
    size_t path_len = p.target_len;
    if (path[0] != '/') {
        path = absolute_form_path(path, path_len, &path_len);
        if (path == NULL) {
            return ACME_ERR_MALFORMED;
        }
    }
    size_t method_len = p.target_off - 1;
    out->method = ACME_METHOD_OTHER;
    if (method_len == 3 && memcmp(buf, "GET", 3) == 0) {
        out->method = ACME_METHOD_GET;
    } else if (method_len == 4 && memcmp(buf, "HEAD", 4) == 0) {
        out->method = ACME_METHOD_HEAD;
    }
    out->path = (const char *)path;
    out->path_len = path_len;
    out->head_len = used;
    return ACME_OK;
}

/* ---- server: response writer ---------------------------------------------- */

/* The SP and reason phrase after a status the responder sends, " " alone
 * for others: the phrase is optional and clients ignore it (RFC 9112 §4), so
 * it is human text, kept with ACME_ERROR_TEXT only. Entries are
 * "NNN Phrase". */
#if ACME_ERROR_TEXT
static const char *reason_phrase(int status)
{
    static const char phrases[] = "200 OK\0"
                                  "400 Bad Request\0"
                                  "404 Not Found\0"
                                  "405 Method Not Allowed\0"
                                  "408 Request Timeout\0"
                                  "413 Content Too Large\0"
                                  "500 Internal Server Error\0"
                                  "503 Service Unavailable\0";
    const char *e = phrases;
    while (*e != '\0') {
        if ((e[0] - '0') * 100 + (e[1] - '0') * 10 + (e[2] - '0') == status) {
            return e + 3;
        }
        e += strlen(e) + 1;
    }
    return " ";
}
#else
#define reason_phrase(status) " "
#endif

/* Internal (http_request.h): no argument is checked here. */
acme_status_t acme_http_response_write_unchecked(char *out, size_t cap, size_t *len, int status,
                                                 const char *content_type, const char *body,
                                                 size_t body_len, bool head_only)
{
    *len = 0;
    out_buf_t o;
    acme_jw_init(&o.text, out, cap);
    put_str(&o, "HTTP/1.1 ");
    put_uint(&o, (size_t)status);
    put_str(&o, reason_phrase(status));
    put_str(&o, "\r\nContent-Type: ");
    put_str(&o, content_type);
    put_str(&o, "\r\nContent-Length: ");
    put_uint(&o, body_len);
    put_str(&o, "\r\nConnection: close\r\n\r\n");
    if (!head_only && body_len > 0) {
        put_mem(&o, body, body_len);
    }
    if (o.text.status != ACME_OK) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    /* NUL-terminated when there is room, for logs; not counted. */
    if (o.text.len < cap) {
        out[o.text.len] = '\0';
    }
    *len = o.text.len;
    return ACME_OK;
}

acme_status_t acme_http_response_write(char *out, size_t cap, size_t *len, int status,
                                       const char *content_type, const char *body, size_t body_len,
                                       bool head_only)
{
    if (out == NULL || len == NULL || status < 100 || status > 599 || content_type == NULL ||
        content_type[0] == '\0' || (body == NULL && body_len > 0)) {
        return ACME_ERR_INVALID_ARG;
    }
    /* A content type that could end its line is refused before anything
     * is written. */
    if (!all_match(content_type, strlen(content_type), CC_FIELD)) {
        *len = 0;
        return ACME_ERR_INVALID_ARG;
    }
    return acme_http_response_write_unchecked(out, cap, len, status, content_type, body, body_len,
                                              head_only);
}
