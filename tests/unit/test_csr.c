/*
 * Tests for the CSR codec: our PKCS#10 requests are parsed back with mbedTLS
 * (mbedtls_x509_csr_parse_der), their signatures verified with the public
 * key they carry, and their subject and subjectAltName read back, for P-256
 * and RSA-2048; the 64-character CN limit; DNS-name validation; the r||s to
 * DER conversion of ECDSA signatures (minimal INTEGERs); every too-small
 * buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acme/codec/csr.h"
#include "crypto/crypto.h"
#include "crypto_fixture.h"

#include "mbedtls/asn1.h"
#include "mbedtls/oid.h"
#include "mbedtls/pk.h"
#include "mbedtls/x509_csr.h"

#define CSR_MAX 2048

static const char *const two_names[] = {"a.example.test", "www.example.test"};

static acme_drbg_t *drbg;
static acme_key_t *p256;
static acme_key_t *rsa;
static size_t in_use_at_start;

static int group_setup(void **state)
{
    (void)state;
    if (fixture_arena_init(FIXTURE_ARENA_MAX) != 0) {
        return -1;
    }
    drbg = fixture_drbg(11);
    if (drbg == NULL || acme_key_generate(&p256, ACME_KEY_P256, drbg) != ACME_OK ||
        acme_key_generate(&rsa, ACME_KEY_RSA2048, drbg) != ACME_OK) {
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

/* A private copy of a key: RSA private operations cache values in the key
 * object, which would show as growth in the per-test leak check. */
static acme_key_t *key_copy(const acme_key_t *key)
{
    static uint8_t der[ACME_KEY_DER_MAX];
    size_t len = 0;
    acme_key_t *copy = NULL;
    assert_int_equal(acme_key_write_der(key, der, sizeof(der), &len), ACME_OK);
    assert_int_equal(acme_key_parse_der(&copy, der, len), ACME_OK);
    return copy;
}

typedef struct csr_out {
    uint8_t der[CSR_MAX];
    size_t len;
    uint8_t spki[400];
    size_t spki_len;
} csr_out_t;

static acme_status_t make_csr(const acme_key_t *key, const char *const *names, size_t count,
                              csr_out_t *out)
{
    acme_key_t *k = key_copy(key);
    acme_signer_t signer;
    acme_soft_signer_t st;
    acme_soft_signer_init(&signer, &st, k, drbg);
    assert_int_equal(acme_key_write_spki(k, out->spki, sizeof(out->spki), &out->spki_len), ACME_OK);
    acme_status_t rc = acme_csr_write(out->spki, out->spki_len, names, count, &signer, out->der,
                                      sizeof(out->der), &out->len);
    acme_key_free(&k);
    return rc;
}

/* Walks certificationRequestInfo with the ASN.1 reader (mbedTLS 2.28 does
 * not parse CSR extensions): version 0, the subject (its encoded length is
 * returned in subject_len), then the extensionRequest's subjectAltName
 * dNSNames, which must end the info. */
static size_t read_info(const unsigned char *info, size_t info_len, size_t *subject_len,
                        char names[][256], size_t max)
{
    unsigned char *p = (unsigned char *)(uintptr_t)info; /* the reader API is not const */
    const unsigned char *end = info + info_len;
    size_t len = 0;
    int version = -1;
    const int cons = MBEDTLS_ASN1_CONSTRUCTED;
    assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, cons | MBEDTLS_ASN1_SEQUENCE), 0);
    assert_ptr_equal(p + len, end);
    assert_int_equal(mbedtls_asn1_get_int(&p, end, &version), 0);
    assert_int_equal(version, 0);
    assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, cons | MBEDTLS_ASN1_SEQUENCE), 0);
    *subject_len = len;
    p += len;
    assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, cons | MBEDTLS_ASN1_SEQUENCE), 0);
    p += len; /* subjectPKInfo */
    assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, cons | MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0),
                     0);
    assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, cons | MBEDTLS_ASN1_SEQUENCE), 0);
    assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_OID), 0);
    mbedtls_asn1_buf oid = {MBEDTLS_ASN1_OID, len, p};
    assert_int_equal(MBEDTLS_OID_CMP(MBEDTLS_OID_PKCS9_CSR_EXT_REQ, &oid), 0);
    p += len;
    assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, cons | MBEDTLS_ASN1_SET), 0);
    assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, cons | MBEDTLS_ASN1_SEQUENCE), 0);
    assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, cons | MBEDTLS_ASN1_SEQUENCE), 0);
    assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_OID), 0);
    mbedtls_asn1_buf san_oid = {MBEDTLS_ASN1_OID, len, p};
    assert_int_equal(MBEDTLS_OID_CMP(MBEDTLS_OID_SUBJECT_ALT_NAME, &san_oid), 0);
    p += len;
    assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_OCTET_STRING), 0);
    assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, cons | MBEDTLS_ASN1_SEQUENCE), 0);
    const unsigned char *gn_end = p + len;
    assert_ptr_equal(gn_end, end); /* the SAN is the last thing in the info */
    size_t count = 0;
    while (p < gn_end) {
        assert_int_equal(mbedtls_asn1_get_tag(&p, gn_end, &len, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2),
                         0);
        assert_true(count < max && len < 256);
        memcpy(names[count], p, len);
        names[count][len] = '\0';
        count++;
        p += len;
    }
    return count;
}

