/*
 * Tests for the PEM reader and writer against a real two-certificate chain
 * made with OpenSSL (tests/data/pem/README.md): byte-exact DER, CRLF, every
 * way a block can be broken, and write -> read round trips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "acme/codec/pem.h"

#define DATA_MAX 4096
#define GUARD 0xA5

typedef struct blob {
    char bytes[DATA_MAX];
    size_t len;
} blob_t;

static blob_t chain, leaf_pem, root_pem, leaf_der, root_der;

static void load(const char *name, blob_t *b)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/pem/%s", ACME_TEST_DATA_DIR, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open %s", path);
    }
    b->len = fread(b->bytes, 1, sizeof(b->bytes), f);
    int complete = feof(f);
    fclose(f);
    assert_true(complete);
}

static int setup(void **state)
{
    (void)state;
    load("chain.pem", &chain);
    load("leaf.pem", &leaf_pem);
    load("root.pem", &root_pem);
    load("leaf.der", &leaf_der);
    load("root.der", &root_der);
    return 0;
}

static uint8_t der[DATA_MAX];

static acme_status_t next_cert(const char *text, size_t len, size_t *pos, size_t *der_len)
{
    return acme_pem_next(text, len, pos, "CERTIFICATE", der, sizeof(der), der_len);
}

/* Replace every "\n" by "\r\n". */
static size_t to_crlf(const char *in, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (in[i] == '\n') {
            assert_true(o < cap);
            out[o++] = '\r';
        }
        assert_true(o < cap);
        out[o++] = in[i];
    }
    return o;
}

static void expect_chain(const char *text, size_t len)
{
    size_t pos = 0;
    size_t n = 0;
    assert_int_equal(next_cert(text, len, &pos, &n), ACME_OK);
    assert_int_equal(n, leaf_der.len);
    assert_memory_equal(der, leaf_der.bytes, n);
    assert_int_equal(next_cert(text, len, &pos, &n), ACME_OK);
    assert_int_equal(n, root_der.len);
    assert_memory_equal(der, root_der.bytes, n);
    assert_int_equal(next_cert(text, len, &pos, &n), ACME_ERR_NOT_FOUND);

    size_t count = 0;
    assert_int_equal(acme_pem_chain_check(text, len, der, sizeof(der), &count), ACME_OK);
    assert_int_equal(count, 2);
}

static void test_chain_decodes_to_der(void **state)
{
    (void)state;
    expect_chain(chain.bytes, chain.len);
    /* *pos ends right after the last END line. */
    size_t pos = 0;
    size_t n = 0;
    assert_int_equal(next_cert(chain.bytes, chain.len, &pos, &n), ACME_OK);
    assert_int_equal(pos, leaf_pem.len);
    assert_int_equal(next_cert(chain.bytes, chain.len, &pos, &n), ACME_OK);
    assert_int_equal(pos, chain.len);
}

static void test_crlf_line_endings(void **state)
{
    (void)state;
    static char crlf[2 * DATA_MAX];
    size_t len = to_crlf(chain.bytes, chain.len, crlf, sizeof(crlf));
    expect_chain(crlf, len);
}

static void test_whitespace_around_blocks(void **state)
{
    (void)state;
    static char text[2 * DATA_MAX];
    int len = snprintf(text, sizeof(text), "\n \t\r\n%.*s\n\n  \t\n%.*s \n\t", (int)leaf_pem.len,
                       leaf_pem.bytes, (int)root_pem.len, root_pem.bytes);
    expect_chain(text, (size_t)len);
}

static void test_no_final_newline(void **state)
{
    (void)state;
    assert_int_equal(chain.bytes[chain.len - 1], '\n');
    expect_chain(chain.bytes, chain.len - 1);
}

static void test_empty_and_blank_input(void **state)
{
    (void)state;
    size_t pos = 0;
    size_t n = 0;
    size_t count = 0;
    assert_int_equal(next_cert("", 0, &pos, &n), ACME_ERR_NOT_FOUND);
    assert_int_equal(next_cert(" \r\n\t\n", 5, &pos, &n), ACME_ERR_NOT_FOUND);
    assert_int_equal(acme_pem_chain_check("", 0, der, sizeof(der), &count), ACME_ERR_MALFORMED);
    assert_int_equal(acme_pem_chain_check("\n\n", 2, der, sizeof(der), &count), ACME_ERR_MALFORMED);
}

