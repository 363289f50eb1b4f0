/*
 * https URLs as ACME uses them (RFC 3986 subset): scheme, host, optional
 * port, path with query. Servers found through DNS are untrusted, so the
 * parser is strict: only "https", no userinfo, no fragment, no spaces or
 * control characters, a host of at most 253 characters, a port 1..65535.
 */
#ifndef ACME_CODEC_URL_H
#define ACME_CODEC_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct acme_url {
    const char *host; /* points into the parsed string; not NUL-terminated */
    size_t host_len;  /* IPv6 literals are given without their brackets */
    bool host_is_ipv6;
    uint16_t port; /* 443 when absent */
    bool port_explicit;
    const char *path; /* "/..." including any query; "/" when absent */
    size_t path_len;
} acme_url_t;

/* ACME_OK or ACME_ERR_MALFORMED (wrong scheme, bad syntax) /
 * ACME_ERR_OVERSIZE (host too long). */
acme_status_t acme_url_parse_https(const char *url, size_t len, acme_url_t *out);

/* True when both URLs name the same origin (host compared case-blind,
 * effective port equal): requests to it can share a connection. */
bool acme_url_same_origin(const acme_url_t *a, const acme_url_t *b);

#ifdef __cplusplus
}
#endif

#endif /* ACME_CODEC_URL_H */