/* Reads the CSR twice: with the ASN.1 reader (structure, algorithm, names,
 * signature verified with the key we gave) and, when the subject is not
 * empty, with mbedTLS's CSR parser (which in 2.28 refuses empty subjects,
 * although RFC 2986 allows them and CAs accept them). */
static void check_csr(const csr_out_t *out, mbedtls_pk_type_t sig_pk, const char *subject,
                      const char *const *names, size_t count)
{
    unsigned char *p = (unsigned char *)(uintptr_t)out->der;
    const unsigned char *end = out->der + out->len;
    size_t len = 0;
    const int cons = MBEDTLS_ASN1_CONSTRUCTED;
    assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, cons | MBEDTLS_ASN1_SEQUENCE), 0);
    assert_ptr_equal(p + len, end);
    const unsigned char *info = p;
    assert_int_equal(mbedtls_asn1_get_tag(&p, end, &len, cons | MBEDTLS_ASN1_SEQUENCE), 0);
    p += len;
    size_t info_len = (size_t)(p - info);

    mbedtls_asn1_buf alg;
    mbedtls_asn1_buf params;
    assert_int_equal(mbedtls_asn1_get_alg(&p, end, &alg, &params), 0);
    if (sig_pk == MBEDTLS_PK_ECDSA) {
        assert_int_equal(MBEDTLS_OID_CMP(MBEDTLS_OID_ECDSA_SHA256, &alg), 0);
        assert_int_equal(params.len, 0); /* absent (RFC 5758) */
        assert_int_not_equal(params.tag, MBEDTLS_ASN1_NULL);
    } else {
        assert_int_equal(MBEDTLS_OID_CMP(MBEDTLS_OID_PKCS1_SHA256, &alg), 0);
        assert_int_equal(params.tag, MBEDTLS_ASN1_NULL); /* NULL (RFC 4055) */
    }
    mbedtls_asn1_bitstring sig;
    assert_int_equal(mbedtls_asn1_get_bitstring(&p, end, &sig), 0);
    assert_int_equal(sig.unused_bits, 0);
    assert_ptr_equal(p, end);

    uint8_t hash[32];
    acme_sha256(info, info_len, hash);
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    assert_int_equal(mbedtls_pk_parse_public_key(&pk, out->spki, out->spki_len), 0);
    assert_int_equal(mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, hash, 32, sig.p, sig.len), 0);
    mbedtls_pk_free(&pk);

    char got[ACME_MAX_IDENTIFIERS][256];
    size_t subject_len = 0;
    size_t got_count = read_info(info, info_len, &subject_len, got, ACME_MAX_IDENTIFIERS);
    assert_int_equal(got_count, count);
    for (size_t i = 0; i < count; i++) {
        assert_string_equal(got[i], names[i]);
    }
    if (subject[0] == '\0') {
        assert_int_equal(subject_len, 0); /* SEQUENCE {} */
        return;
    }

    mbedtls_x509_csr csr;
    mbedtls_x509_csr_init(&csr);
    assert_int_equal(mbedtls_x509_csr_parse_der(&csr, out->der, out->len), 0);
    assert_int_equal(csr.version, 1); /* mbedTLS counts from 1: v1 */
    assert_int_equal(csr.sig_md, MBEDTLS_MD_SHA256);
    assert_int_equal(csr.sig_pk, sig_pk);
    char dn[300];
    assert_true(mbedtls_x509_dn_gets(dn, sizeof(dn), &csr.subject) > 0);
    assert_string_equal(dn, subject);
    assert_int_equal(
        mbedtls_pk_verify(&csr.pk, MBEDTLS_MD_SHA256, hash, 32, csr.sig.p, csr.sig.len), 0);
    uint8_t spki[400];
    int w = mbedtls_pk_write_pubkey_der(&csr.pk, spki, sizeof(spki));
    assert_int_equal((size_t)w, out->spki_len);
    assert_memory_equal(spki + sizeof(spki) - w, out->spki, out->spki_len);
    mbedtls_x509_csr_free(&csr);
}