/* The reader and the chain check both refuse text as malformed, and the
 * reader leaves *pos where it was. */
static void expect_malformed(const char *text)
{
    size_t pos = 0;
    size_t n = 0;
    size_t count = 0;
    size_t len = strlen(text);
    acme_status_t st = next_cert(text, len, &pos, &n);
    if (st != ACME_ERR_MALFORMED) {
        fail_msg("expected MALFORMED, got %d for:\n%s", (int)st, text);
    }
    assert_int_equal(pos, 0);
    assert_int_equal(acme_pem_chain_check(text, len, der, sizeof(der), &count), ACME_ERR_MALFORMED);
}

#define BODY "MIIBdjCCARygAwIBAgIBAjAKBggqhkjOPQQDAjAZMRcwFQYDVQQDDA5BQ01FIFRl\n"
#define BEGIN "-----BEGIN CERTIFICATE-----\n"
#define END "-----END CERTIFICATE-----\n"

static void test_broken_blocks(void **state)
{
    (void)state;
    /* The pieces are valid on their own: */
    size_t pos = 0;
    size_t n = 0;
    assert_int_equal(next_cert(BEGIN BODY END, strlen(BEGIN BODY END), &pos, &n), ACME_OK);
    assert_int_equal(n, 48);

    /* missing END line */
    expect_malformed(BEGIN BODY);
    expect_malformed(BEGIN BODY "-----END CERTIFICATE----\n");
    expect_malformed(BEGIN BODY "-----END CERTIFICATE");
    /* wrong label: on BEGIN, on END, or a different block type */
    expect_malformed("-----BEGIN X509 CRL-----\n" BODY "-----END X509 CRL-----\n");
    expect_malformed(BEGIN BODY "-----END PRIVATE KEY-----\n");
    expect_malformed("-----BEGIN CERTIFICATES-----\n" BODY "-----END CERTIFICATES-----\n");
    expect_malformed("-----BEGIN certificate-----\n" BODY "-----END certificate-----\n");
    /* junk before, between or after blocks */
    expect_malformed("junk\n" BEGIN BODY END);
    expect_malformed("Subject: CN=x\n" BEGIN BODY END);
    /* bad base64: foreign character, bad padding, data after padding, a
     * length that is not a multiple of four, an empty body, headers */
    expect_malformed(BEGIN "MIIB*jCC\n" END);
    expect_malformed(BEGIN "MIIB=jCC\n" END);
    expect_malformed(BEGIN "MII=\nAAAA\n" END);
    expect_malformed(BEGIN "MIIBd\n" END);
    expect_malformed(BEGIN "Zg==Zg==\n" END);
    expect_malformed(BEGIN "====\n" END);
    expect_malformed(BEGIN END);
    expect_malformed(BEGIN "\n  \n" END);
    expect_malformed(BEGIN "Proc-Type: 4,ENCRYPTED\n\n" BODY END);
    /* markers not on their own lines */
    expect_malformed(BEGIN "MIIBdjCC-----END CERTIFICATE-----\n");
    expect_malformed("-----BEGIN CERTIFICATE-----MIIBdjCC\n" END);
    expect_malformed(BEGIN "  " END);
    expect_malformed(BEGIN BODY "-----END CERTIFICATE-----x\n");
    expect_malformed("-----BEGIN CERTIFICATE-----\r" BODY END);
    expect_malformed("-----BEGIN CERTIFICATE-----");
    /* a second BEGIN where the END should be */
    expect_malformed(BEGIN BODY BEGIN BODY END);
}

static void test_junk_after_valid_block(void **state)
{
    (void)state;
    static const char text[] = BEGIN BODY END "trailing junk\n";
    size_t pos = 0;
    size_t n = 0;
    size_t count = 0;
    assert_int_equal(next_cert(text, strlen(text), &pos, &n), ACME_OK);
    size_t after_first = pos;
    assert_int_equal(next_cert(text, strlen(text), &pos, &n), ACME_ERR_MALFORMED);
    assert_int_equal(pos, after_first); /* unchanged on failure */
    assert_int_equal(acme_pem_chain_check(text, strlen(text), der, sizeof(der), &count),
                     ACME_ERR_MALFORMED);

    /* between blocks of a real chain */
    static char joined[2 * DATA_MAX];
    int len = snprintf(joined, sizeof(joined), "%.*sx\n%.*s", (int)leaf_pem.len, leaf_pem.bytes,
                       (int)root_pem.len, root_pem.bytes);
    assert_int_equal(acme_pem_chain_check(joined, (size_t)len, der, sizeof(der), &count),
                     ACME_ERR_MALFORMED);
}

