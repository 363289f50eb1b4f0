/*
 * crypto.h on mbedTLS 2.28: SHA-256, HMAC, CTR_DRBG, P-256/RSA-2048 keys, the
 * software signer and certificate inspection. The only file of the agent's
 * crypto layer that includes mbedTLS headers; a move to mbedTLS 3.6 or PSA
 * rewrites this file and nothing else.
 *
 * Every object lives in the arena through mbedtls_calloc/mbedtls_free and is
 * zeroised before it is released.
 */
#include "crypto/crypto.h"

#include <limits.h>
#include <string.h>

#include "acme/config_defaults.h"
#include "ascii.h"
#include "compiler.h"

#include "mbedtls/asn1.h"
#include "mbedtls/bignum.h"
#include "mbedtls/cipher.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/ecdsa.h"
#include "mbedtls/ecp.h"
#include "mbedtls/md.h"
#include "mbedtls/oid.h"
#include "mbedtls/pem.h"
#include "mbedtls/pk.h"
#include "mbedtls/platform.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/rsa.h"
#include "mbedtls/sha256.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509.h"
#include "mbedtls/x509_crt.h"

/* ---- What this file needs from the mbedTLS configuration ------------------ */
/* An integrator's own mbedtls config must keep these (see
 * agent/config/acme_mbedtls_config.h). */

#if !defined(MBEDTLS_SHA256_C)
#error "the ACME agent needs MBEDTLS_SHA256_C (JWS, thumbprints, CSR)"
#endif
#if !defined(MBEDTLS_MD_C)
#error "the ACME agent needs MBEDTLS_MD_C (HMAC for EAB and the key seal)"
#endif
#if ACME_ENABLE_EAB && (!defined(MBEDTLS_SHA512_C) || defined(MBEDTLS_SHA512_NO_SHA384))
#error "EAB signs with HS384 and HS512 too: MBEDTLS_SHA512_C without MBEDTLS_SHA512_NO_SHA384"
#endif
#if !defined(MBEDTLS_CTR_DRBG_C) || !defined(MBEDTLS_AES_C)
#error "the ACME agent needs MBEDTLS_CTR_DRBG_C and MBEDTLS_AES_C"
#endif
#if !defined(MBEDTLS_NO_PLATFORM_ENTROPY)
#error "the ACME agent seeds CTR_DRBG from the port's rng: set MBEDTLS_NO_PLATFORM_ENTROPY"
#endif
#if !defined(MBEDTLS_BIGNUM_C) || !defined(MBEDTLS_ECP_C) || !defined(MBEDTLS_ECDSA_C)
#error "the ACME agent needs MBEDTLS_BIGNUM_C, MBEDTLS_ECP_C and MBEDTLS_ECDSA_C"
#endif
#if !defined(MBEDTLS_ECP_DP_SECP256R1_ENABLED)
#error "the ACME agent needs MBEDTLS_ECP_DP_SECP256R1_ENABLED (P-256 keys, ES256)"
#endif
#if !defined(MBEDTLS_ECDSA_DETERMINISTIC) || !defined(MBEDTLS_HMAC_DRBG_C)
#error "the ACME agent signs with RFC 6979: MBEDTLS_ECDSA_DETERMINISTIC and HMAC_DRBG_C"
#endif
#if !defined(MBEDTLS_RSA_C) || !defined(MBEDTLS_PKCS1_V15) || !defined(MBEDTLS_GENPRIME)
#error "the ACME agent needs MBEDTLS_RSA_C, MBEDTLS_PKCS1_V15 and MBEDTLS_GENPRIME"
#endif
#if !defined(MBEDTLS_PK_C) || !defined(MBEDTLS_PK_PARSE_C) || !defined(MBEDTLS_PK_WRITE_C)
#error "the ACME agent needs MBEDTLS_PK_C, MBEDTLS_PK_PARSE_C and MBEDTLS_PK_WRITE_C"
#endif
#if !defined(MBEDTLS_ASN1_PARSE_C) || !defined(MBEDTLS_ASN1_WRITE_C) || !defined(MBEDTLS_OID_C)
#error "the ACME agent needs MBEDTLS_ASN1_PARSE_C, MBEDTLS_ASN1_WRITE_C and MBEDTLS_OID_C"
#endif
#if !defined(MBEDTLS_X509_USE_C) || !defined(MBEDTLS_X509_CRT_PARSE_C)
#error "the ACME agent needs MBEDTLS_X509_USE_C and MBEDTLS_X509_CRT_PARSE_C"
#endif
#if !defined(MBEDTLS_PLATFORM_C) || !defined(MBEDTLS_PLATFORM_MEMORY)
#error "the ACME agent routes allocations to its arena: MBEDTLS_PLATFORM_C, _MEMORY"
#endif
#if !defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
#error "the ACME agent needs MBEDTLS_MEMORY_BUFFER_ALLOC_C (the arena)"
#endif
#if defined(MBEDTLS_THREADING_C)
#error "the agent is single-threaded and fences mbedTLS into its arena: no MBEDTLS_THREADING_C"
#endif