/* ---- tests --------------------------------------------------------------------- */

static void test_p256_csr(void **state)
{
    (void)state;
    static csr_out_t out;
    assert_int_equal(make_csr(p256, two_names, 2, &out), ACME_OK);
    print_message("P-256 CSR, 2 names: %zu bytes\n", out.len);
    check_csr(&out, MBEDTLS_PK_ECDSA, "CN=a.example.test", two_names, 2);

    /* Deterministic ECDSA: the same request twice is the same bytes. */
    static csr_out_t again;
    assert_int_equal(make_csr(p256, two_names, 2, &again), ACME_OK);
    assert_int_equal(again.len, out.len);
    assert_memory_equal(again.der, out.der, out.len);
}

static void test_rsa_csr(void **state)
{
    (void)state;
    static csr_out_t out;
    assert_int_equal(make_csr(rsa, two_names, 2, &out), ACME_OK);
    print_message("RSA-2048 CSR, 2 names: %zu bytes\n", out.len);
    check_csr(&out, MBEDTLS_PK_RSA, "CN=a.example.test", two_names, 2);
}

static void test_one_and_max_names(void **state)
{
    (void)state;
    static csr_out_t out;
    static const char *const one[] = {"device.example.test"};
    assert_int_equal(make_csr(p256, one, 1, &out), ACME_OK);
    check_csr(&out, MBEDTLS_PK_ECDSA, "CN=device.example.test", one, 1);

    static const char *const many[] = {"n1.example.test", "n2.example.test", "n3.example.test",
                                       "n4.example.test", "n5.example.test"};
    assert_true(ACME_MAX_IDENTIFIERS <= 5);
    assert_int_equal(make_csr(p256, many, ACME_MAX_IDENTIFIERS, &out), ACME_OK);
    check_csr(&out, MBEDTLS_PK_ECDSA, "CN=n1.example.test", many, ACME_MAX_IDENTIFIERS);
    assert_int_equal(make_csr(p256, many, ACME_MAX_IDENTIFIERS + 1, &out), ACME_ERR_INVALID_ARG);

    static const char *const wildcard[] = {"*.example.test"};
    assert_int_equal(make_csr(p256, wildcard, 1, &out), ACME_OK);
    check_csr(&out, MBEDTLS_PK_ECDSA, "CN=*.example.test", wildcard, 1);
}

/* X.520 caps commonName at 64 characters: a longer first name leaves the
 * subject empty and lives in the SAN only. */
static void test_cn_length_limit(void **state)
{
    (void)state;
    static csr_out_t out;
    /* 64 characters: "a234...(51).example.test" */
    char name64[65];
    char name65[66];
    memset(name64, 'a', sizeof(name64));
    memcpy(name64 + 64 - 13, ".example.test", 13);
    name64[64] = '\0';
    memset(name65, 'b', sizeof(name65));
    memcpy(name65 + 65 - 13, ".example.test", 13);
    name65[65] = '\0';
    assert_int_equal(strlen(name64), 64);
    assert_int_equal(strlen(name65), 65);

    const char *fits[] = {name64, "b.example.test"};
    assert_int_equal(make_csr(p256, fits, 2, &out), ACME_OK);
    char cn[80];
    snprintf(cn, sizeof(cn), "CN=%s", name64);
    check_csr(&out, MBEDTLS_PK_ECDSA, cn, fits, 2);

    const char *too_long[] = {name65, "b.example.test"};
    assert_int_equal(make_csr(rsa, too_long, 2, &out), ACME_OK);
    check_csr(&out, MBEDTLS_PK_RSA, "", too_long, 2);
}

