/*
 * Fuzz target for the https URL parser: any input must be parsed or refused
 * without a crash, and what is accepted must be consistent: the pieces lie
 * inside the input, a URL rebuilt from them parses to the same origin and
 * path, and same-origin is reflexive and symmetric.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acme/codec/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define URL_FUZZ_MAX 4096u

static char rebuilt[URL_FUZZ_MAX + 64u];

static void check(int ok)
{
    if (!ok) {
        abort();
    }
}

static int inside(const char *p, size_t n, const char *base, size_t size)
{
    return p >= base && n <= size && (size_t)(p - base) <= size - n;
}

static size_t append(size_t o, const char *s, size_t n)
{
    check(o + n <= sizeof(rebuilt));
    memcpy(rebuilt + o, s, n);
    return o + n;
}

static void check_accepted(const char *text, size_t size, const acme_url_t *u)
{
    check(u->host_len >= 1 && u->host_len <= 253 && inside(u->host, u->host_len, text, size));
    check(u->path_len >= 1 && u->path[0] == '/');
    check(u->port >= 1);
    check(u->port_explicit || u->port == 443);
    /* the path is in the input, or the constant "/" for an empty one */
    check(u->path_len == 1 || inside(u->path, u->path_len, text, size));
    check(acme_url_same_origin(u, u));
    if (size > URL_FUZZ_MAX) {
        return;
    }

    /* Rebuild "https://host[:port]path" and parse it again. */
    size_t o = append(0, "https://", 8);
    o = append(o, u->host_is_ipv6 ? "[" : "", u->host_is_ipv6 ? 1u : 0u);
    o = append(o, u->host, u->host_len);
    o = append(o, u->host_is_ipv6 ? "]" : "", u->host_is_ipv6 ? 1u : 0u);
    if (u->port_explicit) {
        char digits[6];
        size_t d = sizeof(digits);
        unsigned port = u->port;
        do {
            digits[--d] = (char)('0' + port % 10u);
            port /= 10u;
        } while (port != 0 && d > 0);
        o = append(o, ":", 1);
        o = append(o, digits + d, sizeof(digits) - d);
    }
    o = append(o, u->path, u->path_len);
    acme_url_t again;
    check(acme_url_parse_https(rebuilt, o, &again) == ACME_OK);
    check(acme_url_same_origin(u, &again) && acme_url_same_origin(&again, u));
    check(again.port == u->port && again.port_explicit == u->port_explicit);
    check(again.path_len == u->path_len && memcmp(again.path, u->path, u->path_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    acme_url_t whole;
    acme_status_t st = acme_url_parse_https(text, size, &whole);
    if (st == ACME_OK) {
        check_accepted(text, size, &whole);
    } else {
        check(st == ACME_ERR_MALFORMED || st == ACME_ERR_OVERSIZE);
    }

    /* Split at the first newline: two URLs, same-origin must be symmetric. */
    const char *nl = memchr(text, '\n', size);
    if (nl != NULL) {
        size_t first = (size_t)(nl - text);
        acme_url_t a;
        acme_url_t b;
        if (acme_url_parse_https(text, first, &a) == ACME_OK &&
            acme_url_parse_https(nl + 1, size - first - 1u, &b) == ACME_OK) {
            check(acme_url_same_origin(&a, &b) == acme_url_same_origin(&b, &a));
        }
    }
    return 0;
}
