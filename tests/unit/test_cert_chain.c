/*
 * Tests for the certificate-chain codec (codec/cert_chain.h): walking a PEM
 * chain as ACME serves it over OpenSSL-made fixtures (tests/data/README.md).
 * The facts come from the first block and every block is counted; the issued
 * check needs every block to parse and the leaf to carry our key and exactly
 * our names; junk, broken blocks and a scratch too small for a block are
 * refused; the caller's scratch is wiped; nothing leaks from the arena. The
 * single-certificate details (serial, dates, SAN rules) are test_crypto.c's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "acme/codec/cert_chain.h"
#include "acme/codec/pem.h"
#include "crypto/crypto.h"
#include "crypto_fixture.h"

#define CERT_DIR ACME_TEST_DATA_DIR "/cert/"
#define TEXT_MAX 8192

static const char *const p256_names[] = {"a.example.test", "www.example.test"};
static const char *const rsa_names[] = {"rsa.example.test"};

/* The caller's scratch: one decoded certificate at a time. */
static uint8_t scratch[TEXT_MAX];

/* ---- helpers ------------------------------------------------------------------- */

static size_t read_text(const char *name, char *buf)
{
    char path[512];
    snprintf(path, sizeof(path), "%s%s", CERT_DIR, name);
    size_t n = fixture_read_file(path, buf, TEXT_MAX);
    if (n == (size_t)-1) {
        fail_msg("cannot read %s", path);
    }
    return n;
}

static acme_key_t *load_key(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s%s", CERT_DIR, name);
    acme_key_t *key = fixture_key_from_pem_file(path);
    assert_non_null(key);
    return key;
}

/* A PEM block holding der (encoded with the project's PEM writer). */
static size_t pem_block(const uint8_t *der, size_t der_len, char *out, size_t cap)
{
    size_t len = 0;
    assert_int_equal(acme_pem_write("CERTIFICATE", der, der_len, out, cap, &len), ACME_OK);
    return len;
}

/* The DER length of the largest CERTIFICATE block in pem. */
static size_t largest_der(const char *pem, size_t len)
{
    static uint8_t der[TEXT_MAX];
    size_t pos = 0;
    size_t largest = 0;
    for (int i = 0; i < 16; i++) {
        size_t der_len = 0;
        acme_status_t st = acme_pem_next(pem, len, &pos, "CERTIFICATE", der, sizeof(der), &der_len);
        if (st == ACME_ERR_NOT_FOUND) {
            break;
        }
        assert_int_equal(st, ACME_OK);
        largest = der_len > largest ? der_len : largest;
    }
    return largest;
}

static void assert_scratch_wiped(void)
{
    static const uint8_t zeros[sizeof(scratch)];
    assert_memory_equal(scratch, zeros, sizeof(scratch));
}

/* Leak check: every test ends with the arena use it started with. */
static size_t in_use_at_start;

static int arena_mark(void **state)
{
    (void)state;
    in_use_at_start = fixture_arena_in_use();
    memset(scratch, 0xA5, sizeof(scratch)); /* so a wipe can be seen */
    return 0;
}

static int arena_check(void **state)
{
    (void)state;
    assert_int_equal(fixture_arena_in_use(), in_use_at_start);
    return 0;
}

static int group_setup(void **state)
{
    (void)state;
    return fixture_arena_init(FIXTURE_ARENA_MAX);
}

static int group_teardown(void **state)
{
    (void)state;
    return fixture_arena_in_use() == 0 ? 0 : -1;
}

/* ---- Chain facts ------------------------------------------------------------------ */

static void test_info_reads_leaf_and_counts_chain(void **state)
{
    (void)state;
    static char pem[TEXT_MAX];
    size_t len = read_text("chain-p256.pem", pem);
    acme_cert_info_t info;
    assert_int_equal(acme_cert_chain_info(pem, len, scratch, sizeof(scratch), &info), ACME_OK);
    assert_string_equal(info.subject_cn, "a.example.test");
    assert_string_equal(info.serial_hex, "008a0102030405060708090a0b0c0d0e0f10111213");
    assert_int_equal(info.name_count, 2);
    assert_string_equal(info.names[1], "www.example.test");
    assert_int_equal(info.chain_certs, 2);
    assert_scratch_wiped();

    /* The text need not be NUL-terminated: a copy without slack works. */
    char *exact = test_malloc(len);
    memcpy(exact, pem, len);
    assert_int_equal(acme_cert_chain_info(exact, len, scratch, sizeof(scratch), &info), ACME_OK);
    assert_int_equal(info.chain_certs, 2);
    test_free(exact);

    len = read_text("leaf-rsa.cert.pem", pem);
    assert_int_equal(acme_cert_chain_info(pem, len, scratch, sizeof(scratch), &info), ACME_OK);
    assert_string_equal(info.subject_cn, "rsa.example.test");
    assert_int_equal(info.chain_certs, 1);
}

