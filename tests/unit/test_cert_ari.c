/*
 * The RFC 9773 identifiers of real certificates (crypto/cert_ari_mbedtls.c):
 * the Authority Key Identifier's keyIdentifier and the serial's DER content
 * (a leading zero kept), and what a certificate without them gives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "acme/codec/ari.h"
#include "acme/codec/pem.h"
#include "crypto/crypto.h"
#include "crypto_fixture.h"

static size_t load_der(const char *name, uint8_t *der, size_t cap)
{
    char path[512];
    static char pem[16384];
    snprintf(path, sizeof(path), "%s/cert/%s", ACME_TEST_DATA_DIR, name);
    size_t len = fixture_read_file(path, pem, sizeof(pem));
    assert_true(len != (size_t)-1);
    size_t pos = 0;
    size_t der_len = 0;
    assert_int_equal(acme_pem_next(pem, len, &pos, "CERTIFICATE", der, cap, &der_len), ACME_OK);
    return der_len;
}

/* leaf-p256: AKI 84:B1:F0:...:BB (openssl x509 -ext authorityKeyIdentifier),
 * serial 8A0102...13, whose DER content is 21 bytes with a leading 00. */
static void test_leaf_cert_id(void **state)
{
    (void)state;
    uint8_t der[4096];
    size_t len = load_der("leaf-p256.cert.pem", der, sizeof(der));
    uint8_t key_id[ACME_ARI_KEY_ID_MAX];
    uint8_t serial[ACME_ARI_SERIAL_MAX];
    size_t key_id_len = 0;
    size_t serial_len = 0;
    assert_int_equal(acme_cert_ari_ids(der, len, key_id, &key_id_len, serial, &serial_len),
                     ACME_OK);
    static const uint8_t want_key_id[] = {0x84, 0xB1, 0xF0, 0xB4, 0x1A, 0x78, 0x93,
                                          0x60, 0x39, 0xE4, 0x31, 0xF6, 0x4A, 0x5C,
                                          0xD3, 0x7E, 0x53, 0x95, 0x35, 0xBB};
    assert_int_equal(key_id_len, sizeof(want_key_id));
    assert_memory_equal(key_id, want_key_id, sizeof(want_key_id));
    assert_int_equal(serial_len, 21);
    assert_int_equal(serial[0], 0x00);
    assert_int_equal(serial[1], 0x8A);
    assert_int_equal(serial[20], 0x13);
    char id[ACME_ARI_CERT_ID_MAX];
    size_t id_len = 0;
    assert_int_equal(
        acme_ari_cert_id(key_id, key_id_len, serial, serial_len, id, sizeof(id), &id_len), ACME_OK);
    /* The same value computed independently (Python's base64 of the bytes above). */
    assert_string_equal(id, "hLHwtBp4k2A55DH2SlzTflOVNbs.AIoBAgMEBQYHCAkKCwwNDg8QERIT");
    /* The RSA leaf has the same issuer, so the same keyIdentifier. */
    len = load_der("leaf-rsa.cert.pem", der, sizeof(der));
    size_t rsa_key_id_len = 0;
    assert_int_equal(acme_cert_ari_ids(der, len, key_id, &rsa_key_id_len, serial, &serial_len),
                     ACME_OK);
    assert_memory_equal(key_id, want_key_id, sizeof(want_key_id));
}

/* A v1 certificate has no extensions: no ARI for it. Not a certificate: refused. */
static void test_without_aki_and_broken(void **state)
{
    (void)state;
    uint8_t der[4096];
    size_t len = load_der("noaki.cert.pem", der, sizeof(der));
    uint8_t key_id[ACME_ARI_KEY_ID_MAX];
    uint8_t serial[ACME_ARI_SERIAL_MAX];
    size_t key_id_len = 0;
    size_t serial_len = 0;
    assert_int_equal(acme_cert_ari_ids(der, len, key_id, &key_id_len, serial, &serial_len),
                     ACME_ERR_NOT_FOUND);
    len = load_der("leaf-p256.cert.pem", der, sizeof(der));
    /* Every truncation is refused without reading past the end (ASan build). */
    for (size_t cut = 0; cut < len; cut += 7) {
        assert_int_not_equal(acme_cert_ari_ids(der, cut, key_id, &key_id_len, serial, &serial_len),
                             ACME_OK);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leaf_cert_id),
        cmocka_unit_test(test_without_aki_and_broken),
    };
    if (fixture_arena_init(256u * 1024u) != 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
