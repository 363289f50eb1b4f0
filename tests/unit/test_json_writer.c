/*
 * Tests for the bounded JSON writer: exact output, every escape, overflow at
 * every buffer size, misuse, and a round trip through cJSON (the parser the
 * agent uses for responses, and a stand-in for the server's parser).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cJSON.h"

#include "acme/codec/base64.h"
#include "acme/codec/json_writer.h"

#define GUARD 0xA5

static char out[1024];

/* Finishes w, expects ACME_OK and the exact text. */
static void expect_output(acme_json_writer_t *w, const char *expected)
{
    size_t len = 0;
    assert_int_equal(acme_jw_finish(w, &len), ACME_OK);
    assert_int_equal(len, strlen(expected));
    assert_string_equal(w->buf, expected);
}

static void test_empty_containers(void **state)
{
    (void)state;
    acme_json_writer_t w;
    acme_jw_init(&w, out, sizeof(out));
    acme_jw_object_begin(&w);
    acme_jw_object_end(&w);
    expect_output(&w, "{}");

    acme_jw_init(&w, out, sizeof(out));
    acme_jw_array_begin(&w);
    acme_jw_array_end(&w);
    expect_output(&w, "[]");
}

static void test_scalars(void **state)
{
    (void)state;
    acme_json_writer_t w;
    acme_jw_init(&w, out, sizeof(out));
    acme_jw_object_begin(&w);
    acme_jw_key(&w, "s");
    acme_jw_string(&w, "v");
    acme_jw_key(&w, "empty");
    acme_jw_string(&w, "");
    acme_jw_key(&w, "t");
    acme_jw_bool(&w, true);
    acme_jw_key(&w, "f");
    acme_jw_bool(&w, false);
    acme_jw_key(&w, "n");
    acme_jw_null(&w);
    acme_jw_key(&w, "raw");
    acme_jw_raw(&w, "{\"kty\":\"EC\"}", 12);
    acme_jw_key(&w, "part");
    acme_jw_string_n(&w, "abcdef", 3);
    acme_jw_object_end(&w);
    expect_output(&w, "{\"s\":\"v\",\"empty\":\"\",\"t\":true,\"f\":false,\"n\":null,"
                      "\"raw\":{\"kty\":\"EC\"},\"part\":\"abc\"}");
}

static void test_integers(void **state)
{
    (void)state;
    acme_json_writer_t w;
    acme_jw_init(&w, out, sizeof(out));
    acme_jw_array_begin(&w);
    acme_jw_int(&w, 0);
    acme_jw_int(&w, 7);
    acme_jw_int(&w, -7);
    acme_jw_int(&w, 10);
    acme_jw_int(&w, -100);
    acme_jw_int(&w, 1234567890123);
    acme_jw_int(&w, INT64_MAX);
    acme_jw_int(&w, INT64_MIN);
    acme_jw_array_end(&w);
    expect_output(&w, "[0,7,-7,10,-100,1234567890123,9223372036854775807,"
                      "-9223372036854775808]");
}

/* RFC 4648 §10 vectors, in the url alphabet and without padding. */
static void test_base64url(void **state)
{
    (void)state;
    static const uint8_t url_only[] = {0xFB, 0xFF};
    acme_json_writer_t w;
    acme_jw_init(&w, out, sizeof(out));
    acme_jw_array_begin(&w);
    acme_jw_base64url(&w, (const uint8_t *)"", 0);
    acme_jw_base64url(&w, (const uint8_t *)"f", 1);
    acme_jw_base64url(&w, (const uint8_t *)"fo", 2);
    acme_jw_base64url(&w, (const uint8_t *)"foo", 3);
    acme_jw_base64url(&w, (const uint8_t *)"foob", 4);
    acme_jw_base64url(&w, (const uint8_t *)"fooba", 5);
    acme_jw_base64url(&w, (const uint8_t *)"foobar", 6);
    acme_jw_base64url(&w, url_only, sizeof(url_only));
    acme_jw_array_end(&w);
    expect_output(&w, "[\"\",\"Zg\",\"Zm8\",\"Zm9v\",\"Zm9vYg\",\"Zm9vYmE\",\"Zm9vYmFy\",\"-_8\"]");
}

