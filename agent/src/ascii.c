/*
 * ASCII character classes and case-blind comparison (see ascii.h).
 */
#include "ascii.h"

#include <string.h>

bool acme_ascii_is_tchar(uint8_t c)
{
    return acme_ascii_is_alpha(c) || acme_ascii_is_digit(c) ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

bool acme_ascii_is_field_char(uint8_t c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

bool acme_ascii_is_b64u(uint8_t c)
{
    return acme_ascii_is_alpha(c) || acme_ascii_is_digit(c) || c == '-' || c == '_';
}

size_t acme_ascii_b64u_length(const char *s, size_t max)
{
    size_t n = 0;
    while (n <= max && s[n] != '\0') {
        if (!acme_ascii_is_b64u((uint8_t)s[n])) {
            return 0;
        }
        n++;
    }
    return n > max ? 0 : n;
}

int acme_ascii_hex(uint8_t c)
{
    if (acme_ascii_is_digit(c)) {
        return c - '0';
    }
    c = (uint8_t)(c | 0x20u);
    return (uint8_t)(c - 'a') <= 5u ? c - 'a' + 10 : -1;
}

bool acme_ascii_eq_nocase(const char *a, size_t a_len, const char *b, size_t b_len)
{
    if (a_len != b_len) {
        return false;
    }
    for (size_t i = 0; i < a_len; i++) {
        if (acme_ascii_lower((uint8_t)a[i]) != acme_ascii_lower((uint8_t)b[i])) {
            return false;
        }
    }
    return true;
}

int acme_ascii_find_nocase(const char *list, const char *s, size_t n)
{
    /* Bounded by the list, a constant of the caller. */
    for (int i = 0; *list != '\0'; i++) {
        size_t len = strlen(list);
        if (acme_ascii_eq_nocase(list, len, s, n)) {
            return i;
        }
        list += len + 1;
    }
    return -1;
}
