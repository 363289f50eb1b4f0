/*
 * HTTP/1.1 request heads: written by the ACME client, and parsed by the
 * built-in http-01 responder (which serves a CA's validation requests).
 */
#ifndef ACME_CODEC_HTTP_REQUEST_H
#define ACME_CODEC_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/codec/url.h"
#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Client side. Writes
 *   METHOD <path> HTTP/1.1\r\n
 *   Host: <host>[:port]\r\n          (port only when not 443; IPv6 in [])
 *   User-Agent: <ua>\r\n
 *   [Content-Type: <ct>\r\nContent-Length: <n>\r\n]   (when ct != NULL)
 *   \r\n
 * plus a NUL. Method and content type are tokens chosen by the agent. */
acme_status_t acme_http_request_write(char *out, size_t cap, size_t *len, const char *method,
                                      const acme_url_t *url, const char *user_agent,
                                      const char *content_type, size_t content_length);

/* The same for a url just returned by acme_url_parse_https and a method of
 * the agent's own ("GET", "HEAD", "POST"): the path and host are not checked
 * again (the URL parser refused every byte they may not hold), nor is the
 * method. The user agent and content type still are. */
acme_status_t acme_http_request_write_parsed(char *out, size_t cap, size_t *len, const char *method,
                                             const acme_url_t *url, const char *user_agent,
                                             const char *content_type, size_t content_length);

/* Internal to the agent (acme_wire_request_write): the head
 * acme_http_request_write_parsed writes for ACME_USER_AGENT and, when
 * jose_length > 0, Content-Type "application/jose+json" with that
 * Content-Length (a JWS is never empty). The arguments are not checked:
 * url comes from acme_url_parse_https, method is the agent's own. */
acme_status_t acme_http_acme_head_write(char *out, size_t cap, size_t *len, const char *method,
                                        const acme_url_t *url, size_t jose_length);

typedef enum acme_http_method {
    ACME_METHOD_OTHER = 0,
    ACME_METHOD_GET,
    ACME_METHOD_HEAD
} acme_http_method_t;

typedef struct acme_http_request {
    uint8_t method;   /* acme_http_method_t */
    const char *path; /* points into the parsed buffer */
    size_t path_len;
    size_t head_len; /* bytes up to and including the blank line */
} acme_http_request_t;

/* Server side. Parse a request head held in buf[0..len). ACME_WOULD_BLOCK
 * until the blank line that ends the head has arrived; ACME_ERR_MALFORMED for
 * a bad request line (not "METHOD SP target SP HTTP/1.x") or header syntax;
 * a request with a body (Content-Length > 0 or Transfer-Encoding) is
 * ACME_ERR_MALFORMED too, since validation requests have none. The target
 * must be origin-form ("/..."); absolute-form is accepted and reduced to its
 * path. */
acme_status_t acme_http_request_parse(const uint8_t *buf, size_t len, acme_http_request_t *out);

/* Server side. A complete response with "Connection: close":
 *   HTTP/1.1 <status> <reason>\r\nContent-Type: <ct>\r\nContent-Length: <n>\r\n
 *   Connection: close\r\n\r\n<body>
 * (body omitted when head_only). The reason phrase is optional (RFC 9112
 * §4): the responder's statuses get theirs with ACME_ERROR_TEXT, every
 * status an empty one without. */
acme_status_t acme_http_response_write(char *out, size_t cap, size_t *len, int status,
                                       const char *content_type, const char *body, size_t body_len,
                                       bool head_only);

/* Internal to the agent (the http-01 responder): acme_http_response_write
 * without its argument checks, for a status in 100..599 and a content type
 * of the caller's own (a literal without control characters). *len is 0
 * unless it returns ACME_OK. */
acme_status_t acme_http_response_write_unchecked(char *out, size_t cap, size_t *len, int status,
                                                 const char *content_type, const char *body,
                                                 size_t body_len, bool head_only);

#ifdef __cplusplus
}
#endif

#endif /* ACME_CODEC_HTTP_REQUEST_H */
