/*
 * Tests for the JWS codec: our output is read back the way a CA reads it
 * (cJSON for the JSON, the strict base64url decoder, mbedTLS to verify the
 * signature over the exact signing input), for ES256 and RS256, jwk and kid
 * headers, POST-as-GET, hostile header values, every too-small buffer, and
 * signer failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cJSON.h"

#include "acme/codec/base64.h"
#include "acme/codec/jwk.h"
#include "acme/codec/jws.h"
#include "crypto/crypto.h"
#include "crypto_fixture.h"

#include "mbedtls/ecdsa.h"
#include "mbedtls/pk.h"

#define JWS_MAX 4096

static const char new_order_payload[] =
    "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"a.example.test\"},"
    "{\"type\":\"dns\",\"value\":\"www.example.test\"}]}";
static const char nonce[] = "oFvnlFP1wIhRlYS2jTaXbA";
static const char new_order_url[] = "https://ca.example.test/acme/new-order";
static const char account_url[] = "https://ca.example.test/acme/acct/1234567";

static acme_drbg_t *drbg;
static acme_key_t *p256;
static acme_key_t *rsa;
static char p256_jwk[ACME_JWK_EC_P256_LEN + 1];
static char rsa_jwk[512];
static size_t in_use_at_start;

static int group_setup(void **state)
{
    (void)state;
    acme_public_key_t pub;
    size_t len = 0;
    if (fixture_arena_init(FIXTURE_ARENA_MAX) != 0) {
        return -1;
    }
    drbg = fixture_drbg(7);
    if (drbg == NULL || acme_key_generate(&p256, ACME_KEY_P256, drbg) != ACME_OK ||
        acme_key_generate(&rsa, ACME_KEY_RSA2048, drbg) != ACME_OK ||
        acme_key_public(p256, &pub) != ACME_OK ||
        acme_jwk_write_key(&pub, p256_jwk, sizeof(p256_jwk), &len) != ACME_OK ||
        acme_key_public(rsa, &pub) != ACME_OK ||
        acme_jwk_write_key(&pub, rsa_jwk, sizeof(rsa_jwk), &len) != ACME_OK) {
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    acme_key_free(&p256);
    acme_key_free(&rsa);
    acme_drbg_free(&drbg);
    return fixture_arena_in_use() == 0 ? 0 : -1;
}

static int mark(void **state)
{
    (void)state;
    in_use_at_start = fixture_arena_in_use();
    return 0;
}

static int check(void **state)
{
    (void)state;
    assert_int_equal(fixture_arena_in_use(), in_use_at_start);
    return 0;
}

/* ---- reading a JWS back ------------------------------------------------------ */

typedef struct parsed_jws {
    char protected_b64[1024];
    char payload_b64[2048];
    uint8_t sig[512];
    size_t sig_len;
    char header[1024]; /* decoded protected header JSON */
    char payload[1536];
    size_t payload_len;
} parsed_jws_t;

static void copy_member(const cJSON *obj, const char *name, char *dst, size_t cap)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);
    assert_true(cJSON_IsString(m));
    assert_true(strlen(m->valuestring) < cap);
    strcpy(dst, m->valuestring);
}

static void b64u_to_text(const char *in, char *out, size_t cap, size_t *len)
{
    size_t n = 0;
    assert_int_equal(acme_base64url_decode(in, strlen(in), (uint8_t *)out, cap - 1, &n), ACME_OK);
    out[n] = '\0';
    if (len != NULL) {
        *len = n;
    }
}

