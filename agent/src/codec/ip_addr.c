/*
 * IP address and endpoint text: strict parsing and canonical formatting
 * (IPv4 dotted quad, IPv6 per RFC 4291 §2.2, output per RFC 5952).
 */
#include "acme/codec/ip_addr.h"

#include <string.h>

#include "ascii.h"

#define IPV6_GROUPS 8u

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Exactly four decimal parts 0..255. Leading zeros are refused because
 * inet_aton() and friends read "010" as octal 8: one text, one meaning. */
static bool parse_ipv4(const char *s, size_t len, uint8_t bytes[4])
{
    size_t i = 0;
    for (unsigned part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= len || s[i] != '.') {
                return false;
            }
            i++;
        }
        size_t start = i;
        unsigned value = 0;
        while (i < len && is_digit(s[i]) && i - start < 3) {
            value = value * 10u + (unsigned)(s[i] - '0');
            i++;
        }
        size_t digits = i - start;
        if (digits == 0 || value > 255u || (digits > 1 && s[start] == '0')) {
            return false;
        }
        bytes[part] = (uint8_t)value;
    }
    return i == len;
}

#if ACME_ENABLE_IPV6
/* RFC 4291 §2.2 forms 1-3: hex groups of 1..4 digits, at most one "::"
 * standing for one or more zero groups, an optional dotted quad as the
 * last 32 bits. Every loop advances i, so the parse is bounded by len. */
static bool parse_ipv6(const char *s, size_t len, uint8_t bytes[16])
{
    uint16_t head[IPV6_GROUPS];
    uint16_t tail[IPV6_GROUPS];
    size_t n_head = 0;
    size_t n_tail = 0;
    bool gap = false;
    size_t i = 0;

    if (len < 2 || len > ACME_IP_TEXT_MAX - 1u) {
        return false;
    }
    if (s[0] == ':') {
        if (s[1] != ':') {
            return false;
        }
        gap = true;
        i = 2;
    }
    while (i < len) {
        size_t end = i;
        bool dotted = false;
        while (end < len && s[end] != ':') {
            dotted = dotted || s[end] == '.';
            end++;
        }
        size_t used = n_head + n_tail;
        if (dotted) {
            /* The IPv4 part must be last and fill the final two groups. */
            uint8_t v4[4];
            if (end != len || used + 2u > IPV6_GROUPS || !parse_ipv4(s + i, end - i, v4)) {
                return false;
            }
            uint16_t *dst = gap ? tail : head;
            size_t *n = gap ? &n_tail : &n_head;
            dst[(*n)++] = (uint16_t)((v4[0] << 8) | v4[1]);
            dst[(*n)++] = (uint16_t)((v4[2] << 8) | v4[3]);
            i = end;
            break;
        }
        if (end - i < 1 || end - i > 4 || used >= IPV6_GROUPS) {
            return false;
        }
        uint16_t group = 0;
        for (size_t k = i; k < end; k++) {
            int v = acme_ascii_hex((uint8_t)s[k]);
            if (v < 0) {
                return false;
            }
            group = (uint16_t)((group << 4) | (uint16_t)v);
        }
        if (gap) {
            tail[n_tail++] = group;
        } else {
            head[n_head++] = group;
        }
        i = end;
        if (i == len) {
            break;
        }
        i++; /* the ':' */
        if (i == len) {
            return false; /* a single trailing ':' */
        }
        if (s[i] == ':') {
            if (gap) {
                return false; /* a second "::" */
            }
            gap = true;
            i++;
        }
    }

    size_t groups = n_head + n_tail;
    if (gap ? groups > IPV6_GROUPS - 1u : groups != IPV6_GROUPS) {
        return false;
    }
    memset(bytes, 0, 16);
    for (size_t k = 0; k < n_head; k++) {
        bytes[2 * k] = (uint8_t)(head[k] >> 8);
        bytes[2 * k + 1] = (uint8_t)head[k];
    }
    size_t first_tail = IPV6_GROUPS - n_tail;
    for (size_t k = 0; k < n_tail; k++) {
        bytes[2 * (first_tail + k)] = (uint8_t)(tail[k] >> 8);
        bytes[2 * (first_tail + k) + 1] = (uint8_t)tail[k];
    }
    return true;
}
#endif

