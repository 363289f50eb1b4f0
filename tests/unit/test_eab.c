/*
 * Tests for the external account binding codec, for each MAC (HS256, HS384,
 * HS512): the output is read back the way a CA reads it (cJSON, the strict
 * base64url decoder) and its signature is recomputed with mbedTLS's HMAC
 * directly, not through the agent's crypto wrapper; one fixed vector per
 * MAC was computed with Python's hmac and base64 modules. Also: hostile
 * kid/URL characters stay inside their JSON strings, every buffer size from
 * 0 upwards either fits or fails without writing past cap, key sizes up to
 * the limit, the largest EAB fits the order engine's buffer, invalid
 * arguments, and no arena leak.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cJSON.h"

#include "acme/codec/base64.h"
#include "acme/codec/eab.h"
#include "acme/config_defaults.h"
#include "acme/engine/order.h"
#include "crypto_fixture.h"

#include "mbedtls/md.h"

#define EAB_OUT_MAX 2048
#define GUARD 0xA5

static const char kid[] = "kid-1";
static const char new_account_url[] = "https://ca.example.test/acme/new-account";
/* The P-256 public key of RFC 7515 appendix A.3, as a canonical JWK. */
static const char jwk[] = "{\"crv\":\"P-256\",\"kty\":\"EC\","
                          "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
                          "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}";
/* 0x00, 0x01, ... 0x3f; HS256, HS384 and HS512 use the first 32, 48, 64
 * bytes (as long as their hash, as RFC 7518 §3.2 wants). */
static uint8_t mac_key[64];

/* The three MACs, with what differs between their JWSs. */
typedef struct mac_case {
    uint8_t alg; /* acme_eab_alg_t */
    const char *name;
    mbedtls_md_type_t md;
    size_t mac_len;
    size_t key_len; /* for the fixed vectors */
} mac_case_t;

static const mac_case_t macs[] = {
    {ACME_EAB_HS256, "HS256", MBEDTLS_MD_SHA256, 32, 32},
    {ACME_EAB_HS384, "HS384", MBEDTLS_MD_SHA384, 48, 48},
    {ACME_EAB_HS512, "HS512", MBEDTLS_MD_SHA512, 64, 64},
};
#define MAC_CASES (sizeof(macs) / sizeof(macs[0]))

#define EAB_PAYLOAD_B64                                                                            \
    "eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImY4M09KM0QyeEYxQmc4dnViOXRMZTFnSE16Vjc2ZThU"         \
    "dXM5dVBIdlJWRVUiLCJ5IjoieF9GRXpSdTltMzZITE5fdHVlNjU5TE5wWFc2cEN5U3Rpa1lqS0lXSTVhMCJ9"

/* base64url(HMAC-SHA-n(first key_len bytes of mac_key, protected "."
 * payload)) for the inputs above, computed independently with Python's
 * hmac, hashlib and base64 modules (header text as the codec writes it:
 * {"alg":..,"kid":"kid-1","url":..}). Indexed like macs[]. */
static const char *const expected_eab[] = {
    "{\"protected\":\"eyJhbGciOiJIUzI1NiIsImtpZCI6ImtpZC0xIiwidXJsIjoiaHR0cHM6Ly9jYS5leGFtcGxl"
    "LnRlc3QvYWNtZS9uZXctYWNjb3VudCJ9\",\"payload\":\"" EAB_PAYLOAD_B64 "\",\"signature\":"
    "\"ZjHwFU7astB936cZ8ygkwAbSX16T6CKCINphTMK7LF8\"}",
    "{\"protected\":\"eyJhbGciOiJIUzM4NCIsImtpZCI6ImtpZC0xIiwidXJsIjoiaHR0cHM6Ly9jYS5leGFtcGxl"
    "LnRlc3QvYWNtZS9uZXctYWNjb3VudCJ9\",\"payload\":\"" EAB_PAYLOAD_B64 "\",\"signature\":"
    "\"V5CKeMyuonpN3WL49CoOmJh28BMmKB2kYZg8kVFVciqqFMNSobQy8mgeFFn5SLel\"}",
    "{\"protected\":\"eyJhbGciOiJIUzUxMiIsImtpZCI6ImtpZC0xIiwidXJsIjoiaHR0cHM6Ly9jYS5leGFtcGxl"
    "LnRlc3QvYWNtZS9uZXctYWNjb3VudCJ9\",\"payload\":\"" EAB_PAYLOAD_B64 "\",\"signature\":"
    "\"ScgiV7ix5zuLHs85QmmN-CcBGlw3MFHf1v9nh6mkD6hICurHvaQYv3hehaA18j2kA8aoCXj4cdhRVAc0sZLUCQ\"}",
};