static void test_every_escape(void **state)
{
    (void)state;
    /* All 32 control characters, quote, backslash, and bytes that must pass
     * unchanged: '/', DEL, and UTF-8 for U+00E9. */
    char in[40];
    for (int c = 0; c < 0x20; c++) {
        in[c] = (char)c;
    }
    memcpy(in + 0x20, "\"\\/\x7f\xc3\xa9", 6);
    acme_json_writer_t w;
    acme_jw_init(&w, out, sizeof(out));
    acme_jw_string_n(&w, in, 0x20 + 6);
    expect_output(&w, "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007"
                      "\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
                      "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017"
                      "\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"
                      "\\\"\\\\/\x7f\xc3\xa9\"");
}

static void test_key_escaped(void **state)
{
    (void)state;
    acme_json_writer_t w;
    acme_jw_init(&w, out, sizeof(out));
    acme_jw_object_begin(&w);
    acme_jw_key(&w, "a\"b\n");
    acme_jw_int(&w, 1);
    acme_jw_object_end(&w);
    expect_output(&w, "{\"a\\\"b\\n\":1}");
}

static void test_nesting_and_commas(void **state)
{
    (void)state;
    acme_json_writer_t w;
    acme_jw_init(&w, out, sizeof(out));
    acme_jw_object_begin(&w);
    acme_jw_key(&w, "a");
    acme_jw_array_begin(&w);
    acme_jw_array_begin(&w);
    acme_jw_array_end(&w);
    acme_jw_object_begin(&w);
    acme_jw_object_end(&w);
    acme_jw_int(&w, 1);
    acme_jw_object_begin(&w);
    acme_jw_key(&w, "x");
    acme_jw_array_begin(&w);
    acme_jw_int(&w, 2);
    acme_jw_int(&w, 3);
    acme_jw_array_end(&w);
    acme_jw_key(&w, "y");
    acme_jw_null(&w);
    acme_jw_object_end(&w);
    acme_jw_array_end(&w);
    acme_jw_key(&w, "b");
    acme_jw_object_begin(&w);
    acme_jw_object_end(&w);
    acme_jw_object_end(&w);
    expect_output(&w, "{\"a\":[[],{},1,{\"x\":[2,3],\"y\":null}],\"b\":{}}");
}

static void test_top_level_scalar(void **state)
{
    (void)state;
    acme_json_writer_t w;
    acme_jw_init(&w, out, sizeof(out));
    acme_jw_string(&w, "x");
    expect_output(&w, "\"x\"");
}

static void test_max_depth(void **state)
{
    (void)state;
    acme_json_writer_t w;
    acme_jw_init(&w, out, sizeof(out));
    for (int i = 0; i < ACME_JW_MAX_DEPTH; i++) {
        acme_jw_array_begin(&w);
    }
    for (int i = 0; i < ACME_JW_MAX_DEPTH; i++) {
        acme_jw_array_end(&w);
    }
    expect_output(&w, "[[[[[[[[]]]]]]]]");

    acme_jw_init(&w, out, sizeof(out));
    for (int i = 0; i <= ACME_JW_MAX_DEPTH; i++) {
        acme_jw_array_begin(&w);
    }
    size_t len = 99;
    assert_int_equal(acme_jw_finish(&w, &len), ACME_ERR_BAD_STATE);
    assert_int_equal(len, 0);
}

/* Each misuse leaves the writer in BAD_STATE with nothing to send. */
typedef void (*misuse_fn)(acme_json_writer_t *w);

static void key_in_array(acme_json_writer_t *w)
{
    acme_jw_array_begin(w);
    acme_jw_key(w, "k");
    acme_jw_int(w, 1);
    acme_jw_array_end(w);
}