/* Trailing blanks after a marker are tolerated (RFC 7468 §3 lax parsing);
 * the chain check only reads CERTIFICATE blocks. */
static void test_trailing_blanks_and_other_labels(void **state)
{
    (void)state;
    static const char blanks[] =
        "-----BEGIN CERTIFICATE----- \t\n" BODY "-----END CERTIFICATE-----  \n";
    size_t pos = 0;
    size_t n = 0;
    size_t count = 0;
    assert_int_equal(next_cert(blanks, strlen(blanks), &pos, &n), ACME_OK);

    static const char key[] = "-----BEGIN PRIVATE KEY-----\n" BODY "-----END PRIVATE KEY-----\n";
    pos = 0;
    assert_int_equal(acme_pem_next(key, strlen(key), &pos, "PRIVATE KEY", der, sizeof(der), &n),
                     ACME_OK);
    assert_int_equal(n, 48);
    assert_int_equal(pos, strlen(key));
    assert_int_equal(acme_pem_chain_check(key, strlen(key), der, sizeof(der), &count),
                     ACME_ERR_MALFORMED);
}

static void test_der_buffer_too_small(void **state)
{
    (void)state;
    size_t pos = 0;
    size_t n = 0;
    uint8_t small[DATA_MAX];
    assert_int_equal(
        acme_pem_next(chain.bytes, chain.len, &pos, "CERTIFICATE", small, leaf_der.len - 1, &n),
        ACME_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(pos, 0);
    assert_int_equal(
        acme_pem_next(chain.bytes, chain.len, &pos, "CERTIFICATE", small, leaf_der.len, &n),
        ACME_OK);
    assert_int_equal(n, leaf_der.len);

    size_t count = 0;
    assert_int_equal(acme_pem_chain_check(chain.bytes, chain.len, small, leaf_der.len, &count),
                     ACME_ERR_BUFFER_TOO_SMALL); /* the root is one byte longer */
    assert_int_equal(acme_pem_chain_check(chain.bytes, chain.len, small, root_der.len, &count),
                     ACME_OK);
}

static void test_invalid_arguments(void **state)
{
    (void)state;
    size_t pos = 0;
    size_t n = 0;
    const char *text = chain.bytes;
    assert_int_equal(acme_pem_next(text, chain.len, &pos, "", der, sizeof(der), &n),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_pem_next(text, chain.len, &pos, "A-----", der, sizeof(der), &n),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_pem_next(text, chain.len, &pos, NULL, der, sizeof(der), &n),
                     ACME_ERR_INVALID_ARG);
    pos = chain.len + 1;
    assert_int_equal(next_cert(text, chain.len, &pos, &n), ACME_ERR_INVALID_ARG);

    char pem[64];
    size_t len = 0;
    assert_int_equal(acme_pem_write("CERTIFICATE", der, 0, pem, sizeof(pem), &len),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_pem_write("BAD\nLABEL", der, 1, pem, sizeof(pem), &len),
                     ACME_ERR_INVALID_ARG);
}

/* What we write for the DER is exactly what OpenSSL wrote: 64-column lines. */
static void test_write_matches_openssl(void **state)
{
    (void)state;
    char pem[DATA_MAX];
    size_t len = 0;
    assert_int_equal(acme_pem_write("CERTIFICATE", (const uint8_t *)leaf_der.bytes, leaf_der.len,
                                    pem, sizeof(pem), &len),
                     ACME_OK);
    assert_int_equal(len, leaf_pem.len);
    assert_memory_equal(pem, leaf_pem.bytes, len);
    assert_int_equal(pem[len], '\0');

    assert_int_equal(acme_pem_write("CERTIFICATE", (const uint8_t *)root_der.bytes, root_der.len,
                                    pem, sizeof(pem), &len),
                     ACME_OK);
    assert_int_equal(len, root_pem.len);
    assert_memory_equal(pem, root_pem.bytes, len);
}

/* Lines between the markers are 64 characters, the last one 1..64. */
static void check_line_lengths(const char *pem, size_t len)
{
    size_t line_start = 0;
    size_t lines = 0;
    size_t last_body = 0;
    for (size_t i = 0; i < len; i++) {
        if (pem[i] != '\n') {
            continue;
        }
        size_t line_len = i - line_start;
        if (pem[line_start] != '-') {
            assert_true(line_len >= 1 && line_len <= 64);
            if (last_body != 0) {
                assert_int_equal(last_body, 64); /* only the last may be short */
            }
            last_body = line_len;
        }
        lines++;
        line_start = i + 1;
    }
    assert_int_equal(line_start, len); /* ends with a newline */
    assert_true(lines >= 3);
}

static void test_write_read_round_trip(void **state)
{
    (void)state;
    uint8_t data[300];
    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = (uint8_t)(i * 37u + 11u);
    }
    static char pem[1024];
    /* Every length around the line and base64 group boundaries. */
    for (size_t n = 1; n <= sizeof(data); n++) {
        size_t len = 0;
        assert_int_equal(acme_pem_write("TEST DATA", data, n, pem, sizeof(pem), &len), ACME_OK);
        assert_int_equal(strlen(pem), len);
        check_line_lengths(pem, len);
        size_t pos = 0;
        size_t got = 0;
        assert_int_equal(acme_pem_next(pem, len, &pos, "TEST DATA", der, sizeof(der), &got),
                         ACME_OK);
        assert_int_equal(got, n);
        assert_memory_equal(der, data, n);
        assert_int_equal(pos, len);
    }
}

