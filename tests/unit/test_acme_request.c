/*
 * Wire requests: GET/HEAD heads, and POSTs whose JWS body is signed with the
 * account key, with a Content-Length that matches and the JWS "url" equal
 * to the request URL. Also the CRC-32 check value the store relies on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acme/codec/acme_request.h"
#include "acme/codec/base64.h"
#include "acme/codec/crc32.h"
#include "acme/codec/http_request.h"
#include "acme/codec/jwk.h"
#include "cJSON.h"
#include "crypto/crypto.h"
#include "crypto_fixture.h"

static acme_drbg_t *drbg;
static acme_key_t *key;
static acme_soft_signer_t signer_state;
static acme_signer_t signer;
static char jwk[200];
static uint8_t out[4096];

static int group_setup(void **state)
{
    (void)state;
    drbg = fixture_drbg(7);
    acme_public_key_t pub;
    size_t len = 0;
    if (drbg == NULL || acme_key_generate(&key, ACME_KEY_P256, drbg) != ACME_OK ||
        acme_key_public(key, &pub) != ACME_OK ||
        acme_jwk_write_key(&pub, jwk, sizeof(jwk), &len) != ACME_OK) {
        return -1;
    }
    acme_soft_signer_init(&signer, &signer_state, key, drbg);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    acme_key_free(&key);
    acme_drbg_free(&drbg);
    return 0;
}

static void test_get_and_head(void **state)
{
    (void)state;
    acme_wire_request_t req = {.method = ACME_WIRE_GET, .url = "https://ca.test:14000/dir"};
    acme_url_t url;
    size_t len = 0;
    assert_int_equal(acme_wire_request_write(&req, out, sizeof(out), &len, &url), ACME_OK);
    assert_string_equal((char *)out, "GET /dir HTTP/1.1\r\nHost: ca.test:14000\r\n"
                                     "User-Agent: " ACME_USER_AGENT "\r\n\r\n");
    assert_int_equal(url.port, 14000);

    req.method = ACME_WIRE_HEAD;
    req.url = "https://ca.test/acme/new-nonce";
    assert_int_equal(acme_wire_request_write(&req, out, sizeof(out), &len, &url), ACME_OK);
    assert_memory_equal(out, "HEAD /acme/new-nonce HTTP/1.1\r\nHost: ca.test\r\n", 46);
}

/* Decode a base64url member of the JWS into a NUL-terminated string. */
static char *decode_member(const cJSON *jws, const char *name)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(jws, name);
    assert_non_null(m);
    static char buf[2][2048];
    static int which;
    char *dst = buf[which++ & 1];
    size_t n = 0;
    assert_int_equal(acme_base64url_decode(m->valuestring, strlen(m->valuestring), (uint8_t *)dst,
                                           sizeof(buf[0]) - 1, &n),
                     ACME_OK);
    dst[n] = '\0';
    return dst;
}

static void test_post_is_signed_jws_with_matching_length(void **state)
{
    (void)state;
    const char *payload = "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"a.example.com\"}]}";
    acme_wire_request_t req = {
        .method = ACME_WIRE_POST,
        .url = "https://ca.test/acme/new-order",
        .payload = payload,
        .payload_len = strlen(payload),
        .nonce = "n0nce-_AB",
        .kid = "https://ca.test/acme/acct/1",
        .signer = &signer,
    };
    acme_url_t url;
    size_t len = 0;
    assert_int_equal(acme_wire_request_write(&req, out, sizeof(out), &len, &url), ACME_OK);
    const char *text = (const char *)out;
    assert_true(strncmp(text, "POST /acme/new-order HTTP/1.1\r\n", 31) == 0);
    assert_non_null(strstr(text, "\r\nContent-Type: application/jose+json\r\n"));
    const char *body = strstr(text, "\r\n\r\n");
    assert_non_null(body);
    body += 4;
    unsigned long content_length = strtoul(strstr(text, "Content-Length: ") + 16, NULL, 10);
    assert_int_equal(content_length, len - (size_t)(body - text));

    cJSON *jws = cJSON_ParseWithLength(body, content_length);
    assert_non_null(jws);
    assert_string_equal(decode_member(jws, "payload"), payload);
    cJSON *hdr = cJSON_Parse(decode_member(jws, "protected"));
    assert_non_null(hdr);
    assert_string_equal(cJSON_GetObjectItem(hdr, "alg")->valuestring, "ES256");
    assert_string_equal(cJSON_GetObjectItem(hdr, "url")->valuestring, req.url);
    assert_string_equal(cJSON_GetObjectItem(hdr, "nonce")->valuestring, req.nonce);
    assert_string_equal(cJSON_GetObjectItem(hdr, "kid")->valuestring, req.kid);
    assert_null(cJSON_GetObjectItem(hdr, "jwk"));
    cJSON_Delete(hdr);
    cJSON_Delete(jws);
}

