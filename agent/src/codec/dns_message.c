/*
 * DNS messages (RFC 1035 §4, EDNS0 per RFC 6891): writing the stub
 * resolver's queries and reading answers. Answers are untrusted input, so
 * every read is checked against the message length, compression pointers
 * may only point backwards (no loops) and are followed at most 64 times,
 * and names are limited to 63-octet labels and 255 octets on the wire.
 *
 * Names have a text form without escapes: a label may hold the printable
 * ASCII bytes 0x21..0x7e except '.' and '\\'. A label with anything else
 * (a dot, a space, a control or 8-bit byte) has no unambiguous text form;
 * the agent never needs such names, so they are rejected.
 */
#include "acme/codec/dns_message.h"

#include "ascii.h"

#include <string.h>

/* Length of s up to max + 1: a result > max means "too long" without
 * reading past max + 1 bytes of a string that may lack its NUL. */
static size_t text_len_bounded(const char *s, size_t max)
{
    size_t n = 0;
    while (n <= max && s[n] != '\0') {
        n++;
    }
    return n;
}

#if ACME_ENABLE_DNS_CLIENT

#define DNS_LABEL_MAX 63u
#define DNS_WIRE_NAME_MAX 255u
#define DNS_POINTER_JUMPS_MAX 64u
#define DNS_FLAG_QR 0x8000u
#define DNS_FLAG_RD 0x0100u
#define DNS_QUESTION_FIXED_LEN 4u /* QTYPE, QCLASS */
#define DNS_RR_FIXED_LEN 10u      /* TYPE, CLASS, TTL, RDLENGTH */
#define DNS_OPT_RR_LEN 11u        /* root name + fixed part, empty RDATA */

static bool label_byte_ok(uint8_t c)
{
    return c >= 0x21u && c <= 0x7eu && c != '.' && c != '\\';
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Validate a text name for a query; on success *text_len is its length
 * without a final dot (1..253) and *wire_len its uncompressed wire size. */
static bool query_name_check(const char *name, size_t *text_len, size_t *wire_len)
{
    size_t n = text_len_bounded(name, ACME_DNS_NAME_MAX + 1u);
    if (n > 0 && name[n - 1] == '.') {
        n--;
    }
    if (n == 0 || n > ACME_DNS_NAME_MAX) {
        return false;
    }
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)name[i];
        if (c == '.') {
            if (label == 0) {
                return false;
            }
            label = 0;
        } else if (!label_byte_ok(c) || ++label > DNS_LABEL_MAX) {
            return false;
        }
    }
    if (label == 0) {
        return false;
    }
    *text_len = n;
    *wire_len = n + 2u; /* first length octet + final root octet */
    return true;
}

acme_status_t acme_dns_query_write(uint8_t *out, size_t cap, size_t *len, uint16_t id,
                                   const char *name, uint16_t qtype, uint16_t edns_payload)
{
    size_t text_len;
    size_t wire_len;
    if (out == NULL || len == NULL || name == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    if (!query_name_check(name, &text_len, &wire_len)) {
        return ACME_ERR_INVALID_ARG;
    }
    size_t need = ACME_DNS_HEADER_LEN + wire_len + DNS_QUESTION_FIXED_LEN +
                  (edns_payload > 0 ? DNS_OPT_RR_LEN : 0u);
    if (cap < need) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }

    memset(out, 0, ACME_DNS_HEADER_LEN);
    put16(out, id);
    put16(out + 2, DNS_FLAG_RD);                 /* standard query, recursion desired */
    put16(out + 4, 1u);                          /* QDCOUNT */
    put16(out + 10, edns_payload > 0 ? 1u : 0u); /* ARCOUNT: the OPT record */

    /* Labels: each '.' becomes the length octet of the label after it. */
    size_t o = ACME_DNS_HEADER_LEN;
    size_t length_at = o++;
    for (size_t i = 0; i < text_len; i++) {
        if (name[i] == '.') {
            out[length_at] = (uint8_t)(o - length_at - 1u);
            length_at = o++;
        } else {
            out[o++] = (uint8_t)name[i];
        }
    }
    out[length_at] = (uint8_t)(o - length_at - 1u);
    out[o++] = 0;
    put16(out + o, qtype);
    put16(out + o + 2, ACME_DNS_CLASS_IN);
    o += DNS_QUESTION_FIXED_LEN;

    if (edns_payload > 0) {
        /* RFC 6891 §6.1.2: root owner, TYPE OPT, CLASS = UDP payload size,
         * TTL = extended RCODE 0, version 0, no DO bit; no options. */
        out[o] = 0;
        put16(out + o + 1, ACME_DNS_TYPE_OPT);
        put16(out + o + 3, edns_payload);
        memset(out + o + 5, 0, 6); /* TTL and RDLENGTH */
        o += DNS_OPT_RR_LEN;
    }
    *len = o;
    return ACME_OK;
}

