/*
 * Base64 and base64url (RFC 4648 §4, §5). The url decoder is strict because
 * its input comes from servers: no padding, no foreign characters, no
 * non-canonical trailing bits.
 */
#include "acme/codec/base64.h"

#include <stdbool.h>

static const char alphabet_std[65] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char alphabet_url[65] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static acme_status_t encode(const char *alphabet, bool pad, const uint8_t *in, size_t n, char *out,
                            size_t cap, size_t *out_len)
{
    size_t need = pad ? ACME_BASE64_LEN(n) : ACME_BASE64URL_LEN(n);
    if (n > (SIZE_MAX / 4u) * 3u - 3u || cap < need) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    size_t o = 0;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
        out[o++] = alphabet[(v >> 18) & 63u];
        out[o++] = alphabet[(v >> 12) & 63u];
        out[o++] = alphabet[(v >> 6) & 63u];
        out[o++] = alphabet[v & 63u];
    }
    size_t rest = n - i;
    if (rest > 0) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (rest == 2) {
            v |= (uint32_t)in[i + 1] << 8;
        }
        out[o++] = alphabet[(v >> 18) & 63u];
        out[o++] = alphabet[(v >> 12) & 63u];
        if (rest == 2) {
            out[o++] = alphabet[(v >> 6) & 63u];
        } else if (pad) {
            out[o++] = '=';
        }
        if (pad) {
            out[o++] = '=';
        }
    }
    if (o < cap) {
        out[o] = '\0';
    }
    *out_len = o;
    return ACME_OK;
}

acme_status_t acme_base64url_encode(const uint8_t *in, size_t n, char *out, size_t cap,
                                    size_t *out_len)
{
    return encode(alphabet_url, false, in, n, out, cap, out_len);
}

acme_status_t acme_base64_encode(const uint8_t *in, size_t n, char *out, size_t cap,
                                 size_t *out_len)
{
    return encode(alphabet_std, true, in, n, out, cap, out_len);
}

/* Value of c in the alphabet, or -1. */
static int sextet(char c, bool url)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == (url ? '-' : '+')) {
        return 62;
    }
    if (c == (url ? '_' : '/')) {
        return 63;
    }
    return -1;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Shared decoder. url: url alphabet, no padding, no whitespace.
 * !url: standard alphabet, whitespace skipped, padding required. */
static acme_status_t decode(bool url, const char *in, size_t n, uint8_t *out, size_t cap,
                            size_t *out_len)
{
    uint32_t acc = 0;
    size_t quad = 0; /* sextets in the current group */
    size_t o = 0;
    size_t padding = 0; /* '=' seen (standard only) */
    size_t symbols = 0; /* non-whitespace characters */

    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (!url && is_space(c)) {
            continue;
        }
        symbols++;
        if (!url && c == '=') {
            padding++;
            if (padding > 2 || quad < 2) {
                return ACME_ERR_MALFORMED;
            }
            continue;
        }
        if (padding > 0) {
            return ACME_ERR_MALFORMED; /* data after padding */
        }
        int v = sextet(c, url);
        if (v < 0) {
            return ACME_ERR_MALFORMED;
        }
        acc = (acc << 6) | (uint32_t)v;
        quad++;
        if (quad == 4) {
            if (o > cap || cap - o < 3) {
                return ACME_ERR_BUFFER_TOO_SMALL;
            }
            out[o++] = (uint8_t)(acc >> 16);
            out[o++] = (uint8_t)(acc >> 8);
            out[o++] = (uint8_t)acc;
            acc = 0;
            quad = 0;
        }
    }

    if (!url) {
        /* Padded form: whole groups of four, padding completing the last. */
        if ((symbols % 4u) != 0 || (padding > 0 && quad + padding != 4)) {
            return ACME_ERR_MALFORMED;
        }
    }
    if (quad == 1) {
        return ACME_ERR_MALFORMED; /* 4k+1 characters cannot encode bytes */
    }
    if (quad == 2) {
        if ((acc & 0x0Fu) != 0) {
            return ACME_ERR_MALFORMED; /* non-canonical trailing bits */
        }
        if (o > cap || cap - o < 1) {
            return ACME_ERR_BUFFER_TOO_SMALL;
        }
        out[o++] = (uint8_t)(acc >> 4);
    } else if (quad == 3) {
        if ((acc & 0x03u) != 0) {
            return ACME_ERR_MALFORMED;
        }
        if (o > cap || cap - o < 2) {
            return ACME_ERR_BUFFER_TOO_SMALL;
        }
        out[o++] = (uint8_t)(acc >> 10);
        out[o++] = (uint8_t)(acc >> 2);
    }
    *out_len = o;
    return ACME_OK;
}

acme_status_t acme_base64url_decode(const char *in, size_t n, uint8_t *out, size_t cap,
                                    size_t *out_len)
{
    return decode(true, in, n, out, cap, out_len);
}

acme_status_t acme_base64_decode(const char *in, size_t n, uint8_t *out, size_t cap,
                                 size_t *out_len)
{
    return decode(false, in, n, out, cap, out_len);
}