/* C99 static assertion: a negative array size stops the build. */
#define CRYPTO_STATIC_ASSERT(cond, name) typedef char crypto_static_assert_##name[(cond) ? 1 : -1]

CRYPTO_STATIC_ASSERT(sizeof(mbedtls_sha256_context) <= sizeof(acme_sha256_t), sha256_context_fits);

/* ---- Limits ------------------------------------------------------------------ */

/* The only RSA size the agent generates or loads. */
#define RSA_BITS 2048u
#define RSA_BYTES (RSA_BITS / 8u)
#define RSA_EXPONENT 65537
/* Largest RSA public exponent accepted in a parsed key (bytes). */
#define RSA_E_MAX 8u
/* More arena than parsing any key the agent uses takes (RSA-2048 needs
 * ~3 KiB; measured by the arena sweep in tests/unit/test_crypto.c). */
#define KEY_PARSE_HEADROOM 8192u

/* ---- mbedTLS error codes -> acme_status_t ------------------------------------ */

/* mbedTLS errors are a high-level (module) part plus a low-level part. The
 * allocation and entropy failures matter to the caller whatever module saw
 * them first; the rest is the caller's fallback for that operation. Codes
 * below 0x80 are low-level, the others high-level. */
acme_status_t acme_mbedtls_status(int ret, acme_status_t otherwise)
{
    /* -MBEDTLS_ERR_..., grouped by the status they mean: allocation failures
     * (the first KNOWN_NO_MEMORY), then the entropy source, then too small
     * outputs. */
    static const uint16_t known[] = {
        (uint16_t)-MBEDTLS_ERR_MPI_ALLOC_FAILED,
        (uint16_t)-MBEDTLS_ERR_ASN1_ALLOC_FAILED,
        (uint16_t)-MBEDTLS_ERR_PK_ALLOC_FAILED,
        (uint16_t)-MBEDTLS_ERR_ECP_ALLOC_FAILED,
        (uint16_t)-MBEDTLS_ERR_X509_ALLOC_FAILED,
        (uint16_t)-MBEDTLS_ERR_MD_ALLOC_FAILED,
        (uint16_t)-MBEDTLS_ERR_SSL_ALLOC_FAILED,
        (uint16_t)-MBEDTLS_ERR_CIPHER_ALLOC_FAILED,
        (uint16_t)-MBEDTLS_ERR_PEM_ALLOC_FAILED,
        (uint16_t)-MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED,
        (uint16_t)-MBEDTLS_ERR_ASN1_BUF_TOO_SMALL,
        (uint16_t)-MBEDTLS_ERR_MPI_BUFFER_TOO_SMALL,
        (uint16_t)-MBEDTLS_ERR_ECP_BUFFER_TOO_SMALL,
    };
#define KNOWN_NO_MEMORY 9u
    if (ret == 0) {
        return ACME_OK;
    }
    if (ret > 0 || ret == INT_MIN) {
        return otherwise;
    }
    unsigned code = (unsigned)-ret;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        unsigned part = code & (known[i] < 0x80u ? 0x007Fu : 0xFF80u);
        if (part == known[i]) {
            return i < KNOWN_NO_MEMORY    ? ACME_ERR_NO_MEMORY
                   : i == KNOWN_NO_MEMORY ? ACME_ERR_RNG
                                          : ACME_ERR_BUFFER_TOO_SMALL;
        }
    }
    return otherwise;
}

/* ---- SHA-256 ------------------------------------------------------------------- */

/* The context is copied in and out of the caller's opaque storage instead of
 * being used in place through a cast: that keeps the C aliasing rules intact
 * (the storage's type is uint64_t[]), and 2.28's context holds no pointers. */
static void sha256_load(const acme_sha256_t *h, mbedtls_sha256_context *ctx)
{
    memcpy(ctx, h->opaque, sizeof(*ctx));
}

