/*
 * Shared set-up for the tests of the crypto wrapper and the signing codecs:
 * a deterministic entropy source (so keys and signatures are reproducible
 * from run to run), an arena for mbedTLS with a leak check, ready-made
 * DRBG + keys + soft signers, and reading fixture files.
 */
#ifndef ACME_TEST_CRYPTO_FIXTURE_H
#define ACME_TEST_CRYPTO_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "acme/codec/signer.h"
#include "crypto/crypto.h"

/* Deterministic "entropy": a counter-seeded xorshift stream. ctx may be NULL
 * or point at a fixture_entropy_t to control it. */
typedef struct fixture_entropy {
    uint64_t state;
    int fail; /* non-zero: every call fails with ACME_ERR_RNG */
    unsigned calls;
} fixture_entropy_t;

int32_t fixture_entropy(void *ctx, uint8_t *buf, size_t len);

/* Arena (mbedTLS + cJSON) over a static buffer of size bytes (at most
 * FIXTURE_ARENA_MAX); returns 0 on success. */
#define FIXTURE_ARENA_MAX (512u * 1024u)
int fixture_arena_init(size_t size);
/* Bytes allocated from the arena right now (0 after everything was freed).
 * Bytes, not blocks: mbedTLS counts block headers, and a free block handed
 * out whole adds no header. */
size_t fixture_arena_in_use(void);
/* High-water mark of the arena since fixture_arena_init. */
size_t fixture_arena_peak(void);

/* A DRBG seeded from a fresh deterministic stream. */
acme_drbg_t *fixture_drbg(uint64_t seed);

/* Reads a whole file into buf (NUL-terminated); returns its length, or
 * (size_t)-1 when it is missing or does not fit. */
size_t fixture_read_file(const char *path, char *buf, size_t cap);

/* Loads a private key from a PEM file (label "EC PRIVATE KEY", "PRIVATE KEY"
 * or "RSA PRIVATE KEY") through acme_pem_next and acme_key_parse_der. */
acme_key_t *fixture_key_from_pem_file(const char *path);

#endif /* ACME_TEST_CRYPTO_FIXTURE_H */
