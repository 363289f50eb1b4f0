/*
 * The signing seam (DESIGN §6): a digest goes in, a signature comes out, the
 * private key stays behind the callback. The JWS and CSR codecs use it; the
 * crypto layer's software signer and a secure element implement it. Both
 * layers need the type, so it lives here, below them, and not in codec/.
 */
#ifndef ACME_SIGNER_H
#define ACME_SIGNER_H

#include <stddef.h>
#include <stdint.h>

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
     * RS256 writes the modulus-length PKCS#1 v1.5 signature. Returns
     * ACME_OK (0) or a negative acme_status_t, as the seams of port.h do:
     * the type stays below status.h, so a secure-element driver needs no
     * agent header but this one. */
    int32_t (*sign_digest)(void *ctx, const uint8_t digest[32], uint8_t *sig, size_t cap,
                           size_t *sig_len);
    void *ctx;
} acme_signer_t;

#ifdef __cplusplus
}
#endif

#endif /* ACME_SIGNER_H */
