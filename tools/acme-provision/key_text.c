/*
 * acme-provision: the EAB MAC key as CAs hand it out. Let's Encrypt-style
 * CAs give base64url, some give standard base64 or hex; the JSON spec takes
 * any of them, and a prefix ("hex:", "base64:", "base64url:") settles a
 * string that reads as more than one.
 *
 * Without a prefix: a string of hex digits of even length is hex (a 32-byte
 * key in hex is 64 such digits; a base64url key that happens to use only
 * 0-9a-f is rare, and the prefix exists for it). Otherwise '+' or '/' make
 * it standard base64 (padding optional), else it is base64url (trailing '='
 * tolerated).
 */
#include <string.h>

#include "acme/codec/base64.h"
#include "provision_tool.h"

/* Longest key text accepted: base64 of 3x the largest key is far below. */
#define KEY_TEXT_MAX 512u

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static bool all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (hex_value(s[i]) < 0) {
            return false;
        }
    }
    return true;
}

static bool decode_hex(const char *s, size_t n, uint8_t *out, size_t cap, size_t *len,
                       const char **why)
{
    if (n % 2u != 0 || !all_hex(s, n)) {
        *why = "is not hex (an even number of 0-9a-f digits)";
        return false;
    }
    if (n / 2u > cap) {
        *why = "is too long";
        return false;
    }
    for (size_t i = 0; i < n / 2u; i++) {
        out[i] = (uint8_t)(hex_value(s[2u * i]) << 4 | hex_value(s[2u * i + 1u]));
    }
    *len = n / 2u;
    return true;
}

static bool is_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* force: 0 guess, 1 base64 only, 2 base64url only. */
static bool decode_base64(const char *s, size_t n, int force, uint8_t *out, size_t cap, size_t *len,
                          const char **why)
{
    size_t body = n;
    while (body > 0 && s[body - 1u] == '=' && n - body < 2u) {
        body--;
    }
    bool url = false;
    bool std = false;
    for (size_t i = 0; i < body; i++) {
        if (s[i] == '-' || s[i] == '_') {
            url = true;
        } else if (s[i] == '+' || s[i] == '/') {
            std = true;
        } else if (!is_alnum(s[i])) {
            *why = "has a character that is in neither base64 alphabet";
            return false;
        }
    }
    if ((url && std) || (force == 1 && url) || (force == 2 && std)) {
        *why = force == 0 ? "mixes the base64 and base64url alphabets"
                          : "has characters of the other base64 alphabet";
        return false;
    }
    acme_status_t st;
    if (std || force == 1) {
        /* The codec wants padding: add what the spec left out. */
        char padded[KEY_TEXT_MAX + 4u];
        memcpy(padded, s, body);
        size_t p = body;
        while (p % 4u != 0) {
            padded[p++] = '=';
        }
        st = acme_base64_decode(padded, p, out, cap, len);
        tool_wipe(padded, sizeof(padded));
    } else {
        st = acme_base64url_decode(s, body, out, cap, len);
    }
    if (st == ACME_ERR_BUFFER_TOO_SMALL) {
        *why = "is too long";
        return false;
    }
    if (st != ACME_OK) {
        *why = "is not valid base64/base64url (wrong length or stray bits)";
        return false;
    }
    return true;
}

bool tool_key_text_decode(const char *text, uint8_t *out, size_t cap, size_t *len, const char **why)
{
    *len = 0;
    size_t n = strlen(text);
    if (n > KEY_TEXT_MAX) {
        *why = "is too long";
        return false;
    }
    if (strncmp(text, "hex:", 4) == 0) {
        return decode_hex(text + 4, n - 4u, out, cap, len, why);
    }
    if (strncmp(text, "base64:", 7) == 0) {
        return decode_base64(text + 7, n - 7u, 1, out, cap, len, why);
    }
    if (strncmp(text, "base64url:", 10) == 0) {
        return decode_base64(text + 10, n - 10u, 2, out, cap, len, why);
    }
    if (n == 0) {
        *why = "is empty";
        return false;
    }
    if (n % 2u == 0 && all_hex(text, n)) {
        return decode_hex(text, n, out, cap, len, why);
    }
    return decode_base64(text, n, 0, out, cap, len, why);
}