static void key_at_top(acme_json_writer_t *w)
{
    acme_jw_key(w, "k");
}

static void value_without_key(acme_json_writer_t *w)
{
    acme_jw_object_begin(w);
    acme_jw_string(w, "v");
    acme_jw_object_end(w);
}

static void second_value_without_key(acme_json_writer_t *w)
{
    acme_jw_object_begin(w);
    acme_jw_key(w, "k");
    acme_jw_int(w, 1);
    acme_jw_int(w, 2);
    acme_jw_object_end(w);
}

static void two_keys(acme_json_writer_t *w)
{
    acme_jw_object_begin(w);
    acme_jw_key(w, "k");
    acme_jw_key(w, "l");
    acme_jw_int(w, 1);
    acme_jw_object_end(w);
}

static void object_end_without_begin(acme_json_writer_t *w)
{
    acme_jw_object_end(w);
}

static void array_end_without_begin(acme_json_writer_t *w)
{
    acme_jw_array_end(w);
}

static void extra_end(acme_json_writer_t *w)
{
    acme_jw_object_begin(w);
    acme_jw_object_end(w);
    acme_jw_object_end(w);
}

static void wrong_end(acme_json_writer_t *w)
{
    acme_jw_object_begin(w);
    acme_jw_array_end(w);
}

static void wrong_end_array(acme_json_writer_t *w)
{
    acme_jw_array_begin(w);
    acme_jw_object_end(w);
}

static void end_after_key(acme_json_writer_t *w)
{
    acme_jw_object_begin(w);
    acme_jw_key(w, "k");
    acme_jw_object_end(w);
}

static void open_object(acme_json_writer_t *w)
{
    acme_jw_object_begin(w);
    acme_jw_key(w, "k");
    acme_jw_int(w, 1);
}

static void open_array(acme_json_writer_t *w)
{
    acme_jw_object_begin(w);
    acme_jw_key(w, "k");
    acme_jw_array_begin(w);
    acme_jw_object_end(w);
}

static void dangling_key(acme_json_writer_t *w)
{
    acme_jw_object_begin(w);
    acme_jw_key(w, "k");
}

static void two_documents(acme_json_writer_t *w)
{
    acme_jw_object_begin(w);
    acme_jw_object_end(w);
    acme_jw_object_begin(w);
    acme_jw_object_end(w);
}

static void two_top_scalars(acme_json_writer_t *w)
{
    acme_jw_int(w, 1);
    acme_jw_int(w, 2);
}

static void nothing(acme_json_writer_t *w)
{
    (void)w;
}

static void test_misuse_is_bad_state(void **state)
{
    (void)state;
    static const misuse_fn cases[] = {
        key_in_array,
        key_at_top,
        value_without_key,
        second_value_without_key,
        two_keys,
        object_end_without_begin,
        array_end_without_begin,
        extra_end,
        wrong_end,
        wrong_end_array,
        end_after_key,
        open_object,
        open_array,
        dangling_key,
        two_documents,
        two_top_scalars,
        nothing,
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        acme_json_writer_t w;
        acme_jw_init(&w, out, sizeof(out));
        cases[i](&w);
        size_t len = 99;
        acme_status_t st = acme_jw_finish(&w, &len);
        if (st != ACME_ERR_BAD_STATE) {
            fail_msg("misuse case %zu gave %d", i, (int)st);
        }
        assert_int_equal(len, 0);
    }
}

static void test_null_arguments(void **state)
{
    (void)state;
    acme_json_writer_t w;
    acme_jw_init(&w, out, sizeof(out));
    acme_jw_string(&w, NULL);
    assert_int_equal(acme_jw_finish(&w, NULL), ACME_ERR_INVALID_ARG);

    acme_jw_init(&w, out, sizeof(out));
    acme_jw_array_begin(&w);
    acme_jw_raw(&w, "", 0); /* would leave an empty slot */
    acme_jw_array_end(&w);
    assert_int_equal(acme_jw_finish(&w, NULL), ACME_ERR_INVALID_ARG);

    acme_jw_init(&w, out, sizeof(out));
    acme_jw_base64url(&w, NULL, 3);
    assert_int_equal(acme_jw_finish(&w, NULL), ACME_ERR_INVALID_ARG);

    acme_jw_init(&w, NULL, 100);
    acme_jw_null(&w);
    assert_int_equal(acme_jw_finish(&w, NULL), ACME_ERR_BUFFER_TOO_SMALL);
}

