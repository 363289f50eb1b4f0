/*
 * ASCII character classes and case-blind comparison shared by the text
 * codecs (HTTP messages, URLs, tokens, names) and the crypto layer's
 * certificate name check. It depends on nothing, so it sits below every
 * layer, like status.c. One copy in the image instead of one per user; the
 * one-instruction ones are inline.
 *
 * Internal to the agent (not a public header).
 */
#ifndef ACME_ASCII_H
#define ACME_ASCII_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

static inline bool acme_ascii_is_digit(uint8_t c)
{
    return (uint8_t)(c - '0') <= 9u;
}

static inline bool acme_ascii_is_alpha(uint8_t c)
{
    return (uint8_t)((c | 0x20u) - 'a') <= 25u;
}

static inline uint8_t acme_ascii_lower(uint8_t c)
{
    return (uint8_t)(c - 'A') <= 25u ? (uint8_t)(c | 0x20u) : c;
}

/* tchar (RFC 9110 §5.6.2): letters, digits and !#$%&'*+-.^_`|~ */
bool acme_ascii_is_tchar(uint8_t c);

/* field-vchar / SP / HTAB (RFC 9110 §5.5), obs-text included: anything but
 * control characters, which in a field value are an attack or a bug. */
bool acme_ascii_is_field_char(uint8_t c);

/* The base64url alphabet (RFC 4648 §5): letters, digits, '-' and '_'. */
bool acme_ascii_is_b64u(uint8_t c);

/* Length of the NUL-terminated s when it is 1..max base64url characters,
 * else 0 (empty, another character, or longer than max). Reads at most
 * max + 1 bytes. */
size_t acme_ascii_b64u_length(const char *s, size_t max);

/* Value of a hexadecimal digit (either case), or -1. */
int acme_ascii_hex(uint8_t c);

/* a[0..a_len) and b[0..b_len) are equal ignoring ASCII case. */
bool acme_ascii_eq_nocase(const char *a, size_t a_len, const char *b, size_t b_len);

/* Position of s[0..n) in a packed list of names "a\0b\0c\0" (a string
 * literal: the list ends at the empty name), ignoring ASCII case; -1 when it
 * is not there. An empty s matches nothing. */
int acme_ascii_find_nocase(const char *list, const char *s, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* ACME_ASCII_H */