/* Exactly the three members of the flattened serialization, all strings. */
static void parse_jws(const char *jws, size_t len, parsed_jws_t *p)
{
    memset(p, 0, sizeof(*p));
    assert_int_equal(strlen(jws), len);
    cJSON *root = cJSON_ParseWithLength(jws, len);
    assert_non_null(root);
    assert_int_equal(cJSON_GetArraySize(root), 3);
    copy_member(root, "protected", p->protected_b64, sizeof(p->protected_b64));
    copy_member(root, "payload", p->payload_b64, sizeof(p->payload_b64));
    char sig_b64[1024];
    copy_member(root, "signature", sig_b64, sizeof(sig_b64));
    cJSON_Delete(root);

    b64u_to_text(p->protected_b64, p->header, sizeof(p->header), NULL);
    b64u_to_text(p->payload_b64, p->payload, sizeof(p->payload), &p->payload_len);
    assert_int_equal(
        acme_base64url_decode(sig_b64, strlen(sig_b64), p->sig, sizeof(p->sig), &p->sig_len),
        ACME_OK);
}

/* SHA-256 of b64u(protected) "." b64u(payload), computed independently. */
static void signing_input_digest(const parsed_jws_t *p, uint8_t digest[32])
{
    static char input[4096];
    int n = snprintf(input, sizeof(input), "%s.%s", p->protected_b64, p->payload_b64);
    assert_true(n > 0 && (size_t)n < sizeof(input));
    acme_sha256(input, (size_t)n, digest);
}

static void verify_es256(const parsed_jws_t *p, const acme_key_t *key)
{
    uint8_t digest[32];
    signing_input_digest(p, digest);
    assert_int_equal(p->sig_len, 64);
    uint8_t spki[128];
    size_t spki_len = 0;
    assert_int_equal(acme_key_write_spki(key, spki, sizeof(spki), &spki_len), ACME_OK);
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    assert_int_equal(mbedtls_pk_parse_public_key(&pk, spki, spki_len), 0);
    mbedtls_ecp_keypair *ec = mbedtls_pk_ec(pk);
    mbedtls_mpi r;
    mbedtls_mpi s;
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    assert_int_equal(mbedtls_mpi_read_binary(&r, p->sig, 32), 0);
    assert_int_equal(mbedtls_mpi_read_binary(&s, p->sig + 32, 32), 0);
    assert_int_equal(mbedtls_ecdsa_verify(&ec->grp, digest, 32, &ec->Q, &r, &s), 0);
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s);
    mbedtls_pk_free(&pk);
}

static void verify_rs256(const parsed_jws_t *p, const acme_key_t *key)
{
    uint8_t digest[32];
    signing_input_digest(p, digest);
    assert_int_equal(p->sig_len, 256);
    uint8_t spki[400];
    size_t spki_len = 0;
    assert_int_equal(acme_key_write_spki(key, spki, sizeof(spki), &spki_len), ACME_OK);
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    assert_int_equal(mbedtls_pk_parse_public_key(&pk, spki, spki_len), 0);
    assert_int_equal(mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, digest, 32, p->sig, p->sig_len), 0);
    mbedtls_pk_free(&pk);
}

/* The protected header's members, with exactly one of jwk and kid. */
static cJSON *parse_header(const parsed_jws_t *p, const char *alg, const char *url,
                           const char *expect_nonce)
{
    cJSON *h = cJSON_Parse(p->header);
    assert_non_null(h);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(h, "alg")->valuestring, alg);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(h, "url")->valuestring, url);
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(h, "nonce");
    if (expect_nonce == NULL) {
        assert_null(n);
    } else {
        assert_string_equal(n->valuestring, expect_nonce);
    }
    int has_jwk = cJSON_HasObjectItem(h, "jwk");
    int has_kid = cJSON_HasObjectItem(h, "kid");
    assert_true(has_jwk != has_kid);
    return h;
}

static void sign_with(acme_key_t *key, acme_signer_t *signer, acme_soft_signer_t *st)
{
    acme_soft_signer_init(signer, st, key, drbg);
}

/* ---- tests ------------------------------------------------------------------------- */

