/*
 * Tests for the external account binding codec: the output is read back the
 * way a CA reads it (cJSON, the strict base64url decoder) and its signature
 * is recomputed with mbedTLS's HMAC directly, not through the agent's crypto
 * wrapper; one fixed vector was computed with Python's hmac module. Also:
 * hostile kid/URL characters stay inside their JSON strings, every buffer
 * size from 0 upwards either fits or fails without writing past cap, key
 * sizes up to the limit, invalid arguments, and no arena leak.
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
static uint8_t mac_key[32]; /* 0x00, 0x01, ... 0x1f */

/* base64url(HMAC-SHA-256(0x00..0x1f, protected "." payload)) for the inputs
 * above, computed independently with Python's hmac and base64 modules. */
static const char expected_eab[] =
    "{\"protected\":\"eyJhbGciOiJIUzI1NiIsImtpZCI6ImtpZC0xIiwidXJsIjoiaHR0cHM6Ly9jYS5leGFtcGxl"
    "LnRlc3QvYWNtZS9uZXctYWNjb3VudCJ9\",\"payload\":\"eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6"
    "ImY4M09KM0QyeEYxQmc4dnViOXRMZTFnSE16Vjc2ZThUdXM5dVBIdlJWRVUiLCJ5IjoieF9GRXpSdTltMzZITE5f"
    "dHVlNjU5TE5wWFc2cEN5U3Rpa1lqS0lXSTVhMCJ9\",\"signature\":"
    "\"ZjHwFU7astB936cZ8ygkwAbSX16T6CKCINphTMK7LF8\"}";

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
static void check_header(const parsed_eab_t *p, const char *want_kid, const char *want_url)
{
    cJSON *h = cJSON_Parse(p->header);
    assert_non_null(h);
    assert_int_equal(cJSON_GetArraySize(h), 3);
    const cJSON *alg = cJSON_GetObjectItemCaseSensitive(h, "alg");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(h, "kid");
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(h, "url");
    assert_true(cJSON_IsString(alg) && cJSON_IsString(k) && cJSON_IsString(u));
    assert_string_equal(alg->valuestring, "HS256");
    assert_string_equal(k->valuestring, want_kid);
    assert_string_equal(u->valuestring, want_url);
    cJSON_Delete(h);
}

/* HMAC-SHA-256 over protected "." payload, straight from mbedTLS. */
static void check_signature(const parsed_eab_t *p, const uint8_t *key, size_t key_len)
{
    static char input[2 * EAB_OUT_MAX + 2];
    size_t a = strlen(p->protected_b64);
    size_t b = strlen(p->payload_b64);
    memcpy(input, p->protected_b64, a);
    input[a] = '.';
    memcpy(input + a + 1, p->payload_b64, b);
    uint8_t want[32];
    assert_int_equal(mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key, key_len,
                                     (const unsigned char *)input, a + 1 + b, want),
                     0);
    assert_int_equal(p->signature_len, 32);
    assert_memory_equal(p->signature, want, 32);
}

/* ---- tests ---------------------------------------------------------------------------- */

static void test_eab_known_vector(void **state)
{
    (void)state;
    char out[EAB_OUT_MAX];
    size_t len = 0;
    assert_int_equal(acme_eab_write(kid, mac_key, sizeof(mac_key), new_account_url, jwk,
                                    strlen(jwk), out, sizeof(out), &len),
                     ACME_OK);
    assert_int_equal(len, strlen(expected_eab));
    assert_string_equal(out, expected_eab);
}

static void test_eab_reads_back(void **state)
{
    (void)state;
    char out[EAB_OUT_MAX];
    size_t len = 0;
    assert_int_equal(acme_eab_write(kid, mac_key, sizeof(mac_key), new_account_url, jwk,
                                    strlen(jwk), out, sizeof(out), &len),
                     ACME_OK);
    parse_eab(out, len, &parsed);
    check_header(&parsed, kid, new_account_url);
    assert_int_equal(parsed.payload_len, strlen(jwk));
    assert_memory_equal(parsed.payload, jwk, parsed.payload_len);
    check_signature(&parsed, mac_key, sizeof(mac_key));
}

/* A kid or URL with quotes, backslashes or control characters must not be
 * able to add members to the header. */
static void test_eab_escapes_header_strings(void **state)
{
    (void)state;
    static const char hostile_kid[] = "a\"b\\c\n\x01\",\"alg\":\"none";
    static const char hostile_url[] = "https://ca.example.test/x\"}\x1f";
    char out[EAB_OUT_MAX];
    size_t len = 0;
    assert_int_equal(acme_eab_write(hostile_kid, mac_key, sizeof(mac_key), hostile_url, jwk,
                                    strlen(jwk), out, sizeof(out), &len),
                     ACME_OK);
    parse_eab(out, len, &parsed);
    check_header(&parsed, hostile_kid, hostile_url);
    check_signature(&parsed, mac_key, sizeof(mac_key));
}

