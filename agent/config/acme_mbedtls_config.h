/*
 * mbedTLS 2.28 configuration for the ACME agent.
 *
 * One configuration for the host build and the device: the host tests run the
 * same crypto, the same record sizes and the same bounded allocator as the
 * firmware. Only what an ACME client needs is enabled:
 *
 *   - TLS 1.2 client, ECDHE key exchange with ECDSA or RSA server certificates
 *     (public ACME CAs serve both), AES-GCM;
 *   - X.509 chain verification (RSA up to 4096 bits for ISRG Root X1, ECDSA
 *     P-256/P-384 for ISRG Root X2);
 *   - P-256 keys for the account (ES256) and the device, RSA-2048 device keys
 *     as an option;
 *   - every allocation from the agent's arena (MEMORY_BUFFER_ALLOC_C).
 *
 * An integrator who brings their own mbedTLS configuration must keep the
 * options that agent/src/crypto/crypto_mbedtls.c checks with #error.
 */
#ifndef ACME_MBEDTLS_CONFIG_H
#define ACME_MBEDTLS_CONFIG_H

/* ---- System ---------------------------------------------------------- */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE /* certificate validity is checked */

/* Every allocation goes to the arena the agent is given; nothing else. */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
/* Certificate dates are checked against the port's wall clock
 * (mbedtls_platform_set_time in io/tls_mbedtls.c), not libc's time(): a
 * bare-metal C library may have no clock at all. */
#define MBEDTLS_PLATFORM_TIME_ALT
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
/* 8, not the default 4: cJSON nodes (which share the arena) hold doubles. */
#define MBEDTLS_MEMORY_ALIGN_MULTIPLE 8

/* Entropy comes from the port's rng seam straight into CTR_DRBG. */
#define MBEDTLS_NO_PLATFORM_ENTROPY

/* ---- Symmetric crypto, hashes, DRBG ---------------------------------- */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES   /* tables in flash, not RAM */
#define MBEDTLS_AES_FEWER_TABLES /* 6 KiB less flash */
#define MBEDTLS_CIPHER_C
#define MBEDTLS_GCM_C
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
/* SHA-384 and SHA-512: ECDSA P-384 chains, GCM-SHA384 suites, EAB's HS384
 * and HS512 (on whether or not EAB is: TLS needs it anyway). */
#define MBEDTLS_SHA512_C

/* ---- Public-key crypto ----------------------------------------------- */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_MPI_MAX_SIZE 512  /* RSA-4096 roots */
#define MBEDTLS_MPI_WINDOW_SIZE 2 /* 2 instead of 6: ~6 KiB less heap per RSA private op */
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_WINDOW_SIZE 2       /* bounded heap for scalar multiplication */
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0 /* no RAM tables for the generator */
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECDSA_DETERMINISTIC /* RFC 6979: a weak RNG cannot leak the key */
#define MBEDTLS_HMAC_DRBG_C         /* required by deterministic ECDSA */
#define MBEDTLS_ECDH_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_GENPRIME /* RSA-2048 device keys */

/* ---- Keys, ASN.1, PEM, X.509 ------------------------------------------ */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_PEM_WRITE_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_PK_WRITE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_MAX_INTERMEDIATE_CA 4

/* ---- TLS 1.2 client ---------------------------------------------------- */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_SERVER_NAME_INDICATION /* virtual-hosted CAs need SNI */
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_ENCRYPT_THEN_MAC
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
/* Public ACME servers do not negotiate max_fragment_length: a full 16 KiB
 * record must fit on the way in. Our own requests are small. */
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096
#define MBEDTLS_SSL_CIPHERSUITES                      \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,  \
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, \
        MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,   \
        MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
/* The server chain is verified during the handshake and then dropped. */
#undef MBEDTLS_SSL_KEEP_PEER_CERTIFICATE

/* Human-readable low-level errors on hosts; devices save ~10 KiB of text. */
#if !defined(ACME_MBEDTLS_NO_ERROR_STRINGS)
#define MBEDTLS_ERROR_C
#endif

/* Host builds (tests, CLI) may inspect CSRs, and count live arena blocks so
 * tests can prove nothing leaks; devices need neither. */
#if !defined(ACME_MBEDTLS_DEVICE)
#define MBEDTLS_X509_CSR_PARSE_C
#define MBEDTLS_MEMORY_DEBUG
#endif

#include "mbedtls/check_config.h"

#endif /* ACME_MBEDTLS_CONFIG_H */
