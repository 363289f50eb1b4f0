/*
 * Tests for base64 and base64url (RFC 4648): the §10 test vectors in both
 * alphabets, the strict decoding rules that keep hostile server data out
 * (padding in url form, foreign characters, 4k+1 lengths, non-canonical
 * trailing bits), whitespace in PEM bodies, and buffer limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "acme/codec/base64.h"

typedef struct vector {
    const char *plain;
    const char *std; /* §4, padded */
    const char *url; /* §5, unpadded */
} vector_t;

/* RFC 4648 §10 */
static const vector_t rfc4648[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

#define N_VECTORS (sizeof(rfc4648) / sizeof(rfc4648[0]))

static void test_encode_rfc4648_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_VECTORS; i++) {
        const vector_t *v = &rfc4648[i];
        size_t n = strlen(v->plain);
        char out[16];
        size_t len = 99;
        memset(out, 'X', sizeof(out));
        assert_int_equal(acme_base64_encode((const uint8_t *)v->plain, n, out, sizeof(out), &len),
                         ACME_OK);
        assert_int_equal(len, strlen(v->std));
        assert_string_equal(out, v->std); /* NUL-terminated when there is room */
        assert_int_equal(len, ACME_BASE64_LEN(n));

        memset(out, 'X', sizeof(out));
        assert_int_equal(
            acme_base64url_encode((const uint8_t *)v->plain, n, out, sizeof(out), &len), ACME_OK);
        assert_int_equal(len, strlen(v->url));
        assert_string_equal(out, v->url);
        assert_int_equal(len, ACME_BASE64URL_LEN(n));
    }
}

static void test_decode_rfc4648_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_VECTORS; i++) {
        const vector_t *v = &rfc4648[i];
        uint8_t out[16];
        size_t len = 99;
        assert_int_equal(acme_base64_decode(v->std, strlen(v->std), out, sizeof(out), &len),
                         ACME_OK);
        assert_int_equal(len, strlen(v->plain));
        assert_memory_equal(out, v->plain, len);

        len = 99;
        assert_int_equal(acme_base64url_decode(v->url, strlen(v->url), out, sizeof(out), &len),
                         ACME_OK);
        assert_int_equal(len, strlen(v->plain));
        assert_memory_equal(out, v->plain, len);
    }
}

/* The two alphabets differ in values 62 and 63 only. */
static void test_alphabets_differ_in_62_63(void **state)
{
    (void)state;
    static const uint8_t bytes[] = {0xFB, 0xEF, 0xFF};
    char out[8];
    size_t len = 0;
    assert_int_equal(acme_base64_encode(bytes, 3, out, sizeof(out), &len), ACME_OK);
    assert_string_equal(out, "++//");
    assert_int_equal(acme_base64url_encode(bytes, 3, out, sizeof(out), &len), ACME_OK);
    assert_string_equal(out, "--__");

    uint8_t dec[4];
    assert_int_equal(acme_base64url_decode("--__", 4, dec, sizeof(dec), &len), ACME_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(dec, bytes, 3);
    assert_int_equal(acme_base64_decode("++//", 4, dec, sizeof(dec), &len), ACME_OK);
    assert_memory_equal(dec, bytes, 3);

    /* Each decoder refuses the other alphabet. */
    assert_int_equal(acme_base64url_decode("++//", 4, dec, sizeof(dec), &len), ACME_ERR_MALFORMED);
    assert_int_equal(acme_base64_decode("--__", 4, dec, sizeof(dec), &len), ACME_ERR_MALFORMED);
}

static void test_url_decoder_is_strict(void **state)
{
    (void)state;
    static const char *const hostile[] = {
        "Zg==",   /* padding is not part of base64url in JOSE */
        "Zm8=",   /* one pad */
        "Zm9v!",  /* foreign character */
        "Zm 9v",  /* whitespace */
        "Zm9v\n", /* newline */
        "Zm9vY",  /* 4k+1 characters cannot encode whole bytes */
        "Z",      /* 4k+1 again */
        "Zh",     /* non-zero trailing bits: 'h' leaves 0001 over */
        "Zm9",    /* non-zero trailing bits: '9' leaves 01 over */
        "Zm9vYh", /* the same after a full group */
    };
    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        uint8_t out[16];
        size_t len = 0;
        assert_int_equal(
            acme_base64url_decode(hostile[i], strlen(hostile[i]), out, sizeof(out), &len),
            ACME_ERR_MALFORMED);
    }
    /* An embedded NUL inside the given length is a foreign character too. */
    uint8_t out[8];
    size_t len = 0;
    assert_int_equal(acme_base64url_decode("Zm\0v", 4, out, sizeof(out), &len), ACME_ERR_MALFORMED);
}

