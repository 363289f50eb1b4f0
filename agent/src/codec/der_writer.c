/*
 * Backward DER writer with sticky overflow (see der_writer.h): content is
 * written first, its tag and length are prepended once its size is known.
 */
#include "der_writer.h"

#include <string.h>

void acme_der_put_bytes(acme_der_writer_t *w, const void *data, size_t n)
{
    if (w->overflow || n > w->cap - w->len) {
        w->overflow = true;
        return;
    }
    w->len += n;
    if (n > 0) {
        memmove(acme_der_start(w), data, n); /* data may lie in the buffer */
    }
}

void acme_der_put_header(acme_der_writer_t *w, uint8_t tag, size_t content_len)
{
    /* Short form below 128, else 0x80|n and n big-endian octets (X.690
     * §8.1.3.5). Built back to front. */
    uint8_t hdr[2 + sizeof(size_t)];
    size_t at = sizeof(hdr);
    /* On 32-bit targets size_t cannot exceed the limit; the test is for
     * 64-bit hosts (written so that neither compiler sees a constant). */
    uint64_t wide = content_len;
    if (wide > (uint64_t)ACME_DER_CONTENT_MAX) {
        w->overflow = true;
        return;
    }
    size_t v = content_len;
    do {
        hdr[--at] = (uint8_t)v;
        v >>= 8;
    } while (v != 0);
    if (content_len >= 0x80u) {
        hdr[at - 1] = (uint8_t)(0x80u | (sizeof(hdr) - at));
        at--;
    }
    hdr[--at] = tag;
    acme_der_put_bytes(w, hdr + at, sizeof(hdr) - at);
}

void acme_der_put_tlv(acme_der_writer_t *w, uint8_t tag, const void *content, size_t n)
{
    acme_der_put_bytes(w, content, n);
    acme_der_put_header(w, tag, n);
}

void acme_der_put_uint(acme_der_writer_t *w, const uint8_t *be, size_t n)
{
    static const uint8_t zero = 0;
    while (n > 0 && be[0] == 0) {
        be++;
        n--;
    }
    size_t mark = w->len;
    acme_der_put_bytes(w, be, n);
    if (n == 0 || (be[0] & 0x80u) != 0) {
        /* Zero itself, or a sign octet so the value stays positive. */
        acme_der_put_bytes(w, &zero, 1);
    }
    acme_der_put_header(w, ACME_DER_INTEGER, w->len - mark);
}