static int group_setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(mac_key); i++) {
        mac_key[i] = (uint8_t)i;
    }
    return fixture_arena_init(64u * 1024u);
}

static int group_teardown(void **state)
{
    (void)state;
    return fixture_arena_in_use() == 0 ? 0 : -1;
}

/* ---- reading an EAB back ------------------------------------------------------- */

typedef struct parsed_eab {
    char protected_b64[EAB_OUT_MAX];
    char payload_b64[EAB_OUT_MAX];
    char signature_b64[EAB_OUT_MAX];
    char header[EAB_OUT_MAX];
    uint8_t payload[EAB_OUT_MAX];
    size_t payload_len;
    uint8_t signature[64];
    size_t signature_len;
} parsed_eab_t;

static parsed_eab_t parsed;

static void copy_member(const cJSON *obj, const char *name, char *dst, size_t cap)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);
    assert_true(cJSON_IsString(m));
    assert_true(strlen(m->valuestring) < cap);
    strcpy(dst, m->valuestring);
}

/* Splits the flattened JWS into its members and decodes each strictly. */
static void parse_eab(const char *text, size_t len, parsed_eab_t *p)
{
    memset(p, 0, sizeof(*p));
    assert_int_equal(strlen(text), len);
    cJSON *root = cJSON_ParseWithLength(text, len);
    assert_non_null(root);
    assert_true(cJSON_IsObject(root));
    assert_int_equal(cJSON_GetArraySize(root), 3);
    copy_member(root, "protected", p->protected_b64, sizeof(p->protected_b64));
    copy_member(root, "payload", p->payload_b64, sizeof(p->payload_b64));
    copy_member(root, "signature", p->signature_b64, sizeof(p->signature_b64));
    cJSON_Delete(root);

    size_t n = 0;
    assert_int_equal(acme_base64url_decode(p->protected_b64, strlen(p->protected_b64),
                                           (uint8_t *)p->header, sizeof(p->header) - 1, &n),
                     ACME_OK);
    p->header[n] = '\0';
    assert_int_equal(acme_base64url_decode(p->payload_b64, strlen(p->payload_b64), p->payload,
                                           sizeof(p->payload), &p->payload_len),
                     ACME_OK);
    assert_int_equal(acme_base64url_decode(p->signature_b64, strlen(p->signature_b64), p->signature,
                                           sizeof(p->signature), &p->signature_len),
                     ACME_OK);
}

/* The header has exactly alg, kid and url, with these values. */
static void check_header(const parsed_eab_t *p, const char *want_alg, const char *want_kid,
                         const char *want_url)
{
    cJSON *h = cJSON_Parse(p->header);
    assert_non_null(h);
    assert_int_equal(cJSON_GetArraySize(h), 3);
    const cJSON *alg = cJSON_GetObjectItemCaseSensitive(h, "alg");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(h, "kid");
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(h, "url");
    assert_true(cJSON_IsString(alg) && cJSON_IsString(k) && cJSON_IsString(u));
    assert_string_equal(alg->valuestring, want_alg);
    assert_string_equal(k->valuestring, want_kid);
    assert_string_equal(u->valuestring, want_url);
    cJSON_Delete(h);
}

