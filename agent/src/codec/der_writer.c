/*
 * Forward DER writer with sticky overflow (see der_writer.h). Lengths are
 * computed by the caller beforehand, so each TLV is written once, in order,
 * and the CSR's to-be-signed part ends up contiguous for hashing.
 */
#include "der_writer.h"

#include <string.h>

void acme_der_init(acme_der_writer_t *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = (buf == NULL) ? 0 : cap;
    w->len = 0;
    w->overflow = false;
}

size_t acme_der_len_size(size_t content_len)
{
    if (content_len < 0x80u) {
        return 1;
    }
    size_t octets = 0;
    /* At most sizeof(size_t) iterations. */
    for (size_t v = content_len; v != 0 && octets < sizeof(size_t); v >>= 8) {
        octets++;
    }
    return 1 + octets;
}

size_t acme_der_tlv_size(size_t content_len)
{
    return 1 + acme_der_len_size(content_len) + content_len;
}

/* Index of the first significant octet of be[0..n) (n when all are zero). */
static size_t first_significant(const uint8_t *be, size_t n)
{
    size_t i = 0;
    while (i < n && be[i] == 0) {
        i++;
    }
    return i;
}

size_t acme_der_uint_content_size(const uint8_t *be, size_t n)
{
    size_t i = first_significant(be, n);
    if (i == n) {
        return 1; /* zero is one 00 octet */
    }
    return (n - i) + ((be[i] & 0x80u) ? 1u : 0u);
}

static bool reserve(acme_der_writer_t *w, size_t n)
{
    if (w->overflow || n > w->cap - w->len) {
        w->overflow = true;
        return false;
    }
    return true;
}

void acme_der_put_bytes(acme_der_writer_t *w, const void *data, size_t n)
{
    if (n == 0 || !reserve(w, n)) {
        return;
    }
    memcpy(w->buf + w->len, data, n);
    w->len += n;
}

void acme_der_put_header(acme_der_writer_t *w, uint8_t tag, size_t content_len)
{
    uint8_t hdr[2 + sizeof(size_t)];
    size_t n = 0;
    /* On 32-bit targets size_t cannot exceed the limit; the test is for
     * 64-bit hosts (written so that neither compiler sees a constant). */
    uint64_t wide = content_len;
    if (wide > (uint64_t)ACME_DER_CONTENT_MAX) {
        w->overflow = true;
        return;
    }
    hdr[n++] = tag;
    size_t len_size = acme_der_len_size(content_len);
    if (len_size == 1) {
        hdr[n++] = (uint8_t)content_len;
    } else {
        size_t octets = len_size - 1;
        hdr[n++] = (uint8_t)(0x80u | octets);
        for (size_t i = octets; i > 0; i--) {
            hdr[n++] = (uint8_t)(content_len >> (8u * (i - 1)));
        }
    }
    acme_der_put_bytes(w, hdr, n);
}

void acme_der_put_tlv(acme_der_writer_t *w, uint8_t tag, const void *content, size_t n)
{
    acme_der_put_header(w, tag, n);
    acme_der_put_bytes(w, content, n);
}

void acme_der_put_uint(acme_der_writer_t *w, const uint8_t *be, size_t n)
{
    static const uint8_t zero = 0;
    size_t i = first_significant(be, n);
    acme_der_put_header(w, ACME_DER_INTEGER, acme_der_uint_content_size(be, n));
    if (i == n || (be[i] & 0x80u) != 0) {
        /* Zero itself, or a sign octet so the value stays positive. */
        acme_der_put_bytes(w, &zero, 1);
    }
    acme_der_put_bytes(w, be + i, n - i);
}

acme_status_t acme_der_status(const acme_der_writer_t *w)
{
    return w->overflow ? ACME_ERR_BUFFER_TOO_SMALL : ACME_OK;
}