acme_status_t acme_ip_parse(const char *text, size_t len, acme_ip_addr_t *out)
{
    if (out == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof(*out));
    if (text == NULL || len == 0 || len > ACME_IP_TEXT_MAX - 1u) {
        return ACME_ERR_MALFORMED;
    }
    /* A ':' anywhere means IPv6; otherwise only a dotted quad will do. */
    if (memchr(text, ':', len) != NULL) {
#if ACME_ENABLE_IPV6
        if (parse_ipv6(text, len, out->bytes)) {
            out->family = ACME_IP_V6;
            return ACME_OK;
        }
#endif
        memset(out, 0, sizeof(*out));
        return ACME_ERR_MALFORMED;
    }
    if (!parse_ipv4(text, len, out->bytes)) {
        memset(out, 0, sizeof(*out));
        return ACME_ERR_MALFORMED;
    }
    out->family = ACME_IP_V4;
    return ACME_OK;
}

bool acme_ip_parse_port(const char *s, size_t len, uint16_t *port)
{
    if (len < 1 || len > 5 || s[0] == '0') {
        return false;
    }
    uint32_t value = 0;
    for (size_t i = 0; i < len; i++) {
        if (!is_digit(s[i])) {
            return false;
        }
        value = value * 10u + (uint32_t)(s[i] - '0');
    }
    if (value > 65535u) {
        return false;
    }
    *port = (uint16_t)value;
    return true;
}

acme_status_t acme_ip_parse_endpoint(const char *text, size_t len, uint16_t default_port,
                                     acme_ip_addr_t *ip, uint16_t *port)
{
    if (ip == NULL || port == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    memset(ip, 0, sizeof(*ip));
    *port = 0;
    if (text == NULL || len == 0 || len > ACME_IP_ENDPOINT_TEXT_MAX - 1u) {
        return ACME_ERR_MALFORMED;
    }

    const char *addr;
    size_t addr_len;
    const char *rest; /* what follows the address: "" or ":PORT" */
    size_t rest_len;
    if (text[0] == '[') {
        const char *close = memchr(text, ']', len);
        if (close == NULL) {
            return ACME_ERR_MALFORMED;
        }
        addr = text + 1;
        addr_len = (size_t)(close - addr);
        rest = close + 1;
        rest_len = len - (size_t)(rest - text);
        /* Brackets are for IPv6 only; "[192.0.2.1]" is not an address. */
        if (memchr(addr, ':', addr_len) == NULL) {
            return ACME_ERR_MALFORMED;
        }
    } else {
        const char *colon = memchr(text, ':', len);
        addr = text;
        addr_len = colon != NULL ? (size_t)(colon - text) : len;
        rest = text + addr_len;
        rest_len = len - addr_len;
        /* More than one ':' without brackets is a bare IPv6 address whose
         * port cannot be told apart from its last group. */
        if (rest_len > 0 && memchr(rest + 1, ':', rest_len - 1u) != NULL) {
            return ACME_ERR_MALFORMED;
        }
    }

    acme_ip_addr_t parsed;
    if (acme_ip_parse(addr, addr_len, &parsed) != ACME_OK) {
        return ACME_ERR_MALFORMED;
    }
    uint16_t parsed_port = default_port;
    if (rest_len == 0) {
        if (default_port == 0) {
            return ACME_ERR_MALFORMED;
        }
    } else if (rest[0] != ':' || !acme_ip_parse_port(rest + 1, rest_len - 1u, &parsed_port)) {
        return ACME_ERR_MALFORMED;
    }
    *ip = parsed;
    *port = parsed_port;
    return ACME_OK;
}

/* Appends to out without overrunning cap; the caller checks *o < cap at
 * the end (room for the NUL) to learn whether everything fitted. */
static void put_char(char *out, size_t cap, size_t *o, char c)
{
    if (*o < cap) {
        out[*o] = c;
    }
    (*o)++;
}

static void put_decimal(char *out, size_t cap, size_t *o, unsigned value)
{
    char digits[5];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + value % 10u);
        value /= 10u;
    } while (value != 0 && n < sizeof(digits));
    while (n > 0) {
        put_char(out, cap, o, digits[--n]);
    }
}

static void put_ipv4(char *out, size_t cap, size_t *o, const uint8_t *b)
{
    for (size_t k = 0; k < 4; k++) {
        if (k > 0) {
            put_char(out, cap, o, '.');
        }
        put_decimal(out, cap, o, b[k]);
    }
}

