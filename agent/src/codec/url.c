/*
 * Strict parser for the https URLs ACME hands out (directory, nonce, order,
 * certificate...), and the same-origin test that decides whether a request
 * may reuse the open connection.
 *
 * URLs can come from a server found through DNS, so anything another parser
 * might read differently is refused rather than guessed at: userinfo, a
 * fragment, a backslash, bytes outside printable ASCII, a port with leading
 * zeros, and hosts that browsers would reinterpret as IPv4 ("1.2.3",
 * "0x7f.1", "2130706433") unless they are a plain dotted quad.
 */
#include "acme/codec/url.h"

#include "acme/codec/dns_message.h"
#include "acme/codec/ip_addr.h"
#include "acme/config_defaults.h"
#include "ascii.h"

#include <string.h>

#define URL_HOST_MAX 253u /* RFC 1035 text form */
#define URL_LABEL_MAX 63u

static const char scheme_prefix[] = "https://";
#define SCHEME_PREFIX_LEN (sizeof(scheme_prefix) - 1u)

/* The path given when the URL has none (RFC 9110 §4.2.3: "/" is the
 * request target for an empty path). */
static const char root_path[] = "/";

static bool is_digit(char c)
{
    return acme_ascii_is_digit((uint8_t)c);
}

static int hex_value(char c)
{
    return acme_ascii_hex((uint8_t)c);
}

/* RFC 3986 pchar (without pct-encoded) plus '/' and '?' for path and query,
 * for a character already known to be visible ASCII other than '#' (see
 * acme_url_parse_https): all of those but the ones listed. */
static bool is_path_char(char c)
{
    return strchr("\"<>[\\]^`{|}", c) == NULL;
}

/* IP literals use the one strict parser of the agent (acme/codec/ip_addr.h):
 * no octal or shortened IPv4, no IPv6 zone identifiers. */
static bool parse_ip(const char *s, size_t n, acme_ip_family_t family, acme_ip_addr_t *out)
{
    return acme_ip_parse(s, n, out) == ACME_OK && out->family == (uint8_t)family;
}

/* A DNS name of letters, digits, '-' and '.', with non-empty labels of at
 * most 63 characters that neither start nor end with '-'; or, when its last
 * label starts with a digit (no TLD does), a dotted-quad IPv4 address. */
static acme_status_t check_host(const char *s, size_t n)
{
    if (n > URL_HOST_MAX) {
        return ACME_ERR_OVERSIZE;
    }
    if (!acme_dns_labels_ok(s, n)) {
        return ACME_ERR_MALFORMED;
    }
    size_t last = n; /* where the last label starts */
    while (last > 0 && s[last - 1u] != '.') {
        last--;
    }
    acme_ip_addr_t v4;
    return !is_digit(s[last]) || parse_ip(s, n, ACME_IP_V4, &v4) ? ACME_OK : ACME_ERR_MALFORMED;
}

/* Path and query: pchars, '/', '?' and well-formed percent escapes. */
static bool check_path(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (n - i < 3u || hex_value(s[i + 1u]) < 0 || hex_value(s[i + 2u]) < 0) {
                return false;
            }
            i += 2u;
        } else if (!is_path_char(s[i])) {
            return false;
        }
    }
    return true;
}

acme_status_t acme_url_parse_https(const char *url, size_t len, acme_url_t *out)
{
    if (url == NULL || out == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    /* *out is only filled on success (at the end), so a caller never sees
     * half a URL. */
    memset(out, 0, sizeof(*out));
    bool is_ipv6 = false;

    /* Printable ASCII only (no space, control, DEL, non-ASCII, NUL), no
     * fragment: a fragment is never sent, so a URL with one is not what
     * a server meant to give us. */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= 0x20u || c >= 0x7Fu || c == '#') {
            return ACME_ERR_MALFORMED;
        }
    }
    if (len < SCHEME_PREFIX_LEN) {
        return ACME_ERR_MALFORMED;
    }
    if (!acme_ascii_eq_nocase(url, SCHEME_PREFIX_LEN, scheme_prefix, SCHEME_PREFIX_LEN)) {
        return ACME_ERR_MALFORMED;
    }

    size_t auth_start = SCHEME_PREFIX_LEN;
    size_t auth_end = auth_start;
    while (auth_end < len && url[auth_end] != '/' && url[auth_end] != '?') {
        auth_end++;
    }
    if (memchr(url + auth_start, '@', auth_end - auth_start) != NULL) {
        return ACME_ERR_MALFORMED; /* userinfo */
    }

    size_t host_start = auth_start;
    size_t host_end = auth_start;
    size_t port_sep = auth_end; /* index of ':' before the port, or auth_end */
#if ACME_ENABLE_IPV6
    if (auth_start < auth_end && url[auth_start] == '[') {
        host_start = auth_start + 1u;
        const char *close = memchr(url + host_start, ']', auth_end - host_start);
        if (close == NULL) {
            return ACME_ERR_MALFORMED;
        }
        host_end = (size_t)(close - url);
        acme_ip_addr_t v6;
        if (!parse_ip(url + host_start, host_end - host_start, ACME_IP_V6, &v6)) {
            return ACME_ERR_MALFORMED;
        }
        if (host_end + 1u < auth_end) {
            if (url[host_end + 1u] != ':') {
                return ACME_ERR_MALFORMED;
            }
            port_sep = host_end + 1u;
        }
        is_ipv6 = true;
    } else
#endif
    {
        /* Without IPv6 a '[' is no host character: check_host refuses it. */
        const char *colon = memchr(url + auth_start, ':', auth_end - auth_start);
        host_end = colon != NULL ? (size_t)(colon - url) : auth_end;
        port_sep = host_end;
        acme_status_t st = check_host(url + host_start, host_end - host_start);
        if (st != ACME_OK) {
            return st;
        }
    }

    uint16_t port = 443;
    bool port_explicit = port_sep < auth_end;
    if (port_explicit &&
        !acme_ip_parse_port(url + port_sep + 1u, auth_end - port_sep - 1u, &port)) {
        return ACME_ERR_MALFORMED;
    }

    const char *path = root_path;
    size_t path_len = 1;
    if (auth_end < len) {
        /* "https://host?q" would need "/?q" built somewhere; such URLs do
         * not occur in ACME, so they are refused instead. */
        if (url[auth_end] != '/' || !check_path(url + auth_end, len - auth_end)) {
            return ACME_ERR_MALFORMED;
        }
        path = url + auth_end;
        path_len = len - auth_end;
    }
    out->host = url + host_start;
    out->host_len = host_end - host_start;
    out->host_is_ipv6 = is_ipv6;
    out->port = port;
    out->port_explicit = port_explicit;
    out->path = path;
    out->path_len = path_len;
    return ACME_OK;
}

bool acme_url_same_origin(const acme_url_t *a, const acme_url_t *b)
{
    if (a == NULL || b == NULL || a->host == NULL || b->host == NULL || a->port != b->port ||
        a->host_is_ipv6 != b->host_is_ipv6) {
        return false;
    }
#if ACME_ENABLE_IPV6
    if (a->host_is_ipv6) {
        /* "::1" and "0:0::1" are one address: compare the bytes. */
        acme_ip_addr_t va;
        acme_ip_addr_t vb;
        return parse_ip(a->host, a->host_len, ACME_IP_V6, &va) &&
               parse_ip(b->host, b->host_len, ACME_IP_V6, &vb) && acme_ip_equal(&va, &vb);
    }
#endif
    return acme_ascii_eq_nocase(a->host, a->host_len, b->host, b->host_len);
}
