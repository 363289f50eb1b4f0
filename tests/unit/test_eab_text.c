/*
 * Tests for EAB settings as text (acme/codec/eab_text.h): one 32-byte key
 * written every way the rules accept (base64url with and without padding
 * and prefix, standard base64 with and without padding, hex in either
 * case) decodes to the same bytes; the expected spellings were made with
 * Python's base64 module and bytes.hex(). Then every way to get it wrong,
 * each with its own error: empty, the wrong alphabet for the prefix, an
 * unprefixed standard-base64 or all-hex text, bad padding, stray bits,
 * whitespace, too long for the caller's limit (and nothing written past
 * it), out wiped after a failure; and the algorithm names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "acme/codec/eab_text.h"

#define GUARD 0xA5

/* bytes 200..231: its standard base64 has both '+' and '/'. */
static uint8_t key32[32];
static const char key32_url[] = "yMnKy8zNzs_Q0dLT1NXW19jZ2tvc3d7f4OHi4-Tl5uc";
static const char key32_std[] = "yMnKy8zNzs/Q0dLT1NXW19jZ2tvc3d7f4OHi4+Tl5uc";
static const char key32_hex[] = "c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7";

static int group_setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(key32); i++) {
        key32[i] = (uint8_t)(200u + i);
    }
    return 0;
}

/* Decode text with room for cap bytes (and guard bytes after them). */
static acme_eab_key_error_t decode(const char *text, size_t cap, uint8_t *out, size_t *len)
{
    memset(out, GUARD, 256);
    acme_eab_key_error_t e = acme_eab_key_decode(text, strlen(text), out, cap, len);
    for (size_t i = cap; i < 256; i++) {
        if (out[i] != GUARD) {
            fail_msg("'%s': byte %zu past cap %zu written", text, i, cap);
        }
    }
    return e;
}

static void expect_key(const char *text, const uint8_t *want, size_t want_len)
{
    uint8_t out[256];
    size_t len = 12345;
    acme_eab_key_error_t e = decode(text, 128, out, &len);
    if (e != ACME_EAB_KEY_OK) {
        fail_msg("'%s': error %d (%s)", text, (int)e, acme_eab_key_error_text(e));
    }
    assert_int_equal(len, want_len);
    assert_memory_equal(out, want, want_len);
}

/* Fails with e, leaves *len 0 and out[0..cap) zero. */
static void expect_error(const char *text, acme_eab_key_error_t want)
{
    uint8_t out[256];
    size_t len = 12345;
    acme_eab_key_error_t e = decode(text, 128, out, &len);
    if (e != want) {
        fail_msg("'%s': error %d, expected %d", text, (int)e, (int)want);
    }
    assert_int_equal(len, 0);
    for (size_t i = 0; i < 128; i++) {
        assert_int_equal(out[i], 0);
    }
}

static void test_every_spelling_of_one_key(void **state)
{
    (void)state;
    char text[160];
    /* base64url: the default, with or without its prefix and padding. */
    expect_key(key32_url, key32, 32);
    snprintf(text, sizeof(text), "%s=", key32_url);
    expect_key(text, key32, 32);
    snprintf(text, sizeof(text), "base64url:%s", key32_url);
    expect_key(text, key32, 32);
    snprintf(text, sizeof(text), "base64url:%s=", key32_url);
    expect_key(text, key32, 32);
    /* Standard base64, padded or not. */
    snprintf(text, sizeof(text), "base64:%s", key32_std);
    expect_key(text, key32, 32);
    snprintf(text, sizeof(text), "base64:%s=", key32_std);
    expect_key(text, key32, 32);
    /* Hex, lower, upper and mixed case. */
    snprintf(text, sizeof(text), "hex:%s", key32_hex);
    expect_key(text, key32, 32);
    snprintf(text, sizeof(text),
             "hex:C8C9CACBCCCDCECFD0D1D2D3D4D5D6D7D8D9DADBDCDDDEDFE0E1E2E3E4E5E6E7");
    expect_key(text, key32, 32);
    expect_key("hex:c8C9cA", key32, 3);
}

/* Group boundaries: 1, 2, 3 and 4 bytes in each base64 form. */
static void test_partial_groups(void **state)
{
    (void)state;
    static const uint8_t abcd[] = {'A', 'B', 'C', 'D'};
    expect_key("QQ", abcd, 1);
    expect_key("QUI", abcd, 2);
    expect_key("QUJD", abcd, 3);
    expect_key("QUJDRA", abcd, 4);
    expect_key("QUJDRA==", abcd, 4);
    expect_key("base64:QQ", abcd, 1);
    expect_key("base64:QQ==", abcd, 1);
    expect_key("base64:QUI=", abcd, 2);
    expect_key("base64:QUJD", abcd, 3);
    expect_key("base64:QUJDRA", abcd, 4);
    /* An odd number of hex digits is not hex, so no ambiguity: base64url. */
    expect_key("QUI", abcd, 2);
    static const uint8_t abc_b64url[] = {0x69, 0xB7};
    expect_key("abc", abc_b64url, 2);
}