/* The first error wins, and later calls write nothing. */
static void test_sticky_error(void **state)
{
    (void)state;
    char small[8];
    memset(small, GUARD, sizeof(small));
    acme_json_writer_t w;
    acme_jw_init(&w, small, sizeof(small) - 1);
    acme_jw_object_begin(&w);
    acme_jw_key(&w, "longer-than-the-buffer");
    size_t len_at_error = w.len;
    acme_jw_object_end(&w); /* fine on its own, but after the error: nothing */
    acme_jw_object_end(&w); /* misuse: must not replace the first error */
    acme_jw_int(&w, 5);
    assert_int_equal(w.len, len_at_error);
    size_t len = 99;
    assert_int_equal(acme_jw_finish(&w, &len), ACME_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(len, 0);
    assert_int_equal((unsigned char)small[sizeof(small) - 1], GUARD);

    /* Misuse first, then overflow: BAD_STATE stays. */
    acme_jw_init(&w, small, 2);
    acme_jw_object_end(&w);
    acme_jw_string(&w, "does not fit");
    assert_int_equal(acme_jw_finish(&w, NULL), ACME_ERR_BAD_STATE);
    assert_int_equal(w.len, 0);
}

/* A newOrder-like payload with every kind of value the writer has. */
static const uint8_t sample_bytes[] = {0x00, 0x01, 0xFB, 0xFF, 0x7F, 0x80, 0x3E, 0x3F};

static void write_sample(acme_json_writer_t *w)
{
    acme_jw_object_begin(w);
    acme_jw_key(w, "identifiers");
    acme_jw_array_begin(w);
    acme_jw_object_begin(w);
    acme_jw_key(w, "type");
    acme_jw_string(w, "dns");
    acme_jw_key(w, "value");
    acme_jw_string(w, "www.example.org");
    acme_jw_object_end(w);
    acme_jw_object_begin(w);
    acme_jw_key(w, "type");
    acme_jw_string(w, "dns");
    acme_jw_key(w, "value");
    acme_jw_string(w, "q\"uote\\back\nline\x01.example");
    acme_jw_object_end(w);
    acme_jw_array_end(w);
    acme_jw_key(w, "replaces");
    acme_jw_base64url(w, sample_bytes, sizeof(sample_bytes));
    acme_jw_key(w, "notAfter");
    acme_jw_null(w);
    acme_jw_key(w, "count");
    acme_jw_int(w, -1234567);
    acme_jw_key(w, "termsOfServiceAgreed");
    acme_jw_bool(w, true);
    acme_jw_key(w, "jwk");
    acme_jw_raw(w, "{\"crv\":\"P-256\"}", 15);
    acme_jw_object_end(w);
}

static const char sample_json[] =
    "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"www.example.org\"},"
    "{\"type\":\"dns\",\"value\":\"q\\\"uote\\\\back\\nline\\u0001.example\"}],"
    "\"replaces\":\"AAH7_3-APj8\",\"notAfter\":null,\"count\":-1234567,"
    "\"termsOfServiceAgreed\":true,\"jwk\":{\"crv\":\"P-256\"}}";

static void test_sample_exact(void **state)
{
    (void)state;
    acme_json_writer_t w;
    acme_jw_init(&w, out, sizeof(out));
    write_sample(&w);
    expect_output(&w, sample_json);
}

/* For every cap below the needed size: the error is BUFFER_TOO_SMALL, what
 * was written is a prefix of the full text, and the byte at buf[cap] (a
 * guard) is never touched. At exactly len + 1 (room for the NUL) it works. */
static void test_overflow_at_every_cap(void **state)
{
    (void)state;
    const size_t full = strlen(sample_json);
    char buf[sizeof(sample_json) + 1];
    for (size_t cap = 0; cap <= full + 1; cap++) {
        memset(buf, GUARD, sizeof(buf));
        acme_json_writer_t w;
        acme_jw_init(&w, buf, cap);
        write_sample(&w);
        size_t len = 99;
        acme_status_t st = acme_jw_finish(&w, &len);
        if ((unsigned char)buf[cap] != GUARD) {
            fail_msg("cap %zu: byte past the cap was written", cap);
        }
        if (cap <= full) {
            if (st != ACME_ERR_BUFFER_TOO_SMALL) {
                fail_msg("cap %zu: status %d", cap, (int)st);
            }
            assert_int_equal(len, 0);
            assert_true(w.len <= cap);
            assert_memory_equal(buf, sample_json, w.len);
        } else {
            assert_int_equal(st, ACME_OK);
            assert_int_equal(len, full);
            assert_string_equal(buf, sample_json);
        }
    }
}

static void test_round_trip_through_cjson(void **state)
{
    (void)state;
    acme_json_writer_t w;
    acme_jw_init(&w, out, sizeof(out));
    write_sample(&w);
    size_t len = 0;
    assert_int_equal(acme_jw_finish(&w, &len), ACME_OK);

    cJSON *root = cJSON_ParseWithLength(out, len);
    assert_non_null(root);
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(root, "identifiers");
    assert_true(cJSON_IsArray(ids));
    assert_int_equal(cJSON_GetArraySize(ids), 2);
    const cJSON *second = cJSON_GetArrayItem(ids, 1);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(second, "type")->valuestring, "dns");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(second, "value")->valuestring,
                        "q\"uote\\back\nline\x01.example");

    const cJSON *replaces = cJSON_GetObjectItemCaseSensitive(root, "replaces");
    assert_true(cJSON_IsString(replaces));
    uint8_t decoded[16];
    size_t decoded_len = 0;
    assert_int_equal(acme_base64url_decode(replaces->valuestring, strlen(replaces->valuestring),
                                           decoded, sizeof(decoded), &decoded_len),
                     ACME_OK);
    assert_int_equal(decoded_len, sizeof(sample_bytes));
    assert_memory_equal(decoded, sample_bytes, sizeof(sample_bytes));

    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(root, "notAfter")));
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(root, "count")->valuedouble, -1234567);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "termsOfServiceAgreed")));
    const cJSON *jwk = cJSON_GetObjectItemCaseSensitive(root, "jwk");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(jwk, "crv")->valuestring, "P-256");
    cJSON_Delete(root);
}

