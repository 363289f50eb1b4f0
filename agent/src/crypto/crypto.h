/*
 * The agent's only interface to mbedTLS cryptography (hashes, DRBG, keys,
 * signatures, certificate inspection). Implemented in crypto_mbedtls.c; a
 * move to mbedTLS 3.6 or to PSA changes that file, not its callers.
 *
 * Objects (DRBG, keys) are opaque and live in the arena (mbedtls_calloc);
 * every *_free zeroises before releasing. Private keys never leave this layer
 * except as DER for the store.
 */
#ifndef ACME_CRYPTO_H
#define ACME_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/signer.h"
#include "acme/status.h"
#include "acme/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Zeroise key material (not optimised away). */
void acme_zeroize(void *p, size_t len);

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d (m 1..12, d
 * 1..31, y 0..9999; not checked): negative before 1970. m 13 is January of
 * y + 1, and a d past the month's end runs on into the next month. */
int32_t acme_days_from_civil(int32_t y, int32_t m, int32_t d);

/* Release an arena object of size bytes (NULL is fine): it is zeroised,
 * then freed. Returns NULL, for the caller's pointer. */
void *acme_crypto_release(void *obj, size_t size);

/* An mbedTLS error code (any module, io/tls_mbedtls.c's included) as a
 * status: 0 is ACME_OK; an allocation failure anywhere in the code is
 * ACME_ERR_NO_MEMORY, a failed entropy source ACME_ERR_RNG, a too small
 * output ACME_ERR_BUFFER_TOO_SMALL; anything else is `otherwise`. */
acme_status_t acme_mbedtls_status(int ret, acme_status_t otherwise);

/* ---- SHA-256 ------------------------------------------------------------- */

/* Opaque storage for an incremental SHA-256 (size checked at compile time
 * against the mbedTLS context). */
typedef struct acme_sha256 {
    uint64_t opaque[16];
} acme_sha256_t;

void acme_sha256_begin(acme_sha256_t *h);
void acme_sha256_update(acme_sha256_t *h, const void *data, size_t len);
void acme_sha256_finish(acme_sha256_t *h, uint8_t digest[32]);
void acme_sha256(const void *data, size_t len, uint8_t digest[32]);

/* HMAC-SHA-256 (store integrity). */
acme_status_t acme_hmac_sha256(const uint8_t *key, size_t key_len, const void *data, size_t len,
                               uint8_t mac[32]);
/* HMAC with the SHA-2 function whose output is mac_len bytes: 32 SHA-256,
 * 48 SHA-384, 64 SHA-512 (EAB's HS256/HS384/HS512, RFC 7518 §3.2); any
 * other mac_len is ACME_ERR_INVALID_ARG. Keys longer than the hash's block
 * are hashed first (RFC 2104). mbedTLS holds the padded key in the arena
 * only for the call and zeroises it before it frees it. */
acme_status_t acme_hmac_sha2(size_t mac_len, const uint8_t *key, size_t key_len, const void *data,
                             size_t len, uint8_t *mac);

/* ---- Deterministic random bit generator ------------------------------------ */

typedef struct acme_drbg acme_drbg_t;

/* Entropy callback: the port's rng seam. */
typedef int32_t (*acme_entropy_fn)(void *ctx, uint8_t *buf, size_t len);

/* CTR_DRBG (AES-256) seeded from the entropy callback, personalised with
 * pers. ACME_ERR_RNG when the entropy source fails, ACME_ERR_NO_MEMORY. */
acme_status_t acme_drbg_new(acme_drbg_t **drbg, acme_entropy_fn entropy, void *entropy_ctx,
                            const uint8_t *pers, size_t pers_len);
acme_status_t acme_drbg_fill(acme_drbg_t *drbg, uint8_t *buf, size_t len);
void acme_drbg_free(acme_drbg_t **drbg);

/* ---- Keys -------------------------------------------------------------------- */

typedef struct acme_key acme_key_t;

acme_status_t acme_key_generate(acme_key_t **key, acme_key_type_t type, acme_drbg_t *drbg);
/* Parse a private key from DER (SEC1 EC or PKCS#1 RSA, as key_write_der
 * produces; PKCS#8 accepted). ACME_ERR_MALFORMED, ACME_ERR_UNSUPPORTED (a
 * valid key that is not P-256 or RSA-2048), ACME_ERR_NO_MEMORY (also when the
 * arena is too full to tell a bad key from a lack of memory: mbedTLS does not
 * say which, and a good key must never be taken for a corrupt one). */
