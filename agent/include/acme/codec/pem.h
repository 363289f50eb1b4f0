/*
 * PEM (RFC 7468) blocks: reading a certificate chain as ACME serves it
 * (application/pem-certificate-chain, RFC 8555 §9.1) and writing DER as PEM.
 */
#ifndef ACME_CODEC_PEM_H
#define ACME_CODEC_PEM_H

#include <stddef.h>
#include <stdint.h>

#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Decode the next "-----BEGIN <label>-----" block at or after *pos into der.
 * On success *pos moves past the END line. Text between blocks must be
 * whitespace only (ACME_ERR_MALFORMED otherwise). Returns ACME_ERR_NOT_FOUND
 * when only whitespace remains, ACME_ERR_MALFORMED for a broken block (no END
 * line, wrong label, bad base64), ACME_ERR_BUFFER_TOO_SMALL if der is too
 * small. */
acme_status_t acme_pem_next(const char *text, size_t len, size_t *pos, const char *label,
                            uint8_t *der, size_t cap, size_t *der_len);

/* Check that text is one or more CERTIFICATE blocks and nothing else; count
 * them. The DER of each block is decoded into scratch (the largest block must
 * fit) and discarded. */
acme_status_t acme_pem_chain_check(const char *text, size_t len, uint8_t *scratch,
                                   size_t scratch_cap, size_t *count);

/* Write der as a PEM block with 64-column lines and a final newline, plus a
 * NUL. */
acme_status_t acme_pem_write(const char *label, const uint8_t *der, size_t der_len, char *out,
                             size_t cap, size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* ACME_CODEC_PEM_H */
