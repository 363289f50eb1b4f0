/*
 * Base64 and base64url (RFC 4648 §4, §5). The url decoder is strict because
 * its input comes from servers: no padding, no foreign characters, no
 * non-canonical trailing bits.
 */
#include "acme/codec/base64.h"

#include <stdbool.h>
#include <string.h>

/* The alphabets: A-Z a-z 0-9, then "-_" (url) or "+/" (standard). */
static char symbol(uint32_t v, bool url)
{
    v &= 63u;
    if (v < 52u) {
        return (char)(v < 26u ? 'A' + v : 'a' + v - 26u);
    }
    if (v < 62u) {
        return (char)('0' + v - 52u);
    }
    return v == 62u ? (url ? '-' : '+') : (url ? '_' : '/');
}

static acme_status_t encode(bool url, const uint8_t *in, size_t n, char *out, size_t cap,
                            size_t *out_len)
{
    size_t need = url ? ACME_BASE64URL_LEN(n) : ACME_BASE64_LEN(n);
    if (n > (SIZE_MAX / 4u) * 3u - 3u || cap < need) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    size_t o = 0;
    /* Bits are taken six at a time as they arrive; a last partial sextet is
     * padded with zero bits, the text with '=' to whole groups of four in
     * the padded form. Bits above the pending ones fall off the top. */
    uint32_t acc = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < n; i++) {
        acc = acc << 8 | in[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out[o++] = symbol(acc >> bits, url);
        }
    }
    if (bits > 0) {
        out[o++] = symbol(acc << (6 - bits), url);
    }
    while (!url && o % 4u != 0) {
        out[o++] = '=';
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
    return encode(true, in, n, out, cap, out_len);
}

acme_status_t acme_base64_encode(const uint8_t *in, size_t n, char *out, size_t cap,
                                 size_t *out_len)
{
    return encode(false, in, n, out, cap, out_len);
}

/* Value of c in the alphabet, or -1: symbol()'s inverse, by search. At most
 * 64 steps a character, which for the few KiB of a certificate chain is
 * cheap next to parsing it, and it cannot disagree with the encoder. */
static int sextet(char c, bool url)
{
    for (uint32_t v = 0; v < 64u; v++) {
        if (symbol(v, url) == c) {
            return (int)v;
        }
    }
    return -1;
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
        if (!url && (c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
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
        int v = sextet(c, url);
        if (padding > 0 || v < 0) {
            return ACME_ERR_MALFORMED; /* data after padding, or a foreign character */
        }
        acc = (acc << 6) | (uint32_t)v;
        if (++quad == 4) {
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

    /* Padded form: whole groups of four, padding completing the last. */
    if (!url && ((symbols % 4u) != 0 || (padding > 0 && quad + padding != 4))) {
        return ACME_ERR_MALFORMED;
    }
    /* A last group of 1 sextet cannot encode a byte; 2 or 3 carry 1 or 2
     * bytes, and their unused low bits must be zero (canonical form). */
    if (quad == 1) {
        return ACME_ERR_MALFORMED;
    }
    if (quad > 1) {
        unsigned unused = quad == 2 ? 4u : 2u;
        if ((acc & ((1u << unused) - 1u)) != 0) {
            return ACME_ERR_MALFORMED;
        }
        if (o > cap || cap - o < quad - 1) {
            return ACME_ERR_BUFFER_TOO_SMALL;
        }
        acc >>= unused;
        if (quad == 3) {
            out[o++] = (uint8_t)(acc >> 8);
        }
        out[o++] = (uint8_t)acc;
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
