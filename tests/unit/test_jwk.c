/*
 * Tests for the JWK codec: the RFC 7638 §3.1 RSA example (canonical form and
 * thumbprint), the canonical EC form for the RFC 7517 A.1 key (thumbprint
 * computed independently with OpenSSL), minimal RSA integers, writing a raw
 * public key (crypto.h's acme_public_key_t) by its type, key
 * authorizations (RFC 8555 §8.1) and hostile tokens.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "acme/codec/base64.h"
#include "acme/config_defaults.h"
#include "acme/codec/jwk.h"
#include "crypto/crypto.h"

/* RFC 7638 §3.1 */
static const char rfc7638_n[] =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPe"
    "bWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368"
    "QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd"
    "2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
static const char rfc7638_e[] = "AQAB";
static const char rfc7638_thumbprint[] = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

/* RFC 7517 Appendix A.1, first key */
static const char rfc7517_x[] = "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4";
static const char rfc7517_y[] = "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM";
/* printf '%s' "$jwk" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d = */
static const char rfc7517_thumbprint[] = "cn-I_WNMClehiVp51i_0VpOENW1upEerA8sEam5hn-s";

static size_t decode(const char *b64u, uint8_t *out, size_t cap)
{
    size_t len = 0;
    assert_int_equal(acme_base64url_decode(b64u, strlen(b64u), out, cap, &len), ACME_OK);
    return len;
}

static void test_rfc7638_rsa_example(void **state)
{
    (void)state;
    uint8_t n[256];
    uint8_t e[3];
    size_t n_len = decode(rfc7638_n, n, sizeof(n));
    size_t e_len = decode(rfc7638_e, e, sizeof(e));
    assert_int_equal(n_len, 256);

    char jwk[512];
    size_t len = 0;
    assert_int_equal(acme_jwk_write_rsa(n, n_len, e, e_len, jwk, sizeof(jwk), &len), ACME_OK);
    char expected[512];
    snprintf(expected, sizeof(expected), "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}", rfc7638_e,
             rfc7638_n);
    assert_string_equal(jwk, expected);
    assert_int_equal(len, strlen(expected));

    char tp[ACME_JWK_THUMBPRINT_LEN + 1];
    assert_int_equal(acme_jwk_thumbprint(jwk, len, tp, sizeof(tp)), ACME_OK);
    assert_string_equal(tp, rfc7638_thumbprint);
}