/* The leaf is the first block, whatever the others are. */
static void test_info_leaf_is_first_block(void **state)
{
    (void)state;
    static char pem[TEXT_MAX];
    static char ca[TEXT_MAX];
    size_t len = read_text("leaf-p256.cert.pem", pem);
    size_t ca_len = read_text("ca.cert.pem", ca);
    static char swapped[2 * TEXT_MAX];
    memcpy(swapped, ca, ca_len);
    memcpy(swapped + ca_len, pem, len);
    acme_cert_info_t info;
    assert_int_equal(acme_cert_chain_info(swapped, ca_len + len, scratch, sizeof(scratch), &info),
                     ACME_OK);
    assert_string_equal(info.subject_cn, "ACME Agent Test Root");
    assert_int_equal(info.chain_certs, 2);

    /* Blocks after the leaf are counted, not parsed. */
    static char two[TEXT_MAX];
    memcpy(two, pem, len);
    static const uint8_t seq[] = {0x30, 0x00};
    size_t n = pem_block(seq, sizeof(seq), two + len, sizeof(two) - len);
    assert_int_equal(acme_cert_chain_info(two, len + n, scratch, sizeof(scratch), &info), ACME_OK);
    assert_int_equal(info.chain_certs, 2);
}

static void test_info_rejects_broken_input(void **state)
{
    (void)state;
    static char pem[TEXT_MAX];
    static char bad[TEXT_MAX];
    static uint8_t der[TEXT_MAX];
    acme_cert_info_t info;
    size_t len = read_text("chain-p256.pem", pem);

    assert_int_equal(acme_cert_chain_info(pem, 0, scratch, sizeof(scratch), &info),
                     ACME_ERR_BAD_CERT);
    assert_int_equal(acme_cert_chain_info("   \n", 4, scratch, sizeof(scratch), &info),
                     ACME_ERR_BAD_CERT);
    assert_int_equal(acme_cert_chain_info("hello", 5, scratch, sizeof(scratch), &info),
                     ACME_ERR_BAD_CERT);
    /* Cut in the middle of the first block: no END line. */
    assert_int_equal(acme_cert_chain_info(pem, 300, scratch, sizeof(scratch), &info),
                     ACME_ERR_BAD_CERT);
    /* A good leaf followed by text that is not a block. */
    memcpy(bad, pem, len);
    memcpy(bad + len, "garbage\n", 8);
    memset(scratch, 0xA5, sizeof(scratch));
    assert_int_equal(acme_cert_chain_info(bad, len + 8, scratch, sizeof(scratch), &info),
                     ACME_ERR_BAD_CERT);
    assert_int_equal(info.subject_cn[0], '\0'); /* nothing half-filled on error */
    assert_int_equal(info.name_count, 0);
    assert_int_equal(info.chain_certs, 0);
    assert_scratch_wiped();

    /* Clean PEM around DER that is not a certificate: the leaf's DER cut
     * short, and a lone SEQUENCE. */
    size_t pos = 0;
    size_t der_len = 0;
    assert_int_equal(acme_pem_next(pem, len, &pos, "CERTIFICATE", der, sizeof(der), &der_len),
                     ACME_OK);
    size_t n = pem_block(der, der_len - 10, bad, sizeof(bad));
    assert_int_equal(acme_cert_chain_info(bad, n, scratch, sizeof(scratch), &info),
                     ACME_ERR_BAD_CERT);
    static const uint8_t seq[] = {0x30, 0x00};
    n = pem_block(seq, sizeof(seq), bad, sizeof(bad));
    assert_int_equal(acme_cert_chain_info(bad, n, scratch, sizeof(scratch), &info),
                     ACME_ERR_BAD_CERT);

    assert_int_equal(acme_cert_chain_info(NULL, 1, scratch, sizeof(scratch), &info),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_cert_chain_info(pem, len, NULL, sizeof(scratch), &info),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_cert_chain_info(pem, len, scratch, 0, &info), ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_cert_chain_info(pem, len, scratch, sizeof(scratch), NULL),
                     ACME_ERR_INVALID_ARG);
}

/* A block whose DER does not fit the caller's scratch is oversize, not bad:
 * the scratch bound is the largest certificate the caller can hold. */