static void test_post_as_get_and_jwk(void **state)
{
    (void)state;
    acme_wire_request_t req = {
        .method = ACME_WIRE_POST,
        .url = "https://ca.test/acme/new-acct",
        .payload = "",
        .payload_len = 0,
        .nonce = "abc",
        .jwk = jwk,
        .signer = &signer,
    };
    acme_url_t url;
    size_t len = 0;
    assert_int_equal(acme_wire_request_write(&req, out, sizeof(out), &len, &url), ACME_OK);
    const char *body = strstr((const char *)out, "\r\n\r\n") + 4;
    assert_non_null(strstr(body, "\"payload\":\"\""));
    cJSON *jws = cJSON_Parse(body);
    cJSON *hdr = cJSON_Parse(decode_member(jws, "protected"));
    assert_non_null(cJSON_GetObjectItem(hdr, "jwk"));
    assert_null(cJSON_GetObjectItem(hdr, "kid"));
    cJSON_Delete(hdr);
    cJSON_Delete(jws);
}

/* The head is written with the fixed user agent and content type unchecked:
 * it must be byte for byte what the checking writer makes of them (which
 * refuses any control character), for every method and at every cap. */
static void test_head_matches_checking_writer(void **state)
{
    (void)state;
    static const char *const urls[] = {"https://ca.test/dir", "https://ca.test:14000/a/b?c=d",
                                       "https://10.0.0.1"};
    static const char *const methods[] = {"GET", "HEAD", "POST"};
    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        for (size_t m = 0; m < 3; m++) {
            acme_url_t url;
            assert_int_equal(acme_url_parse_https(urls[i], strlen(urls[i]), &url), ACME_OK);
            const char *ct = m == 2 ? "application/jose+json" : NULL;
            size_t body_len = m == 2 ? 321 : 0;
            char ref[512];
            size_t ref_len = 0;
            assert_int_equal(acme_http_request_write_parsed(ref, sizeof(ref), &ref_len, methods[m],
                                                            &url, ACME_USER_AGENT, ct, body_len),
                             ACME_OK);
            for (size_t cap = 0; cap <= ref_len + 1; cap++) {
                char head[512];
                size_t len = 7;
                memset(head, 'Z', sizeof(head));
                acme_status_t st =
                    acme_http_acme_head_write(head, cap, &len, methods[m], &url, body_len);
                if (cap <= ref_len) {
                    assert_int_equal(st, ACME_ERR_BUFFER_TOO_SMALL);
                    assert_int_equal(len, 0);
                } else {
                    assert_int_equal(st, ACME_OK);
                    assert_int_equal(len, ref_len);
                    assert_memory_equal(head, ref, ref_len + 1);
                }
                for (size_t k = cap; k < sizeof(head); k++) {
                    assert_int_equal(head[k], 'Z');
                }
            }
        }
    }
}

static void test_rejections(void **state)
{
    (void)state;
    acme_url_t url;
    size_t len = 0;
    acme_wire_request_t req = {.method = ACME_WIRE_GET, .url = "http://ca.test/dir"};
    assert_int_equal(acme_wire_request_write(&req, out, sizeof(out), &len, &url),
                     ACME_ERR_MALFORMED);
    req.url = "https://ca.test/dir";
    assert_int_equal(acme_wire_request_write(&req, out, 16, &len, &url),
                     ACME_ERR_BUFFER_TOO_SMALL);
    /* A POST whose JWS does not fit the buffer. */
    static char big[3000];
    memset(big, 'x', sizeof(big) - 1);
    acme_wire_request_t post = {.method = ACME_WIRE_POST, .url = "https://ca.test/a",
                                .payload = big, .payload_len = sizeof(big) - 1,
                                .nonce = "n", .kid = "k", .signer = &signer};
    assert_int_equal(acme_wire_request_write(&post, out, sizeof(out), &len, &url),
                     ACME_ERR_BUFFER_TOO_SMALL);
}

static void test_crc32_check_value(void **state)
{
    (void)state;
    /* The CRC-32/ISO-HDLC check value, also in pieces. */
    assert_int_equal(acme_crc32(0, "123456789", 9), 0xCBF43926u);
    uint32_t crc = acme_crc32(0, "1234", 4);
    assert_int_equal(acme_crc32(crc, "56789", 5), 0xCBF43926u);
    assert_int_equal(acme_crc32(0, "", 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_and_head),
        cmocka_unit_test(test_post_is_signed_jws_with_matching_length),
        cmocka_unit_test(test_post_as_get_and_jwk),
        cmocka_unit_test(test_head_matches_checking_writer),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_crc32_check_value),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