/* Every control character survives an escape and a parse. */
static void test_escapes_round_trip(void **state)
{
    (void)state;
    char in[0x20 + 3];
    for (int c = 1; c < 0x20; c++) {
        in[c - 1] = (char)c;
    }
    memcpy(in + 0x1F, "\"\\/", 3);
    in[0x1F + 3] = '\0';
    acme_json_writer_t w;
    acme_jw_init(&w, out, sizeof(out));
    acme_jw_array_begin(&w);
    acme_jw_string(&w, in);
    acme_jw_array_end(&w);
    size_t len = 0;
    assert_int_equal(acme_jw_finish(&w, &len), ACME_OK);
    cJSON *root = cJSON_ParseWithLength(out, len);
    assert_non_null(root);
    assert_string_equal(cJSON_GetArrayItem(root, 0)->valuestring, in);
    cJSON_Delete(root);
}

/* ---- text layer -------------------------------------------------------------- */

static const uint8_t text_bytes[] = {0xfb, 0xff, 0x00};

/* An ACME-like payload: literal fragments, an escaped value, base64url
 * (FB FF 00 is "-_8A": both url-only symbols) and embedded JSON. */
static void write_text(acme_json_writer_t *w)
{
    acme_jw_put_text(w, "{\"type\":\"dns\",\"value\":");
    acme_jw_put_string(w, "a\"b\n", 4);
    acme_jw_put_text(w, ",\"csr\":");
    acme_jw_put_base64url(w, text_bytes, sizeof(text_bytes));
    acme_jw_put_text(w, ",\"jwk\":");
    acme_jw_put_text_n(w, "{\"k\":1}xx", 7);
    acme_jw_put_text(w, "}");
}