/* RFC 7518 §6.3.1: sign-padding zeros are not part of n or e. */
static void test_rsa_leading_zeros_are_stripped(void **state)
{
    (void)state;
    uint8_t n[258] = {0, 0};
    uint8_t e[8] = {0};
    decode(rfc7638_n, n + 2, 256);
    e[5] = 0x01;
    e[6] = 0x00;
    e[7] = 0x01;
    char jwk[512];
    size_t len = 0;
    assert_int_equal(acme_jwk_write_rsa(n, sizeof(n), e, sizeof(e), jwk, sizeof(jwk), &len),
                     ACME_OK);
    char tp[ACME_JWK_THUMBPRINT_LEN + 1];
    assert_int_equal(acme_jwk_thumbprint(jwk, len, tp, sizeof(tp)), ACME_OK);
    assert_string_equal(tp, rfc7638_thumbprint);

    /* All-zero values are no key. */
    uint8_t zeros[4] = {0};
    assert_int_equal(acme_jwk_write_rsa(zeros, sizeof(zeros), e, sizeof(e), jwk, sizeof(jwk), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_jwk_write_rsa(n, sizeof(n), zeros, sizeof(zeros), jwk, sizeof(jwk), &len),
                     ACME_ERR_INVALID_ARG);
}

static void test_ec_canonical_form(void **state)
{
    (void)state;
    uint8_t x[32];
    uint8_t y[32];
    assert_int_equal(decode(rfc7517_x, x, sizeof(x)), 32);
    assert_int_equal(decode(rfc7517_y, y, sizeof(y)), 32);

    char jwk[ACME_JWK_EC_P256_LEN + 1];
    size_t len = 0;
    assert_int_equal(acme_jwk_write_ec_p256(x, y, jwk, sizeof(jwk), &len), ACME_OK);
    char expected[160];
    snprintf(expected, sizeof(expected),
             "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", rfc7517_x, rfc7517_y);
    assert_string_equal(jwk, expected);
    assert_int_equal(len, ACME_JWK_EC_P256_LEN);

    char tp[ACME_JWK_THUMBPRINT_LEN + 1];
    assert_int_equal(acme_jwk_thumbprint(jwk, len, tp, sizeof(tp)), ACME_OK);
    assert_string_equal(tp, rfc7517_thumbprint);
}

static void test_buffers_too_small(void **state)
{
    (void)state;
    uint8_t x[32] = {1};
    uint8_t y[32] = {2};
    char jwk[ACME_JWK_EC_P256_LEN + 8];
    size_t len = 0;
    /* The NUL must fit too: cap == length is one short. */
    for (size_t cap = 0; cap <= ACME_JWK_EC_P256_LEN; cap++) {
        assert_int_equal(acme_jwk_write_ec_p256(x, y, jwk, cap, &len), ACME_ERR_BUFFER_TOO_SMALL);
    }
    assert_int_equal(acme_jwk_write_ec_p256(x, y, jwk, ACME_JWK_EC_P256_LEN + 1, &len), ACME_OK);

    uint8_t n[256];
    uint8_t e[3] = {1, 0, 1};
    decode(rfc7638_n, n, sizeof(n));
    size_t rsa_len = 0;
    char rsa[512];
    assert_int_equal(acme_jwk_write_rsa(n, 256, e, 3, rsa, sizeof(rsa), &rsa_len), ACME_OK);
    assert_int_equal(acme_jwk_write_rsa(n, 256, e, 3, rsa, rsa_len, &len),
                     ACME_ERR_BUFFER_TOO_SMALL);

    char tp[ACME_JWK_THUMBPRINT_LEN + 1];
    assert_int_equal(acme_jwk_thumbprint(rsa, rsa_len, tp, ACME_JWK_THUMBPRINT_LEN),
                     ACME_ERR_BUFFER_TOO_SMALL);
}

/* acme_jwk_write_key picks the writer from the key type: the RFC examples
 * again, given the way acme_key_public hands keys over (e in 8 bytes, n in
 * 256), must give the RFC thumbprints; anything else is refused. */
static void test_write_key_dispatches_on_type(void **state)
{
    (void)state;
    char jwk[512];
    char tp[ACME_JWK_THUMBPRINT_LEN + 1];
    size_t len = 0;

    acme_public_key_t ec;
    memset(&ec, 0, sizeof(ec));
    ec.type = ACME_KEY_P256;
    decode(rfc7517_x, ec.x, sizeof(ec.x));
    decode(rfc7517_y, ec.y, sizeof(ec.y));
    /* A stray RSA half is ignored for an EC key. */
    memset(ec.n, 0xFF, sizeof(ec.n));
    assert_int_equal(acme_jwk_write_key(&ec, jwk, sizeof(jwk), &len), ACME_OK);
    assert_int_equal(len, ACME_JWK_EC_P256_LEN);
    assert_int_equal(acme_jwk_thumbprint(jwk, len, tp, sizeof(tp)), ACME_OK);
    assert_string_equal(tp, rfc7517_thumbprint);
    /* The writer's own limits still apply. */
    assert_int_equal(acme_jwk_write_key(&ec, jwk, ACME_JWK_EC_P256_LEN, &len),
                     ACME_ERR_BUFFER_TOO_SMALL);

    acme_public_key_t rsa;
    memset(&rsa, 0, sizeof(rsa));
    rsa.type = ACME_KEY_RSA2048;
    assert_int_equal(decode(rfc7638_n, rsa.n, sizeof(rsa.n)), sizeof(rsa.n));
    rsa.e[5] = 0x01;
    rsa.e[7] = 0x01;
    rsa.e_len = sizeof(rsa.e);
    assert_int_equal(acme_jwk_write_key(&rsa, jwk, sizeof(jwk), &len), ACME_OK);
    assert_int_equal(strncmp(jwk, "{\"e\":\"AQAB\",\"kty\":\"RSA\",", 24), 0);
    assert_int_equal(acme_jwk_thumbprint(jwk, len, tp, sizeof(tp)), ACME_OK);
    assert_string_equal(tp, rfc7638_thumbprint);

    /* The same bytes under the other type are a different JWK. */
    rsa.type = ACME_KEY_P256;
    assert_int_equal(acme_jwk_write_key(&rsa, jwk, sizeof(jwk), &len), ACME_OK);
    assert_int_equal(strncmp(jwk, "{\"crv\":\"P-256\"", 14), 0);

    acme_public_key_t none;
    memset(&none, 0, sizeof(none));
    assert_int_equal(acme_jwk_write_key(&none, jwk, sizeof(jwk), &len), ACME_ERR_INVALID_ARG);
    none.type = (acme_key_type_t)7;
    assert_int_equal(acme_jwk_write_key(&none, jwk, sizeof(jwk), &len), ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_jwk_write_key(NULL, jwk, sizeof(jwk), &len), ACME_ERR_INVALID_ARG);
}

static void test_key_authorization(void **state)
{
    (void)state;
    /* RFC 8555 §8.3's token with the RFC 7638 thumbprint. */
    static const char token[] = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
    char out[128];
    size_t len = 0;
    assert_int_equal(acme_key_authorization(token, rfc7638_thumbprint, out, sizeof(out), &len),
                     ACME_OK);
    assert_string_equal(out, "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA."
                             "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    assert_int_equal(len, 43 + 1 + 43);

    /* Exact fit needs room for the NUL. */
    assert_int_equal(acme_key_authorization(token, rfc7638_thumbprint, out, len, &len),
                     ACME_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(acme_key_authorization(token, rfc7638_thumbprint, out, 88, &len), ACME_OK);
}

/* A token is echoed into an http-01 response: anything outside the base64url
 * alphabet could inject headers or paths, so it is refused. */
static void test_hostile_tokens_rejected(void **state)
{
    (void)state;
    static const char *const hostile[] = {
        "",          "abc\r\nSet-Cookie: x=1",
        "abc def",   "../../etc/passwd",
        "abc/def",   "abc.def",
        "abc=",      "abc+def",
        "abc%0d%0a", "t\xc3\xa9st",
        "abc\"",
    };
    char out[256];
    size_t len = 0;
    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        assert_int_equal(
            acme_key_authorization(hostile[i], rfc7638_thumbprint, out, sizeof(out), &len),
            ACME_ERR_MALFORMED);
    }
    /* Longer than ACME_TOKEN_MAX is refused too; exactly the limit is fine. */
    char long_token[ACME_TOKEN_MAX + 2];
    memset(long_token, 'A', sizeof(long_token));
    long_token[ACME_TOKEN_MAX + 1] = '\0';
    assert_int_equal(acme_key_authorization(long_token, rfc7638_thumbprint, out, sizeof(out), &len),
                     ACME_ERR_MALFORMED);
    long_token[ACME_TOKEN_MAX] = '\0';
    assert_int_equal(acme_key_authorization(long_token, rfc7638_thumbprint, out, sizeof(out), &len),
                     ACME_OK);
    assert_int_equal(len, ACME_TOKEN_MAX + 1 + ACME_JWK_THUMBPRINT_LEN);
}

static void test_thumbprint_argument_checked(void **state)
{
    (void)state;
    char out[128];
    size_t len = 0;
    assert_int_equal(acme_key_authorization("abc", "short", out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_key_authorization("abc", "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9X=",
                                            out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_key_authorization(NULL, rfc7638_thumbprint, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc7638_rsa_example),
        cmocka_unit_test(test_rsa_leading_zeros_are_stripped),
        cmocka_unit_test(test_ec_canonical_form),
        cmocka_unit_test(test_buffers_too_small),
        cmocka_unit_test(test_write_key_dispatches_on_type),
        cmocka_unit_test(test_key_authorization),
        cmocka_unit_test(test_hostile_tokens_rejected),
        cmocka_unit_test(test_thumbprint_argument_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
