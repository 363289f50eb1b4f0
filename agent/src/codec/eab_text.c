/*
 * EAB settings as people write them: MAC key text (hex, base64, base64url,
 * chosen by prefix) and MAC algorithm names. See acme/codec/eab_text.h for
 * the rules and why an unprefixed key is base64url or refused, never
 * guessed.
 *
 * Every character is checked against its alphabet before anything is
 * decoded, so the messages can say which rule a text broke; the base64
 * decoding itself is the strict codec's (acme/codec/base64.h), which also
 * refuses non-canonical trailing bits.
 */
#include "acme/codec/eab_text.h"

#include <string.h>

#include "acme/codec/base64.h"
#include "ascii.h"
#include "crypto/crypto.h"

/* Indexed by acme_eab_alg_t (0, the default, is HS256). */
static const char alg_names[4][6] = {"HS256", "HS256", "HS384", "HS512"};

const char *acme_eab_alg_name(uint8_t alg)
{
    return alg < 4u ? alg_names[alg] : NULL;
}

bool acme_eab_alg_parse(const char *text, size_t n, uint8_t *alg)
{
    for (uint8_t a = ACME_EAB_HS256; a <= ACME_EAB_HS512; a++) {
        if (text != NULL && n == 5u && memcmp(text, alg_names[a], 5u) == 0) {
            *alg = a;
            return true;
        }
    }
    return false;
}

const char *acme_eab_key_error_text(acme_eab_key_error_t e)
{
    switch (e) {
    case ACME_EAB_KEY_OK:
        return "is fine";
    case ACME_EAB_KEY_EMPTY:
        return "is empty";
    case ACME_EAB_KEY_TOO_LONG:
        return "is too long";
    case ACME_EAB_KEY_BAD_HEX:
        return "is not hex: after \"hex:\" give an even number of digits 0-9, a-f";
    case ACME_EAB_KEY_BAD_BASE64:
        return "is not standard base64: after \"base64:\" give A-Z a-z 0-9 + / with complete "
               "'=' padding or none";
    case ACME_EAB_KEY_BAD_BASE64URL:
        return "is not base64url (A-Z a-z 0-9 - _, no stray bits in the last character); "
               "prefix it with \"hex:\" or \"base64:\" if it is hex or standard base64";
    case ACME_EAB_KEY_STANDARD_CHARS:
        return "has '+' or '/', so it is standard base64, not base64url (the default): "
               "write it as \"base64:KEY\"";
    case ACME_EAB_KEY_AMBIGUOUS:
        return "is only hex digits, so it reads both as hex and as base64url: write it as "
               "\"hex:KEY\" or \"base64url:KEY\"";
    }
    return "is not a usable key";
}

static bool has_prefix(const char *text, size_t n, const char *prefix, size_t plen)
{
    return n >= plen && memcmp(text, prefix, plen) == 0;
}

static bool all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (acme_ascii_hex((uint8_t)s[i]) < 0) {
            return false;
        }
    }
    return true;
}

static acme_eab_key_error_t decode_hex(const char *s, size_t n, uint8_t *out, size_t cap,
                                       size_t *len)
{
    if (n % 2u != 0 || !all_hex(s, n)) {
        return ACME_EAB_KEY_BAD_HEX;
    }
    if (n / 2u > cap) {
        return ACME_EAB_KEY_TOO_LONG;
    }
    for (size_t i = 0; i < n / 2u; i++) {
        out[i] = (uint8_t)(acme_ascii_hex((uint8_t)s[2u * i]) << 4 |
                           acme_ascii_hex((uint8_t)s[2u * i + 1u]));
    }
    *len = n / 2u;
    return ACME_EAB_KEY_OK;
}

static bool in_alphabet(char c, bool url)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        return true;
    }
    return url ? (c == '-' || c == '_') : (c == '+' || c == '/');
}