static void test_invalid_names_rejected(void **state)
{
    (void)state;
    static csr_out_t out;
    char long_name[256];
    char long_label[80];
    /* 254 characters: 63+1+63+1+63+1+62 = 254 */
    memset(long_name, 'a', sizeof(long_name));
    long_name[63] = long_name[127] = long_name[191] = '.';
    long_name[254] = '\0';
    memset(long_label, 'c', sizeof(long_label));
    memcpy(long_label + 64, ".test", 6); /* a 64-character label */

    const char *const invalid[] = {
        "",         ".",         "a..b.test",        ".a.test",  "a.test.",
        "-a.test",  "a-.test",   "a.-b.test",        "a b.test", "a_b.test",
        "a/b.test", "a\"b.test", "t\xc3\xa9st.test", "*",        "*.",
        "a.*.test", "**.test",   long_name,          long_label,
    };
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        const char *names[] = {"ok.example.test", invalid[i]};
        if (make_csr(p256, names, 2, &out) != ACME_ERR_INVALID_ARG) {
            fail_msg("accepted invalid name #%zu \"%s\"", i, invalid[i]);
        }
    }
    const char *null_name[] = {"ok.example.test", NULL};
    assert_int_equal(make_csr(p256, null_name, 2, &out), ACME_ERR_INVALID_ARG);
    assert_int_equal(make_csr(p256, two_names, 0, &out), ACME_ERR_INVALID_ARG);

    /* 253 characters with 63-character labels is the longest valid name. */
    long_name[253] = '\0';
    const char *longest[] = {long_name};
    assert_int_equal(make_csr(p256, longest, 1, &out), ACME_OK);
    check_csr(&out, MBEDTLS_PK_ECDSA, "", longest, 1);
}

