/*
 * Private keys at rest (crypto/seal.h): AES-256-GCM under the device
 * secret, bound to the record type, with a synthetic nonce.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/seal.h"

#if ACME_ENABLE_KEY_SEAL

static const uint8_t secret[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t plain[] = {0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20, 0xde, 0xad, 0xbe,
                                0xef, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};

/* Seal plain as record type into buf; returns the sealed length. */
static size_t seal(uint16_t type, const uint8_t *key, uint8_t *buf, size_t cap)
{
    size_t len = 0;
    memcpy(buf, plain, sizeof(plain));
    assert_int_equal(acme_seal(key, type, buf, sizeof(plain), cap, &len), ACME_OK);
    assert_int_equal(len, sizeof(plain) + ACME_SEAL_OVERHEAD);
    return len;
}

static void test_round_trip_hides_the_key(void **state)
{
    (void)state;
    uint8_t buf[128];
    size_t len = seal(4, secret, buf, sizeof(buf));
    assert_true(acme_sealed(buf, len));
    assert_false(acme_sealed(plain, sizeof(plain)));
    /* No 4-byte run of the key survives in the sealed bytes. */
    for (size_t i = 0; i + 4 <= sizeof(plain); i++) {
        for (size_t j = 0; j + 4 <= len; j++) {
            assert_false(memcmp(buf + j, plain + i, 4) == 0);
        }
    }
    size_t out = 0;
    assert_int_equal(acme_unseal(secret, 4, buf, len, &out), ACME_OK);
    assert_int_equal(out, sizeof(plain));
    assert_memory_equal(buf, plain, sizeof(plain));
}

/* The same key seals to the same bytes (the store then writes nothing);
 * another key or another record type to other bytes. */
static void test_synthetic_nonce_is_deterministic(void **state)
{
    (void)state;
    uint8_t a[128];
    uint8_t b[128];
    size_t la = seal(4, secret, a, sizeof(a));
    size_t lb = seal(4, secret, b, sizeof(b));
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    seal(6, secret, b, sizeof(b));
    assert_memory_not_equal(a + 2, b + 2, 12); /* another nonce */
}

static void test_tampering_and_wrong_context_do_not_open(void **state)
{
    (void)state;
    uint8_t good[128];
    size_t len = seal(32, secret, good, sizeof(good));
    uint8_t buf[128];
    size_t out = 0;
    /* Every bit of nonce, ciphertext and tag matters. */
    for (size_t bit = 16; bit < len * 8; bit += 7) {
        memcpy(buf, good, len);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(acme_unseal(secret, 32, buf, len, &out), ACME_ERR_KEY_SEALED);
        for (size_t i = 0; i < len; i++) {
            assert_int_equal(buf[i], 0); /* nothing half-decrypted is left */
        }
    }
    memcpy(buf, good, len);
    assert_int_equal(acme_unseal(secret, 33, buf, len, &out), ACME_ERR_KEY_SEALED);
    uint8_t other[32];
    memcpy(other, secret, sizeof(other));
    other[31] ^= 1u;
    memcpy(buf, good, len);
    assert_int_equal(acme_unseal(other, 32, buf, len, &out), ACME_ERR_KEY_SEALED);
    /* Truncated: too short to be sealed, or missing tag bytes. */
    memcpy(buf, good, len);
    assert_int_equal(acme_unseal(secret, 32, buf, ACME_SEAL_OVERHEAD, &out), ACME_ERR_MALFORMED);
    memcpy(buf, good, len);
    assert_int_equal(acme_unseal(secret, 32, buf, len - 1, &out), ACME_ERR_KEY_SEALED);
    memcpy(buf, plain, sizeof(plain));
    assert_int_equal(acme_unseal(secret, 32, buf, sizeof(plain), &out), ACME_ERR_MALFORMED);
}

static void test_limits(void **state)
{
    (void)state;
    uint8_t buf[sizeof(plain) + ACME_SEAL_OVERHEAD];
    size_t len = 0;
    memcpy(buf, plain, sizeof(plain));
    assert_int_equal(acme_seal(secret, 4, buf, sizeof(plain), sizeof(buf) - 1, &len),
                     ACME_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(acme_seal(secret, 4, buf, 0, sizeof(buf), &len), ACME_ERR_INVALID_ARG);
    memcpy(buf, plain, sizeof(plain));
    assert_int_equal(acme_seal(secret, 4, buf, sizeof(plain), sizeof(buf), &len), ACME_OK);
    assert_int_equal(len, sizeof(buf));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_hides_the_key),
        cmocka_unit_test(test_synthetic_nonce_is_deterministic),
        cmocka_unit_test(test_tampering_and_wrong_context_do_not_open),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else
int main(void)
{
    return 0; /* built without ACME_ENABLE_KEY_SEAL */
}
#endif