acme_status_t acme_dns_read_name(const uint8_t *msg, size_t len, size_t off, char *out, size_t cap,
                                 size_t *next_off)
{
    if (msg == NULL || out == NULL || cap == 0 || next_off == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    out[0] = '\0';
    size_t pos = off;
    size_t segment_start = off; /* where the labels being read began */
    size_t end_off = 0;
    bool jumped = false;
    unsigned jumps = 0;
    size_t wire = 0;
    size_t o = 0;

    /* Bounded: each pass either consumes a label (wire grows by >= 2 and
     * is capped at 255) or follows a pointer (capped at 64 jumps). */
    for (;;) {
        if (pos >= len) {
            return ACME_ERR_MALFORMED;
        }
        uint8_t b = msg[pos];
        if ((b & 0xc0u) == 0xc0u) {
            if (len - pos < 2u) {
                return ACME_ERR_MALFORMED;
            }
            size_t target = ((size_t)(b & 0x3fu) << 8) | msg[pos + 1];
            /* Strictly before the segment that holds the pointer (not only
             * before the pointer: "\3abc" + pointer-to-"\3abc" would loop),
             * so offsets fall with every jump; never into the header. */
            if (target >= segment_start || target < ACME_DNS_HEADER_LEN ||
                ++jumps > DNS_POINTER_JUMPS_MAX) {
                return ACME_ERR_MALFORMED;
            }
            if (!jumped) {
                end_off = pos + 2u;
                jumped = true;
            }
            pos = target;
            segment_start = target;
            continue;
        }
        if ((b & 0xc0u) != 0) {
            return ACME_ERR_MALFORMED; /* 0x40 extended / 0x80 reserved label types */
        }
        wire += 1u + b;
        if (wire > DNS_WIRE_NAME_MAX) {
            return ACME_ERR_MALFORMED;
        }
        if (b == 0) {
            if (!jumped) {
                end_off = pos + 1u;
            }
            break;
        }
        if (len - pos - 1u < b) {
            return ACME_ERR_MALFORMED;
        }
        size_t sep = (o > 0) ? 1u : 0u;
        if (cap - o <= sep + b) { /* room for separator, label and NUL */
            out[0] = '\0';
            return ACME_ERR_BUFFER_TOO_SMALL;
        }
        if (sep) {
            out[o++] = '.';
        }
        for (size_t k = 0; k < b; k++) {
            uint8_t c = msg[pos + 1u + k];
            if (!label_byte_ok(c)) {
                out[0] = '\0';
                return ACME_ERR_MALFORMED;
            }
            out[o++] = (char)c;
        }
        pos += 1u + b;
    }
    out[o] = '\0';
    *next_off = end_off;
    return ACME_OK;
}

acme_status_t acme_dns_reader_init(acme_dns_reader_t *r, const uint8_t *msg, size_t len)
{
    if (r == NULL || msg == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    memset(r, 0, sizeof(*r));
    if (len < ACME_DNS_HEADER_LEN) {
        return ACME_ERR_MALFORMED;
    }
    uint16_t flags = get16(msg + 2);
    uint16_t qdcount = get16(msg + 4);
    if ((flags & DNS_FLAG_QR) == 0 || qdcount != 1u) {
        return ACME_ERR_MALFORMED;
    }
    char name[ACME_DNS_NAME_MAX + 2];
    size_t after_name;
    acme_status_t st =
        acme_dns_read_name(msg, len, ACME_DNS_HEADER_LEN, name, sizeof(name), &after_name);
    if (st != ACME_OK) {
        return ACME_ERR_MALFORMED;
    }
    if (len - after_name < DNS_QUESTION_FIXED_LEN) {
        return ACME_ERR_MALFORMED;
    }
    r->msg = msg;
    r->len = len;
    r->id = get16(msg);
    r->flags = flags;
    r->qdcount = qdcount;
    r->ancount = get16(msg + 6);
    r->nscount = get16(msg + 8);
    r->arcount = get16(msg + 10);
    r->question_off = ACME_DNS_HEADER_LEN;
    r->pos = after_name + DNS_QUESTION_FIXED_LEN;
    r->answers_read = 0;
    return ACME_OK;
}

bool acme_dns_question_matches(const acme_dns_reader_t *r, const char *name, uint16_t qtype)
{
    if (r == NULL || r->msg == NULL || name == NULL) {
        return false;
    }
    char qname[ACME_DNS_NAME_MAX + 2];
    size_t after_name;
    if (acme_dns_read_name(r->msg, r->len, r->question_off, qname, sizeof(qname), &after_name) !=
            ACME_OK ||
        r->len - after_name < DNS_QUESTION_FIXED_LEN) {
        return false;
    }
    return get16(r->msg + after_name) == qtype &&
           get16(r->msg + after_name + 2u) == ACME_DNS_CLASS_IN && acme_dns_name_equal(qname, name);
}

acme_status_t acme_dns_next_answer(acme_dns_reader_t *r, acme_dns_rr_t *rr)
{
    if (r == NULL || r->msg == NULL || rr == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    if (r->answers_read >= r->ancount) {
        return ACME_ERR_NOT_FOUND;
    }
    size_t p;
    if (acme_dns_read_name(r->msg, r->len, r->pos, rr->name, sizeof(rr->name), &p) != ACME_OK) {
        return ACME_ERR_MALFORMED;
    }
    if (r->len - p < DNS_RR_FIXED_LEN) {
        return ACME_ERR_MALFORMED;
    }
    uint16_t rdlen = get16(r->msg + p + 8u);
    if (r->len - p - DNS_RR_FIXED_LEN < rdlen) {
        return ACME_ERR_MALFORMED;
    }
    rr->type = get16(r->msg + p);
    rr->rclass = get16(r->msg + p + 2u);
    rr->ttl = get32(r->msg + p + 4u);
    rr->rdlen = rdlen;
    rr->rdata_off = p + DNS_RR_FIXED_LEN;
    rr->rdata = r->msg + rr->rdata_off;
    r->pos = rr->rdata_off + rdlen;
    r->answers_read++;
    return ACME_OK;
}

#endif /* ACME_ENABLE_DNS_CLIENT */

/* Name comparison is used beyond the resolver (the order engine matches
 * authorization identifiers with it), so it is always compiled. */
bool acme_dns_name_equal(const char *a, const char *b)
{
    if (a == NULL || b == NULL) {
        return false;
    }
    /* Longer than a name with its final dot: not a name, never equal. */
    size_t la = text_len_bounded(a, ACME_DNS_NAME_MAX + 1u);
    size_t lb = text_len_bounded(b, ACME_DNS_NAME_MAX + 1u);
    if (la > ACME_DNS_NAME_MAX + 1u || lb > ACME_DNS_NAME_MAX + 1u) {
        return false;
    }
    if (la > 0 && a[la - 1] == '.') {
        la--;
    }
    if (lb > 0 && b[lb - 1] == '.') {
        lb--;
    }
    return acme_ascii_eq_nocase(a, la, b, lb);
}

/* Host names the agent asks certificates for (the CSR, the configuration):
 * always compiled, like the comparison above. */
size_t acme_dns_name_length(const char *name)
{
    if (name == NULL) {
        return 0;
    }
    size_t skip = name[0] == '*' && name[1] == '.' ? 2u : 0u;
    size_t n = text_len_bounded(name, ACME_DNS_NAME_MAX);
    return n <= ACME_DNS_NAME_MAX && acme_dns_labels_ok(name + skip, n - skip) ? n : 0;
}

bool acme_dns_labels_ok(const char *s, size_t n)
{
    size_t label = 0; /* characters of the current label so far */
    for (size_t i = 0; i <= n; i++) {
        uint8_t c = i < n ? (uint8_t)s[i] : '.'; /* the end closes the last label */
        if (c == '.') {
            /* An empty label, a trailing hyphen, or over RFC 1035's 63. */
            if (label == 0 || label > 63u || s[i - 1u] == '-') {
                return false;
            }
            label = 0;
            continue;
        }
        if ((!acme_ascii_is_alpha(c) && !acme_ascii_is_digit(c) && c != '-') ||
            (label == 0 && c == '-')) {
            return false; /* not LDH, or a leading hyphen */
        }
        label++;
    }
    return true;
}