static void test_scratch_too_small_is_oversize(void **state)
{
    (void)state;
    static char pem[TEXT_MAX];
    size_t len = read_text("chain-p256.pem", pem);
    size_t need = largest_der(pem, len);
    assert_true(need > 100);
    acme_key_t *key = load_key("leaf-p256.key.pem");
    acme_cert_info_t info;

    assert_int_equal(acme_cert_chain_info(pem, len, scratch, need - 1, &info), ACME_ERR_OVERSIZE);
    assert_int_equal(info.chain_certs, 0);
    assert_int_equal(acme_cert_chain_check_issued(pem, len, scratch, need - 1, key, p256_names, 2),
                     ACME_ERR_OVERSIZE);
    assert_int_equal(acme_cert_chain_info(pem, len, scratch, 1, &info), ACME_ERR_OVERSIZE);
    assert_int_equal(acme_cert_chain_check_issued(pem, len, scratch, 1, key, p256_names, 2),
                     ACME_ERR_OVERSIZE);

    /* Exactly the largest block's size is enough. */
    assert_int_equal(acme_cert_chain_info(pem, len, scratch, need, &info), ACME_OK);
    assert_int_equal(info.chain_certs, 2);
    assert_int_equal(acme_cert_chain_check_issued(pem, len, scratch, need, key, p256_names, 2),
                     ACME_OK);
    acme_key_free(&key);
}

/* ---- Issued-chain check ------------------------------------------------------------- */

static void test_check_issued_accepts_our_chain(void **state)
{
    (void)state;
    static char pem[TEXT_MAX];
    size_t len = read_text("chain-p256.pem", pem);
    acme_key_t *key = load_key("leaf-p256.key.pem");
    assert_int_equal(
        acme_cert_chain_check_issued(pem, len, scratch, sizeof(scratch), key, p256_names, 2),
        ACME_OK);
    assert_scratch_wiped();
    /* Order and case do not matter (the leaf rules are test_crypto.c's). */
    static const char *const shuffled[] = {"WWW.Example.TEST", "a.example.test"};
    assert_int_equal(
        acme_cert_chain_check_issued(pem, len, scratch, sizeof(scratch), key, shuffled, 2),
        ACME_OK);
    acme_key_free(&key);

    len = read_text("chain-rsa.pem", pem);
    key = load_key("leaf-rsa.key.pem");
    assert_int_equal(
        acme_cert_chain_check_issued(pem, len, scratch, sizeof(scratch), key, rsa_names, 1),
        ACME_OK);
    acme_key_free(&key);
}

static void test_check_issued_rejects_other_names_and_key(void **state)
{
    (void)state;
    static char pem[TEXT_MAX];
    size_t len = read_text("chain-p256.pem", pem);
    acme_key_t *ec = load_key("leaf-p256.key.pem");
    acme_key_t *rsa = load_key("leaf-rsa.key.pem");

    /* The certificate names more than was asked for. */
    assert_int_equal(
        acme_cert_chain_check_issued(pem, len, scratch, sizeof(scratch), ec, p256_names, 1),
        ACME_ERR_BAD_CERT);
    /* Someone else's key; checked before the names. */
    assert_int_equal(
        acme_cert_chain_check_issued(pem, len, scratch, sizeof(scratch), rsa, p256_names, 2),
        ACME_ERR_KEY_MISMATCH);
    assert_int_equal(
        acme_cert_chain_check_issued(pem, len, scratch, sizeof(scratch), rsa, rsa_names, 1),
        ACME_ERR_KEY_MISMATCH);
    /* An extra SAN of another type (IP address). */
    len = read_text("leaf-ipsan.cert.pem", pem);
    assert_int_equal(
        acme_cert_chain_check_issued(pem, len, scratch, sizeof(scratch), ec, p256_names, 2),
        ACME_ERR_BAD_CERT);
    acme_key_free(&ec);
    acme_key_free(&rsa);
}

/* The leaf is the first block: our certificate second does not count. */
static void test_check_issued_leaf_is_first_block(void **state)
{
    (void)state;
    static char pem[TEXT_MAX];
    static char ca[TEXT_MAX];
    static char swapped[2 * TEXT_MAX];
    size_t len = read_text("leaf-p256.cert.pem", pem);
    size_t ca_len = read_text("ca.cert.pem", ca);
    memcpy(swapped, ca, ca_len);
    memcpy(swapped + ca_len, pem, len);
    acme_key_t *key = load_key("leaf-p256.key.pem");
    assert_int_equal(acme_cert_chain_check_issued(swapped, ca_len + len, scratch, sizeof(scratch),
                                                  key, p256_names, 2),
                     ACME_ERR_KEY_MISMATCH);
    acme_key_free(&key);
}