static void sha256_store(acme_sha256_t *h, const mbedtls_sha256_context *ctx)
{
    memcpy(h->opaque, ctx, sizeof(*ctx));
}

void acme_sha256_begin(acme_sha256_t *h)
{
    mbedtls_sha256_context ctx;
    mbedtls_sha256_init(&ctx);
    (void)mbedtls_sha256_starts_ret(&ctx, 0); /* software SHA-256 cannot fail */
    sha256_store(h, &ctx);
    mbedtls_sha256_free(&ctx);
}

void acme_sha256_update(acme_sha256_t *h, const void *data, size_t len)
{
    mbedtls_sha256_context ctx;
    if (len == 0) {
        return;
    }
    sha256_load(h, &ctx);
    (void)mbedtls_sha256_update_ret(&ctx, data, len);
    sha256_store(h, &ctx);
    mbedtls_platform_zeroize(&ctx, sizeof(ctx));
}

void acme_sha256_finish(acme_sha256_t *h, uint8_t digest[32])
{
    mbedtls_sha256_context ctx;
    sha256_load(h, &ctx);
    (void)mbedtls_sha256_finish_ret(&ctx, digest);
    mbedtls_sha256_free(&ctx);
    mbedtls_platform_zeroize(h, sizeof(*h));
}

void acme_sha256(const void *data, size_t len, uint8_t digest[32])
{
    (void)mbedtls_sha256_ret(data, len, digest, 0); /* software SHA-256 cannot fail */
}