/* The MAC over protected "." payload, straight from mbedTLS. */
static void check_signature(const parsed_eab_t *p, const mac_case_t *m, const uint8_t *key,
                            size_t key_len)
{
    static char input[2 * EAB_OUT_MAX + 2];
    size_t a = strlen(p->protected_b64);
    size_t b = strlen(p->payload_b64);
    memcpy(input, p->protected_b64, a);
    input[a] = '.';
    memcpy(input + a + 1, p->payload_b64, b);
    uint8_t want[64];
    assert_int_equal(mbedtls_md_hmac(mbedtls_md_info_from_type(m->md), key, key_len,
                                     (const unsigned char *)input, a + 1 + b, want),
                     0);
    assert_int_equal(p->signature_len, m->mac_len);
    assert_memory_equal(p->signature, want, m->mac_len);
}

/* ---- tests ---------------------------------------------------------------------------- */

static void test_eab_known_vectors(void **state)
{
    (void)state;
    char out[EAB_OUT_MAX];
    for (size_t m = 0; m < MAC_CASES; m++) {
        size_t len = 0;
        assert_int_equal(acme_eab_write(kid, mac_key, macs[m].key_len, macs[m].alg, new_account_url,
                                        jwk, strlen(jwk), out, sizeof(out), &len),
                         ACME_OK);
        assert_int_equal(len, strlen(expected_eab[m]));
        assert_string_equal(out, expected_eab[m]);
    }
    /* 0, the value of a zeroed acme_ca_entry_t, is HS256. */
    size_t len = 0;
    assert_int_equal(acme_eab_write(kid, mac_key, 32, ACME_EAB_DEFAULT, new_account_url, jwk,
                                    strlen(jwk), out, sizeof(out), &len),
                     ACME_OK);
    assert_string_equal(out, expected_eab[0]);
}

static void test_eab_reads_back(void **state)
{
    (void)state;
    char out[EAB_OUT_MAX];
    for (size_t m = 0; m < MAC_CASES; m++) {
        size_t len = 0;
        assert_int_equal(acme_eab_write(kid, mac_key, 32, macs[m].alg, new_account_url, jwk,
                                        strlen(jwk), out, sizeof(out), &len),
                         ACME_OK);
        parse_eab(out, len, &parsed);
        check_header(&parsed, macs[m].name, kid, new_account_url);
        assert_int_equal(parsed.payload_len, strlen(jwk));
        assert_memory_equal(parsed.payload, jwk, parsed.payload_len);
        check_signature(&parsed, &macs[m], mac_key, 32);
    }
}

/* A kid or URL with quotes, backslashes or control characters must not be
 * able to add members to the header. */
static void test_eab_escapes_header_strings(void **state)
{
    (void)state;
    static const char hostile_kid[] = "a\"b\\c\n\x01\",\"alg\":\"none";
    static const char hostile_url[] = "https://ca.example.test/x\"}\x1f";
    char out[EAB_OUT_MAX];
    for (size_t m = 0; m < MAC_CASES; m++) {
        size_t len = 0;
        assert_int_equal(acme_eab_write(hostile_kid, mac_key, sizeof(mac_key), macs[m].alg,
                                        hostile_url, jwk, strlen(jwk), out, sizeof(out), &len),
                         ACME_OK);
        parse_eab(out, len, &parsed);
        check_header(&parsed, macs[m].name, hostile_kid, hostile_url);
        check_signature(&parsed, &macs[m], mac_key, sizeof(mac_key));
    }
}

/* Key lengths around the block sizes (64 for SHA-256, 128 for SHA-384 and
 * SHA-512: longer keys are hashed first) and the limit. */