static void test_prefix_settles_ambiguity(void **state)
{
    (void)state;
    static const uint8_t hex16[] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                    0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
    /* base64url of the same 32 characters, from Python. */
    static const uint8_t as_url[] = {0xd3, 0x4d, 0x75, 0xdb, 0x6d, 0xf7, 0xe3, 0x8e,
                                     0x79, 0xeb, 0xae, 0xfb, 0xf3, 0xcf, 0x7d, 0x69,
                                     0xa6, 0xdb, 0x71, 0xc7, 0x5d, 0x79, 0xe7, 0xdf};
    expect_error("00112233445566778899aabbccddeeff", ACME_EAB_KEY_AMBIGUOUS);
    expect_error(key32_hex, ACME_EAB_KEY_AMBIGUOUS);
    expect_key("hex:00112233445566778899aabbccddeeff", hex16, sizeof(hex16));
    expect_key("base64url:00112233445566778899aabbccddeeff", as_url, sizeof(as_url));
}

static void test_empty(void **state)
{
    (void)state;
    expect_error("", ACME_EAB_KEY_EMPTY);
    expect_error("hex:", ACME_EAB_KEY_EMPTY);
    expect_error("base64:", ACME_EAB_KEY_EMPTY);
    expect_error("base64url:", ACME_EAB_KEY_EMPTY);
    uint8_t out[4] = {1, 2, 3, 4};
    size_t len = 9;
    assert_int_equal(acme_eab_key_decode(NULL, 0, out, sizeof(out), &len), ACME_EAB_KEY_EMPTY);
    assert_int_equal(len, 0);
}

static void test_bad_text(void **state)
{
    (void)state;
    char text[160];
    /* hex: odd length, foreign characters, whitespace, a second prefix. */
    expect_error("hex:abc", ACME_EAB_KEY_BAD_HEX);
    expect_error("hex:zz", ACME_EAB_KEY_BAD_HEX);
    expect_error("hex:00 11", ACME_EAB_KEY_BAD_HEX);
    expect_error("hex:0x0011", ACME_EAB_KEY_BAD_HEX);
    expect_error("hex:hex:00", ACME_EAB_KEY_BAD_HEX);
    /* base64: the url alphabet, bad padding, stray bits, 4k+1. */
    snprintf(text, sizeof(text), "base64:%s", key32_url);
    expect_error(text, ACME_EAB_KEY_BAD_BASE64);
    expect_error("base64:QQ=", ACME_EAB_KEY_BAD_BASE64);
    expect_error("base64:Q===", ACME_EAB_KEY_BAD_BASE64);
    expect_error("base64:QR==", ACME_EAB_KEY_BAD_BASE64);
    expect_error("base64:QUJDR", ACME_EAB_KEY_BAD_BASE64);
    expect_error("base64:QU JD", ACME_EAB_KEY_BAD_BASE64);
    expect_error("base64:QU=JD", ACME_EAB_KEY_BAD_BASE64);
    expect_error("base64:==", ACME_EAB_KEY_BAD_BASE64);
    /* base64url, prefixed or not. */
    snprintf(text, sizeof(text), "base64url:%s", key32_std);
    expect_error(text, ACME_EAB_KEY_BAD_BASE64URL);
    expect_error("QR", ACME_EAB_KEY_BAD_BASE64URL);
    expect_error("Q", ACME_EAB_KEY_BAD_BASE64URL);
    expect_error("QQ===", ACME_EAB_KEY_BAD_BASE64URL);
    expect_error("QQ=", ACME_EAB_KEY_BAD_BASE64URL);
    expect_error("=QQ", ACME_EAB_KEY_BAD_BASE64URL);
    expect_error("QU JD", ACME_EAB_KEY_BAD_BASE64URL);
    expect_error("QUJD\n", ACME_EAB_KEY_BAD_BASE64URL);
    expect_error("QUJD:HS256", ACME_EAB_KEY_BAD_BASE64URL);
    expect_error("Hex:00", ACME_EAB_KEY_BAD_BASE64URL);
    /* Unprefixed standard base64 is pointed at its prefix. */
    expect_error(key32_std, ACME_EAB_KEY_STANDARD_CHARS);
    snprintf(text, sizeof(text), "%s=", key32_std);
    expect_error(text, ACME_EAB_KEY_STANDARD_CHARS);
    /* A failure after whole groups were decoded still leaves out zero. */
    expect_error("base64:QUJDREVGQR==", ACME_EAB_KEY_BAD_BASE64);
    expect_error("QUJDREVGQR", ACME_EAB_KEY_BAD_BASE64URL);
}