acme_status_t acme_hmac_sha2(size_t mac_len, const uint8_t *key, size_t key_len, const void *data,
                             size_t len, uint8_t *mac)
{
    if ((key == NULL && key_len != 0) || (data == NULL && len != 0) || mac == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    /* SHA-384 is part of MBEDTLS_SHA512_C in 2.28 (checked above). */
    mbedtls_md_type_t type = mac_len == 32u   ? MBEDTLS_MD_SHA256
                             : mac_len == 48u ? MBEDTLS_MD_SHA384
                             : mac_len == 64u ? MBEDTLS_MD_SHA512
                                              : MBEDTLS_MD_NONE;
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(type);
    if (md == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    int ret = mbedtls_md_hmac(md, key, key_len, data, len, mac);
    return acme_mbedtls_status(ret, ACME_ERR_CRYPTO);
}

acme_status_t acme_hmac_sha256(const uint8_t *key, size_t key_len, const void *data, size_t len,
                               uint8_t mac[32])
{
    return acme_hmac_sha2(32u, key, key_len, data, len, mac);
}

/* ---- DRBG ------------------------------------------------------------------------ */

struct acme_drbg {
    acme_entropy_fn entropy;
    void *entropy_ctx;
    mbedtls_ctr_drbg_context ctr;
};

/* mbedTLS's entropy callback shape over the port's rng seam. Also used for
 * reseeding, so the port's source must outlive the DRBG. */
static int drbg_entropy(void *p, unsigned char *buf, size_t len)
{
    acme_drbg_t *drbg = p;
    if (drbg->entropy(drbg->entropy_ctx, buf, len) != ACME_OK) {
        return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
    }
    return 0;
}

acme_status_t acme_drbg_new(acme_drbg_t **drbg, acme_entropy_fn entropy, void *entropy_ctx,
                            const uint8_t *pers, size_t pers_len)
{
    if (drbg == NULL || entropy == NULL || (pers == NULL && pers_len != 0)) {
        return ACME_ERR_INVALID_ARG;
    }
    *drbg = NULL;
    acme_drbg_t *d = mbedtls_calloc(1, sizeof(*d));
    if (d == NULL) {
        return ACME_ERR_NO_MEMORY;
    }
    mbedtls_ctr_drbg_init(&d->ctr);
    d->entropy = entropy;
    d->entropy_ctx = entropy_ctx;
    int ret = mbedtls_ctr_drbg_seed(&d->ctr, drbg_entropy, d, pers, pers_len);
    if (ret != 0) {
        acme_drbg_free(&d);
        return acme_mbedtls_status(ret, ACME_ERR_RNG);
    }
    *drbg = d;
    return ACME_OK;
}

acme_status_t acme_drbg_fill(acme_drbg_t *drbg, uint8_t *buf, size_t len)
{
    if (drbg == NULL || (buf == NULL && len != 0)) {
        return ACME_ERR_INVALID_ARG;
    }
    /* CTR_DRBG serves at most MBEDTLS_CTR_DRBG_MAX_REQUEST bytes per call. */
    size_t done = 0;
    while (done < len) {
        size_t n = len - done;
        if (n > MBEDTLS_CTR_DRBG_MAX_REQUEST) {
            n = MBEDTLS_CTR_DRBG_MAX_REQUEST;
        }
        int ret = mbedtls_ctr_drbg_random(&drbg->ctr, buf + done, n);
        if (ret != 0) {
            mbedtls_platform_zeroize(buf, len);
            return acme_mbedtls_status(ret, ACME_ERR_RNG);
        }
        done += n;
    }
    return ACME_OK;
}

void acme_drbg_free(acme_drbg_t **drbg)
{
    if (drbg == NULL || *drbg == NULL) {
        return;
    }
    mbedtls_ctr_drbg_free(&(*drbg)->ctr);
    *drbg = acme_crypto_release(*drbg, sizeof(**drbg));
}

/* ---- Keys ---------------------------------------------------------------------------- */

struct acme_key {
    mbedtls_pk_context pk;
    acme_key_type_t type;
};

/* mbedTLS 2.28's pk writers take a non-const context although they only
 * read it. A shallow copy (two pointers) passes a const key without casting
 * the qualifier away; the key material itself is not copied. */
static mbedtls_pk_context pk_view(const acme_key_t *key)
{
    return key->pk;
}

/* The EC key pair inside pk, for a pk the caller knows to be an EC key (set
 * up as one, or classified P-256): 2.28's mbedtls_pk_ec() would look the
 * type up again, in a copy emitted out of line. */
static mbedtls_ecp_keypair *ec_keypair(const mbedtls_pk_context *pk)
{
    return pk->pk_ctx;
}

/* Can the arena hand out n contiguous bytes right now? */
static bool arena_has_room(size_t n)
{
    void *probe = mbedtls_calloc(1, n);
    if (probe == NULL) {
        return false;
    }
    mbedtls_free(probe);
    return true;
}

static acme_key_t *key_alloc(void)
{
    acme_key_t *key = mbedtls_calloc(1, sizeof(*key));
    if (key != NULL) {
        mbedtls_pk_init(&key->pk);
        key->type = ACME_KEY_NONE;
    }
    return key;
}

void acme_key_free(acme_key_t **key)
{
    if (key == NULL || *key == NULL) {
        return;
    }
    mbedtls_pk_free(&(*key)->pk); /* zeroises the private values */
    *key = acme_crypto_release(*key, sizeof(**key));
}

/* Which of the agent's key types pk is, or ACME_KEY_NONE. */
static acme_key_type_t classify(const mbedtls_pk_context *pk)
{
    mbedtls_pk_type_t t = mbedtls_pk_get_type(pk);
    if (t == MBEDTLS_PK_ECKEY && ec_keypair(pk)->grp.id == MBEDTLS_ECP_DP_SECP256R1) {
        return ACME_KEY_P256;
    }
#if ACME_ENABLE_RSA_KEYS
    if (t == MBEDTLS_PK_RSA && mbedtls_pk_get_bitlen(pk) == RSA_BITS) {
        return ACME_KEY_RSA2048;
    }
#endif
    return ACME_KEY_NONE;
}

acme_status_t acme_key_generate(acme_key_t **key, acme_key_type_t type, acme_drbg_t *drbg)
{
    if (key == NULL || drbg == NULL || (type != ACME_KEY_P256 && type != ACME_KEY_RSA2048)) {
        return ACME_ERR_INVALID_ARG;
    }
#if !ACME_ENABLE_RSA_KEYS
    if (type == ACME_KEY_RSA2048) {
        return ACME_ERR_UNSUPPORTED; /* RSA keys are not compiled in */
    }
#endif
    *key = NULL;
    acme_key_t *k = key_alloc();
    if (k == NULL) {
        return ACME_ERR_NO_MEMORY;
    }
    int ret;
    if (type == ACME_KEY_P256) {
        ret = mbedtls_pk_setup(&k->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
        if (ret == 0) {
            ret = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, ec_keypair(&k->pk),
                                      mbedtls_ctr_drbg_random, &drbg->ctr);
        }
    } else {
#if ACME_ENABLE_RSA_KEYS
        ret = mbedtls_pk_setup(&k->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA));
        if (ret == 0) {
            ret = mbedtls_rsa_gen_key(mbedtls_pk_rsa(k->pk), mbedtls_ctr_drbg_random, &drbg->ctr,
                                      RSA_BITS, RSA_EXPONENT);
        }
#endif
    }
    if (ret != 0) {
        acme_key_free(&k);
        return acme_mbedtls_status(ret, ACME_ERR_CRYPTO);
    }
    k->type = type;
    *key = k;
    return ACME_OK;
}

acme_status_t acme_key_parse_der(acme_key_t **key, const uint8_t *der, size_t len)
{
    if (key == NULL || der == NULL || len == 0) {
        return ACME_ERR_INVALID_ARG;
    }
    *key = NULL;
    acme_key_t *k = key_alloc();
    if (k == NULL) {
        return ACME_ERR_NO_MEMORY;
    }
    /* DER only: no password (an encrypted key is refused). */
    int ret = mbedtls_pk_parse_key(&k->pk, der, len, NULL, 0);
    if (ret != 0) {
        acme_key_free(&k);
        /* mbedtls_pk_parse_key tries every format in turn and reports only
         * "invalid format", even when an allocation failed. Telling a full
         * arena from a bad key matters (a key believed corrupt may be
         * replaced, losing an account), so probe: if the arena cannot give
         * more than any parse needs, blame the arena. */
        if (!arena_has_room(KEY_PARSE_HEADROOM)) {
            return ACME_ERR_NO_MEMORY;
        }
        return acme_mbedtls_status(ret, ACME_ERR_MALFORMED);
    }
    k->type = classify(&k->pk);
    if (k->type == ACME_KEY_NONE) {
        acme_key_free(&k);
        return ACME_ERR_UNSUPPORTED;
    }
    *key = k;
    return ACME_OK;
}

acme_key_type_t acme_key_type(const acme_key_t *key)
{
    return key == NULL ? ACME_KEY_NONE : key->type;
}

/* The private key (RFC 5915 / PKCS#1) or the SubjectPublicKeyInfo as DER at
 * the start of out. mbedTLS writes DER backwards from the end of the buffer,
 * so it is moved; what it leaves behind (a failed write's parts, the copy in
 * the tail) is wiped, as it may be private key material. */
static acme_status_t write_der(const acme_key_t *key, bool private_key, uint8_t *out, size_t cap,
                               size_t *len)
{
    if (key == NULL || out == NULL || len == NULL || cap == 0) {
        return ACME_ERR_INVALID_ARG;
    }
    mbedtls_pk_context pk = pk_view(key);
    int ret = private_key ? mbedtls_pk_write_key_der(&pk, out, cap)
                          : mbedtls_pk_write_pubkey_der(&pk, out, cap);
    if (ret <= 0) {
        mbedtls_platform_zeroize(out, cap);
        return acme_mbedtls_status(ret, ACME_ERR_CRYPTO);
    }
    memmove(out, out + cap - (size_t)ret, (size_t)ret);
    mbedtls_platform_zeroize(out + ret, cap - (size_t)ret);
    *len = (size_t)ret;
    return ACME_OK;
}

acme_status_t acme_key_write_der(const acme_key_t *key, uint8_t *out, size_t cap, size_t *len)
{
    return write_der(key, true, out, cap, len);
}

acme_status_t acme_key_write_spki(const acme_key_t *key, uint8_t *out, size_t cap, size_t *len)
{
    return write_der(key, false, out, cap, len);
}

acme_status_t acme_key_public(const acme_key_t *key, acme_public_key_t *out)
{
    if (key == NULL || out == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof(*out));
    int ret;
    if (key->type == ACME_KEY_P256) {
        /* Q is affine (Z = 1), as mbedTLS keeps public points: X and Y are
         * the coordinates, each written big-endian into 32 bytes. */
        const mbedtls_ecp_keypair *ec = ec_keypair(&key->pk);
        ret = mbedtls_mpi_write_binary(&ec->Q.X, out->x, sizeof(out->x));
        if (ret == 0) {
            ret = mbedtls_mpi_write_binary(&ec->Q.Y, out->y, sizeof(out->y));
        }
        if (ret != 0) {
            return acme_mbedtls_status(ret, ACME_ERR_CRYPTO);
        }
        out->type = ACME_KEY_P256;
        return ACME_OK;
    }
#if ACME_ENABLE_RSA_KEYS
    if (key->type == ACME_KEY_RSA2048) {
        const mbedtls_rsa_context *rsa = mbedtls_pk_rsa(key->pk);
        if (mbedtls_rsa_get_len(rsa) != RSA_BYTES || sizeof(out->n) != RSA_BYTES ||
            sizeof(out->e) != RSA_E_MAX) {
            return ACME_ERR_UNSUPPORTED;
        }
        ret = mbedtls_rsa_export_raw(rsa, out->n, sizeof(out->n), NULL, 0, NULL, 0, NULL, 0, out->e,
                                     sizeof(out->e));
        if (ret != 0) {
            return acme_mbedtls_status(ret, ACME_ERR_UNSUPPORTED);
        }
        out->type = ACME_KEY_RSA2048;
        out->e_len = sizeof(out->e);
        return ACME_OK;
    }
#endif
    return ACME_ERR_INVALID_ARG;
}

/* ---- Software signer -------------------------------------------------------------- */

static int32_t soft_sign_digest(void *ctx, const uint8_t digest[32], uint8_t *sig, size_t cap,
                                size_t *sig_len)
{
    acme_soft_signer_t *state = ctx;
    if (state == NULL || state->key == NULL || state->drbg == NULL || digest == NULL ||
        sig == NULL || sig_len == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    acme_key_t *key = state->key;
    int ret;
    if (key->type == ACME_KEY_P256) {
        /* Deterministic ECDSA (RFC 6979): the nonce comes from the key and the
         * digest, so a weak RNG cannot leak the key; the DRBG only blinds the
         * scalar multiplication. */
        if (cap < 64) {
            return ACME_ERR_BUFFER_TOO_SMALL;
        }
        mbedtls_ecp_keypair *ec = ec_keypair(&key->pk);
        mbedtls_mpi r;
        mbedtls_mpi s;
        mbedtls_mpi_init(&r);
        mbedtls_mpi_init(&s);
        ret = mbedtls_ecdsa_sign_det_ext(&ec->grp, &r, &s, &ec->d, digest, 32, MBEDTLS_MD_SHA256,
                                         mbedtls_ctr_drbg_random, &state->drbg->ctr);
        if (ret == 0) {
            /* JWS form (RFC 7518 §3.4): r and s, each left-padded to 32. */
            ret = mbedtls_mpi_write_binary(&r, sig, 32);
        }
        if (ret == 0) {
            ret = mbedtls_mpi_write_binary(&s, sig + 32, 32);
        }
        mbedtls_mpi_free(&r);
        mbedtls_mpi_free(&s);
        if (ret != 0) {
            return acme_mbedtls_status(ret, ACME_ERR_CRYPTO);
        }
        *sig_len = 64;
        return ACME_OK;
    }
#if ACME_ENABLE_RSA_KEYS
    if (key->type == ACME_KEY_RSA2048) {
        /* mbedtls_pk_sign has no output size in 2.28: check it here. */
        size_t need = mbedtls_pk_get_len(&key->pk);
        if (cap < need) {
            return ACME_ERR_BUFFER_TOO_SMALL;
        }
        size_t written = 0;
        ret = mbedtls_pk_sign(&key->pk, MBEDTLS_MD_SHA256, digest, 32, sig, &written,
                              mbedtls_ctr_drbg_random, &state->drbg->ctr);
        if (ret != 0) {
            return acme_mbedtls_status(ret, ACME_ERR_CRYPTO);
        }
        *sig_len = written;
        return ACME_OK;
    }
#endif
    return ACME_ERR_INVALID_ARG;
}

void acme_soft_signer_init(acme_signer_t *signer, acme_soft_signer_t *state, acme_key_t *key,
                           acme_drbg_t *drbg)
{
    state->key = key;
    state->drbg = drbg;
    signer->alg = (acme_key_type(key) == ACME_KEY_RSA2048) ? ACME_SIG_RS256 : ACME_SIG_ES256;
    signer->sign_digest = soft_sign_digest;
    signer->ctx = state;
}

/* ---- Certificates ------------------------------------------------------------------- */

/* dNSName in a GeneralName as mbedTLS keeps it in subject_alt_names. */
#define SAN_TAG_DNS (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_DNS_NAME)

/* Unix seconds of an X.509 time (mbedTLS has checked the field ranges).
 * One copy for notBefore and notAfter. */
ACME_NOINLINE static int64_t x509_time_to_unix(const mbedtls_x509_time *t)
{
    return (int64_t)acme_days_from_civil(t->year, t->mon, t->day) * 86400 +
           (t->hour * 3600 + t->min * 60 + t->sec);
}

/* Copies n bytes of certificate text into a NUL-terminated field of cap bytes,
 * truncating, with anything but printable ASCII shown as '?': these strings
 * reach logs and status output. */
static void copy_printable(char *dst, size_t cap, const unsigned char *src, size_t n)
{
    size_t i = 0;
    for (; i < n && i + 1 < cap; i++) {
        unsigned char c = src[i];
        dst[i] = (c >= 0x20u && c < 0x7Fu) ? (char)c : '?';
    }
    dst[i] = '\0';
}

/* Parses one DER certificate without copying it: crt then points into der,
 * so der must outlive crt. */
static acme_status_t parse_der(mbedtls_x509_crt *crt, const uint8_t *der, size_t len)
{
    mbedtls_x509_crt_init(crt);
    int ret = mbedtls_x509_crt_parse_der_nocopy(crt, der, len);
    if (ret != 0) {
        mbedtls_x509_crt_free(crt);
        return acme_mbedtls_status(ret, ACME_ERR_BAD_CERT);
    }
    return ACME_OK;
}

static acme_status_t fill_info(const mbedtls_x509_crt *crt, acme_cert_info_t *info)
{
    /* Subject CN: the first commonName attribute, if any. The list is bounded
     * by the certificate's size (each entry consumed input). */
    for (const mbedtls_x509_name *n = &crt->subject; n != NULL; n = n->next) {
        if (n->oid.p != NULL && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0) {
            copy_printable(info->subject_cn, sizeof(info->subject_cn), n->val.p, n->val.len);
            break;
        }
    }

    /* Issuer DN on one line; a too-long DN is kept truncated. (info was
     * zeroed by the caller, so a DN that fails to print is "".) */
    (void)mbedtls_x509_dn_gets(info->issuer, sizeof(info->issuer), &crt->issuer);
    info->issuer[sizeof(info->issuer) - 1] = '\0';

    /* Serial: the DER INTEGER content octets in lowercase hex, so a leading
     * 00 (high bit set) is kept and the bytes can be recovered exactly (ARI's
     * certificate identifier uses them, RFC 9773 §4.1). RFC 5280 allows 20
     * octets; more than the field holds is not a certificate we accept. */
    const char *hex = "0123456789abcdef"; /* a literal: merged with the others */
    if (crt->serial.len == 0 || crt->serial.len * 2u > ACME_CERT_SERIAL_MAX) {
        return ACME_ERR_BAD_CERT;
    }
    for (size_t i = 0; i < crt->serial.len; i++) {
        info->serial_hex[2 * i] = hex[crt->serial.p[i] >> 4];
        info->serial_hex[2 * i + 1] = hex[crt->serial.p[i] & 0x0Fu];
    }
    info->serial_hex[2 * crt->serial.len] = '\0';

    info->not_before = x509_time_to_unix(&crt->valid_from);
    info->not_after = x509_time_to_unix(&crt->valid_to);

    /* DNS SANs: all are counted; the first ACME_MAX_IDENTIFIERS are kept. */
    for (const mbedtls_x509_sequence *san = &crt->subject_alt_names; san != NULL; san = san->next) {
        if (san->buf.p == NULL || san->buf.tag != SAN_TAG_DNS) {
            continue;
        }
        if (info->name_count < ACME_MAX_IDENTIFIERS) {
            copy_printable(info->names[info->name_count], sizeof(info->names[0]), san->buf.p,
                           san->buf.len);
        }
        info->name_count++;
    }
    return ACME_OK;
}

/* Zeroes every field of info but chain_certs, which belongs to whoever walks
 * the chain (codec/cert_chain.h). One copy for the start and a failure. */
ACME_NOINLINE static void clear_info(acme_cert_info_t *info)
{
    size_t chain_certs = info->chain_certs;
    memset(info, 0, sizeof(*info));
    info->chain_certs = chain_certs;
}

acme_status_t acme_cert_der_info(const uint8_t *der, size_t len, acme_cert_info_t *info)
{
    if (der == NULL || info == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    clear_info(info);
    mbedtls_x509_crt crt;
    acme_status_t st = parse_der(&crt, der, len);
    if (st == ACME_OK) {
        st = fill_info(&crt, info);
        mbedtls_x509_crt_free(&crt);
    }
    if (st != ACME_OK) {
        clear_info(info);
    }
    return st;
}

acme_status_t acme_cert_der_parse_check(const uint8_t *der, size_t len)
{
    if (der == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    mbedtls_x509_crt crt;
    acme_status_t st = parse_der(&crt, der, len);
    if (st == ACME_OK) {
        mbedtls_x509_crt_free(&crt);
    }
    return st;
}

/* The leaf's key is key: the same type (P-256 or RSA-2048, the agent's
 * kinds) and the same public values, whatever the encoding of the
 * certificate's SubjectPublicKeyInfo. */
static acme_status_t check_leaf_key(const mbedtls_x509_crt *leaf, const acme_key_t *key)
{
    if (classify(&leaf->pk) != key->type) {
        return ACME_ERR_KEY_MISMATCH;
    }
#if ACME_ENABLE_RSA_KEYS
    if (key->type == ACME_KEY_RSA2048) {
        const mbedtls_rsa_context *a = mbedtls_pk_rsa(leaf->pk);
        const mbedtls_rsa_context *b = mbedtls_pk_rsa(key->pk);
        return mbedtls_mpi_cmp_mpi(&a->N, &b->N) == 0 && mbedtls_mpi_cmp_mpi(&a->E, &b->E) == 0
                   ? ACME_OK
                   : ACME_ERR_KEY_MISMATCH;
    }
#endif
    return mbedtls_ecp_point_cmp(&ec_keypair(&leaf->pk)->Q, &ec_keypair(&key->pk)->Q) == 0
               ? ACME_OK
               : ACME_ERR_KEY_MISMATCH;
}

/* The leaf names exactly the requested names: every SAN is a dNSName equal
 * (case-blind) to a requested name and every requested name is among them.
 * A SAN of another type (IP address, e-mail...) is something we did not ask
 * for and fails the check. */
static acme_status_t check_leaf_names(const mbedtls_x509_crt *leaf, const char *const *names,
                                      const size_t *name_len, size_t name_count)
{
    bool found[ACME_MAX_IDENTIFIERS] = {false};
    for (const mbedtls_x509_sequence *san = &leaf->subject_alt_names; san != NULL;
         san = san->next) {
        if (san->buf.p == NULL) {
            continue; /* no SAN extension at all: the list head is empty */
        }
        if (san->buf.tag != SAN_TAG_DNS) {
            return ACME_ERR_BAD_CERT;
        }
        bool requested = false;
        for (size_t i = 0; i < name_count; i++) {
            if (acme_ascii_eq_nocase((const char *)san->buf.p, san->buf.len, names[i],
                                     name_len[i])) {
                found[i] = true;
                requested = true;
            }
        }
        if (!requested) {
            return ACME_ERR_BAD_CERT;
        }
    }
    for (size_t i = 0; i < name_count; i++) {
        if (!found[i]) {
            return ACME_ERR_BAD_CERT;
        }
    }
    return ACME_OK;
}

bool acme_cert_names_usable(const char *const *names, size_t name_count, size_t *name_len)
{
    if (names == NULL || name_count == 0 || name_count > ACME_MAX_IDENTIFIERS) {
        return false;
    }
    for (size_t i = 0; i < name_count; i++) {
        size_t n = 0;
        while (names[i] != NULL && n <= ACME_DNS_NAME_MAX && names[i][n] != '\0') {
            n++;
        }
        if (n == 0 || n > ACME_DNS_NAME_MAX) {
            return false;
        }
        name_len[i] = n;
    }
    return true;
}

acme_status_t acme_cert_der_matches(const uint8_t *der, size_t len, const acme_key_t *key,
                                    const char *const *names, size_t name_count)
{
    size_t name_len[ACME_MAX_IDENTIFIERS];
    if (der == NULL || key == NULL || !acme_cert_names_usable(names, name_count, name_len)) {
        return ACME_ERR_INVALID_ARG;
    }
    return acme_cert_der_matches_len(der, len, key, names, name_len, name_count);
}

acme_status_t acme_cert_der_matches_len(const uint8_t *der, size_t len, const acme_key_t *key,
                                        const char *const *names, const size_t *name_len,
                                        size_t name_count)
{
    mbedtls_x509_crt crt;
    acme_status_t st = parse_der(&crt, der, len);
    if (st != ACME_OK) {
        return st;
    }
    st = check_leaf_key(&crt, key);
    if (st == ACME_OK) {
        st = check_leaf_names(&crt, names, name_len, name_count);
    }
    mbedtls_x509_crt_free(&crt);
    return st;
}