static void test_eab_key_sizes(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 16, 32, 48, 63, 64, 65, 127, ACME_EAB_KEY_MAX};
    uint8_t key[ACME_EAB_KEY_MAX];
    for (size_t i = 0; i < sizeof(key); i++) {
        key[i] = (uint8_t)(0x5Au ^ (i * 7u));
    }
    char out[EAB_OUT_MAX];
    for (size_t m = 0; m < MAC_CASES; m++) {
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
            size_t len = 0;
            assert_int_equal(acme_eab_write(kid, key, sizes[s], macs[m].alg, new_account_url, jwk,
                                            strlen(jwk), out, sizeof(out), &len),
                             ACME_OK);
            parse_eab(out, len, &parsed);
            check_signature(&parsed, &macs[m], key, sizes[s]);
        }
    }
}

/* Longest kid and URL accepted, a JWK of one character more than the
 * smallest: the layout arithmetic at its edges. */
static void test_eab_long_inputs(void **state)
{
    (void)state;
    static char long_kid[ACME_EAB_KID_MAX + 1];
    static char long_url[ACME_URL_MAX + 1];
    memset(long_kid, 'k', ACME_EAB_KID_MAX);
    memcpy(long_url, "https://", 8);
    memset(long_url + 8, 'u', ACME_URL_MAX - 8);
    static char out[4 * EAB_OUT_MAX];
    for (size_t m = 0; m < MAC_CASES; m++) {
        for (size_t jwk_len = 1; jwk_len <= 4; jwk_len++) {
            size_t len = 0;
            assert_int_equal(acme_eab_write(long_kid, mac_key, sizeof(mac_key), macs[m].alg,
                                            long_url, "{}}}", jwk_len, out, sizeof(out), &len),
                             ACME_OK);
            parse_eab(out, len, &parsed);
            check_header(&parsed, macs[m].name, long_kid, long_url);
            assert_int_equal(parsed.payload_len, jwk_len);
            check_signature(&parsed, &macs[m], mac_key, sizeof(mac_key));
        }
    }
}

/* The order engine writes the EAB into a buffer of ACME_EAB_JWS_MAX: the
 * longest kid and URL with a P-256 JWK (the account key), or with the
 * longest JWK acme_agent_t holds (159), and the longest MAC fit, with the
 * NUL. */
static void test_eab_largest_fits_engine_buffer(void **state)
{
    (void)state;
    static char long_kid[ACME_EAB_KID_MAX + 1];
    static char long_url[ACME_URL_MAX + 1];
    memset(long_kid, 'k', ACME_EAB_KID_MAX);
    memcpy(long_url, "https://", 8);
    memset(long_url + 8, 'u', ACME_URL_MAX - 8);
    static char long_jwk[160];
    memset(long_jwk, 'j', 159);
    long_jwk[0] = '{';
    long_jwk[158] = '}';
    char out[ACME_EAB_JWS_MAX];
    for (size_t m = 0; m < MAC_CASES; m++) {
        size_t len = 0;
        assert_int_equal(acme_eab_write(long_kid, mac_key, sizeof(mac_key), macs[m].alg, long_url,
                                        jwk, strlen(jwk), out, sizeof(out), &len),
                         ACME_OK);
        assert_true(len < sizeof(out));
        assert_int_equal(acme_eab_write(long_kid, mac_key, sizeof(mac_key), macs[m].alg, long_url,
                                        long_jwk, strlen(long_jwk), out, sizeof(out), &len),
                         ACME_OK);
        assert_true(len < sizeof(out));
    }
    /* The bound is tight: one byte less does not hold the largest. */
    size_t len = 0;
    assert_int_equal(acme_eab_write(long_kid, mac_key, sizeof(mac_key), ACME_EAB_HS512, long_url,
                                    long_jwk, strlen(long_jwk), out, sizeof(out) - 1, &len),
                     ACME_ERR_BUFFER_TOO_SMALL);
}

/* Every capacity from 0 up: too small is BUFFER_TOO_SMALL with nothing
 * written at or past cap; big enough gives the same bytes every time. */