/* The caller's limit, in every encoding: 16 bytes fit, 17 do not. */
static void test_limit(void **state)
{
    (void)state;
    static const char *const fits[] = {"AQIDBAUGBwgJCgsMDQ4PEA", "base64:AQIDBAUGBwgJCgsMDQ4PEA==",
                                       "hex:0102030405060708090a0b0c0d0e0f10"};
    static const char *const over[] = {"AQIDBAUGBwgJCgsMDQ4PEBE", "base64:AQIDBAUGBwgJCgsMDQ4PEBE=",
                                       "hex:0102030405060708090a0b0c0d0e0f1011"};
    for (size_t i = 0; i < 3; i++) {
        uint8_t out[256];
        size_t len = 0;
        assert_int_equal(decode(fits[i], 16, out, &len), ACME_EAB_KEY_OK);
        assert_int_equal(len, 16);
        assert_int_equal(out[15], 16);
        len = 99;
        assert_int_equal(decode(over[i], 16, out, &len), ACME_EAB_KEY_TOO_LONG);
        assert_int_equal(len, 0);
        for (size_t b = 0; b < 16; b++) {
            assert_int_equal(out[b], 0);
        }
    }
    uint8_t none[1];
    size_t len = 0;
    assert_int_equal(acme_eab_key_decode("QQ", 2, none, 0, &len), ACME_EAB_KEY_TOO_LONG);
}

/* Only the n characters given are read (the CLI passes KEY without :ALG). */
static void test_length_not_nul(void **state)
{
    (void)state;
    static const uint8_t abc[] = {'A', 'B', 'C'};
    uint8_t out[8];
    size_t len = 0;
    assert_int_equal(acme_eab_key_decode("QUJD:HS384", 4, out, sizeof(out), &len), ACME_EAB_KEY_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(out, abc, 3);
    assert_int_equal(acme_eab_key_decode("hex:414243:HS512", 10, out, sizeof(out), &len),
                     ACME_EAB_KEY_OK);
    assert_memory_equal(out, abc, 3);
}

static void test_error_texts(void **state)
{
    (void)state;
    for (int e = ACME_EAB_KEY_OK; e <= ACME_EAB_KEY_AMBIGUOUS; e++) {
        const char *t = acme_eab_key_error_text((acme_eab_key_error_t)e);
        assert_non_null(t);
        assert_true(strncmp(t, "is ", 3) == 0 || strncmp(t, "has ", 4) == 0);
    }
    assert_non_null(strstr(acme_eab_key_error_text(ACME_EAB_KEY_STANDARD_CHARS), "base64:"));
    assert_non_null(strstr(acme_eab_key_error_text(ACME_EAB_KEY_AMBIGUOUS), "hex:"));
    assert_string_equal(acme_eab_key_error_text((acme_eab_key_error_t)99), "is not a usable key");
}

static void test_alg_names(void **state)
{
    (void)state;
    uint8_t alg = 0xEE;
    assert_true(acme_eab_alg_parse("HS256", 5, &alg));
    assert_int_equal(alg, ACME_EAB_HS256);
    assert_true(acme_eab_alg_parse("HS384", 5, &alg));
    assert_int_equal(alg, ACME_EAB_HS384);
    assert_true(acme_eab_alg_parse("HS512:", 5, &alg));
    assert_int_equal(alg, ACME_EAB_HS512);
    static const char *const bad[] = {"", "hs256", "HS25", "HS2560", "HS1024", "ES256", "none"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        alg = 0xEE;
        assert_false(acme_eab_alg_parse(bad[i], strlen(bad[i]), &alg));
        assert_int_equal(alg, 0xEE);
    }
    assert_false(acme_eab_alg_parse(NULL, 0, &alg));
    assert_string_equal(acme_eab_alg_name(ACME_EAB_DEFAULT), "HS256");
    assert_string_equal(acme_eab_alg_name(ACME_EAB_HS256), "HS256");
    assert_string_equal(acme_eab_alg_name(ACME_EAB_HS384), "HS384");
    assert_string_equal(acme_eab_alg_name(ACME_EAB_HS512), "HS512");
    assert_null(acme_eab_alg_name(ACME_EAB_HS512 + 1));
    assert_null(acme_eab_alg_name(0xFF));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_spelling_of_one_key),
        cmocka_unit_test(test_partial_groups),
        cmocka_unit_test(test_prefix_settles_ambiguity),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_bad_text),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_length_not_nul),
        cmocka_unit_test(test_error_texts),
        cmocka_unit_test(test_alg_names),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