static void test_check_issued_every_block_must_parse(void **state)
{
    (void)state;
    static char pem[TEXT_MAX];
    static char bad[TEXT_MAX];
    size_t len = read_text("leaf-p256.cert.pem", pem);
    acme_key_t *key = load_key("leaf-p256.key.pem");

    /* Leaf + a clean PEM block whose DER is not a certificate. */
    memcpy(bad, pem, len);
    static const uint8_t seq[] = {0x30, 0x00};
    size_t n = pem_block(seq, sizeof(seq), bad + len, sizeof(bad) - len);
    assert_int_equal(
        acme_cert_chain_check_issued(bad, len + n, scratch, sizeof(scratch), key, p256_names, 2),
        ACME_ERR_BAD_CERT);
    /* (The facts reader only counts blocks after the leaf.) */
    acme_cert_info_t info;
    assert_int_equal(acme_cert_chain_info(bad, len + n, scratch, sizeof(scratch), &info), ACME_OK);
    assert_int_equal(info.chain_certs, 2);

    /* Leaf + trailing text. */
    memcpy(bad + len, "x", 1);
    assert_int_equal(
        acme_cert_chain_check_issued(bad, len + 1, scratch, sizeof(scratch), key, p256_names, 2),
        ACME_ERR_BAD_CERT);
    /* Nothing at all. */
    assert_int_equal(
        acme_cert_chain_check_issued("\n", 1, scratch, sizeof(scratch), key, p256_names, 2),
        ACME_ERR_BAD_CERT);
    assert_int_equal(
        acme_cert_chain_check_issued(pem, 0, scratch, sizeof(scratch), key, p256_names, 2),
        ACME_ERR_BAD_CERT);
    acme_key_free(&key);
}

/* A caller's mistake is reported as such, whatever the chain holds. */
static void test_check_issued_caller_errors(void **state)
{
    (void)state;
    static char pem[TEXT_MAX];
    size_t len = read_text("chain-p256.pem", pem);
    acme_key_t *key = load_key("leaf-p256.key.pem");
    size_t cap = sizeof(scratch);

    assert_int_equal(acme_cert_chain_check_issued(pem, len, scratch, cap, key, p256_names, 0),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_cert_chain_check_issued("\n", 1, scratch, cap, key, p256_names, 0),
                     ACME_ERR_INVALID_ARG);
    static const char *const empty[] = {""};
    assert_int_equal(acme_cert_chain_check_issued(pem, len, scratch, cap, key, empty, 1),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_cert_chain_check_issued("junk", 4, scratch, cap, key, empty, 1),
                     ACME_ERR_INVALID_ARG);
    static char long_name[ACME_DNS_NAME_MAX + 2];
    memset(long_name, 'a', ACME_DNS_NAME_MAX + 1);
    const char *const too_long[] = {long_name};
    assert_int_equal(acme_cert_chain_check_issued(pem, len, scratch, cap, key, too_long, 1),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_cert_chain_check_issued(pem, len, scratch, cap, key, p256_names,
                                                  ACME_MAX_IDENTIFIERS + 1),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_cert_chain_check_issued(pem, len, scratch, cap, NULL, p256_names, 2),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_cert_chain_check_issued(NULL, len, scratch, cap, key, p256_names, 2),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_cert_chain_check_issued(pem, len, NULL, cap, key, p256_names, 2),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_cert_chain_check_issued(pem, len, scratch, 0, key, p256_names, 2),
                     ACME_ERR_INVALID_ARG);
    acme_key_free(&key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_info_reads_leaf_and_counts_chain, arena_mark,
                                        arena_check),
        cmocka_unit_test_setup_teardown(test_info_leaf_is_first_block, arena_mark, arena_check),
        cmocka_unit_test_setup_teardown(test_info_rejects_broken_input, arena_mark, arena_check),
        cmocka_unit_test_setup_teardown(test_scratch_too_small_is_oversize, arena_mark,
                                        arena_check),
        cmocka_unit_test_setup_teardown(test_check_issued_accepts_our_chain, arena_mark,
                                        arena_check),
        cmocka_unit_test_setup_teardown(test_check_issued_rejects_other_names_and_key, arena_mark,
                                        arena_check),
        cmocka_unit_test_setup_teardown(test_check_issued_leaf_is_first_block, arena_mark,
                                        arena_check),
        cmocka_unit_test_setup_teardown(test_check_issued_every_block_must_parse, arena_mark,
                                        arena_check),
        cmocka_unit_test_setup_teardown(test_check_issued_caller_errors, arena_mark, arena_check),
    };
    return cmocka_run_group_tests_name("cert_chain", tests, group_setup, group_teardown);
}