static void test_es256_with_jwk(void **state)
{
    (void)state;
    acme_signer_t signer;
    acme_soft_signer_t st;
    sign_with(p256, &signer, &st);
    acme_jws_header_t hdr = {nonce, new_order_url, NULL, p256_jwk};
    static char out[JWS_MAX];
    size_t len = 0;
    assert_int_equal(acme_jws_write(&hdr, new_order_payload, strlen(new_order_payload), &signer,
                                    out, sizeof(out), &len),
                     ACME_OK);
    print_message("ES256 JWS with jwk, %zu-byte newOrder payload: %zu bytes\n",
                  strlen(new_order_payload), len);

    static parsed_jws_t p;
    parse_jws(out, len, &p);
    assert_int_equal(p.payload_len, strlen(new_order_payload));
    assert_string_equal(p.payload, new_order_payload);
    cJSON *h = parse_header(&p, "ES256", new_order_url, nonce);
    /* The embedded JWK is the key's canonical JWK, member for member. */
    char *jwk_text = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(h, "jwk"));
    assert_string_equal(jwk_text, p256_jwk);
    cJSON_free(jwk_text);
    cJSON_Delete(h);
    verify_es256(&p, p256);
}

static void test_es256_with_kid(void **state)
{
    (void)state;
    acme_signer_t signer;
    acme_soft_signer_t st;
    sign_with(p256, &signer, &st);
    acme_jws_header_t hdr = {nonce, new_order_url, account_url, NULL};
    static char out[JWS_MAX];
    size_t len = 0;
    assert_int_equal(acme_jws_write(&hdr, new_order_payload, strlen(new_order_payload), &signer,
                                    out, sizeof(out), &len),
                     ACME_OK);
    print_message("ES256 JWS with kid, newOrder payload: %zu bytes\n", len);
    static parsed_jws_t p;
    parse_jws(out, len, &p);
    cJSON *h = parse_header(&p, "ES256", new_order_url, nonce);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(h, "kid")->valuestring, account_url);
    cJSON_Delete(h);
    verify_es256(&p, p256);

    /* kid wins when both are given (the jwk is only for new accounts). */
    acme_jws_header_t both = {nonce, new_order_url, account_url, p256_jwk};
    assert_int_equal(acme_jws_write(&both, "{}", 2, &signer, out, sizeof(out), &len), ACME_OK);
    parse_jws(out, len, &p);
    h = parse_header(&p, "ES256", new_order_url, nonce);
    assert_true(cJSON_HasObjectItem(h, "kid"));
    cJSON_Delete(h);
}

/* A private copy of the RSA key: RSA private operations cache blinding
 * values and Montgomery constants in the key object, which would show as
 * arena growth in the per-test leak check. */
static acme_key_t *rsa_copy(void)
{
    static uint8_t der[ACME_KEY_DER_MAX];
    size_t len = 0;
    acme_key_t *copy = NULL;
    assert_int_equal(acme_key_write_der(rsa, der, sizeof(der), &len), ACME_OK);
    assert_int_equal(acme_key_parse_der(&copy, der, len), ACME_OK);
    return copy;
}

static void test_rs256(void **state)
{
    (void)state;
    acme_key_t *key = rsa_copy();
    acme_signer_t signer;
    acme_soft_signer_t st;
    sign_with(key, &signer, &st);
    acme_jws_header_t hdr = {nonce, new_order_url, NULL, rsa_jwk};
    static char out[JWS_MAX];
    size_t len = 0;
    assert_int_equal(acme_jws_write(&hdr, new_order_payload, strlen(new_order_payload), &signer,
                                    out, sizeof(out), &len),
                     ACME_OK);
    print_message("RS256 JWS with jwk, newOrder payload: %zu bytes\n", len);
    static parsed_jws_t p;
    parse_jws(out, len, &p);
    cJSON *h = parse_header(&p, "RS256", new_order_url, nonce);
    char *jwk_text = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(h, "jwk"));
    assert_string_equal(jwk_text, rsa_jwk);
    cJSON_free(jwk_text);
    cJSON_Delete(h);
    verify_rs256(&p, key);
    acme_key_free(&key);
}