/* Standard base64 without padding: whole groups go to the codec as they
 * are; only a last partial group is copied, to add the padding the codec
 * requires, and wiped. */
static acme_status_t decode_standard(const char *s, size_t body, uint8_t *out, size_t cap,
                                     size_t *len)
{
    size_t rem = body % 4u;
    size_t full = body - rem;
    size_t a = 0;
    acme_status_t st = full > 0 ? acme_base64_decode(s, full, out, cap, &a) : ACME_OK;
    if (st == ACME_OK && rem > 0) {
        char group[4] = {'=', '=', '=', '='};
        memcpy(group, s + full, rem);
        size_t b = 0;
        st = acme_base64_decode(group, sizeof(group), out + a, cap - a, &b);
        acme_zeroize(group, sizeof(group));
        a += b;
    }
    *len = a;
    return st;
}

static acme_eab_key_error_t decode_base64(const char *s, size_t n, bool url, uint8_t *out,
                                          size_t cap, size_t *len)
{
    acme_eab_key_error_t bad = url ? ACME_EAB_KEY_BAD_BASE64URL : ACME_EAB_KEY_BAD_BASE64;
    size_t body = n;
    while (body > 0 && s[body - 1u] == '=' && n - body < 2u) {
        body--;
    }
    if (n == 0) {
        return ACME_EAB_KEY_EMPTY;
    }
    /* Padding, when given, completes the last group of four. With it,
     * body % 4 is 2 or 3, as it must be for one or two '='. */
    if (body == 0 || (body != n && n % 4u != 0)) {
        return bad;
    }
    for (size_t i = 0; i < body; i++) {
        if (!in_alphabet(s[i], url)) {
            return bad; /* a foreign character, whitespace, '=' inside */
        }
    }
    size_t rem = body % 4u;
    if (rem == 1u) {
        return bad; /* six bits cannot make a byte */
    }
    /* Checked before decoding, so the codec never runs out of room. */
    if ((body / 4u) * 3u + (rem == 0 ? 0 : rem - 1u) > cap) {
        return ACME_EAB_KEY_TOO_LONG;
    }
    acme_status_t st = url ? acme_base64url_decode(s, body, out, cap, len)
                           : decode_standard(s, body, out, cap, len);
    return st == ACME_OK ? ACME_EAB_KEY_OK : bad; /* non-canonical last bits */
}

static acme_eab_key_error_t decode_any(const char *text, size_t n, uint8_t *out, size_t cap,
                                       size_t *len)
{
    if (has_prefix(text, n, "hex:", 4u)) {
        return decode_hex(text + 4, n - 4u, out, cap, len);
    }
    if (has_prefix(text, n, "base64:", 7u)) {
        return decode_base64(text + 7, n - 7u, false, out, cap, len);
    }
    if (has_prefix(text, n, "base64url:", 10u)) {
        return decode_base64(text + 10, n - 10u, true, out, cap, len);
    }
    if (memchr(text, '+', n) != NULL || memchr(text, '/', n) != NULL) {
        return ACME_EAB_KEY_STANDARD_CHARS;
    }
    if (n > 0 && n % 2u == 0 && all_hex(text, n)) {
        return ACME_EAB_KEY_AMBIGUOUS;
    }
    return decode_base64(text, n, true, out, cap, len);
}

acme_eab_key_error_t acme_eab_key_decode(const char *text, size_t n, uint8_t *out, size_t cap,
                                         size_t *len)
{
    *len = 0;
    acme_eab_key_error_t e = text != NULL ? decode_any(text, n, out, cap, len) : ACME_EAB_KEY_EMPTY;
    if (e == ACME_EAB_KEY_OK && *len == 0) {
        e = ACME_EAB_KEY_EMPTY; /* "hex:" */
    }
    if (e != ACME_EAB_KEY_OK) {
        acme_zeroize(out, cap); /* whatever was decoded before the failure */
        *len = 0;
    }
    return e;
}
