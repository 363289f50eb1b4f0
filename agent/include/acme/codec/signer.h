/*
 * The signing callback the JWS and CSR codecs use. The codecs never see a
 * private key: they hash, hand the digest to the signer, and encode what
 * comes back. The agent's software signer wraps an mbedTLS key; a secure
 * element can implement the same callback.
 */
#ifndef ACME_CODEC_SIGNER_H
#define ACME_CODEC_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum acme_sig_alg {
    ACME_SIG_ES256 = 1, /* ECDSA P-256 with SHA-256 */
    ACME_SIG_RS256 = 2  /* RSASSA-PKCS1-v1_5 with SHA-256 */
} acme_sig_alg_t;

/* Largest signature: RS256 with a 4096-bit key. */
#define ACME_SIG_MAX 512

typedef struct acme_signer {
    acme_sig_alg_t alg;
    /* Sign a SHA-256 digest. ES256 writes exactly 64 bytes, r then s, each
     * big-endian and left-padded to 32 bytes (the JWS form, RFC 7518 §3.4).
     * RS256 writes the modulus-length PKCS#1 v1.5 signature. */
    acme_status_t (*sign_digest)(void *ctx, const uint8_t digest[32], uint8_t *sig,
                                 size_t cap, size_t *sig_len);
    void *ctx;
} acme_signer_t;

#ifdef __cplusplus
}
#endif

#endif /* ACME_CODEC_SIGNER_H */