static void test_std_decoder_rules(void **state)
{
    (void)state;
    uint8_t out[16];
    size_t len = 0;

    /* PEM bodies: whitespace anywhere is skipped. */
    static const char pem_body[] = "Zm9v\r\nYmFy\n";
    assert_int_equal(acme_base64_decode(pem_body, strlen(pem_body), out, sizeof(out), &len),
                     ACME_OK);
    assert_int_equal(len, 6);
    assert_memory_equal(out, "foobar", 6);
    assert_int_equal(acme_base64_decode(" Zg = = ", 8, out, sizeof(out), &len), ACME_OK);
    assert_int_equal(len, 1);

    static const char *const bad[] = {
        "Zg",       /* padding required */
        "Zg=",      /* incomplete padding */
        "Z===",     /* too much padding */
        "Zg==Zg==", /* data after padding */
        "Zh==",     /* non-canonical trailing bits */
        "Zm9=",     /* the same with one pad */
        "Zm9v-_==", /* url alphabet */
        "Zm9vY",    /* 4k+1 */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(acme_base64_decode(bad[i], strlen(bad[i]), out, sizeof(out), &len),
                         ACME_ERR_MALFORMED);
    }
}

static void test_encode_buffer_limits(void **state)
{
    (void)state;
    char out[8];
    size_t len = 0;
    /* Exactly the encoded length fits (no NUL written then)... */
    memset(out, 'X', sizeof(out));
    assert_int_equal(acme_base64url_encode((const uint8_t *)"foo", 3, out, 4, &len), ACME_OK);
    assert_int_equal(len, 4);
    assert_memory_equal(out, "Zm9vXXXX", 8);
    /* ...one less does not. */
    assert_int_equal(acme_base64url_encode((const uint8_t *)"foo", 3, out, 3, &len),
                     ACME_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(acme_base64_encode((const uint8_t *)"f", 1, out, 3, &len),
                     ACME_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(acme_base64_encode((const uint8_t *)"f", 1, out, 4, &len), ACME_OK);
    assert_memory_equal(out, "Zg==", 4);
}

static void test_decode_buffer_limits(void **state)
{
    (void)state;
    uint8_t out[8];
    size_t len = 0;
    for (size_t cap = 0; cap < 6; cap++) {
        assert_int_equal(acme_base64url_decode("Zm9vYmFy", 8, out, cap, &len),
                         ACME_ERR_BUFFER_TOO_SMALL);
        assert_int_equal(acme_base64_decode("Zm9vYmFy", 8, out, cap, &len),
                         ACME_ERR_BUFFER_TOO_SMALL);
    }
    for (size_t cap = 0; cap < 5; cap++) {
        assert_int_equal(acme_base64url_decode("Zm9vYmE", 7, out, cap, &len),
                         ACME_ERR_BUFFER_TOO_SMALL);
    }
    assert_int_equal(acme_base64url_decode("Zm9vYmFy", 8, out, 6, &len), ACME_OK);
    assert_int_equal(len, 6);
}

/* Every byte value, every length mod 3: decode(encode(x)) == x. */
static void test_round_trip_all_bytes(void **state)
{
    (void)state;
    uint8_t in[256];
    for (size_t i = 0; i < sizeof(in); i++) {
        in[i] = (uint8_t)i;
    }
    for (size_t n = 253; n <= 256; n++) {
        char enc[400];
        uint8_t dec[256];
        size_t elen = 0;
        size_t dlen = 0;
        assert_int_equal(acme_base64url_encode(in, n, enc, sizeof(enc), &elen), ACME_OK);
        assert_int_equal(acme_base64url_decode(enc, elen, dec, sizeof(dec), &dlen), ACME_OK);
        assert_int_equal(dlen, n);
        assert_memory_equal(dec, in, n);
        assert_int_equal(acme_base64_encode(in, n, enc, sizeof(enc), &elen), ACME_OK);
        assert_int_equal(acme_base64_decode(enc, elen, dec, sizeof(dec), &dlen), ACME_OK);
        assert_int_equal(dlen, n);
        assert_memory_equal(dec, in, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_rfc4648_vectors),
        cmocka_unit_test(test_decode_rfc4648_vectors),
        cmocka_unit_test(test_alphabets_differ_in_62_63),
        cmocka_unit_test(test_url_decoder_is_strict),
        cmocka_unit_test(test_std_decoder_rules),
        cmocka_unit_test(test_encode_buffer_limits),
        cmocka_unit_test(test_decode_buffer_limits),
        cmocka_unit_test(test_round_trip_all_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