#if ACME_ENABLE_IPV6
static void put_hex_group(char *out, size_t cap, size_t *o, uint16_t group)
{
    static const char hex[] = "0123456789abcdef";
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
        unsigned nibble = (group >> shift) & 0xFu;
        if (nibble != 0 || started || shift == 0) {
            put_char(out, cap, o, hex[nibble]);
            started = true;
        }
    }
}

static void put_ipv6(char *out, size_t cap, size_t *o, const uint8_t *b)
{
    static const uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(b, mapped_prefix, sizeof(mapped_prefix)) == 0) {
        /* RFC 5952 §5: IPv4-mapped addresses keep their dotted quad. */
        const char *prefix = "::ffff:";
        for (size_t k = 0; prefix[k] != '\0'; k++) {
            put_char(out, cap, o, prefix[k]);
        }
        put_ipv4(out, cap, o, b + 12);
        return;
    }
    uint16_t groups[IPV6_GROUPS];
    for (size_t k = 0; k < IPV6_GROUPS; k++) {
        groups[k] = (uint16_t)((b[2 * k] << 8) | b[2 * k + 1]);
    }
    /* RFC 5952 §4.2: the longest run of >= 2 zero groups, the first one
     * when runs tie, becomes "::". */
    size_t best_start = IPV6_GROUPS;
    size_t best_len = 1;
    for (size_t k = 0; k < IPV6_GROUPS;) {
        if (groups[k] != 0) {
            k++;
            continue;
        }
        size_t run = k;
        while (run < IPV6_GROUPS && groups[run] == 0) {
            run++;
        }
        if (run - k > best_len) {
            best_start = k;
            best_len = run - k;
        }
        k = run;
    }
    for (size_t k = 0; k < IPV6_GROUPS; k++) {
        if (k == best_start) {
            put_char(out, cap, o, ':');
            put_char(out, cap, o, ':');
            k += best_len - 1u;
            continue;
        }
        if (k > 0 && k != best_start + best_len) {
            put_char(out, cap, o, ':');
        }
        put_hex_group(out, cap, o, groups[k]);
    }
}

#endif

static acme_status_t finish_text(char *out, size_t cap, size_t o, size_t *len)
{
    if (o >= cap) {
        if (cap > 0) {
            out[0] = '\0';
        }
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    out[o] = '\0';
    if (len != NULL) {
        *len = o;
    }
    return ACME_OK;
}

acme_status_t acme_ip_format(const acme_ip_addr_t *ip, char *out, size_t cap, size_t *len)
{
    if (ip == NULL || (out == NULL && cap > 0)) {
        return ACME_ERR_INVALID_ARG;
    }
    size_t o = 0;
    if (ip->family == ACME_IP_V4) {
        put_ipv4(out, cap, &o, ip->bytes);
#if ACME_ENABLE_IPV6
    } else if (ip->family == ACME_IP_V6) {
        put_ipv6(out, cap, &o, ip->bytes);
#endif
    } else {
        return ACME_ERR_INVALID_ARG;
    }
    return finish_text(out, cap, o, len);
}

acme_status_t acme_ip_format_endpoint(const acme_ip_addr_t *ip, uint16_t port, char *out,
                                      size_t cap, size_t *len)
{
    if (ip == NULL || (out == NULL && cap > 0)) {
        return ACME_ERR_INVALID_ARG;
    }
    size_t o = 0;
    if (ip->family == ACME_IP_V4) {
        put_ipv4(out, cap, &o, ip->bytes);
#if ACME_ENABLE_IPV6
    } else if (ip->family == ACME_IP_V6) {
        put_char(out, cap, &o, '[');
        put_ipv6(out, cap, &o, ip->bytes);
        put_char(out, cap, &o, ']');
#endif
    } else {
        return ACME_ERR_INVALID_ARG;
    }
    put_char(out, cap, &o, ':');
    put_decimal(out, cap, &o, port);
    return finish_text(out, cap, o, len);
}

bool acme_ip_equal(const acme_ip_addr_t *a, const acme_ip_addr_t *b)
{
    if (a == NULL || b == NULL || a->family != b->family) {
        return false;
    }
    if (a->family == ACME_IP_V4) {
        return memcmp(a->bytes, b->bytes, 4) == 0;
    }
    if (a->family == ACME_IP_V6) {
        return memcmp(a->bytes, b->bytes, 16) == 0;
    }
    return false;
}