acme_status_t acme_key_parse_der(acme_key_t **key, const uint8_t *der, size_t len);
acme_key_type_t acme_key_type(const acme_key_t *key);
/* Private key DER at the start of out. */
acme_status_t acme_key_write_der(const acme_key_t *key, uint8_t *out, size_t cap, size_t *len);
/* SubjectPublicKeyInfo DER at the start of out. */
acme_status_t acme_key_write_spki(const acme_key_t *key, uint8_t *out, size_t cap, size_t *len);
/* The public key in raw form: what a JWK (codec/jwk.h) is written from. */
typedef struct acme_public_key {
    acme_key_type_t type;
    uint8_t x[32]; /* P-256: affine coordinates, big-endian */
    uint8_t y[32];
    uint8_t n[256]; /* RSA-2048: modulus and public exponent, big-endian */
    uint8_t e[8];
    size_t e_len;
} acme_public_key_t;

acme_status_t acme_key_public(const acme_key_t *key, acme_public_key_t *out);
void acme_key_free(acme_key_t **key);

/* A signer (see acme/signer.h) over a software key: ES256 for P-256 keys,
 * RS256 for RSA keys. The key and the DRBG must outlive the signer. */
typedef struct acme_soft_signer {
    acme_key_t *key;
    acme_drbg_t *drbg;
} acme_soft_signer_t;

void acme_soft_signer_init(acme_signer_t *signer, acme_soft_signer_t *state, acme_key_t *key,
                           acme_drbg_t *drbg);

/* ---- Certificates ----------------------------------------------------------------- */

/* One DER X.509 certificate at a time; walking a PEM chain is the codec's job
 * (codec/cert_chain.h). der is parsed in place (not copied) and not kept.
 * Signatures and validity are not checked here. */

/* Facts about one certificate: every field of *info but chain_certs, which is
 * left as it was. serial_hex is the DER INTEGER's content octets in lowercase
 * hex (a leading 00 stays when the high bit is set). Every DNS SAN is counted
 * in name_count; the first ACME_MAX_IDENTIFIERS are kept in names. Strings are
 * truncated to their fields, with non-printable bytes shown as '?'.
 * ACME_ERR_BAD_CERT (not a certificate, or a serial longer than the field),
 * ACME_ERR_NO_MEMORY; on error those fields are zeroed. */
acme_status_t acme_cert_der_info(const uint8_t *der, size_t len, acme_cert_info_t *info);

/* The RFC 9773 certID inputs of a certificate (cert_ari_mbedtls.c): the
 * keyIdentifier of its Authority Key Identifier (at most
 * ACME_ARI_KEY_ID_MAX bytes) and the DER content bytes of its serial (at
 * most ACME_ARI_SERIAL_MAX). ACME_ERR_NOT_FOUND when it has no AKI
 * keyIdentifier (no ARI for it); ACME_ERR_BAD_CERT when it does not parse. */
acme_status_t acme_cert_ari_ids(const uint8_t *der, size_t len, uint8_t *key_id,
                                size_t *key_id_len, uint8_t *serial, size_t *serial_len);

/* The block parses as an X.509 certificate: ACME_OK, ACME_ERR_BAD_CERT or
 * ACME_ERR_NO_MEMORY. */
acme_status_t acme_cert_der_parse_check(const uint8_t *der, size_t len);

/* Whether an issued certificate may replace anything (DESIGN §9): its public
 * key is key's, and its DNS SANs are exactly names (no more, no fewer;
 * case-blind; a SAN of any other type counts as "more"). The key is checked
 * first: ACME_ERR_KEY_MISMATCH, then ACME_ERR_BAD_CERT (also for DER that is
 * not a certificate), ACME_ERR_NO_MEMORY. ACME_ERR_INVALID_ARG unless
 * 1 <= name_count <= ACME_MAX_IDENTIFIERS and every name is 1..
 * ACME_DNS_NAME_MAX characters. */
/* The names acme_cert_der_matches accepts: 1..ACME_MAX_IDENTIFIERS of them,
 * each 1..ACME_DNS_NAME_MAX characters; their lengths go to name_len. */
bool acme_cert_names_usable(const char *const *names, size_t name_count, size_t *name_len);

acme_status_t acme_cert_der_matches(const uint8_t *der, size_t len, const acme_key_t *key,
                                    const char *const *names, size_t name_count);

/* acme_cert_der_matches without the argument checks, for a caller that has
 * made them: der and key not NULL, names found usable and name_len as
 * acme_cert_names_usable gave them. The chain check validates the names
 * before it walks the chain, so they are not checked again for the leaf. */
acme_status_t acme_cert_der_matches_len(const uint8_t *der, size_t len, const acme_key_t *key,
                                        const char *const *names, const size_t *name_len,
                                        size_t name_count);

#ifdef __cplusplus
}
#endif

#endif /* ACME_CRYPTO_H */