/* RFC 8555 §6.3: POST-as-GET has an empty payload, "payload":"". */
static void test_post_as_get(void **state)
{
    (void)state;
    acme_signer_t signer;
    acme_soft_signer_t st;
    sign_with(p256, &signer, &st);
    acme_jws_header_t hdr = {nonce, "https://ca.example.test/acme/order/1", account_url, NULL};
    static char out[JWS_MAX];
    size_t len = 0;
    assert_int_equal(acme_jws_write(&hdr, NULL, 0, &signer, out, sizeof(out), &len), ACME_OK);
    assert_non_null(strstr(out, "\"payload\":\"\""));
    static parsed_jws_t p;
    parse_jws(out, len, &p);
    assert_int_equal(p.payload_len, 0);
    verify_es256(&p, p256);

    /* No nonce (never sent by the agent, but allowed by the codec). */
    acme_jws_header_t no_nonce = {NULL, new_order_url, account_url, NULL};
    assert_int_equal(acme_jws_write(&no_nonce, "", 0, &signer, out, sizeof(out), &len), ACME_OK);
    parse_jws(out, len, &p);
    cJSON *h = parse_header(&p, "ES256", new_order_url, NULL);
    cJSON_Delete(h);
    verify_es256(&p, p256);
}

/* URL and kid come from the server: quotes, backslashes and control
 * characters are escaped and read back unchanged. */
static void test_hostile_header_values_are_escaped(void **state)
{
    (void)state;
    acme_signer_t signer;
    acme_soft_signer_t st;
    sign_with(p256, &signer, &st);
    static const char url[] = "https://ca.example.test/x\",\"alg\":\"none\\\x01\t\n";
    static const char kid[] = "https://ca.example.test/acct/\"}";
    acme_jws_header_t hdr = {nonce, url, kid, NULL};
    static char out[JWS_MAX];
    size_t len = 0;
    assert_int_equal(acme_jws_write(&hdr, "{}", 2, &signer, out, sizeof(out), &len), ACME_OK);
    static parsed_jws_t p;
    parse_jws(out, len, &p);
    cJSON *h = parse_header(&p, "ES256", url, nonce);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(h, "kid")->valuestring, kid);
    assert_int_equal(cJSON_GetArraySize(h), 4);
    cJSON_Delete(h);
    verify_es256(&p, p256);
}

/* Every buffer shorter than the result fails cleanly and writes nothing
 * beyond cap; the exact size works and gives the same bytes (signatures are
 * deterministic: RFC 6979 for ES256, PKCS#1 v1.5 for RS256). The buffers are
 * heap blocks of exactly cap bytes so AddressSanitizer sees any overrun. */
static void check_every_cap(acme_key_t *key, const acme_jws_header_t *hdr, const char *payload)
{
    acme_signer_t signer;
    acme_soft_signer_t st;
    sign_with(key, &signer, &st);
    static char ref[JWS_MAX];
    size_t ref_len = 0;
    size_t plen = strlen(payload);
    assert_int_equal(acme_jws_write(hdr, payload, plen, &signer, ref, sizeof(ref), &ref_len),
                     ACME_OK);
    for (size_t cap = 0; cap <= ref_len + 1; cap++) {
        char *buf = malloc(cap == 0 ? 1 : cap);
        assert_non_null(buf);
        size_t len = 0;
        acme_status_t rc = acme_jws_write(hdr, payload, plen, &signer, buf, cap, &len);
        if (cap <= ref_len) {
            if (rc != ACME_ERR_BUFFER_TOO_SMALL) {
                fail_msg("cap %zu of %zu: %s", cap, ref_len + 1, acme_status_name(rc));
            }
        } else {
            assert_int_equal(rc, ACME_OK);
            assert_int_equal(len, ref_len);
            assert_memory_equal(buf, ref, ref_len + 1);
        }
        free(buf);
    }
}

