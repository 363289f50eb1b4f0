/*
 * Private keys at rest: AES-256-GCM under a device secret from the port
 * (acme_secret_ops_t), for flash that an attacker may read out.
 *
 * A sealed record is  magic 0xA7 0x01 | nonce (12) | ciphertext | tag (16).
 * A DER private key starts with 0x30, so a reader tells the two apart.
 * The record type is authenticated with it: a sealed key moved into
 * another record does not open. The nonce is synthetic (an HMAC of the
 * type and the plaintext under a key derived from the secret): the same key
 * seals to the same bytes, so the store still writes nothing when nothing
 * changed, and two different plaintexts never share a nonce.
 *
 * Implemented in seal_mbedtls.c; compiled to nothing without
 * ACME_ENABLE_KEY_SEAL.
 */
#ifndef ACME_CRYPTO_SEAL_H
#define ACME_CRYPTO_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ACME_SEAL_SECRET_LEN 32u
#define ACME_SEAL_OVERHEAD (2u + 12u + 16u)

/* Whether a record of len bytes is sealed (by its magic). */
bool acme_sealed(const uint8_t *rec, size_t len);

/* Seal buf[0..len) in place into buf[0..len + ACME_SEAL_OVERHEAD) (cap
 * bytes available). ACME_ERR_BUFFER_TOO_SMALL when it does not fit. */
acme_status_t acme_seal(const uint8_t secret[ACME_SEAL_SECRET_LEN], uint16_t type, uint8_t *buf,
                        size_t len, size_t cap, size_t *out_len);

/* Open a sealed record in place: the plaintext at buf[0..*out_len).
 * ACME_ERR_KEY_MISMATCH when the tag does not verify (another device's
 * secret, another record, or damage); ACME_ERR_MALFORMED when it is not a
 * sealed record. On failure buf is zeroised. */
acme_status_t acme_unseal(const uint8_t secret[ACME_SEAL_SECRET_LEN], uint16_t type, uint8_t *buf,
                          size_t len, size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif /* ACME_CRYPTO_SEAL_H */
