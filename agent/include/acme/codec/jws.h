/*
 * JWS in the flattened JSON serialization, as ACME requests carry it
 * (RFC 8555 §6.2, RFC 7515 §7.2.2):
 *
 *   {"protected":"<b64u(header)>","payload":"<b64u(payload)>","signature":"<b64u(sig)>"}
 *
 * The protected header is {"alg":..,"jwk":..|"kid":..,"nonce":..,"url":..}.
 * POST-as-GET is an empty payload (payload_len 0 gives "payload":"").
 * The signing input is hashed with SHA-256 and signed by the signer callback;
 * the codec never holds a private key.
 */
#ifndef ACME_CODEC_JWS_H
#define ACME_CODEC_JWS_H

#include <stddef.h>

#include "acme/codec/signer.h"
#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct acme_jws_header {
    const char *nonce; /* Replay-Nonce value; NULL for requests without one */
    const char *url;   /* the request URL (exactly as it will be sent) */
    const char *kid;   /* account URL; NULL to embed the jwk instead */
    const char *jwk;   /* canonical JWK JSON (used when kid is NULL) */
} acme_jws_header_t;

/* Writes the JWS JSON and a NUL into out. Errors: ACME_ERR_INVALID_ARG
 * (neither kid nor jwk, missing url), ACME_ERR_BUFFER_TOO_SMALL, or the
 * signer's error. */
acme_status_t acme_jws_write(const acme_jws_header_t *hdr, const char *payload, size_t payload_len,
                             const acme_signer_t *signer, char *out, size_t cap, size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* ACME_CODEC_JWS_H */
