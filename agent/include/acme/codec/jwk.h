/*
 * JSON Web Keys (RFC 7517/7518) in the canonical form of RFC 7638, and the
 * values ACME derives from them: the thumbprint and key authorizations.
 *
 * The canonical form (required members only, lexicographic order, no
 * whitespace) is both what goes into a JWS "jwk" header and the exact input
 * of the thumbprint hash, so one writer serves both.
 */
#ifndef ACME_CODEC_JWK_H
#define ACME_CODEC_JWK_H

#include <stddef.h>
#include <stdint.h>

#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* {"crv":"P-256","kty":"EC","x":"<43>","y":"<43>"} */
#define ACME_JWK_EC_P256_LEN 126u /* 15 + 11 + 5 + 43 + 7 + 43 + 2 */
/* base64url of a SHA-256 digest */
#define ACME_JWK_THUMBPRINT_LEN 43u

/* x and y are the 32-byte big-endian affine coordinates. Writes the
 * canonical JWK and a NUL. ACME_ERR_BUFFER_TOO_SMALL if cap <= length. */
acme_status_t acme_jwk_write_ec_p256(const uint8_t x[32], const uint8_t y[32], char *out,
                                     size_t cap, size_t *len);

/* {"e":"...","kty":"RSA","n":"..."}: n and e big-endian; leading zero bytes
 * are stripped (RFC 7518 §6.3.1 wants the minimal encoding). */
acme_status_t acme_jwk_write_rsa(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
                                 char *out, size_t cap, size_t *len);

/* The canonical JWK of a public key in raw form (crypto/crypto.h):
 * dispatches to the EC or RSA writer. */
struct acme_public_key;
acme_status_t acme_jwk_write_key(const struct acme_public_key *pub, char *out, size_t cap,
                                 size_t *len);

/* out receives base64url(SHA-256(jwk[0..len))) and a NUL: cap >= 44. */
acme_status_t acme_jwk_thumbprint(const char *jwk, size_t len, char *out, size_t cap);

/* RFC 8555 §8.1: token "." thumbprint, NUL-terminated. The token must be
 * base64url (anything else is ACME_ERR_MALFORMED: a hostile token must not
 * be able to inject bytes into an http-01 response). */
acme_status_t acme_key_authorization(const char *token, const char *thumbprint, char *out,
                                     size_t cap, size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* ACME_CODEC_JWK_H */