static void test_eab_every_buffer_size(void **state)
{
    (void)state;
    static char out[EAB_OUT_MAX];
    for (size_t m = 0; m < MAC_CASES; m++) {
        size_t need = strlen(expected_eab[m]) + 1;
        for (size_t cap = 0; cap <= need + 2; cap++) {
            memset(out, GUARD, sizeof(out));
            size_t len = 12345;
            acme_status_t st = acme_eab_write(kid, mac_key, macs[m].key_len, macs[m].alg,
                                              new_account_url, jwk, strlen(jwk), out, cap, &len);
            if (cap < need) {
                assert_int_equal(st, ACME_ERR_BUFFER_TOO_SMALL);
                if (cap > 0) {
                    assert_int_equal(out[0], '\0');
                }
            } else {
                assert_int_equal(st, ACME_OK);
                assert_int_equal(len, need - 1);
                assert_string_equal(out, expected_eab[m]);
            }
            for (size_t i = cap; i < sizeof(out); i++) {
                if ((unsigned char)out[i] != GUARD) {
                    fail_msg("%s cap %zu: byte %zu written", macs[m].name, cap, i);
                }
            }
        }
    }
}

static void test_eab_invalid_args(void **state)
{
    (void)state;
    char out[EAB_OUT_MAX];
    size_t len = 0;
    size_t jl = strlen(jwk);
    const uint8_t *k = mac_key;
    const size_t ks = 32;
    const uint8_t a = ACME_EAB_HS256;
    const char *u = new_account_url;
    static char long_kid[ACME_EAB_KID_MAX + 2];
    static char long_url[ACME_URL_MAX + 2];
    memset(long_kid, 'k', ACME_EAB_KID_MAX + 1);
    memcpy(long_url, "https://", 8);
    memset(long_url + 8, 'u', ACME_URL_MAX + 1 - 8);
    uint8_t big_key[ACME_EAB_KEY_MAX + 1] = {0};

    assert_int_equal(acme_eab_write(NULL, k, ks, a, u, jwk, jl, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_eab_write("", k, ks, a, u, jwk, jl, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_eab_write(long_kid, k, ks, a, u, jwk, jl, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_eab_write(kid, NULL, ks, a, u, jwk, jl, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_eab_write(kid, k, 0, a, u, jwk, jl, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(
        acme_eab_write(kid, big_key, sizeof(big_key), a, u, jwk, jl, out, sizeof(out), &len),
        ACME_ERR_INVALID_ARG);
    /* An algorithm outside the enum is refused, never defaulted. */
    assert_int_equal(
        acme_eab_write(kid, k, ks, ACME_EAB_HS512 + 1, u, jwk, jl, out, sizeof(out), &len),
        ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_eab_write(kid, k, ks, 0xFF, u, jwk, jl, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_eab_write(kid, k, ks, a, NULL, jwk, jl, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_eab_write(kid, k, ks, a, "", jwk, jl, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_eab_write(kid, k, ks, a, long_url, jwk, jl, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_eab_write(kid, k, ks, a, u, NULL, jl, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_eab_write(kid, k, ks, a, u, jwk, 0, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_eab_write(kid, k, ks, a, u, "[1]", 3, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_eab_write(kid, k, ks, a, u, jwk, jl, NULL, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_eab_write(kid, k, ks, a, u, jwk, jl, out, sizeof(out), NULL),
                     ACME_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eab_known_vectors),
        cmocka_unit_test(test_eab_reads_back),
        cmocka_unit_test(test_eab_escapes_header_strings),
        cmocka_unit_test(test_eab_key_sizes),
        cmocka_unit_test(test_eab_long_inputs),
        cmocka_unit_test(test_eab_largest_fits_engine_buffer),
        cmocka_unit_test(test_eab_every_buffer_size),
        cmocka_unit_test(test_eab_invalid_args),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