static void test_write_every_cap(void **state)
{
    (void)state;
    char full[DATA_MAX];
    size_t full_len = 0;
    const uint8_t *in = (const uint8_t *)root_der.bytes;
    assert_int_equal(acme_pem_write("CERTIFICATE", in, root_der.len, full, sizeof(full), &full_len),
                     ACME_OK);
    char buf[DATA_MAX];
    for (size_t cap = 0; cap <= full_len + 1; cap++) {
        memset(buf, GUARD, sizeof(buf));
        size_t len = 0;
        acme_status_t st = acme_pem_write("CERTIFICATE", in, root_der.len, buf, cap, &len);
        if ((unsigned char)buf[cap] != GUARD) {
            fail_msg("cap %zu: byte past the cap was written", cap);
        }
        if (cap <= full_len) {
            assert_int_equal(st, ACME_ERR_BUFFER_TOO_SMALL);
        } else {
            assert_int_equal(st, ACME_OK);
            assert_string_equal(buf, full);
        }
    }
}

/* Large hostile inputs are refused after one pass. */
static void test_large_inputs(void **state)
{
    (void)state;
    static char text[200000];
    memset(text, ' ', sizeof(text));
    size_t pos = 0;
    size_t n = 0;
    assert_int_equal(next_cert(text, sizeof(text), &pos, &n), ACME_ERR_NOT_FOUND);
    memcpy(text, BEGIN, strlen(BEGIN));
    memset(text + strlen(BEGIN), 'A', sizeof(text) - strlen(BEGIN));
    assert_int_equal(next_cert(text, sizeof(text), &pos, &n), ACME_ERR_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_decodes_to_der),
        cmocka_unit_test(test_crlf_line_endings),
        cmocka_unit_test(test_whitespace_around_blocks),
        cmocka_unit_test(test_no_final_newline),
        cmocka_unit_test(test_empty_and_blank_input),
        cmocka_unit_test(test_broken_blocks),
        cmocka_unit_test(test_junk_after_valid_block),
        cmocka_unit_test(test_trailing_blanks_and_other_labels),
        cmocka_unit_test(test_der_buffer_too_small),
        cmocka_unit_test(test_invalid_arguments),
        cmocka_unit_test(test_write_matches_openssl),
        cmocka_unit_test(test_write_read_round_trip),
        cmocka_unit_test(test_write_every_cap),
        cmocka_unit_test(test_large_inputs),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