static const char text_json[] =
    "{\"type\":\"dns\",\"value\":\"a\\\"b\\n\",\"csr\":\"-_8A\",\"jwk\":{\"k\":1}}";

/* Fixed-shape text: the same bytes the structural calls write, overflow at
 * every cap like them, and caller mistakes are INVALID_ARG. */
static void test_text_layer(void **state)
{
    (void)state;
    acme_json_writer_t w;
    acme_jw_init(&w, out, sizeof(out));
    write_text(&w);
    expect_output(&w, text_json);

    acme_jw_init(&w, out, sizeof(out));
    acme_jw_object_begin(&w);
    acme_jw_key(&w, "type");
    acme_jw_string(&w, "dns");
    acme_jw_key(&w, "value");
    acme_jw_string_n(&w, "a\"b\n", 4);
    acme_jw_key(&w, "csr");
    acme_jw_base64url(&w, text_bytes, sizeof(text_bytes));
    acme_jw_key(&w, "jwk");
    acme_jw_raw(&w, "{\"k\":1}", 7);
    acme_jw_object_end(&w);
    expect_output(&w, text_json);

    const size_t full = strlen(text_json);
    char buf[sizeof(text_json) + 1];
    for (size_t cap = 0; cap <= full + 1; cap++) {
        memset(buf, GUARD, sizeof(buf));
        acme_jw_init(&w, buf, cap);
        write_text(&w);
        size_t len = 99;
        acme_status_t st = acme_jw_finish(&w, &len);
        assert_int_equal((unsigned char)buf[cap], GUARD);
        assert_int_equal(st, cap <= full ? ACME_ERR_BUFFER_TOO_SMALL : ACME_OK);
        assert_int_equal(len, cap <= full ? 0 : full);
    }

    acme_jw_init(&w, out, sizeof(out));
    acme_jw_put_string(&w, NULL, 0); /* an empty string */
    expect_output(&w, "\"\"");
    acme_jw_init(&w, out, sizeof(out));
    acme_jw_put_text(&w, NULL);
    assert_int_equal(acme_jw_finish(&w, NULL), ACME_ERR_INVALID_ARG);
    acme_jw_init(&w, out, sizeof(out));
    acme_jw_put_text_n(&w, NULL, 1);
    assert_int_equal(acme_jw_finish(&w, NULL), ACME_ERR_INVALID_ARG);
    acme_jw_init(&w, out, sizeof(out));
    acme_jw_put_string(&w, NULL, 1);
    assert_int_equal(acme_jw_finish(&w, NULL), ACME_ERR_INVALID_ARG);
    acme_jw_init(&w, out, sizeof(out));
    acme_jw_put_base64url(&w, NULL, 1);
    assert_int_equal(acme_jw_finish(&w, NULL), ACME_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_containers),
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_base64url),
        cmocka_unit_test(test_every_escape),
        cmocka_unit_test(test_key_escaped),
        cmocka_unit_test(test_nesting_and_commas),
        cmocka_unit_test(test_top_level_scalar),
        cmocka_unit_test(test_max_depth),
        cmocka_unit_test(test_misuse_is_bad_state),
        cmocka_unit_test(test_null_arguments),
        cmocka_unit_test(test_sticky_error),
        cmocka_unit_test(test_sample_exact),
        cmocka_unit_test(test_overflow_at_every_cap),
        cmocka_unit_test(test_round_trip_through_cjson),
        cmocka_unit_test(test_escapes_round_trip),
        cmocka_unit_test(test_text_layer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
