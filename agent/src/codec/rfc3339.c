/*
 * RFC 3339 date-time -> Unix seconds. See acme/codec/rfc3339.h.
 */
#include "acme/codec/rfc3339.h"

#include "ascii.h"
#include "crypto/crypto.h"

/* n digits at s as a number, or -1. */
static int32_t digits(const char *s, size_t n)
{
    int32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!acme_ascii_is_digit((uint8_t)s[i])) {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

acme_status_t acme_rfc3339_parse(const char *s, size_t n, int64_t *out)
{
    /* "YYYY-MM-DDTHH:MM:SS" is 19 characters; then [.frac] and the offset. */
    if (s == NULL || out == NULL || n < 20 || s[4] != '-' || s[7] != '-' ||
        (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':') {
        return ACME_ERR_MALFORMED;
    }
    int32_t year = digits(s, 4);
    int32_t month = digits(s + 5, 2);
    int32_t day = digits(s + 8, 2);
    int32_t hour = digits(s + 11, 2);
    int32_t minute = digits(s + 14, 2);
    int32_t second = digits(s + 17, 2);
    if (year < 1970 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 ||
        minute > 59 || second < 0 || second > 60) {
        return ACME_ERR_MALFORMED;
    }
    /* A day past the month's end runs into the next month: refused. */
    int32_t days = acme_days_from_civil(year, month, day);
    if (days >= acme_days_from_civil(year, month + 1, 1)) {
        return ACME_ERR_MALFORMED;
    }
    size_t i = 19;
    if (s[i] == '.') {
        size_t first = ++i;
        while (i < n && acme_ascii_is_digit((uint8_t)s[i])) {
            i++;
        }
        if (i == first) {
            return ACME_ERR_MALFORMED;
        }
    }
    int32_t offset = 0;
    if (i + 1 == n && (s[i] == 'Z' || s[i] == 'z')) {
        offset = 0;
    } else if (i + 6 == n && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        int32_t oh = digits(s + i + 1, 2);
        int32_t om = digits(s + i + 4, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59) {
            return ACME_ERR_MALFORMED;
        }
        offset = (oh * 60 + om) * 60 * (s[i] == '-' ? -1 : 1);
    } else {
        return ACME_ERR_MALFORMED;
    }
    *out = (int64_t)days * 86400 + hour * 3600 + minute * 60 + second - offset;
    return ACME_OK;
}
