/*
 * The number conversion cJSON calls (compiled into the cJSON library with
 * -Dstrtod=acme_cjson_strtod).
 *
 * Why: cJSON's parser hands every number to strtod(), and newlib's strtod
 * brings ~10 KiB of float parsing into a device image. The agent never uses
 * the value of a JSON number (it reads strings and booleans), but cJSON must
 * still learn where each number ends. So this function follows strtod's
 * grammar for the end pointer exactly —
 *     [+-] (digits [. [digits]] | . digits) [(e|E) [+-] digits]
 * (cJSON only passes the characters 0-9 + - . e E, so the hex, inf and nan
 * forms cannot occur) — and returns the integer part as the value
 * (saturated), which is exact for every integer a server sends.
 */
#include <stdint.h>

double acme_cjson_strtod(const char *s, char **end);

static const char *digits_end(const char *p)
{
    while (*p >= '0' && *p <= '9') {
        p++;
    }
    return p;
}

double acme_cjson_strtod(const char *s, char **end)
{
    const char *p = s;
    int negative = 0;
    if (*p == '+' || *p == '-') {
        negative = *p == '-';
        p++;
    }
    const char *int_start = p;
    const char *int_end = digits_end(p);
    p = int_end;
    const char *frac_end = p;
    if (*p == '.') {
        frac_end = digits_end(p + 1);
    }
    if (int_end == int_start && frac_end <= p + 1) {
        if (end != 0) {
            *end = (char *)s; /* no digits: no conversion */
        }
        return 0.0;
    }
    p = frac_end;
    if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        if (*q == '+' || *q == '-') {
            q++;
        }
        const char *exp_end = digits_end(q);
        if (exp_end > q) {
            p = exp_end; /* a complete exponent belongs to the number */
        }
    }
    int64_t value = 0;
    for (const char *d = int_start; d < int_end; d++) {
        value = value > (INT64_MAX - 9) / 10 ? INT64_MAX : value * 10 + (*d - '0');
    }
    if (end != 0) {
        *end = (char *)p;
    }
    return negative ? -(double)value : (double)value;
}
