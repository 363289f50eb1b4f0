/*
 * A small backward DER writer (X.690) for the CSR codec: each call prepends
 * to what is already written at the end of a fixed buffer, so a structure is
 * written innermost first and every SEQUENCE is wrapped around its content
 * once that content's length is known (the way mbedTLS's asn1write works).
 * No pass to compute lengths beforehand.
 *
 * Errors are sticky: after the first write that does not fit, every call is a
 * no-op and acme_der_status() reports ACME_ERR_BUFFER_TOO_SMALL, so a caller
 * writes a whole structure and checks once. Nothing is written outside
 * buf[0..cap).
 *
 * Internal to the codec layer (not a public header).
 */
#ifndef ACME_CODEC_DER_WRITER_H
#define ACME_CODEC_DER_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Universal tags used by the agent. */
#define ACME_DER_INTEGER 0x02u
#define ACME_DER_BIT_STRING 0x03u
#define ACME_DER_OCTET_STRING 0x04u
#define ACME_DER_NULL 0x05u
#define ACME_DER_OID 0x06u
#define ACME_DER_UTF8_STRING 0x0Cu
#define ACME_DER_SEQUENCE 0x30u
#define ACME_DER_SET 0x31u
/* Context-specific tags: [n] primitive and [n] constructed. */
#define ACME_DER_CONTEXT(n) (0x80u | (n))
#define ACME_DER_CONTEXT_CONSTRUCTED(n) (0xA0u | (n))

/* Largest content length the writer encodes (four length octets). Larger
 * lengths make the writer fail rather than emit something wrong. */
#define ACME_DER_CONTENT_MAX 0xFFFFFFFFu

typedef struct acme_der_writer {
    uint8_t *buf;
    size_t cap;
    size_t len;    /* bytes written so far: they are buf[cap - len .. cap) */
    bool overflow; /* sticky: a write did not fit */
} acme_der_writer_t;

/* init, start and status are inline: each is a few loads and stores,
 * less code than a call (measured on the Cortex-M4 firmware). */
static inline void acme_der_init(acme_der_writer_t *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = (buf == NULL) ? 0 : cap;
    w->len = 0;
    w->overflow = false;
}

/* Where the written bytes start (buf + cap - len). */
static inline uint8_t *acme_der_start(const acme_der_writer_t *w)
{
    return w->buf + (w->cap - w->len);
}

/* Prepends n bytes. */
void acme_der_put_bytes(acme_der_writer_t *w, const void *data, size_t n);
/* Prepends tag and length for the content_len bytes that follow: call it
 * with w->len - mark, where mark was w->len before the content. */
void acme_der_put_header(acme_der_writer_t *w, uint8_t tag, size_t content_len);
/* Content and its header in one call. */
void acme_der_put_tlv(acme_der_writer_t *w, uint8_t tag, const void *content, size_t n);
/* A whole INTEGER TLV holding the unsigned big-endian number be[0..n):
 * leading zero octets dropped, one 0x00 added when the high bit is set, zero
 * as a single 00 octet. */
void acme_der_put_uint(acme_der_writer_t *w, const uint8_t *be, size_t n);

/* ACME_OK, or ACME_ERR_BUFFER_TOO_SMALL after any overflow. */
static inline acme_status_t acme_der_status(const acme_der_writer_t *w)
{
    return w->overflow ? ACME_ERR_BUFFER_TOO_SMALL : ACME_OK;
}

#ifdef __cplusplus
}
#endif

#endif /* ACME_CODEC_DER_WRITER_H */
