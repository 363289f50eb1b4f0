/*
 * Tests for the mbedTLS crypto wrapper (crypto.h): SHA-256 (FIPS 180-2) and
 * HMAC-SHA-256/384/512 (RFC 4231) vectors, the DRBG over a deterministic entropy
 * source, P-256 and RSA-2048 keys (generate, DER round trip, SPKI, the raw
 * public key and the JWK written from it), the soft signer (RFC 6979 A.2.5
 * vectors for ES256, verification for RS256), facts and the issued-
 * certificate check on one DER certificate against OpenSSL-made fixtures
 * (tests/data/README.md; the PEM chain walk is test_cert_chain.c's), and
 * arena exhaustion: every operation either succeeds or says
 * ACME_ERR_NO_MEMORY, and leaks nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "acme/codec/base64.h"
#include "acme/codec/jwk.h"
#include "acme/codec/pem.h"
#include "crypto/crypto.h"
#include "crypto_fixture.h"

#include "mbedtls/ecdsa.h"
#include "mbedtls/ecp.h"
#include "mbedtls/pk.h"
#include "mbedtls/platform.h"
#include "mbedtls/rsa.h"

#define CERT_DIR ACME_TEST_DATA_DIR "/cert/"
#define TEXT_MAX 8192

static const char *const p256_names[] = {"a.example.test", "www.example.test"};

/* ---- helpers ---------------------------------------------------------------- */