static void test_bad_spki_and_signer(void **state)
{
    (void)state;
    acme_signer_t signer;
    acme_soft_signer_t st;
    acme_soft_signer_init(&signer, &st, p256, drbg);
    static uint8_t out[CSR_MAX];
    size_t len = 0;
    static const uint8_t not_spki[] = {0x04, 0x01, 0x00};
    assert_int_equal(
        acme_csr_write(not_spki, sizeof(not_spki), two_names, 2, &signer, out, sizeof(out), &len),
        ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_csr_write(NULL, 0, two_names, 2, &signer, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    uint8_t spki[128];
    size_t spki_len = 0;
    assert_int_equal(acme_key_write_spki(p256, spki, sizeof(spki), &spki_len), ACME_OK);
    assert_int_equal(acme_csr_write(spki, spki_len, two_names, 2, NULL, out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
}

/* ---- ECDSA signature encoding ----------------------------------------------------- */

/* A signer that returns a fixed r||s, to pin down the DER conversion. */
static uint8_t fixed_rs[64];

static acme_status_t fixed_signer(void *ctx, const uint8_t digest[32], uint8_t *sig, size_t cap,
                                  size_t *sig_len)
{
    (void)ctx;
    (void)digest;
    if (cap < 64) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    memcpy(sig, fixed_rs, 64);
    *sig_len = 64;
    return ACME_OK;
}

static void sig_der_for(const uint8_t rs[64], uint8_t *sig_der, size_t *sig_der_len)
{
    memcpy(fixed_rs, rs, 64);
    acme_signer_t signer = {ACME_SIG_ES256, fixed_signer, NULL};
    uint8_t spki[128];
    size_t spki_len = 0;
    assert_int_equal(acme_key_write_spki(p256, spki, sizeof(spki), &spki_len), ACME_OK);
    static uint8_t out[CSR_MAX];
    size_t len = 0;
    assert_int_equal(acme_csr_write(spki, spki_len, two_names, 2, &signer, out, sizeof(out), &len),
                     ACME_OK);
    mbedtls_x509_csr csr;
    mbedtls_x509_csr_init(&csr);
    assert_int_equal(mbedtls_x509_csr_parse_der(&csr, out, len), 0);
    memcpy(sig_der, csr.sig.p, csr.sig.len);
    *sig_der_len = csr.sig.len;
    mbedtls_x509_csr_free(&csr);
}

static void test_ecdsa_signature_der(void **state)
{
    (void)state;
    uint8_t rs[64];
    uint8_t der[80];
    size_t len = 0;

    /* r = 00 00 7F FF..FF: leading zeros dropped, no sign octet (30 bytes).
     * s = 80 00..00 01: high bit set, so a 00 sign octet (33 bytes). */
    memset(rs, 0xFF, 32);
    rs[0] = 0x00;
    rs[1] = 0x00;
    rs[2] = 0x7F;
    memset(rs + 32, 0x00, 32);
    rs[32] = 0x80;
    rs[63] = 0x01;
    sig_der_for(rs, der, &len);
    uint8_t expected[2 + 2 + 30 + 2 + 33];
    size_t e = 0;
    expected[e++] = 0x30;
    expected[e++] = 2 + 30 + 2 + 33;
    expected[e++] = 0x02;
    expected[e++] = 30;
    memcpy(expected + e, rs + 2, 30);
    e += 30;
    expected[e++] = 0x02;
    expected[e++] = 33;
    expected[e++] = 0x00;
    memcpy(expected + e, rs + 32, 32);
    e += 32;
    assert_int_equal(len, e);
    assert_memory_equal(der, expected, e);

    /* r = 0 encodes as 02 01 00; s = 01 as 02 01 01. */
    memset(rs, 0, sizeof(rs));
    rs[63] = 0x01;
    sig_der_for(rs, der, &len);
    static const uint8_t tiny[] = {0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01};
    assert_int_equal(len, sizeof(tiny));
    assert_memory_equal(der, tiny, sizeof(tiny));

    /* Both with the high bit set: 72 bytes, the longest. */
    memset(rs, 0xC3, sizeof(rs));
    sig_der_for(rs, der, &len);
    assert_int_equal(len, 72);
    assert_int_equal(der[1], 70);
    assert_int_equal(der[3], 33);
    assert_int_equal(der[4], 0x00);
}

/* ---- buffers ------------------------------------------------------------------------- */

/* Every buffer shorter than the CSR fails cleanly without writing beyond
 * cap (exact-size heap blocks, so AddressSanitizer sees overruns); the exact
 * size gives the same bytes as a roomy buffer. */
static void check_every_cap(const acme_key_t *key)
{
    static csr_out_t ref;
    assert_int_equal(make_csr(key, two_names, 2, &ref), ACME_OK);
    acme_key_t *k = key_copy(key);
    acme_signer_t signer;
    acme_soft_signer_t st;
    acme_soft_signer_init(&signer, &st, k, drbg);
    for (size_t cap = 0; cap <= ref.len; cap++) {
        uint8_t *buf = malloc(cap == 0 ? 1 : cap);
        assert_non_null(buf);
        size_t len = 0;
        acme_status_t rc =
            acme_csr_write(ref.spki, ref.spki_len, two_names, 2, &signer, buf, cap, &len);
        if (cap < ref.len) {
            if (rc != ACME_ERR_BUFFER_TOO_SMALL) {
                fail_msg("cap %zu of %zu: %s", cap, ref.len, acme_status_name(rc));
            }
        } else {
            assert_int_equal(rc, ACME_OK);
            assert_int_equal(len, ref.len);
            assert_memory_equal(buf, ref.der, ref.len);
        }
        free(buf);
    }
    acme_key_free(&k);
}

static void test_every_buffer_size(void **state)
{
    (void)state;
    check_every_cap(p256);
    check_every_cap(rsa);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_p256_csr, mark, check),
        cmocka_unit_test_setup_teardown(test_rsa_csr, mark, check),
        cmocka_unit_test_setup_teardown(test_one_and_max_names, mark, check),
        cmocka_unit_test_setup_teardown(test_cn_length_limit, mark, check),
        cmocka_unit_test_setup_teardown(test_invalid_names_rejected, mark, check),
        cmocka_unit_test_setup_teardown(test_bad_spki_and_signer, mark, check),
        cmocka_unit_test_setup_teardown(test_ecdsa_signature_der, mark, check),
        cmocka_unit_test_setup_teardown(test_every_buffer_size, mark, check),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