static void test_every_buffer_size(void **state)
{
    (void)state;
    acme_jws_header_t jwk_hdr = {nonce, new_order_url, NULL, p256_jwk};
    check_every_cap(p256, &jwk_hdr, new_order_payload);
    acme_jws_header_t kid_hdr = {nonce, new_order_url, account_url, NULL};
    check_every_cap(p256, &kid_hdr, "");
    acme_jws_header_t rsa_hdr = {nonce, new_order_url, NULL, rsa_jwk};
    acme_key_t *key = rsa_copy();
    check_every_cap(key, &rsa_hdr, "{}");
    acme_key_free(&key);
}

static void test_invalid_arguments(void **state)
{
    (void)state;
    acme_signer_t signer;
    acme_soft_signer_t st;
    sign_with(p256, &signer, &st);
    static char out[JWS_MAX];
    size_t len = 0;
    acme_jws_header_t no_key = {nonce, new_order_url, NULL, NULL};
    assert_int_equal(acme_jws_write(&no_key, "{}", 2, &signer, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    acme_jws_header_t no_url = {nonce, NULL, account_url, NULL};
    assert_int_equal(acme_jws_write(&no_url, "{}", 2, &signer, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    acme_jws_header_t ok = {nonce, new_order_url, account_url, NULL};
    assert_int_equal(acme_jws_write(&ok, NULL, 2, &signer, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    /* A URL longer than the agent can store is refused, not truncated. */
    static char long_url[ACME_URL_MAX + 2];
    memset(long_url, 'a', sizeof(long_url) - 1);
    long_url[sizeof(long_url) - 1] = '\0';
    acme_jws_header_t too_long = {nonce, long_url, account_url, NULL};
    assert_int_equal(acme_jws_write(&too_long, "{}", 2, &signer, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    acme_signer_t bad_alg = signer;
    bad_alg.alg = (acme_sig_alg_t)99;
    assert_int_equal(acme_jws_write(&ok, "{}", 2, &bad_alg, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
}

/* ---- signer failures ------------------------------------------------------------- */

static acme_status_t failing_signer(void *ctx, const uint8_t digest[32], uint8_t *sig, size_t cap,
                                    size_t *sig_len)
{
    (void)ctx;
    (void)digest;
    (void)sig;
    (void)cap;
    (void)sig_len;
    return ACME_ERR_CRYPTO;
}

/* An ES256 signer that returns 63 bytes: not a JWS signature. */
static acme_status_t short_signer(void *ctx, const uint8_t digest[32], uint8_t *sig, size_t cap,
                                  size_t *sig_len)
{
    (void)ctx;
    (void)digest;
    if (cap < 63) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    memset(sig, 0x11, 63);
    *sig_len = 63;
    return ACME_OK;
}

static void test_signer_errors_propagate(void **state)
{
    (void)state;
    static char out[JWS_MAX];
    size_t len = 0;
    acme_jws_header_t hdr = {nonce, new_order_url, account_url, NULL};
    acme_signer_t failing = {ACME_SIG_ES256, failing_signer, NULL};
    assert_int_equal(acme_jws_write(&hdr, "{}", 2, &failing, out, sizeof(out), &len),
                     ACME_ERR_CRYPTO);
    acme_signer_t shorty = {ACME_SIG_ES256, short_signer, NULL};
    assert_int_equal(acme_jws_write(&hdr, "{}", 2, &shorty, out, sizeof(out), &len),
                     ACME_ERR_CRYPTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_es256_with_jwk, mark, check),
        cmocka_unit_test_setup_teardown(test_es256_with_kid, mark, check),
        cmocka_unit_test_setup_teardown(test_rs256, mark, check),
        cmocka_unit_test_setup_teardown(test_post_as_get, mark, check),
        cmocka_unit_test_setup_teardown(test_hostile_header_values_are_escaped, mark, check),
        cmocka_unit_test_setup_teardown(test_every_buffer_size, mark, check),
        cmocka_unit_test_setup_teardown(test_invalid_arguments, mark, check),
        cmocka_unit_test_setup_teardown(test_signer_errors_propagate, mark, check),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
