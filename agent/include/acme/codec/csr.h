/*
 * PKCS#10 certificate signing requests (RFC 2986) for ACME finalize.
 *
 * The CSR carries the device's public key (as SubjectPublicKeyInfo DER), a
 * subject CN equal to the first name when it fits the 64-character X.520
 * limit (empty subject otherwise), and an extensionRequest attribute with a
 * subjectAltName of every name as a dNSName. It is signed through the signer
 * callback (ES256 as ecdsa-with-SHA256 with a DER signature, RS256 as
 * sha256WithRSAEncryption).
 */
#ifndef ACME_CODEC_CSR_H
#define ACME_CODEC_CSR_H

#include <stddef.h>
#include <stdint.h>

#include "acme/codec/signer.h"
#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes the CSR DER at the start of out. Names must be non-empty DNS names
 * of at most 253 characters (ACME_ERR_INVALID_ARG otherwise). */
acme_status_t acme_csr_write(const uint8_t *spki_der, size_t spki_len, const char *const *names,
                             size_t name_count, const acme_signer_t *signer, uint8_t *out,
                             size_t cap, size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* ACME_CODEC_CSR_H */
