/*
 * AES-256-GCM sealing of private keys at rest (see seal.h), with mbedTLS.
 *
 * Two keys are derived from the device secret, so that the AES key is never
 * also an HMAC key: enc = HMAC(secret, "acme-seal enc"), iv = HMAC(secret,
 * "acme-seal iv"). The nonce is the first 12 bytes of HMAC(iv, type ||
 * plaintext); the additional data is the record type (2 bytes, LE).
 */
#include "crypto/seal.h"

#include <string.h>

#include "acme/config_defaults.h"
#include "crypto/crypto.h"

#if ACME_ENABLE_KEY_SEAL

#include "mbedtls/gcm.h"

#define SEAL_MAGIC0 0xA7u
#define SEAL_MAGIC1 0x01u /* format version */
#define NONCE_LEN 12u
#define TAG_LEN 16u
#define HEAD_LEN (2u + NONCE_LEN)

/* The two derived keys. */
static acme_status_t derive(const uint8_t secret[ACME_SEAL_SECRET_LEN], uint8_t enc[32],
                            uint8_t iv[32])
{
    acme_status_t st = acme_hmac_sha256(secret, ACME_SEAL_SECRET_LEN, "acme-seal enc", 13, enc);
    return st == ACME_OK ? acme_hmac_sha256(secret, ACME_SEAL_SECRET_LEN, "acme-seal iv", 12, iv)
                         : st;
}

bool acme_sealed(const uint8_t *rec, size_t len)
{
    return len >= 2u && rec[0] == SEAL_MAGIC0 && rec[1] == SEAL_MAGIC1;
}

/* GCM over buf[0..len) in place, with the record type as additional data. */
static acme_status_t gcm(const uint8_t key[32], uint16_t type, int mode, const uint8_t *nonce,
                         uint8_t *buf, size_t len, uint8_t *tag)
{
    const uint8_t aad[2] = {(uint8_t)type, (uint8_t)(type >> 8)};
    mbedtls_gcm_context ctx;
    mbedtls_gcm_init(&ctx);
    int ret = mbedtls_gcm_setkey(&ctx, MBEDTLS_CIPHER_ID_AES, key, 256);
    if (ret == 0 && mode == MBEDTLS_GCM_ENCRYPT) {
        ret = mbedtls_gcm_crypt_and_tag(&ctx, MBEDTLS_GCM_ENCRYPT, len, nonce, NONCE_LEN, aad,
                                        sizeof(aad), buf, buf, TAG_LEN, tag);
    } else if (ret == 0) {
        ret = mbedtls_gcm_auth_decrypt(&ctx, len, nonce, NONCE_LEN, aad, sizeof(aad), tag, TAG_LEN,
                                       buf, buf);
    }
    mbedtls_gcm_free(&ctx); /* zeroises the key schedule */
    if (ret == MBEDTLS_ERR_GCM_AUTH_FAILED) {
        return ACME_ERR_KEY_SEALED;
    }
    return acme_mbedtls_status(ret, ACME_ERR_CRYPTO);
}

acme_status_t acme_seal(const uint8_t secret[ACME_SEAL_SECRET_LEN], uint16_t type, uint8_t *buf,
                        size_t len, size_t cap, size_t *out_len)
{
    if (secret == NULL || buf == NULL || out_len == NULL || len == 0) {
        return ACME_ERR_INVALID_ARG;
    }
    if (cap < ACME_SEAL_OVERHEAD || len > cap - ACME_SEAL_OVERHEAD) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    uint8_t enc[32];
    uint8_t iv[32];
    uint8_t mac[32];
    acme_status_t st = derive(secret, enc, iv);
    if (st == ACME_OK) {
        /* The nonce input (type, plaintext) is laid out where the sealed
         * record will be, then overwritten. */
        memmove(buf + 2, buf, len);
        buf[0] = (uint8_t)type;
        buf[1] = (uint8_t)(type >> 8);
        st = acme_hmac_sha256(iv, sizeof(iv), buf, len + 2u, mac);
        memmove(buf + HEAD_LEN, buf + 2, len);
        buf[0] = SEAL_MAGIC0;
        buf[1] = SEAL_MAGIC1;
        memcpy(buf + 2, mac, NONCE_LEN);
    }
    if (st == ACME_OK) {
        st =
            gcm(enc, type, MBEDTLS_GCM_ENCRYPT, buf + 2, buf + HEAD_LEN, len, buf + HEAD_LEN + len);
    }
    acme_zeroize(enc, sizeof(enc));
    acme_zeroize(iv, sizeof(iv));
    if (st != ACME_OK) {
        acme_zeroize(buf, cap);
        return st;
    }
    *out_len = len + ACME_SEAL_OVERHEAD;
    return ACME_OK;
}

acme_status_t acme_unseal(const uint8_t secret[ACME_SEAL_SECRET_LEN], uint16_t type, uint8_t *buf,
                          size_t len, size_t *out_len)
{
    if (secret == NULL || buf == NULL || out_len == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    if (!acme_sealed(buf, len) || len <= ACME_SEAL_OVERHEAD) {
        return ACME_ERR_MALFORMED;
    }
    size_t n = len - ACME_SEAL_OVERHEAD;
    uint8_t enc[32];
    uint8_t iv[32];
    acme_status_t st = derive(secret, enc, iv);
    if (st == ACME_OK) {
        st = gcm(enc, type, MBEDTLS_GCM_DECRYPT, buf + 2, buf + HEAD_LEN, n, buf + HEAD_LEN + n);
    }
    acme_zeroize(enc, sizeof(enc));
    acme_zeroize(iv, sizeof(iv));
    if (st != ACME_OK) {
        acme_zeroize(buf, len);
        return st;
    }
    memmove(buf, buf + HEAD_LEN, n);
    acme_zeroize(buf + n, len - n);
    *out_len = n;
    return ACME_OK;
}

#endif /* ACME_ENABLE_KEY_SEAL */