/* Key lengths around the SHA-256 block size (64: longer keys are hashed
 * first) and the limit. */
static void test_eab_key_sizes(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 16, 63, 64, 65, 127, ACME_EAB_KEY_MAX};
    uint8_t key[ACME_EAB_KEY_MAX];
    for (size_t i = 0; i < sizeof(key); i++) {
        key[i] = (uint8_t)(0x5Au ^ (i * 7u));
    }
    char out[EAB_OUT_MAX];
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        size_t len = 0;
        assert_int_equal(acme_eab_write(kid, key, sizes[s], new_account_url, jwk, strlen(jwk), out,
                                        sizeof(out), &len),
                         ACME_OK);
        parse_eab(out, len, &parsed);
        check_signature(&parsed, key, sizes[s]);
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
    size_t len = 0;
    for (size_t jwk_len = 1; jwk_len <= 4; jwk_len++) {
        assert_int_equal(acme_eab_write(long_kid, mac_key, sizeof(mac_key), long_url, "{}}}",
                                        jwk_len, out, sizeof(out), &len),
                         ACME_OK);
        parse_eab(out, len, &parsed);
        check_header(&parsed, long_kid, long_url);
        assert_int_equal(parsed.payload_len, jwk_len);
        check_signature(&parsed, mac_key, sizeof(mac_key));
    }
}

/* Every capacity from 0 up: too small is BUFFER_TOO_SMALL with nothing
 * written at or past cap; big enough gives the same bytes every time. */
static void test_eab_every_buffer_size(void **state)
{
    (void)state;
    size_t need = strlen(expected_eab) + 1;
    static char out[EAB_OUT_MAX];
    for (size_t cap = 0; cap <= need + 2; cap++) {
        memset(out, GUARD, sizeof(out));
        size_t len = 12345;
        acme_status_t st = acme_eab_write(kid, mac_key, sizeof(mac_key), new_account_url, jwk,
                                          strlen(jwk), out, cap, &len);
        if (cap < need) {
            assert_int_equal(st, ACME_ERR_BUFFER_TOO_SMALL);
            if (cap > 0) {
                assert_int_equal(out[0], '\0');
            }
        } else {
            assert_int_equal(st, ACME_OK);
            assert_int_equal(len, need - 1);
            assert_string_equal(out, expected_eab);
        }
        for (size_t i = cap; i < sizeof(out); i++) {
            if ((unsigned char)out[i] != GUARD) {
                fail_msg("cap %zu: byte %zu written", cap, i);
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
    const size_t ks = sizeof(mac_key);
    const char *u = new_account_url;
    static char long_kid[ACME_EAB_KID_MAX + 2];
    static char long_url[ACME_URL_MAX + 2];
    memset(long_kid, 'k', ACME_EAB_KID_MAX + 1);
    memcpy(long_url, "https://", 8);
    memset(long_url + 8, 'u', ACME_URL_MAX + 1 - 8);
    uint8_t big_key[ACME_EAB_KEY_MAX + 1] = {0};

    assert_int_equal(acme_eab_write(NULL, k, ks, u, jwk, jl, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_eab_write("", k, ks, u, jwk, jl, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_eab_write(long_kid, k, ks, u, jwk, jl, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_eab_write(kid, NULL, ks, u, jwk, jl, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_eab_write(kid, k, 0, u, jwk, jl, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(
        acme_eab_write(kid, big_key, sizeof(big_key), u, jwk, jl, out, sizeof(out), &len),
        ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_eab_write(kid, k, ks, NULL, jwk, jl, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_eab_write(kid, k, ks, "", jwk, jl, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_eab_write(kid, k, ks, long_url, jwk, jl, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_eab_write(kid, k, ks, u, NULL, jl, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_eab_write(kid, k, ks, u, jwk, 0, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_eab_write(kid, k, ks, u, "[1]", 3, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_eab_write(kid, k, ks, u, jwk, jl, NULL, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_eab_write(kid, k, ks, u, jwk, jl, out, sizeof(out), NULL),
                     ACME_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eab_known_vector),
        cmocka_unit_test(test_eab_reads_back),
        cmocka_unit_test(test_eab_escapes_header_strings),
        cmocka_unit_test(test_eab_key_sizes),
        cmocka_unit_test(test_eab_long_inputs),
        cmocka_unit_test(test_eab_every_buffer_size),
        cmocka_unit_test(test_eab_invalid_args),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