static void hex_to_bytes(const char *hex, uint8_t *out, size_t n)
{
    assert_int_equal(strlen(hex), 2 * n);
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static void assert_hex(const uint8_t *bytes, size_t n, const char *hex)
{
    uint8_t expected[256];
    assert_true(n <= sizeof(expected));
    hex_to_bytes(hex, expected, n);
    assert_memory_equal(bytes, expected, n);
}

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

/* Leak check: every test ends with the arena use it started with. */
static size_t in_use_at_start;

static int arena_mark(void **state)
{
    (void)state;
    in_use_at_start = fixture_arena_in_use();
    return 0;
}

static int arena_check(void **state)
{
    (void)state;
    assert_int_equal(fixture_arena_in_use(), in_use_at_start);
    return 0;
}

/* Keys shared by the tests of the main group (RSA generation is slow). */
static acme_drbg_t *shared_drbg;
static acme_key_t *gen_p256;
static acme_key_t *gen_rsa;

static int group_setup(void **state)
{
    (void)state;
    if (fixture_arena_init(FIXTURE_ARENA_MAX) != 0) {
        return -1;
    }
    shared_drbg = fixture_drbg(1);
    if (shared_drbg == NULL || acme_key_generate(&gen_p256, ACME_KEY_P256, shared_drbg) != 0 ||
        acme_key_generate(&gen_rsa, ACME_KEY_RSA2048, shared_drbg) != 0) {
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    acme_key_free(&gen_p256);
    acme_key_free(&gen_rsa);
    acme_drbg_free(&shared_drbg);
    return fixture_arena_in_use() == 0 ? 0 : -1;
}

/* ---- SHA-256 and HMAC ---------------------------------------------------------- */

static void test_sha256_fips180_vectors(void **state)
{
    (void)state;
    uint8_t d[32];
    acme_sha256("abc", 3, d);
    assert_hex(d, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    acme_sha256("", 0, d);
    assert_hex(d, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    static const char two_blocks[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    acme_sha256(two_blocks, strlen(two_blocks), d);
    assert_hex(d, 32, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

    /* Incremental in uneven pieces equals one shot. */
    acme_sha256_t h;
    acme_sha256_begin(&h);
    size_t n = strlen(two_blocks);
    for (size_t i = 0; i < n; i += 7) {
        acme_sha256_update(&h, two_blocks + i, (n - i < 7) ? n - i : 7);
    }
    acme_sha256_update(&h, "", 0);
    acme_sha256_finish(&h, d);
    assert_hex(d, 32, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_hmac_sha256_rfc4231(void **state)
{
    (void)state;
    uint8_t mac[32];
    uint8_t key[131];

    /* Test case 1 */
    memset(key, 0x0b, 20);
    assert_int_equal(acme_hmac_sha256(key, 20, "Hi There", 8, mac), ACME_OK);
    assert_hex(mac, 32, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

    /* Test case 2 */
    static const char what[] = "what do ya want for nothing?";
    assert_int_equal(acme_hmac_sha256((const uint8_t *)"Jefe", 4, what, strlen(what), mac),
                     ACME_OK);
    assert_hex(mac, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

    /* Test case 6: a key longer than the block is hashed first. */
    memset(key, 0xaa, sizeof(key));
    static const char big[] = "Test Using Larger Than Block-Size Key - Hash Key First";
    assert_int_equal(acme_hmac_sha256(key, sizeof(key), big, strlen(big), mac), ACME_OK);
    assert_hex(mac, 32, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");

    assert_int_equal(acme_hmac_sha256(key, 4, NULL, 3, mac), ACME_ERR_INVALID_ARG);
}

/* RFC 4231 test cases 1, 2 and 6 for the three MAC lengths (HS256, HS384,
 * HS512 of EAB); case 6's 131-byte key is longer than SHA-512's 128-byte
 * block too. */
static void test_hmac_sha2_rfc4231(void **state)
{
    (void)state;
    static const char *const want[3][3] = {
        {"b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {"afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
         "faea9ea9076ede7f4af152e8b2fa9cb6",
         "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
         "8e2240ca5e69e2c78b3239ecfab21649",
         "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
         "0c2ef6ab4030fe8296248df163f44952"},
        {"87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
         "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
         "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
         "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
         "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
         "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"},
    };
    static const char what[] = "what do ya want for nothing?";
    static const char big[] = "Test Using Larger Than Block-Size Key - Hash Key First";
    uint8_t key1[20];
    uint8_t key6[131];
    memset(key1, 0x0b, sizeof(key1));
    memset(key6, 0xaa, sizeof(key6));
    for (size_t i = 0; i < 3; i++) {
        size_t n = 32u + 16u * i;
        uint8_t mac[64 + 1];
        mac[n] = 0x5A; /* nothing past the MAC's length is written */
        assert_int_equal(acme_hmac_sha2(n, key1, sizeof(key1), "Hi There", 8, mac), ACME_OK);
        assert_hex(mac, n, want[i][0]);
        assert_int_equal(acme_hmac_sha2(n, (const uint8_t *)"Jefe", 4, what, strlen(what), mac),
                         ACME_OK);
        assert_hex(mac, n, want[i][1]);
        assert_int_equal(acme_hmac_sha2(n, key6, sizeof(key6), big, strlen(big), mac), ACME_OK);
        assert_hex(mac, n, want[i][2]);
        assert_int_equal(mac[n], 0x5A);
    }
    uint8_t mac[64];
    static const size_t bad_lengths[] = {0, 20, 28, 33, 63, 65};
    for (size_t i = 0; i < sizeof(bad_lengths) / sizeof(bad_lengths[0]); i++) {
        assert_int_equal(acme_hmac_sha2(bad_lengths[i], key1, sizeof(key1), "x", 1, mac),
                         ACME_ERR_INVALID_ARG);
    }
    assert_int_equal(acme_hmac_sha2(48, NULL, 4, "x", 1, mac), ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_hmac_sha2(64, key1, 4, "x", 1, NULL), ACME_ERR_INVALID_ARG);
}

/* ---- DRBG ------------------------------------------------------------------------- */

static void test_drbg_is_deterministic_per_seed(void **state)
{
    (void)state;
    acme_drbg_t *a = fixture_drbg(42);
    acme_drbg_t *b = fixture_drbg(42);
    acme_drbg_t *c = fixture_drbg(43);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    /* More than one CTR_DRBG request (1024 bytes) in a single fill. */
    static uint8_t ba[3000];
    static uint8_t bb[3000];
    static uint8_t bc[3000];
    assert_int_equal(acme_drbg_fill(a, ba, sizeof(ba)), ACME_OK);
    assert_int_equal(acme_drbg_fill(b, bb, sizeof(bb)), ACME_OK);
    assert_int_equal(acme_drbg_fill(c, bc, sizeof(bc)), ACME_OK);
    assert_memory_equal(ba, bb, sizeof(ba));
    assert_memory_not_equal(ba, bc, sizeof(ba));
    /* The output is not stuck: the last kilobyte differs from the first. */
    assert_memory_not_equal(ba, ba + 2000, 1000);
    assert_int_equal(acme_drbg_fill(a, ba, 0), ACME_OK);
    acme_drbg_free(&a);
    acme_drbg_free(&b);
    acme_drbg_free(&c);
    assert_null(a);
    acme_drbg_free(&a); /* freeing twice is harmless */
}

static void test_drbg_entropy_failure(void **state)
{
    (void)state;
    fixture_entropy_t broken = {1, 1, 0};
    acme_drbg_t *d = NULL;
    assert_int_equal(acme_drbg_new(&d, fixture_entropy, &broken, NULL, 0), ACME_ERR_RNG);
    assert_null(d);
    assert_true(broken.calls > 0);
    assert_int_equal(acme_drbg_new(&d, NULL, NULL, NULL, 0), ACME_ERR_INVALID_ARG);
}

/* ---- Keys ---------------------------------------------------------------------------- */

/* The raw public key is the SPKI's point (04 || X || Y at its end), and so
 * are the coordinates of the JWK written from it. */
static void check_p256_public_matches_spki(const acme_key_t *key)
{
    uint8_t spki[128];
    size_t spki_len = 0;
    assert_int_equal(acme_key_write_spki(key, spki, sizeof(spki), &spki_len), ACME_OK);
    assert_int_equal(spki_len, 91);
    assert_int_equal(spki[spki_len - 65], 0x04);

    acme_public_key_t pub;
    memset(&pub, 0xA5, sizeof(pub));
    assert_int_equal(acme_key_public(key, &pub), ACME_OK);
    assert_int_equal(pub.type, ACME_KEY_P256);
    assert_memory_equal(pub.x, spki + spki_len - 64, 32);
    assert_memory_equal(pub.y, spki + spki_len - 32, 32);
    assert_int_equal(pub.e_len, 0); /* nothing of the RSA half is left over */

    char jwk[ACME_JWK_EC_P256_LEN + 1];
    size_t jwk_len = 0;
    assert_int_equal(acme_jwk_write_key(&pub, jwk, sizeof(jwk), &jwk_len), ACME_OK);
    assert_int_equal(jwk_len, ACME_JWK_EC_P256_LEN);
    char x_b64[44];
    char y_b64[44];
    size_t n = 0;
    assert_int_equal(acme_base64url_encode(spki + spki_len - 64, 32, x_b64, sizeof(x_b64), &n),
                     ACME_OK);
    assert_int_equal(acme_base64url_encode(spki + spki_len - 32, 32, y_b64, sizeof(y_b64), &n),
                     ACME_OK);
    char expected[ACME_JWK_EC_P256_LEN + 1];
    snprintf(expected, sizeof(expected),
             "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", x_b64, y_b64);
    assert_string_equal(jwk, expected);
}

static void test_p256_generate_and_round_trip(void **state)
{
    (void)state;
    assert_int_equal(acme_key_type(gen_p256), ACME_KEY_P256);
    check_p256_public_matches_spki(gen_p256);

    uint8_t der[ACME_KEY_DER_MAX];
    size_t der_len = 0;
    assert_int_equal(acme_key_write_der(gen_p256, der, sizeof(der), &der_len), ACME_OK);
    assert_int_equal(der[0], 0x30);
    print_message("P-256 private key DER: %zu bytes, SPKI: 91 bytes\n", der_len);

    acme_key_t *back = NULL;
    assert_int_equal(acme_key_parse_der(&back, der, der_len), ACME_OK);
    assert_int_equal(acme_key_type(back), ACME_KEY_P256);
    uint8_t a[128];
    uint8_t b[128];
    size_t a_len = 0;
    size_t b_len = 0;
    assert_int_equal(acme_key_write_spki(gen_p256, a, sizeof(a), &a_len), ACME_OK);
    assert_int_equal(acme_key_write_spki(back, b, sizeof(b), &b_len), ACME_OK);
    assert_int_equal(a_len, b_len);
    assert_memory_equal(a, b, a_len);
    /* Writing the parsed key gives the same DER. */
    uint8_t der2[ACME_KEY_DER_MAX];
    size_t der2_len = 0;
    assert_int_equal(acme_key_write_der(back, der2, sizeof(der2), &der2_len), ACME_OK);
    assert_int_equal(der2_len, der_len);
    assert_memory_equal(der2, der, der_len);
    acme_key_free(&back);
    assert_null(back);

    /* Two generated keys differ. */
    acme_key_t *other = NULL;
    assert_int_equal(acme_key_generate(&other, ACME_KEY_P256, shared_drbg), ACME_OK);
    assert_int_equal(acme_key_write_spki(other, b, sizeof(b), &b_len), ACME_OK);
    assert_memory_not_equal(a, b, a_len);
    acme_key_free(&other);
}

static void test_rsa_generate_and_round_trip(void **state)
{
    (void)state;
    assert_int_equal(acme_key_type(gen_rsa), ACME_KEY_RSA2048);

    uint8_t der[ACME_KEY_DER_MAX];
    size_t der_len = 0;
    assert_int_equal(acme_key_write_der(gen_rsa, der, sizeof(der), &der_len), ACME_OK);
    uint8_t spki[400];
    size_t spki_len = 0;
    assert_int_equal(acme_key_write_spki(gen_rsa, spki, sizeof(spki), &spki_len), ACME_OK);
    assert_int_equal(spki_len, 294);
    print_message("RSA-2048 private key DER: %zu bytes, SPKI: %zu bytes\n", der_len, spki_len);

    acme_key_t *back = NULL;
    assert_int_equal(acme_key_parse_der(&back, der, der_len), ACME_OK);
    assert_int_equal(acme_key_type(back), ACME_KEY_RSA2048);
    uint8_t spki2[400];
    size_t spki2_len = 0;
    assert_int_equal(acme_key_write_spki(back, spki2, sizeof(spki2), &spki2_len), ACME_OK);
    assert_int_equal(spki2_len, spki_len);
    assert_memory_equal(spki2, spki, spki_len);
    acme_key_free(&back);

    /* Raw public key: e = 65537, n = the modulus in the SPKI, as mbedTLS
     * reads it; the JWK written from it says the same. */
    acme_public_key_t pub;
    assert_int_equal(acme_key_public(gen_rsa, &pub), ACME_OK);
    assert_int_equal(pub.type, ACME_KEY_RSA2048);
    static const uint8_t e65537[8] = {0, 0, 0, 0, 0, 0x01, 0x00, 0x01};
    assert_int_equal(pub.e_len, sizeof(e65537));
    assert_memory_equal(pub.e, e65537, sizeof(e65537));
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    assert_int_equal(mbedtls_pk_parse_public_key(&pk, spki, spki_len), 0);
    uint8_t n[256];
    assert_int_equal(mbedtls_rsa_export_raw(mbedtls_pk_rsa(pk), n, sizeof(n), NULL, 0, NULL, 0,
                                            NULL, 0, NULL, 0),
                     0);
    mbedtls_pk_free(&pk);
    assert_memory_equal(pub.n, n, sizeof(n));

    char jwk[512];
    size_t jwk_len = 0;
    assert_int_equal(acme_jwk_write_key(&pub, jwk, sizeof(jwk), &jwk_len), ACME_OK);
    assert_int_equal(strncmp(jwk, "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"", 29), 0);
    char n_b64[400];
    size_t n_b64_len = 0;
    assert_int_equal(acme_base64url_encode(n, sizeof(n), n_b64, sizeof(n_b64), &n_b64_len),
                     ACME_OK);
    assert_int_equal(jwk_len, 29 + n_b64_len + 2);
    assert_memory_equal(jwk + 29, n_b64, n_b64_len);
}

static void test_parse_fixture_keys(void **state)
{
    (void)state;
    /* SEC1 EC and PKCS#8 RSA, as OpenSSL writes them. */
    acme_key_t *ec = load_key("leaf-p256.key.pem");
    acme_key_t *rsa = load_key("leaf-rsa.key.pem");
    assert_int_equal(acme_key_type(ec), ACME_KEY_P256);
    assert_int_equal(acme_key_type(rsa), ACME_KEY_RSA2048);
    check_p256_public_matches_spki(ec);
    acme_key_free(&ec);
    acme_key_free(&rsa);
}

/* mbedTLS's RNG callback shape over the deterministic test entropy. */
static int mbedtls_rng(void *ctx, unsigned char *buf, size_t len)
{
    return fixture_entropy(ctx, buf, len) == ACME_OK ? 0 : -1;
}

static void test_parse_rejects(void **state)
{
    (void)state;
    acme_key_t *key = NULL;
    static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x00};
    assert_int_equal(acme_key_parse_der(&key, junk, sizeof(junk)), ACME_ERR_MALFORMED);
    assert_null(key);
    assert_int_equal(acme_key_parse_der(&key, junk, 0), ACME_ERR_INVALID_ARG);

    /* A P-384 key is a valid key, but not one the agent uses. */
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    assert_int_equal(mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), 0);
    fixture_entropy_t e = {7, 0, 0};
    assert_int_equal(
        mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP384R1, mbedtls_pk_ec(pk), mbedtls_rng, &e), 0);
    uint8_t der[512];
    int n = mbedtls_pk_write_key_der(&pk, der, sizeof(der));
    mbedtls_pk_free(&pk);
    assert_true(n > 0);
    assert_int_equal(acme_key_parse_der(&key, der + sizeof(der) - n, (size_t)n),
                     ACME_ERR_UNSUPPORTED);
    assert_null(key);
}

static void test_write_buffers_too_small(void **state)
{
    (void)state;
    uint8_t der[ACME_KEY_DER_MAX];
    size_t len = 0;
    size_t full = 0;
    assert_int_equal(acme_key_write_der(gen_p256, der, sizeof(der), &full), ACME_OK);
    memset(der, 0x5A, sizeof(der));
    assert_int_equal(acme_key_write_der(gen_p256, der, full - 1, &len), ACME_ERR_BUFFER_TOO_SMALL);
    /* No fragment of the private key is left behind. */
    for (size_t i = 0; i < full - 1; i++) {
        assert_int_equal(der[i], 0);
    }
    assert_int_equal(acme_key_write_spki(gen_p256, der, 90, &len), ACME_ERR_BUFFER_TOO_SMALL);
    /* (The raw public key has no buffer to overflow, only arguments.) */
    acme_public_key_t pub;
    assert_int_equal(acme_key_public(NULL, &pub), ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_key_public(gen_p256, NULL), ACME_ERR_INVALID_ARG);
}

/* ---- Soft signer ---------------------------------------------------------------------- */

/* RFC 6979 A.2.5: the P-256 key as SEC1 DER without the optional public key
 * (mbedTLS derives it). */
static acme_key_t *rfc6979_key(void)
{
    uint8_t der[51] = {0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20};
    hex_to_bytes("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721", der + 7, 32);
    static const uint8_t params[] = {0xA0, 0x0A, 0x06, 0x08, 0x2A, 0x86,
                                     0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
    memcpy(der + 39, params, sizeof(params));
    acme_key_t *key = NULL;
    assert_int_equal(acme_key_parse_der(&key, der, sizeof(der)), ACME_OK);
    return key;
}

static void test_es256_rfc6979_vectors(void **state)
{
    (void)state;
    acme_key_t *key = rfc6979_key();

    /* The derived public key is the RFC's U. */
    uint8_t spki[128];
    size_t spki_len = 0;
    assert_int_equal(acme_key_write_spki(key, spki, sizeof(spki), &spki_len), ACME_OK);
    assert_hex(spki + spki_len - 64, 64,
               "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"
               "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299");

    acme_signer_t signer;
    acme_soft_signer_t st;
    acme_soft_signer_init(&signer, &st, key, shared_drbg);
    assert_int_equal(signer.alg, ACME_SIG_ES256);

    uint8_t digest[32];
    uint8_t sig[64];
    size_t sig_len = 0;
    acme_sha256("sample", 6, digest);
    assert_int_equal(signer.sign_digest(signer.ctx, digest, sig, sizeof(sig), &sig_len), ACME_OK);
    assert_int_equal(sig_len, 64);
    assert_hex(sig, 64,
               "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
               "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8");

    /* s starts with 0x01 here: left-padding keeps it at 32 bytes. */
    acme_sha256("test", 4, digest);
    assert_int_equal(signer.sign_digest(signer.ctx, digest, sig, sizeof(sig), &sig_len), ACME_OK);
    assert_hex(sig, 64,
               "F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367"
               "019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083");

    assert_int_equal(signer.sign_digest(signer.ctx, digest, sig, 63, &sig_len),
                     ACME_ERR_BUFFER_TOO_SMALL);
    acme_key_free(&key);
}

/* A generated key's ES256 signature verifies with mbedTLS against its SPKI. */
static void test_es256_verifies(void **state)
{
    (void)state;
    acme_signer_t signer;
    acme_soft_signer_t st;
    acme_soft_signer_init(&signer, &st, gen_p256, shared_drbg);
    uint8_t digest[32];
    uint8_t sig[64];
    size_t sig_len = 0;
    acme_sha256("payload", 7, digest);
    assert_int_equal(signer.sign_digest(signer.ctx, digest, sig, sizeof(sig), &sig_len), ACME_OK);

    uint8_t spki[128];
    size_t spki_len = 0;
    assert_int_equal(acme_key_write_spki(gen_p256, spki, sizeof(spki), &spki_len), ACME_OK);
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    assert_int_equal(mbedtls_pk_parse_public_key(&pk, spki, spki_len), 0);
    mbedtls_ecp_keypair *ec = mbedtls_pk_ec(pk);
    mbedtls_mpi r;
    mbedtls_mpi s;
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    assert_int_equal(mbedtls_mpi_read_binary(&r, sig, 32), 0);
    assert_int_equal(mbedtls_mpi_read_binary(&s, sig + 32, 32), 0);
    assert_int_equal(mbedtls_ecdsa_verify(&ec->grp, digest, 32, &ec->Q, &r, &s), 0);
    digest[0] ^= 1;
    assert_int_not_equal(mbedtls_ecdsa_verify(&ec->grp, digest, 32, &ec->Q, &r, &s), 0);
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s);
    mbedtls_pk_free(&pk);
}

static void test_rs256_verifies(void **state)
{
    (void)state;
    /* A private copy: the first RSA private operation allocates blinding
     * values that stay in the key object until it is freed. */
    uint8_t der[ACME_KEY_DER_MAX];
    size_t der_len = 0;
    acme_key_t *key = NULL;
    assert_int_equal(acme_key_write_der(gen_rsa, der, sizeof(der), &der_len), ACME_OK);
    assert_int_equal(acme_key_parse_der(&key, der, der_len), ACME_OK);
    acme_signer_t signer;
    acme_soft_signer_t st;
    acme_soft_signer_init(&signer, &st, key, shared_drbg);
    assert_int_equal(signer.alg, ACME_SIG_RS256);
    uint8_t digest[32];
    uint8_t sig[ACME_SIG_MAX];
    size_t sig_len = 0;
    acme_sha256("payload", 7, digest);
    assert_int_equal(signer.sign_digest(signer.ctx, digest, sig, 255, &sig_len),
                     ACME_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(signer.sign_digest(signer.ctx, digest, sig, sizeof(sig), &sig_len), ACME_OK);
    assert_int_equal(sig_len, 256);

    uint8_t spki[400];
    size_t spki_len = 0;
    assert_int_equal(acme_key_write_spki(gen_rsa, spki, sizeof(spki), &spki_len), ACME_OK);
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    assert_int_equal(mbedtls_pk_parse_public_key(&pk, spki, spki_len), 0);
    assert_int_equal(mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, digest, 32, sig, sig_len), 0);
    sig[100] ^= 0x40;
    assert_int_not_equal(mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, digest, 32, sig, sig_len), 0);
    mbedtls_pk_free(&pk);
    acme_key_free(&key);
}

/* ---- Certificate facts (one DER certificate) ------------------------------------- */

/* The DER of the first CERTIFICATE block of a fixture; returns its length. */
static size_t read_leaf_der(const char *name, uint8_t *der, size_t cap)
{
    static char pem[TEXT_MAX];
    size_t len = read_text(name, pem);
    size_t pos = 0;
    size_t der_len = 0;
    assert_int_equal(acme_pem_next(pem, len, &pos, "CERTIFICATE", der, cap, &der_len), ACME_OK);
    return der_len;
}

static void test_cert_der_info_p256(void **state)
{
    (void)state;
    static uint8_t der[TEXT_MAX];
    size_t len = read_leaf_der("leaf-p256.cert.pem", der, sizeof(der));
    acme_cert_info_t info;
    memset(&info, 0x5A, sizeof(info)); /* whatever was there before goes */
    info.chain_certs = 7;
    assert_int_equal(acme_cert_der_info(der, len, &info), ACME_OK);
    assert_string_equal(info.subject_cn, "a.example.test");
    assert_string_equal(info.issuer, "O=acme-agent tests, CN=ACME Agent Test Root");
    /* DER INTEGER content: 00 then the 20 octets OpenSSL was given. */
    assert_string_equal(info.serial_hex, "008a0102030405060708090a0b0c0d0e0f10111213");
    assert_int_equal(info.not_before, 1704067200);  /* 2024-01-01T00:00:00Z, UTCTime */
    assert_int_equal(info.not_after, 4102444799LL); /* 2099-12-31T23:59:59Z, GeneralizedTime */
    assert_int_equal(info.name_count, 2);
    assert_string_equal(info.names[0], "a.example.test");
    assert_string_equal(info.names[1], "www.example.test");
    /* The chain count is the chain walker's, not this function's. */
    assert_int_equal(info.chain_certs, 7);

    /* The DER is read in place: a copy without slack works. */
    uint8_t *exact = test_malloc(len);
    memcpy(exact, der, len);
    assert_int_equal(acme_cert_der_info(exact, len, &info), ACME_OK);
    assert_string_equal(info.subject_cn, "a.example.test");
    test_free(exact);
}

static void test_cert_der_info_rsa_and_many(void **state)
{
    (void)state;
    static uint8_t der[TEXT_MAX];
    acme_cert_info_t info;

    size_t len = read_leaf_der("leaf-rsa.cert.pem", der, sizeof(der));
    assert_int_equal(acme_cert_der_info(der, len, &info), ACME_OK);
    assert_string_equal(info.subject_cn, "rsa.example.test");
    assert_string_equal(info.serial_hex, "7b");
    assert_int_equal(info.not_before, 1740830400);
    assert_int_equal(info.not_after, 1748606400);
    assert_int_equal(info.name_count, 1);
    assert_string_equal(info.names[0], "rsa.example.test");

    /* More DNS names than ACME_MAX_IDENTIFIERS: all counted, the first kept. */
    len = read_leaf_der("leaf-many.cert.pem", der, sizeof(der));
    assert_int_equal(acme_cert_der_info(der, len, &info), ACME_OK);
    assert_int_equal(info.name_count, 6);
    for (size_t i = 0; i < ACME_MAX_IDENTIFIERS && i < 6; i++) {
        char expected[32];
        snprintf(expected, sizeof(expected), "n%zu.example.test", i + 1);
        assert_string_equal(info.names[i], expected);
    }
    assert_string_equal(info.subject_cn, "a.example.test");

    /* No names of type dNSName are invented from other SAN types. */
    len = read_leaf_der("leaf-ipsan.cert.pem", der, sizeof(der));
    assert_int_equal(acme_cert_der_info(der, len, &info), ACME_OK);
    assert_int_equal(info.name_count, 2);

    /* The issuer's own certificate (no SANs) reads too. */
    len = read_leaf_der("ca.cert.pem", der, sizeof(der));
    assert_int_equal(acme_cert_der_info(der, len, &info), ACME_OK);
    assert_string_equal(info.subject_cn, "ACME Agent Test Root");
    assert_int_equal(info.name_count, 0);
}

static void test_cert_der_rejects_non_certificates(void **state)
{
    (void)state;
    static uint8_t der[TEXT_MAX];
    size_t len = read_leaf_der("leaf-p256.cert.pem", der, sizeof(der));
    acme_cert_info_t info;
    assert_int_equal(acme_cert_der_parse_check(der, len), ACME_OK);

    /* The leaf cut short, a lone SEQUENCE, nothing at all, one bit off in
     * the outer length. */
    info.chain_certs = 3;
    assert_int_equal(acme_cert_der_info(der, len - 10, &info), ACME_ERR_BAD_CERT);
    assert_int_equal(info.subject_cn[0], '\0'); /* nothing half-filled on error */
    assert_int_equal(info.name_count, 0);
    assert_int_equal(info.chain_certs, 3);
    assert_int_equal(acme_cert_der_parse_check(der, len - 10), ACME_ERR_BAD_CERT);
    static const uint8_t seq[] = {0x30, 0x00};
    assert_int_equal(acme_cert_der_info(seq, sizeof(seq), &info), ACME_ERR_BAD_CERT);
    assert_int_equal(acme_cert_der_parse_check(seq, sizeof(seq)), ACME_ERR_BAD_CERT);
    assert_int_equal(acme_cert_der_info(der, 0, &info), ACME_ERR_BAD_CERT);
    assert_int_equal(acme_cert_der_parse_check(der, 0), ACME_ERR_BAD_CERT);
    der[3] ^= 0x01;
    assert_int_equal(acme_cert_der_parse_check(der, len), ACME_ERR_BAD_CERT);

    assert_int_equal(acme_cert_der_info(NULL, 1, &info), ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_cert_der_info(der, len, NULL), ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_cert_der_parse_check(NULL, 1), ACME_ERR_INVALID_ARG);
}

/* ---- Issued-certificate check (one DER certificate) ------------------------------- */

static void test_cert_der_matches_exact_names(void **state)
{
    (void)state;
    static uint8_t der[TEXT_MAX];
    size_t len = read_leaf_der("leaf-p256.cert.pem", der, sizeof(der));
    acme_key_t *key = load_key("leaf-p256.key.pem");

    assert_int_equal(acme_cert_der_matches(der, len, key, p256_names, 2), ACME_OK);
    /* Order and case do not matter; duplicates are one name. */
    static const char *const shuffled[] = {"WWW.Example.TEST", "a.example.test"};
    assert_int_equal(acme_cert_der_matches(der, len, key, shuffled, 2), ACME_OK);
    static const char *const dup[] = {"a.example.test", "www.example.test", "A.example.test"};
    assert_int_equal(acme_cert_der_matches(der, len, key, dup, 3), ACME_OK);
    acme_key_free(&key);

    len = read_leaf_der("leaf-rsa.cert.pem", der, sizeof(der));
    key = load_key("leaf-rsa.key.pem");
    static const char *const rsa_names[] = {"rsa.example.test"};
    assert_int_equal(acme_cert_der_matches(der, len, key, rsa_names, 1), ACME_OK);
    acme_key_free(&key);
}

static void test_cert_der_matches_rejects_other_names(void **state)
{
    (void)state;
    static uint8_t der[TEXT_MAX];
    size_t len = read_leaf_der("leaf-p256.cert.pem", der, sizeof(der));
    acme_key_t *key = load_key("leaf-p256.key.pem");

    /* The certificate names more than was asked for. */
    assert_int_equal(acme_cert_der_matches(der, len, key, p256_names, 1), ACME_ERR_BAD_CERT);
    /* A requested name is missing. */
    static const char *const more[] = {"a.example.test", "www.example.test", "b.example.test"};
    assert_int_equal(acme_cert_der_matches(der, len, key, more, 3), ACME_ERR_BAD_CERT);
    /* Near misses are different names. */
    static const char *const near[] = {"a.example.test", "www.example.tes"};
    assert_int_equal(acme_cert_der_matches(der, len, key, near, 2), ACME_ERR_BAD_CERT);
    /* An extra SAN of another type (IP address) is a name nobody asked for. */
    len = read_leaf_der("leaf-ipsan.cert.pem", der, sizeof(der));
    assert_int_equal(acme_cert_der_matches(der, len, key, p256_names, 2), ACME_ERR_BAD_CERT);
    /* DER that is not a certificate matches nothing. */
    assert_int_equal(acme_cert_der_matches(der, len - 10, key, p256_names, 2), ACME_ERR_BAD_CERT);
    acme_key_free(&key);
}

static void test_cert_der_matches_rejects_other_key(void **state)
{
    (void)state;
    static uint8_t der[TEXT_MAX];
    size_t len = read_leaf_der("leaf-p256.cert.pem", der, sizeof(der));
    assert_int_equal(acme_cert_der_matches(der, len, gen_p256, p256_names, 2),
                     ACME_ERR_KEY_MISMATCH);
    assert_int_equal(acme_cert_der_matches(der, len, gen_rsa, p256_names, 2),
                     ACME_ERR_KEY_MISMATCH);
    /* The key is checked first: wrong key and wrong names say "key". */
    static const char *const other[] = {"z.example.test"};
    assert_int_equal(acme_cert_der_matches(der, len, gen_p256, other, 1), ACME_ERR_KEY_MISMATCH);

    len = read_leaf_der("leaf-rsa.cert.pem", der, sizeof(der));
    static const char *const rsa_names[] = {"rsa.example.test"};
    acme_key_t *ec = load_key("leaf-p256.key.pem");
    assert_int_equal(acme_cert_der_matches(der, len, ec, rsa_names, 1), ACME_ERR_KEY_MISMATCH);
    acme_key_free(&ec);
}

static void test_cert_der_matches_caller_errors(void **state)
{
    (void)state;
    static uint8_t der[TEXT_MAX];
    size_t len = read_leaf_der("leaf-p256.cert.pem", der, sizeof(der));
    acme_key_t *key = load_key("leaf-p256.key.pem");

    assert_int_equal(acme_cert_der_matches(der, len, key, p256_names, 0), ACME_ERR_INVALID_ARG);
    static const char *const empty[] = {""};
    assert_int_equal(acme_cert_der_matches(der, len, key, empty, 1), ACME_ERR_INVALID_ARG);
    static const char *const missing[] = {"a.example.test", NULL};
    assert_int_equal(acme_cert_der_matches(der, len, key, missing, 2), ACME_ERR_INVALID_ARG);
    static char long_name[ACME_DNS_NAME_MAX + 2];
    memset(long_name, 'a', ACME_DNS_NAME_MAX + 1);
    const char *const too_long[] = {long_name};
    assert_int_equal(acme_cert_der_matches(der, len, key, too_long, 1), ACME_ERR_INVALID_ARG);
    const char *too_many[ACME_MAX_IDENTIFIERS + 1];
    for (size_t i = 0; i < ACME_MAX_IDENTIFIERS + 1; i++) {
        too_many[i] = "a.example.test";
    }
    assert_int_equal(acme_cert_der_matches(der, len, key, too_many, ACME_MAX_IDENTIFIERS + 1),
                     ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_cert_der_matches(der, len, NULL, p256_names, 2), ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_cert_der_matches(der, len, key, NULL, 2), ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_cert_der_matches(NULL, len, key, p256_names, 2), ACME_ERR_INVALID_ARG);
    acme_key_free(&key);
}

/* ---- Arena exhaustion ------------------------------------------------------------------- */

/* Runs op with less and less of the arena taken by a ballast block (so the
 * free space grows from nothing) until it succeeds: every smaller budget must
 * give ACME_ERR_NO_MEMORY (never a crash, never another error) and leave no
 * block behind. Returns the free space that first worked. */
typedef acme_status_t (*arena_op_t)(void);

#define SWEEP_ARENA (64u * 1024u)
#define SWEEP_STEP 64u

/* The largest single block a fresh sweep arena gives: with it taken,
 * nothing is free. */
static size_t largest_block(void)
{
    assert_int_equal(fixture_arena_init(SWEEP_ARENA), 0);
    for (size_t n = SWEEP_ARENA; n > 0; n -= 8) {
        void *p = mbedtls_calloc(1, n);
        if (p != NULL) {
            mbedtls_free(p);
            return n;
        }
    }
    return 0;
}

static size_t sweep(arena_op_t op, const char *what)
{
    size_t all = largest_block();
    for (size_t budget = 0; budget < all; budget += SWEEP_STEP) {
        assert_int_equal(fixture_arena_init(SWEEP_ARENA), 0);
        void *ballast = mbedtls_calloc(1, all - budget);
        assert_non_null(ballast);
        size_t before = fixture_arena_in_use();
        acme_status_t st = op();
        if (fixture_arena_in_use() != before) {
            fail_msg("%s: %zu bytes leaked with %zu bytes free", what,
                     fixture_arena_in_use() - before, budget);
        }
        mbedtls_free(ballast);
        if (st == ACME_OK) {
            assert_int_equal(fixture_arena_init(SWEEP_ARENA), 0);
            assert_int_equal(op(), ACME_OK);
            print_message("%s: needs ~%zu bytes free, arena peak %zu bytes\n", what, budget,
                          fixture_arena_peak());
            return budget;
        }
        if (st != ACME_ERR_NO_MEMORY) {
            fail_msg("%s: %s with %zu bytes free", what, acme_status_name(st), budget);
        }
    }
    fail_msg("%s never succeeded", what);
    return 0;
}

static acme_status_t op_generate_sign(void)
{
    acme_drbg_t *drbg = NULL;
    acme_key_t *key = NULL;
    fixture_entropy_t e = {99, 0, 0};
    acme_status_t st = acme_drbg_new(&drbg, fixture_entropy, &e, NULL, 0);
    if (st == ACME_OK) {
        st = acme_key_generate(&key, ACME_KEY_P256, drbg);
    }
    if (st == ACME_OK) {
        acme_signer_t signer;
        acme_soft_signer_t ss;
        acme_soft_signer_init(&signer, &ss, key, drbg);
        uint8_t digest[32] = {1};
        uint8_t sig[64];
        size_t sig_len = 0;
        st = signer.sign_digest(signer.ctx, digest, sig, sizeof(sig), &sig_len);
    }
    if (st == ACME_OK) {
        acme_public_key_t pub;
        st = acme_key_public(key, &pub);
    }
    acme_key_free(&key);
    acme_drbg_free(&drbg);
    return st;
}

static uint8_t sweep_der[TEXT_MAX];
static size_t sweep_der_len;

static acme_status_t op_check_issued(void)
{
    uint8_t der[256];
    size_t der_len = 0;
    size_t pos = 0;
    acme_key_t *key = NULL;
    static char key_pem[TEXT_MAX];
    size_t key_len = read_text("leaf-p256.key.pem", key_pem);
    assert_int_equal(
        acme_pem_next(key_pem, key_len, &pos, "EC PRIVATE KEY", der, sizeof(der), &der_len),
        ACME_OK);
    acme_status_t st = acme_key_parse_der(&key, der, der_len);
    if (st == ACME_OK) {
        st = acme_cert_der_matches(sweep_der, sweep_der_len, key, p256_names, 2);
    }
    acme_key_free(&key);
    return st;
}

static acme_status_t op_parse_rsa(void)
{
    char path[512];
    snprintf(path, sizeof(path), "%s%s", CERT_DIR, "leaf-rsa.key.pem");
    static char pem[TEXT_MAX];
    static uint8_t der[2048];
    size_t pem_len = fixture_read_file(path, pem, sizeof(pem));
    size_t pos = 0;
    size_t der_len = 0;
    assert_int_equal(acme_pem_next(pem, pem_len, &pos, "PRIVATE KEY", der, sizeof(der), &der_len),
                     ACME_OK);
    acme_key_t *key = NULL;
    acme_status_t st = acme_key_parse_der(&key, der, der_len);
    acme_key_free(&key);
    return st;
}

static acme_status_t op_cert_info(void)
{
    acme_cert_info_t info;
    return acme_cert_der_info(sweep_der, sweep_der_len, &info);
}

static acme_status_t op_hmac(void)
{
    uint8_t mac[32];
    return acme_hmac_sha256((const uint8_t *)"k", 1, "data", 4, mac);
}

static acme_status_t op_hmac512(void)
{
    uint8_t mac[64];
    return acme_hmac_sha2(64, (const uint8_t *)"k", 1, "data", 4, mac);
}

static void test_arena_exhaustion(void **state)
{
    (void)state;
    sweep_der_len = read_leaf_der("leaf-p256.cert.pem", sweep_der, sizeof(sweep_der));
    (void)sweep(op_generate_sign, "DRBG + P-256 keygen + ES256 + public key");
    /* Parsing a stored key reports a full arena as such, not as a bad key. */
    assert_true(sweep(op_parse_rsa, "RSA-2048 key parse") < 8192);
    (void)sweep(op_check_issued, "key parse + issued-certificate check");
    (void)sweep(op_cert_info, "certificate facts");
    (void)sweep(op_hmac, "HMAC-SHA256");
    (void)sweep(op_hmac512, "HMAC-SHA512");

    /* RSA-2048 generation in the smallest arena fails cleanly. */
    assert_int_equal(fixture_arena_init(4096), 0);
    fixture_entropy_t e = {5, 0, 0};
    acme_drbg_t *drbg = NULL;
    acme_key_t *key = NULL;
    assert_int_equal(acme_drbg_new(&drbg, fixture_entropy, &e, NULL, 0), ACME_OK);
    assert_int_equal(acme_key_generate(&key, ACME_KEY_RSA2048, drbg), ACME_ERR_NO_MEMORY);
    assert_null(key);
    acme_drbg_free(&drbg);
    assert_int_equal(fixture_arena_in_use(), 0);
}

int main(void)
{
    const struct CMUnitTest main_tests[] = {
        cmocka_unit_test_setup_teardown(test_sha256_fips180_vectors, arena_mark, arena_check),
        cmocka_unit_test_setup_teardown(test_hmac_sha256_rfc4231, arena_mark, arena_check),
        cmocka_unit_test_setup_teardown(test_hmac_sha2_rfc4231, arena_mark, arena_check),
        cmocka_unit_test_setup_teardown(test_drbg_is_deterministic_per_seed, arena_mark,
                                        arena_check),
        cmocka_unit_test_setup_teardown(test_drbg_entropy_failure, arena_mark, arena_check),
        cmocka_unit_test_setup_teardown(test_p256_generate_and_round_trip, arena_mark, arena_check),
        cmocka_unit_test_setup_teardown(test_rsa_generate_and_round_trip, arena_mark, arena_check),
        cmocka_unit_test_setup_teardown(test_parse_fixture_keys, arena_mark, arena_check),
        cmocka_unit_test_setup_teardown(test_parse_rejects, arena_mark, arena_check),
        cmocka_unit_test_setup_teardown(test_write_buffers_too_small, arena_mark, arena_check),
        cmocka_unit_test_setup_teardown(test_es256_rfc6979_vectors, arena_mark, arena_check),
        cmocka_unit_test_setup_teardown(test_es256_verifies, arena_mark, arena_check),
        cmocka_unit_test_setup_teardown(test_rs256_verifies, arena_mark, arena_check),
        cmocka_unit_test_setup_teardown(test_cert_der_info_p256, arena_mark, arena_check),
        cmocka_unit_test_setup_teardown(test_cert_der_info_rsa_and_many, arena_mark, arena_check),
        cmocka_unit_test_setup_teardown(test_cert_der_rejects_non_certificates, arena_mark,
                                        arena_check),
        cmocka_unit_test_setup_teardown(test_cert_der_matches_exact_names, arena_mark, arena_check),
        cmocka_unit_test_setup_teardown(test_cert_der_matches_rejects_other_names, arena_mark,
                                        arena_check),
        cmocka_unit_test_setup_teardown(test_cert_der_matches_rejects_other_key, arena_mark,
                                        arena_check),
        cmocka_unit_test_setup_teardown(test_cert_der_matches_caller_errors, arena_mark,
                                        arena_check),
    };
    const struct CMUnitTest exhaustion_tests[] = {
        cmocka_unit_test(test_arena_exhaustion),
    };
    int failed = cmocka_run_group_tests_name("crypto", main_tests, group_setup, group_teardown);
    failed += cmocka_run_group_tests_name("arena exhaustion", exhaustion_tests, NULL, NULL);
    return failed;
}
