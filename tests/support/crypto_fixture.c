/*
 * Deterministic entropy, an arena with a leak check, and fixture loading for
 * the crypto and signing-codec tests (see crypto_fixture.h).
 */
#include "crypto_fixture.h"

#include <stdio.h>
#include <string.h>

#include "acme/codec/pem.h"
#include "acme/io/arena.h"

static uint8_t arena_buf[FIXTURE_ARENA_MAX];
static acme_arena_t arena;

static uint64_t xorshift64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

int32_t fixture_entropy(void *ctx, uint8_t *buf, size_t len)
{
    static fixture_entropy_t fallback = {0x9E3779B97F4A7C15u, 0, 0};
    fixture_entropy_t *e = (ctx != NULL) ? ctx : &fallback;
    e->calls++;
    if (e->fail) {
        return ACME_ERR_RNG;
    }
    if (e->state == 0) {
        e->state = 0x9E3779B97F4A7C15u;
    }
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(xorshift64(&e->state) >> 24);
    }
    return ACME_OK;
}

int fixture_arena_init(size_t size)
{
    if (size > sizeof(arena_buf)) {
        return -1;
    }
    return acme_arena_init(&arena, arena_buf, size) == ACME_OK ? 0 : -1;
}

size_t fixture_arena_in_use(void)
{
    size_t bytes = 0;
    size_t blocks = 0;
    acme_arena_in_use(&bytes, &blocks);
    return bytes;
}

size_t fixture_arena_peak(void)
{
    return acme_arena_peak(&arena);
}

/* The DRBG keeps a pointer to its entropy context for reseeding: one static
 * stream per seed slot is enough for tests (a handful of DRBGs at a time). */
#define FIXTURE_STREAMS 8
static fixture_entropy_t streams[FIXTURE_STREAMS];
static unsigned next_stream;

acme_drbg_t *fixture_drbg(uint64_t seed)
{
    fixture_entropy_t *e = &streams[next_stream++ % FIXTURE_STREAMS];
    e->state = seed * 0x2545F4914F6CDD1Du + 1u;
    e->fail = 0;
    e->calls = 0;
    acme_drbg_t *drbg = NULL;
    static const uint8_t pers[] = "acme-agent tests";
    if (acme_drbg_new(&drbg, fixture_entropy, e, pers, sizeof(pers) - 1) != ACME_OK) {
        return NULL;
    }
    return drbg;
}

size_t fixture_read_file(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL || cap == 0) {
        if (f != NULL) {
            fclose(f);
        }
        return (size_t)-1;
    }
    size_t n = fread(buf, 1, cap - 1, f);
    int complete = feof(f);
    fclose(f);
    if (!complete) {
        return (size_t)-1;
    }
    buf[n] = '\0';
    return n;
}

acme_key_t *fixture_key_from_pem_file(const char *path)
{
    static const char *const labels[] = {"EC PRIVATE KEY", "PRIVATE KEY", "RSA PRIVATE KEY"};
    char pem[4096];
    uint8_t der[2048];
    size_t pem_len = fixture_read_file(path, pem, sizeof(pem));
    if (pem_len == (size_t)-1) {
        return NULL;
    }
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
        size_t pos = 0;
        size_t der_len = 0;
        if (acme_pem_next(pem, pem_len, &pos, labels[i], der, sizeof(der), &der_len) == ACME_OK) {
            acme_key_t *key = NULL;
            acme_status_t st = acme_key_parse_der(&key, der, der_len);
            memset(der, 0, sizeof(der));
            return st == ACME_OK ? key : NULL;
        }
    }
    return NULL;
}
