/*
 * The provisioning blob codec: a full struct survives encode + decode; every
 * value rule, count, duplicate, unknown-tag, missing-field and header rule is
 * refused with the right reason, tag, field and offset; the accepted
 * boundaries of each range decode; a blob cut at every length is refused
 * (with the cut blob in a heap block of exactly that size, so ASan sees any
 * read past it); the encoder refuses what the decoder would refuse and
 * never writes past its buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acme/codec/crc32.h"
#include "acme/codec/provision.h"

#define TAG_CA ACME_PROVISION_TAG_CA
#define TAG_RENEW ACME_PROVISION_TAG_RENEWAL

/* ---- A hand-made blob builder (independent of the encoder under test) ---- */

typedef struct blob {
    uint8_t b[16384];
    size_t n;
} blob_t;

static blob_t blob;
static blob_t nest;
static acme_provision_t out;
static acme_provision_t in;
static uint8_t enc[16384];

static void put_le(uint8_t *p, uint32_t v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8u * i));
    }
}

static void b_start(blob_t *b)
{
    memset(b, 0, sizeof(*b));
    memcpy(b->b, "ACPV\x01\x00\x00\x00", 8);
    b->n = 12;
}

/* Appends one TLV; returns the offset of its tag byte. */
static size_t b_tlv(blob_t *b, uint8_t tag, const void *v, size_t len)
{
    assert_true(len <= 0xFFFFu && b->n + 3u + len <= sizeof(b->b));
    size_t at = b->n;
    b->b[at] = tag;
    put_le(b->b + at + 1, (uint32_t)len, 2);
    if (len != 0) {
        memcpy(b->b + at + 3, v, len);
    }
    b->n += 3u + len;
    return at;
}

static size_t b_text(blob_t *b, uint8_t tag, const char *s)
{
    return b_tlv(b, tag, s, strlen(s));
}

static size_t b_byte(blob_t *b, uint8_t tag, uint8_t v)
{
    return b_tlv(b, tag, &v, 1);
}

/* A nested container: nest.n counts from 0. */
static void n_start(void)
{
    memset(&nest, 0, sizeof(nest));
}

/* Appends the nested container to the blob; returns its offset. */
static size_t b_nest(blob_t *b, uint8_t tag)
{
    return b_tlv(b, tag, nest.b, nest.n);
}

static void b_finish(blob_t *b)
{
    put_le(b->b + 8, (uint32_t)(b->n - 12u), 4);
    put_le(b->b + b->n, acme_crc32(0, b->b, b->n), 4);
    b->n += 4;
}

/* The smallest valid blob: one name and a directory. */
static void b_base(blob_t *b)
{
    b_start(b);
    b_text(b, ACME_PROVISION_TAG_DNS, "device.example");
    b_text(b, ACME_PROVISION_TAG_DIRECTORY, "https://ca.example/dir");
}

static void decode_ok(const blob_t *b)
{
    acme_provision_error_t err;
    acme_status_t st = acme_provision_decode(b->b, b->n, &out, &err);
    if (st != ACME_OK) {
        fail_msg("decode: %d, %s (tag 0x%02x field %u at %zu)", (int)st,
                 acme_provision_error_text(err.reason), err.tag, err.field, err.offset);
    }
    assert_int_equal(err.reason, ACME_PROVISION_OK);
}

static void expect_err(const blob_t *b, acme_status_t st, acme_provision_reason_t reason,
                       uint8_t tag, uint8_t field, size_t offset)
{
    acme_provision_error_t err;
    memset(&out, 0x5A, sizeof(out));
    acme_status_t got = acme_provision_decode(b->b, b->n, &out, &err);
    if (got != st || err.reason != reason || err.tag != tag || err.field != field ||
        err.offset != offset) {
        fail_msg("got status %d reason %d (%s) tag 0x%02x field %u offset %zu; expected "
                 "status %d reason %d tag 0x%02x field %u offset %zu",
                 (int)got, (int)err.reason, acme_provision_error_text(err.reason), err.tag,
                 err.field, err.offset, (int)st, (int)reason, tag, field, offset);
    }
    /* Nothing half-decoded is left behind. */
    static const acme_provision_t zero;
    assert_memory_equal(&out, &zero, sizeof(out));
}

static void expect_malformed(const blob_t *b, acme_provision_reason_t reason, uint8_t tag,
                             uint8_t field, size_t offset)
{
    expect_err(b, ACME_ERR_MALFORMED, reason, tag, field, offset);
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(seed + i * 7u);
    }
}

/* A DER SEQUENCE of n bytes in total (n >= 2), contents filled. */
static size_t make_der(uint8_t *p, size_t n)
{
    size_t head = n - 2u < 0x80u ? 2u : n - 3u < 0x100u ? 3u : 4u;
    size_t content = n - head;
    p[0] = 0x30;
    if (head == 2u) {
        p[1] = (uint8_t)content;
    } else if (head == 3u) {
        p[1] = 0x81;
        p[2] = (uint8_t)content;
    } else {
        p[1] = 0x82;
        p[2] = (uint8_t)(content >> 8);
        p[3] = (uint8_t)content;
    }
    fill(p + head, content, (uint8_t)n);
    return n;
}

/* ---- Round trip ------------------------------------------------------------------ */

static uint8_t anchor_a[600];
static uint8_t anchor_b[ACME_PROVISION_CERT_DER_MAX];
static uint8_t device_key[121];

/* Everything the JSON spec can say, at the limits where that is cheap. */
static void make_full(acme_provision_t *p)
{
    memset(p, 0, sizeof(*p));
    strcpy(p->names[0], "device.example.com");
    strcpy(p->names[1], "www.device.example.com");
    p->name_count = 2;
    p->ips[0].family = ACME_IP_V4;
    memcpy(p->ips[0].bytes, "\xc0\x00\x02\x01", 4);
    p->ips[1].family = ACME_IP_V6;
    memcpy(p->ips[1].bytes, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
    p->ip_count = 2;
    strcpy(p->contact, "mailto:ops@example.com");
    p->key_type = ACME_KEY_RSA2048;
    make_der(anchor_a, sizeof(anchor_a));
    make_der(anchor_b, sizeof(anchor_b));
    p->trust[0] = (acme_provision_span_t){anchor_a, sizeof(anchor_a)};
    p->trust[1] = (acme_provision_span_t){anchor_b, sizeof(anchor_b)};
    p->trust_count = 2;
    strcpy(p->directory_url, "https://acme.example.com/directory");
    strcpy(p->cas[0].issuer, "ca.example");
    strcpy(p->cas[0].directory_url, "https://ca.example:8443/acme/dir?x=1");
    strcpy(p->cas[0].eab_kid, "kid-0123");
    fill(p->cas[0].eab_key, 32, 3);
    p->cas[0].eab_key_len = 32;
    p->cas[0].eab_alg = ACME_PROVISION_MAC_HS384;
    strcpy(p->cas[1].issuer, "letsencrypt.org");
    p->ca_count = 2;
    p->discovery = true;
    p->renewal.present = (1u << ACME_PROVISION_RENEW_ARI) | (1u << ACME_PROVISION_RENEW_PERMILLE) |
                         (1u << ACME_PROVISION_RENEW_BACKOFF);
    p->renewal.ari = true;
    p->renewal.remaining_permille = 333;
    p->renewal.backoff_max_s = 86400;
    strcpy(p->profile, "shortlived");
    make_der(device_key, sizeof(device_key));
    p->device_key = (acme_provision_span_t){device_key, sizeof(device_key)};
    p->terms_of_service_agreed = true;
    p->present = (1u << ACME_PROVISION_TAG_KEY_TYPE) | (1u << ACME_PROVISION_TAG_DISCOVERY) |
                 (1u << ACME_PROVISION_TAG_RENEWAL) | (1u << ACME_PROVISION_TAG_TOS_AGREED);
}

static bool span_inside(const acme_provision_span_t *s, const uint8_t *b, size_t n)
{
    return s->data >= b && s->len <= n && (size_t)(s->data - b) <= n - s->len;
}

static void assert_same_content(const acme_provision_t *a, const acme_provision_t *b)
{
    assert_int_equal(a->name_count, b->name_count);
    assert_int_equal(a->ip_count, b->ip_count);
    for (size_t i = 0; i < a->name_count; i++) {
        assert_string_equal(a->names[i], b->names[i]);
    }
    for (size_t i = 0; i < a->ip_count; i++) {
        assert_int_equal(a->ips[i].family, b->ips[i].family);
        assert_memory_equal(a->ips[i].bytes, b->ips[i].bytes, a->ips[i].family == 4 ? 4 : 16);
    }
    assert_string_equal(a->contact, b->contact);
    assert_int_equal(a->key_type, b->key_type);
    assert_int_equal(a->trust_count, b->trust_count);
    for (size_t i = 0; i < a->trust_count; i++) {
        assert_int_equal(a->trust[i].len, b->trust[i].len);
        assert_memory_equal(a->trust[i].data, b->trust[i].data, a->trust[i].len);
    }
    assert_string_equal(a->directory_url, b->directory_url);
    assert_int_equal(a->ca_count, b->ca_count);
    for (size_t i = 0; i < a->ca_count; i++) {
        assert_string_equal(a->cas[i].issuer, b->cas[i].issuer);
        assert_string_equal(a->cas[i].directory_url, b->cas[i].directory_url);
        assert_string_equal(a->cas[i].eab_kid, b->cas[i].eab_kid);
        assert_int_equal(a->cas[i].eab_key_len, b->cas[i].eab_key_len);
        assert_memory_equal(a->cas[i].eab_key, b->cas[i].eab_key, a->cas[i].eab_key_len);
        assert_int_equal(a->cas[i].eab_alg, b->cas[i].eab_alg);
    }
    assert_int_equal(a->discovery, b->discovery);
    assert_int_equal(a->renewal.present, b->renewal.present);
    assert_int_equal(a->renewal.ari, b->renewal.ari);
    assert_int_equal(a->renewal.remaining_permille, b->renewal.remaining_permille);
    assert_int_equal(a->renewal.backoff_max_s, b->renewal.backoff_max_s);
    assert_string_equal(a->profile, b->profile);
    assert_int_equal(a->device_key.len, b->device_key.len);
    if (a->device_key.len != 0) {
        assert_memory_equal(a->device_key.data, b->device_key.data, a->device_key.len);
    }
    assert_int_equal(a->terms_of_service_agreed, b->terms_of_service_agreed);
}

static void test_round_trip_full(void **state)
{
    (void)state;
    make_full(&in);
    size_t len = 0;
    assert_int_equal(acme_provision_encode(&in, enc, sizeof(enc), &len), ACME_OK);
    acme_provision_error_t err;
    assert_int_equal(acme_provision_decode(enc, len, &out, &err), ACME_OK);
    assert_same_content(&in, &out);
    /* Every top-level tag was seen; the spans point into the blob. */
    assert_int_equal(out.present, 0x1FFEu);
    for (size_t i = 0; i < out.trust_count; i++) {
        assert_true(span_inside(&out.trust[i], enc, len));
    }
    assert_true(span_inside(&out.device_key, enc, len));

    /* Re-encoding the decoded struct gives the same bytes. */
    static uint8_t again[sizeof(enc)];
    size_t len2 = 0;
    assert_int_equal(acme_provision_encode(&out, again, sizeof(again), &len2), ACME_OK);
    assert_int_equal(len2, len);
    assert_memory_equal(again, enc, len);

    /* Exactly the size the encoder reported, and blob_size agrees. */
    size_t total = 0;
    assert_int_equal(acme_provision_blob_size(enc, 12, &total, NULL), ACME_OK);
    assert_int_equal(total, len);
}

static void test_minimal_and_defaults(void **state)
{
    (void)state;
    b_base(&blob);
    b_finish(&blob);
    /* 12 header + (3 + 14) + (3 + 22) + 4 CRC */
    assert_int_equal(blob.n, 58);
    decode_ok(&blob);
    assert_int_equal(out.name_count, 1);
    assert_string_equal(out.names[0], "device.example");
    assert_string_equal(out.directory_url, "https://ca.example/dir");
    assert_int_equal(out.key_type, ACME_KEY_NONE);
    assert_false(out.discovery);
    assert_int_equal(out.renewal.present, 0);
    assert_int_equal(out.device_key.len, 0);
    assert_null(out.device_key.data);
    assert_string_equal(out.contact, "");

    /* Discovery instead of a directory; an IP as the only identity. */
    b_start(&blob);
    b_tlv(&blob, ACME_PROVISION_TAG_IP, "\x0a\x00\x00\x01", 4);
    b_byte(&blob, ACME_PROVISION_TAG_DISCOVERY, 1);
    b_finish(&blob);
    decode_ok(&blob);
    assert_int_equal(out.ip_count, 1);
    assert_int_equal(out.ips[0].family, ACME_IP_V4);
    assert_true(out.discovery);

    /* An empty renewal policy and a CA with only its issuer. */
    b_base(&blob);
    n_start();
    b_nest(&blob, TAG_RENEW);
    b_text(&nest, ACME_PROVISION_CA_ISSUER, "ca.example");
    b_nest(&blob, TAG_CA);
    b_finish(&blob);
    decode_ok(&blob);
    assert_true(ACME_PROVISION_HAS(&out, TAG_RENEW));
    assert_int_equal(out.renewal.present, 0);
    assert_int_equal(out.ca_count, 1);
    assert_string_equal(out.cas[0].eab_kid, "");
    assert_int_equal(out.cas[0].eab_alg, ACME_PROVISION_MAC_DEFAULT);
}

/* ---- Value rules ---------------------------------------------------------------------- */

typedef struct value_case {
    uint8_t tag;
    uint8_t field; /* 0: top level */
    const char *value;
    size_t len; /* 0: strlen(value) */
} value_case_t;

static uint8_t big[ACME_PROVISION_CERT_DER_MAX + 64];

/* Put one value into an otherwise valid blob (nested ones in a CA entry with
 * an issuer, or in the renewal policy); returns the offset of the TLV that
 * holds it. */
static size_t blob_with(uint8_t tag, uint8_t field, const void *v, size_t len)
{
    if (tag == ACME_PROVISION_TAG_DIRECTORY) {
        /* The value under test is the blob's only directory. */
        b_start(&blob);
        b_text(&blob, ACME_PROVISION_TAG_DNS, "device.example");
        b_byte(&blob, ACME_PROVISION_TAG_DISCOVERY, 1);
    } else {
        b_base(&blob);
    }
    if (field == 0) {
        size_t at = b_tlv(&blob, tag, v, len);
        b_finish(&blob);
        return at;
    }
    n_start();
    if (tag == TAG_CA && field != ACME_PROVISION_CA_ISSUER) {
        b_text(&nest, ACME_PROVISION_CA_ISSUER, "ca.example");
    }
    size_t inner = b_tlv(&nest, field, v, len);
    if (tag == TAG_CA && (field == ACME_PROVISION_CA_EAB_KID)) {
        b_tlv(&nest, ACME_PROVISION_CA_EAB_KEY, "0123456789abcdef", 16);
    }
    if (tag == TAG_CA &&
        (field == ACME_PROVISION_CA_EAB_KEY || field == ACME_PROVISION_CA_EAB_ALG)) {
        b_text(&nest, ACME_PROVISION_CA_EAB_KID, "kid");
        if (field == ACME_PROVISION_CA_EAB_ALG) {
            b_tlv(&nest, ACME_PROVISION_CA_EAB_KEY, "0123456789abcdef", 16);
        }
    }
    size_t at = b_nest(&blob, tag);
    b_finish(&blob);
    return at + 3u + inner;
}

static void expect_range(uint8_t tag, uint8_t field, const void *v, size_t len)
{
    size_t at = blob_with(tag, field, v, len);
    expect_malformed(&blob, ACME_PROVISION_ERR_RANGE, tag, field, at);
    assert_int_equal(acme_provision_check_value(tag, field, v, len), ACME_PROVISION_ERR_RANGE);
}

static void expect_accepted(uint8_t tag, uint8_t field, const void *v, size_t len)
{
    blob_with(tag, field, v, len);
    decode_ok(&blob);
    assert_int_equal(acme_provision_check_value(tag, field, v, len), ACME_PROVISION_OK);
}

static void test_value_rules(void **state)
{
    (void)state;
    static const value_case_t bad[] = {
        {ACME_PROVISION_TAG_DNS, 0, "", 0},
        {ACME_PROVISION_TAG_DNS, 0, "a..example", 0},
        {ACME_PROVISION_TAG_DNS, 0, "-a.example", 0},
        {ACME_PROVISION_TAG_DNS, 0, "a-.example", 0},
        {ACME_PROVISION_TAG_DNS, 0, "*.example.com", 0},
        {ACME_PROVISION_TAG_DNS, 0, "example.com.", 0},
        {ACME_PROVISION_TAG_DNS, 0, "a_b.example", 0},
        {ACME_PROVISION_TAG_DNS, 0, "a\0b", 3},
        {ACME_PROVISION_TAG_IP, 0, "\x01\x02\x03", 3},
        {ACME_PROVISION_TAG_IP, 0, "\x01\x02\x03\x04\x05", 5},
        {ACME_PROVISION_TAG_IP, 0, "", 0},
        {ACME_PROVISION_TAG_CONTACT, 0, "", 0},
        {ACME_PROVISION_TAG_CONTACT, 0, "mailto:a b@example.com", 0},
        {ACME_PROVISION_TAG_CONTACT, 0, "mailto:\x7f", 8},
        {ACME_PROVISION_TAG_CONTACT, 0, "mailto:\xc3\xa9", 9},
        {ACME_PROVISION_TAG_KEY_TYPE, 0, "\x00", 1},
        {ACME_PROVISION_TAG_KEY_TYPE, 0, "\x03", 1},
        {ACME_PROVISION_TAG_KEY_TYPE, 0, "\x01\x00", 2},
        {ACME_PROVISION_TAG_KEY_TYPE, 0, "", 0},
        {ACME_PROVISION_TAG_TRUST_ANCHOR, 0, "", 0},
        {ACME_PROVISION_TAG_TRUST_ANCHOR, 0, "\x30", 1},
        {ACME_PROVISION_TAG_TRUST_ANCHOR, 0, "\x31\x00", 2},
        {ACME_PROVISION_TAG_TRUST_ANCHOR, 0, "\x30\x01", 2},
        {ACME_PROVISION_TAG_TRUST_ANCHOR, 0, "\x30\x01\x00\x00", 4},
        {ACME_PROVISION_TAG_TRUST_ANCHOR, 0, "\x30\x80\x00\x00", 4}, /* indefinite */
        {ACME_PROVISION_TAG_TRUST_ANCHOR, 0, "\x30\x81\x01\x00", 4}, /* not minimal */
        {ACME_PROVISION_TAG_TRUST_ANCHOR, 0, "\x30\x82\x00\x01\x00", 5},
        {ACME_PROVISION_TAG_TRUST_ANCHOR, 0, "\x30\x83\x00\x00\x01\x00", 6},
        {ACME_PROVISION_TAG_TRUST_ANCHOR, 0, "\x30\x82\x01", 3},
        {ACME_PROVISION_TAG_DIRECTORY, 0, "", 0},
        {ACME_PROVISION_TAG_DIRECTORY, 0, "http://ca.example/dir", 0},
        {ACME_PROVISION_TAG_DIRECTORY, 0, "https://", 0},
        {ACME_PROVISION_TAG_DIRECTORY, 0, "https://user@ca.example/", 0},
        {ACME_PROVISION_TAG_DISCOVERY, 0, "\x02", 1},
        {ACME_PROVISION_TAG_DISCOVERY, 0, "", 0},
        {ACME_PROVISION_TAG_PROFILE, 0, "", 0},
        {ACME_PROVISION_TAG_PROFILE, 0, "short lived", 0},
        {ACME_PROVISION_TAG_DEVICE_KEY, 0, "\x04\x00", 2},
        {ACME_PROVISION_TAG_DEVICE_KEY, 0, "\x30\x05\x00", 3},
        {ACME_PROVISION_TAG_TOS_AGREED, 0, "\xff", 1},
        {ACME_PROVISION_TAG_TOS_AGREED, 0, "\x01\x01", 2},
        {TAG_CA, ACME_PROVISION_CA_ISSUER, "", 0},
        {TAG_CA, ACME_PROVISION_CA_ISSUER, "ca example", 0},
        {TAG_CA, ACME_PROVISION_CA_ISSUER, "ca.example;", 0},
        {TAG_CA, ACME_PROVISION_CA_DIRECTORY, "http://ca.example/", 0},
        {TAG_CA, ACME_PROVISION_CA_DIRECTORY, "", 0},
        {TAG_CA, ACME_PROVISION_CA_EAB_KID, "", 0},
        {TAG_CA, ACME_PROVISION_CA_EAB_KID, "kid 1", 0},
        {TAG_CA, ACME_PROVISION_CA_EAB_KEY, "0123456789abcde", 15},
        {TAG_CA, ACME_PROVISION_CA_EAB_KEY, "", 0},
        {TAG_CA, ACME_PROVISION_CA_EAB_ALG, "\x00", 1},
        {TAG_CA, ACME_PROVISION_CA_EAB_ALG, "\x04", 1},
        {TAG_CA, ACME_PROVISION_CA_EAB_ALG, "\x01\x00", 2},
        {TAG_RENEW, ACME_PROVISION_RENEW_ARI, "\x02", 1},
        {TAG_RENEW, ACME_PROVISION_RENEW_ARI, "", 0},
        {TAG_RENEW, ACME_PROVISION_RENEW_PERMILLE, "\x00\x00", 2},
        {TAG_RENEW, ACME_PROVISION_RENEW_PERMILLE, "\xe8\x03", 2}, /* 1000 */
        {TAG_RENEW, ACME_PROVISION_RENEW_PERMILLE, "\x01", 1},
        {TAG_RENEW, ACME_PROVISION_RENEW_PERMILLE, "\x01\x00\x00\x00", 4},
        {TAG_RENEW, ACME_PROVISION_RENEW_BACKOFF, "\x3b\x00\x00\x00", 4}, /* 59 */
        {TAG_RENEW, ACME_PROVISION_RENEW_BACKOFF, "\x81\x3a\x09\x00", 4}, /* 604801 */
        {TAG_RENEW, ACME_PROVISION_RENEW_BACKOFF, "\xff\xff\xff\xff", 4},
        {TAG_RENEW, ACME_PROVISION_RENEW_BACKOFF, "\x3c\x00", 2},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const value_case_t *c = &bad[i];
        size_t len = c->len != 0 ? c->len : strlen(c->value);
        print_message("refused: tag 0x%02x field %u, %zu bytes\n", c->tag, c->field, len);
        expect_range(c->tag, c->field, c->value, len);
    }

    /* One past each length limit. */
    memset(big, 'a', sizeof(big));
    expect_range(ACME_PROVISION_TAG_DNS, 0, big, ACME_DNS_NAME_MAX + 1u); /* label > 63 too */
    expect_range(ACME_PROVISION_TAG_CONTACT, 0, big, ACME_CONTACT_MAX + 1u);
    expect_range(ACME_PROVISION_TAG_PROFILE, 0, big, ACME_PROVISION_PROFILE_MAX + 1u);
    expect_range(TAG_CA, ACME_PROVISION_CA_EAB_KID, big, ACME_PROVISION_EAB_KID_MAX + 1u);
    expect_range(TAG_CA, ACME_PROVISION_CA_EAB_KEY, big, ACME_PROVISION_EAB_KEY_MAX + 1u);
    for (size_t i = 63; i < ACME_CAA_ISSUER_MAX + 1u; i += 64) {
        big[i] = '.'; /* labels of 63 */
    }
    expect_range(TAG_CA, ACME_PROVISION_CA_ISSUER, big, ACME_CAA_ISSUER_MAX + 1u);
    expect_range(ACME_PROVISION_TAG_TRUST_ANCHOR, 0, big,
                 make_der(big, ACME_PROVISION_CERT_DER_MAX + 1u));
    expect_range(ACME_PROVISION_TAG_DEVICE_KEY, 0, big, make_der(big, ACME_KEY_DER_MAX + 1u));
    static char url[ACME_URL_MAX + 2];
    memset(url, 'a', sizeof(url) - 1u);
    memcpy(url, "https://ca.example/", 19);
    expect_range(ACME_PROVISION_TAG_DIRECTORY, 0, url, ACME_URL_MAX + 1u);
    expect_range(TAG_CA, ACME_PROVISION_CA_DIRECTORY, url, ACME_URL_MAX + 1u);
}

static void test_value_boundaries_accepted(void **state)
{
    (void)state;
    static char name[ACME_DNS_NAME_MAX + 1];
    /* 253 characters: labels of 63 and a final one of 61. */
    memset(name, 'a', ACME_DNS_NAME_MAX);
    name[63] = name[127] = name[191] = '.';
    expect_accepted(ACME_PROVISION_TAG_DNS, 0, name, ACME_DNS_NAME_MAX);
    assert_int_equal(strlen(out.names[0]), 14); /* the base name comes first */
    assert_int_equal(strlen(out.names[1]), ACME_DNS_NAME_MAX);

    expect_accepted(ACME_PROVISION_TAG_DNS, 0, "xn--bcher-kva.example", 21);
    expect_accepted(ACME_PROVISION_TAG_IP, 0, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
    assert_int_equal(out.ips[0].family, ACME_IP_V6);
    memset(big, '~', sizeof(big));
    expect_accepted(ACME_PROVISION_TAG_CONTACT, 0, big, ACME_CONTACT_MAX);
    assert_int_equal(strlen(out.contact), ACME_CONTACT_MAX);
    expect_accepted(ACME_PROVISION_TAG_CONTACT, 0, "tel:+1-555", 10);
    expect_accepted(ACME_PROVISION_TAG_PROFILE, 0, big, ACME_PROVISION_PROFILE_MAX);
    expect_accepted(TAG_CA, ACME_PROVISION_CA_EAB_KID, big, ACME_PROVISION_EAB_KID_MAX);
    expect_accepted(ACME_PROVISION_TAG_KEY_TYPE, 0, "\x01", 1);
    assert_int_equal(out.key_type, ACME_KEY_P256);
    expect_accepted(ACME_PROVISION_TAG_KEY_TYPE, 0, "\x02", 1);
    assert_int_equal(out.key_type, ACME_KEY_RSA2048);
    expect_accepted(ACME_PROVISION_TAG_DISCOVERY, 0, "\x00", 1);
    assert_false(out.discovery);
    expect_accepted(ACME_PROVISION_TAG_TOS_AGREED, 0, "\x00", 1);
    expect_accepted(ACME_PROVISION_TAG_TOS_AGREED, 0, "\x01", 1);
    assert_true(out.terms_of_service_agreed);

    expect_accepted(ACME_PROVISION_TAG_TRUST_ANCHOR, 0, "\x30\x00", 2);
    expect_accepted(ACME_PROVISION_TAG_TRUST_ANCHOR, 0, big, make_der(big, 129));
    expect_accepted(ACME_PROVISION_TAG_TRUST_ANCHOR, 0, big, make_der(big, 258));
    expect_accepted(ACME_PROVISION_TAG_TRUST_ANCHOR, 0, big,
                    make_der(big, ACME_PROVISION_CERT_DER_MAX));
    assert_int_equal(out.trust[0].len, ACME_PROVISION_CERT_DER_MAX);
    assert_ptr_equal(out.trust[0].data, blob.b + 12 + 17 + 25 + 3);
    expect_accepted(ACME_PROVISION_TAG_DEVICE_KEY, 0, big, make_der(big, ACME_KEY_DER_MAX));
    assert_int_equal(out.device_key.len, ACME_KEY_DER_MAX);

    static char url[ACME_URL_MAX + 1];
    memset(url, 'a', ACME_URL_MAX);
    memcpy(url, "https://ca.example/", 19);
    expect_accepted(ACME_PROVISION_TAG_DIRECTORY, 0, url, ACME_URL_MAX);
    expect_accepted(TAG_CA, ACME_PROVISION_CA_DIRECTORY, url, ACME_URL_MAX);
    assert_int_equal(strlen(out.cas[0].directory_url), ACME_URL_MAX);

    memset(name, 'b', sizeof(name));
    expect_accepted(TAG_CA, ACME_PROVISION_CA_ISSUER, name, 63);
    fill(big, 64, 9);
    expect_accepted(TAG_CA, ACME_PROVISION_CA_EAB_KEY, big, ACME_PROVISION_EAB_KEY_MIN);
    expect_accepted(TAG_CA, ACME_PROVISION_CA_EAB_KEY, big, ACME_PROVISION_EAB_KEY_MAX);
    assert_int_equal(out.cas[0].eab_key_len, 64);
    assert_memory_equal(out.cas[0].eab_key, big, 64);
    expect_accepted(TAG_CA, ACME_PROVISION_CA_EAB_ALG, "\x01", 1);
    expect_accepted(TAG_CA, ACME_PROVISION_CA_EAB_ALG, "\x03", 1);
    assert_int_equal(out.cas[0].eab_alg, ACME_PROVISION_MAC_HS512);

    expect_accepted(TAG_RENEW, ACME_PROVISION_RENEW_ARI, "\x00", 1);
    assert_int_equal(out.renewal.present, 1u << ACME_PROVISION_RENEW_ARI);
    assert_false(out.renewal.ari);
    expect_accepted(TAG_RENEW, ACME_PROVISION_RENEW_PERMILLE, "\x01\x00", 2);
    assert_int_equal(out.renewal.remaining_permille, 1);
    expect_accepted(TAG_RENEW, ACME_PROVISION_RENEW_PERMILLE, "\xe7\x03", 2);
    assert_int_equal(out.renewal.remaining_permille, 999);
    expect_accepted(TAG_RENEW, ACME_PROVISION_RENEW_BACKOFF, "\x3c\x00\x00\x00", 4);
    assert_int_equal(out.renewal.backoff_max_s, 60);
    expect_accepted(TAG_RENEW, ACME_PROVISION_RENEW_BACKOFF, "\x80\x3a\x09\x00", 4);
    assert_int_equal(out.renewal.backoff_max_s, 604800);
}

/* Counts: identities (names and IPs together), trust anchors, CAs. */
static void test_counts(void **state)
{
    (void)state;
    b_base(&blob); /* one name */
    size_t at = 0;
    for (size_t i = 1; i <= ACME_MAX_IDENTIFIERS; i++) {
        at = i % 2 ? b_tlv(&blob, ACME_PROVISION_TAG_IP, "\x0a\x00\x00\x01", 4)
                   : b_text(&blob, ACME_PROVISION_TAG_DNS, "n.example");
    }
    b_finish(&blob);
    expect_malformed(&blob, ACME_PROVISION_ERR_RANGE, blob.b[at], 0, at);
    blob.n -= 4u + 3u + (blob.b[at] == ACME_PROVISION_TAG_IP ? 4u : 9u);
    b_finish(&blob);
    decode_ok(&blob);
    assert_int_equal(out.name_count + out.ip_count, ACME_MAX_IDENTIFIERS);

    b_base(&blob);
    for (size_t i = 0; i <= ACME_PROVISION_TRUST_MAX; i++) {
        at = b_tlv(&blob, ACME_PROVISION_TAG_TRUST_ANCHOR, "\x30\x00", 2);
    }
    b_finish(&blob);
    expect_malformed(&blob, ACME_PROVISION_ERR_RANGE, ACME_PROVISION_TAG_TRUST_ANCHOR, 0, at);

    b_base(&blob);
    n_start();
    b_text(&nest, ACME_PROVISION_CA_ISSUER, "ca.example");
    for (size_t i = 0; i <= ACME_PROVISION_CAS_MAX; i++) {
        at = b_nest(&blob, TAG_CA);
    }
    b_finish(&blob);
    expect_malformed(&blob, ACME_PROVISION_ERR_RANGE, TAG_CA, 0, at);
    blob.n -= 4u + 3u + nest.n;
    b_finish(&blob);
    decode_ok(&blob);
    assert_int_equal(out.ca_count, ACME_PROVISION_CAS_MAX);
}

/* ---- Header, CRC, lengths -------------------------------------------------------------- */

static void refresh_crc(blob_t *b)
{
    b->n -= 4;
    put_le(b->b + b->n, acme_crc32(0, b->b, b->n), 4);
    b->n += 4;
}

static void test_header(void **state)
{
    (void)state;
    b_base(&blob);
    b_finish(&blob);
    size_t crc_at = blob.n - 4u;

    blob.b[4] = 2;
    refresh_crc(&blob);
    expect_malformed(&blob, ACME_PROVISION_ERR_BAD_VERSION, 0, 0, 4);
    blob.b[4] = 0;
    refresh_crc(&blob);
    expect_malformed(&blob, ACME_PROVISION_ERR_BAD_VERSION, 0, 0, 4);
    blob.b[4] = 1;
    blob.b[5] = 0x01;
    refresh_crc(&blob);
    expect_malformed(&blob, ACME_PROVISION_ERR_BAD_VERSION, 0, 0, 5);
    blob.b[5] = 0;
    blob.b[7] = 0x80;
    refresh_crc(&blob);
    expect_malformed(&blob, ACME_PROVISION_ERR_BAD_VERSION, 0, 0, 7);
    blob.b[7] = 0;
    refresh_crc(&blob);
    decode_ok(&blob);

    /* Magic: the first byte that differs; erased flash. */
    blob.b[3] = 'X';
    expect_malformed(&blob, ACME_PROVISION_ERR_BAD_MAGIC, 0, 0, 3);
    blob.b[3] = 'V';
    static blob_t erased;
    memset(erased.b, 0xFF, 64);
    erased.n = 64;
    expect_malformed(&erased, ACME_PROVISION_ERR_BAD_MAGIC, 0, 0, 0);
    erased.n = 1;
    expect_malformed(&erased, ACME_PROVISION_ERR_BAD_MAGIC, 0, 0, 0);

    /* CRC: any flipped bit of header, body or CRC. */
    for (size_t i = 8; i < blob.n; i++) {
        blob.b[i] ^= 0x10;
        acme_provision_error_t err;
        acme_status_t st = acme_provision_decode(blob.b, blob.n, &out, &err);
        assert_int_not_equal(st, ACME_OK);
        if (i >= 12) { /* body_len flips are a length problem first */
            assert_int_equal(st, ACME_ERR_MALFORMED);
            assert_int_equal(err.reason, ACME_PROVISION_ERR_BAD_CRC);
            assert_int_equal(err.offset, crc_at);
        }
        blob.b[i] ^= 0x10;
    }
    decode_ok(&blob);
}

static void test_lengths(void **state)
{
    (void)state;
    b_base(&blob);
    b_finish(&blob);
    size_t total = blob.n;

    /* A byte after the CRC. */
    blob.b[blob.n++] = 0xFF;
    expect_malformed(&blob, ACME_PROVISION_ERR_LENGTH, 0, 0, total);

    /* A TLV longer than the body (CRC right: the encoder was wrong). */
    b_base(&blob);
    size_t at = b_text(&blob, ACME_PROVISION_TAG_CONTACT, "mailto:x@example");
    put_le(blob.b + at + 1, 17, 2);
    b_finish(&blob);
    expect_malformed(&blob, ACME_PROVISION_ERR_LENGTH, 0, 0, at);

    /* A TLV header cut by the end of the body. */
    b_base(&blob);
    at = blob.n;
    blob.b[blob.n++] = ACME_PROVISION_TAG_CONTACT;
    blob.b[blob.n++] = 0;
    b_finish(&blob);
    expect_malformed(&blob, ACME_PROVISION_ERR_LENGTH, 0, 0, at);

    /* A nested field longer than its CA entry. */
    b_base(&blob);
    n_start();
    size_t inner = b_text(&nest, ACME_PROVISION_CA_ISSUER, "ca.example");
    put_le(nest.b + inner + 1, 11, 2);
    at = b_nest(&blob, TAG_CA);
    b_finish(&blob);
    expect_malformed(&blob, ACME_PROVISION_ERR_LENGTH, TAG_CA, 0, at + 3u + inner);

    /* body_len larger than what follows: truncated; smaller: the CRC lands
     * elsewhere, and the remaining bytes are a length mismatch. */
    b_base(&blob);
    b_finish(&blob);
    put_le(blob.b + 8, (uint32_t)(blob.n - 16u + 1u), 4);
    expect_err(&blob, ACME_ERR_TRUNCATED, ACME_PROVISION_ERR_TRUNCATED, 0, 0, blob.n);
    put_le(blob.b + 8, 0xFFFFFFFFu, 4);
    expect_err(&blob, ACME_ERR_TRUNCATED, ACME_PROVISION_ERR_TRUNCATED, 0, 0, blob.n);
    put_le(blob.b + 8, (uint32_t)(blob.n - 16u - 1u), 4);
    expect_malformed(&blob, ACME_PROVISION_ERR_LENGTH, 0, 0, blob.n - 1u);
}

static void test_truncation_every_length(void **state)
{
    (void)state;
    make_full(&in);
    size_t len = 0;
    assert_int_equal(acme_provision_encode(&in, enc, sizeof(enc), &len), ACME_OK);
    for (size_t k = 0; k < len; k++) {
        /* Exactly k bytes on the heap: ASan reports any read past them. */
        uint8_t *cut = malloc(k != 0 ? k : 1u);
        assert_non_null(cut);
        memcpy(cut, enc, k);
        acme_provision_error_t err;
        acme_status_t st = acme_provision_decode(cut, k, &out, &err);
        if (st != ACME_ERR_TRUNCATED || err.reason != ACME_PROVISION_ERR_TRUNCATED ||
            err.offset != k) {
            fail_msg("cut at %zu: status %d reason %d offset %zu", k, (int)st, (int)err.reason,
                     err.offset);
        }
        size_t total = 0;
        st = acme_provision_blob_size(cut, k, &total, &err);
        assert_int_equal(st, k < 12 ? ACME_ERR_TRUNCATED : ACME_OK);
        if (k >= 12) {
            assert_int_equal(total, len);
        }
        free(cut);
    }
    uint8_t *whole = malloc(len);
    assert_non_null(whole);
    memcpy(whole, enc, len);
    assert_int_equal(acme_provision_decode(whole, len, &out, NULL), ACME_OK);
    free(whole);
}

/* ---- Tags -------------------------------------------------------------------------------- */

static void test_unknown_tags(void **state)
{
    (void)state;
    static const uint8_t critical[] = {0x00, 0x0D, 0x10, 0x7F};
    for (size_t i = 0; i < sizeof(critical); i++) {
        b_base(&blob);
        size_t at = b_tlv(&blob, critical[i], "x", 1);
        b_finish(&blob);
        expect_malformed(&blob, ACME_PROVISION_ERR_UNKNOWN_TAG, critical[i], 0, at);
    }

    /* Extensions are skipped, even with values no rule would accept, and
     * even when repeated; the rest of the blob still counts. */
    b_start(&blob);
    b_tlv(&blob, 0x80, "", 0);
    b_tlv(&blob, 0xFF, "\x00\x01\x02", 3);
    b_text(&blob, ACME_PROVISION_TAG_DNS, "device.example");
    b_tlv(&blob, 0xFF, "again", 5);
    b_byte(&blob, ACME_PROVISION_TAG_DISCOVERY, 1);
    b_finish(&blob);
    decode_ok(&blob);
    assert_int_equal(out.name_count, 1);
    assert_true(out.discovery);
    assert_int_equal(out.present,
                     (1u << ACME_PROVISION_TAG_DNS) | (1u << ACME_PROVISION_TAG_DISCOVERY));

    /* The same rules inside a CA entry and the renewal policy. */
    b_base(&blob);
    n_start();
    b_text(&nest, ACME_PROVISION_CA_ISSUER, "ca.example");
    b_tlv(&nest, 0x9A, "anything", 8);
    b_nest(&blob, TAG_CA);
    b_finish(&blob);
    decode_ok(&blob);
    assert_string_equal(out.cas[0].issuer, "ca.example");

    static const uint8_t ca_unknown[] = {0x06, 0x7F};
    for (size_t i = 0; i < sizeof(ca_unknown); i++) {
        size_t at = blob_with(TAG_CA, ca_unknown[i], "x", 1);
        expect_malformed(&blob, ACME_PROVISION_ERR_UNKNOWN_TAG, TAG_CA, ca_unknown[i], at);
    }
    static const uint8_t renew_unknown[] = {0x04, 0x7F};
    for (size_t i = 0; i < sizeof(renew_unknown); i++) {
        size_t at = blob_with(TAG_RENEW, renew_unknown[i], "x", 1);
        expect_malformed(&blob, ACME_PROVISION_ERR_UNKNOWN_TAG, TAG_RENEW, renew_unknown[i], at);
    }
    /* Field 0 is not a field. */
    b_base(&blob);
    n_start();
    size_t inner = b_tlv(&nest, 0x00, "x", 1);
    size_t at = b_nest(&blob, TAG_RENEW);
    b_finish(&blob);
    expect_malformed(&blob, ACME_PROVISION_ERR_UNKNOWN_TAG, TAG_RENEW, 0, at + 3u + inner);

    assert_int_equal(acme_provision_check_value(0x0D, 0, NULL, 0), ACME_PROVISION_ERR_UNKNOWN_TAG);
    assert_int_equal(acme_provision_check_value(ACME_PROVISION_TAG_DNS, 1, NULL, 0),
                     ACME_PROVISION_ERR_UNKNOWN_TAG);
    assert_int_equal(acme_provision_check_value(TAG_CA, 0, NULL, 0), ACME_PROVISION_OK);
}

static void test_duplicates(void **state)
{
    (void)state;
    static const struct {
        uint8_t tag;
        const char *v;
        size_t len;
    } once[] = {
        {ACME_PROVISION_TAG_CONTACT, "mailto:a@example", 16},
        {ACME_PROVISION_TAG_KEY_TYPE, "\x01", 1},
        {ACME_PROVISION_TAG_DIRECTORY, "https://other.example/", 22},
        {ACME_PROVISION_TAG_DISCOVERY, "\x01", 1},
        {ACME_PROVISION_TAG_RENEWAL, "", 0},
        {ACME_PROVISION_TAG_PROFILE, "p", 1},
        {ACME_PROVISION_TAG_DEVICE_KEY, "\x30\x00", 2},
        {ACME_PROVISION_TAG_TOS_AGREED, "\x01", 1},
    };
    for (size_t i = 0; i < sizeof(once) / sizeof(once[0]); i++) {
        b_base(&blob);
        size_t first = b_tlv(&blob, once[i].tag, once[i].v, once[i].len);
        b_text(&blob, ACME_PROVISION_TAG_DNS, "between.example"); /* not adjacent */
        size_t second = b_tlv(&blob, once[i].tag, once[i].v, once[i].len);
        b_finish(&blob);
        /* The base blob has a directory already: the first added one is the
         * duplicate there. */
        size_t at = once[i].tag == ACME_PROVISION_TAG_DIRECTORY ? first : second;
        expect_malformed(&blob, ACME_PROVISION_ERR_DUPLICATE, once[i].tag, 0, at);
    }

    /* Repeatable tags may repeat, with the same value too. */
    b_base(&blob);
    b_text(&blob, ACME_PROVISION_TAG_DNS, "device.example");
    b_tlv(&blob, ACME_PROVISION_TAG_TRUST_ANCHOR, "\x30\x00", 2);
    b_tlv(&blob, ACME_PROVISION_TAG_TRUST_ANCHOR, "\x30\x00", 2);
    b_finish(&blob);
    decode_ok(&blob);
    assert_int_equal(out.name_count, 2);
    assert_int_equal(out.trust_count, 2);

    /* Nested fields: once each per container. */
    static const uint8_t ca_fields[] = {ACME_PROVISION_CA_ISSUER, ACME_PROVISION_CA_DIRECTORY};
    for (size_t i = 0; i < sizeof(ca_fields); i++) {
        b_base(&blob);
        n_start();
        b_text(&nest, ACME_PROVISION_CA_ISSUER, "ca.example");
        if (ca_fields[i] == ACME_PROVISION_CA_DIRECTORY) {
            b_text(&nest, ca_fields[i], "https://ca.example/");
        }
        size_t inner =
            b_text(&nest, ca_fields[i],
                   ca_fields[i] == ACME_PROVISION_CA_ISSUER ? "ca.example" : "https://ca.example/");
        size_t at = b_nest(&blob, TAG_CA);
        b_finish(&blob);
        expect_malformed(&blob, ACME_PROVISION_ERR_DUPLICATE, TAG_CA, ca_fields[i],
                         at + 3u + inner);
    }
    b_base(&blob);
    n_start();
    b_byte(&nest, ACME_PROVISION_RENEW_ARI, 1);
    size_t inner = b_byte(&nest, ACME_PROVISION_RENEW_ARI, 1);
    size_t at = b_nest(&blob, TAG_RENEW);
    b_finish(&blob);
    expect_malformed(&blob, ACME_PROVISION_ERR_DUPLICATE, TAG_RENEW, ACME_PROVISION_RENEW_ARI,
                     at + 3u + inner);
}

static void test_missing(void **state)
{
    (void)state;
    /* No identity. */
    b_start(&blob);
    b_text(&blob, ACME_PROVISION_TAG_DIRECTORY, "https://ca.example/dir");
    b_finish(&blob);
    expect_malformed(&blob, ACME_PROVISION_ERR_MISSING, ACME_PROVISION_TAG_DNS, 0, 12);
    b_start(&blob);
    b_finish(&blob);
    assert_int_equal(blob.n, ACME_PROVISION_MIN_LEN);
    expect_malformed(&blob, ACME_PROVISION_ERR_MISSING, ACME_PROVISION_TAG_DNS, 0, 12);

    /* Neither a directory nor discovery = 1. */
    b_start(&blob);
    b_text(&blob, ACME_PROVISION_TAG_DNS, "device.example");
    b_finish(&blob);
    expect_malformed(&blob, ACME_PROVISION_ERR_MISSING, ACME_PROVISION_TAG_DIRECTORY, 0, 12);
    b_start(&blob);
    b_text(&blob, ACME_PROVISION_TAG_DNS, "device.example");
    b_byte(&blob, ACME_PROVISION_TAG_DISCOVERY, 0);
    b_finish(&blob);
    expect_malformed(&blob, ACME_PROVISION_ERR_MISSING, ACME_PROVISION_TAG_DIRECTORY, 0, 12);

    /* CA entries: issuer; EAB kid and key together; no algorithm alone. */
    static const struct {
        bool issuer, kid, key, alg;
        uint8_t missing;
    } ca[] = {
        {false, false, false, false, ACME_PROVISION_CA_ISSUER},
        {false, true, true, false, ACME_PROVISION_CA_ISSUER},
        {true, true, false, false, ACME_PROVISION_CA_EAB_KEY},
        {true, true, false, true, ACME_PROVISION_CA_EAB_KEY},
        {true, false, true, false, ACME_PROVISION_CA_EAB_KID},
        {true, false, false, true, ACME_PROVISION_CA_EAB_KID},
    };
    for (size_t i = 0; i < sizeof(ca) / sizeof(ca[0]); i++) {
        b_base(&blob);
        n_start();
        if (ca[i].issuer) {
            b_text(&nest, ACME_PROVISION_CA_ISSUER, "ca.example");
        }
        b_text(&nest, ACME_PROVISION_CA_DIRECTORY, "https://ca.example/acme");
        if (ca[i].kid) {
            b_text(&nest, ACME_PROVISION_CA_EAB_KID, "kid");
        }
        if (ca[i].key) {
            b_tlv(&nest, ACME_PROVISION_CA_EAB_KEY, "0123456789abcdef", 16);
        }
        if (ca[i].alg) {
            b_byte(&nest, ACME_PROVISION_CA_EAB_ALG, 1);
        }
        size_t at = b_nest(&blob, TAG_CA);
        b_finish(&blob);
        expect_malformed(&blob, ACME_PROVISION_ERR_MISSING, TAG_CA, ca[i].missing, at);
    }
}

/* ---- API edges ------------------------------------------------------------------------- */

static void test_error_texts(void **state)
{
    (void)state;
    const char *seen[ACME_PROVISION_ERR_MISSING + 1];
    for (int r = ACME_PROVISION_OK; r <= ACME_PROVISION_ERR_MISSING; r++) {
        seen[r] = acme_provision_error_text((acme_provision_reason_t)r);
        assert_non_null(seen[r]);
        assert_true(strlen(seen[r]) > 4);
        for (int q = 0; q < r; q++) {
            assert_string_not_equal(seen[q], seen[r]);
        }
    }
    assert_string_equal(acme_provision_error_text(ACME_PROVISION_ERR_BAD_CRC),
                        "bad CRC: the blob is corrupt");
    assert_string_equal(acme_provision_error_text((acme_provision_reason_t)99),
                        "unknown provisioning error");
}

static void test_invalid_arguments(void **state)
{
    (void)state;
    acme_provision_error_t err;
    b_base(&blob);
    b_finish(&blob);
    assert_int_equal(acme_provision_decode(NULL, 10, &out, &err), ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_provision_decode(blob.b, blob.n, NULL, &err), ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_provision_decode(blob.b, blob.n, &out, NULL), ACME_OK);
    size_t total;
    assert_int_equal(acme_provision_blob_size(NULL, 12, &total, NULL), ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_provision_blob_size(blob.b, 12, NULL, NULL), ACME_ERR_INVALID_ARG);
    size_t len = 1;
    assert_int_equal(acme_provision_encode(NULL, enc, sizeof(enc), &len), ACME_ERR_INVALID_ARG);
    assert_int_equal(len, 0);
    make_full(&in);
    assert_int_equal(acme_provision_encode(&in, NULL, 0, &len), ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_provision_encode(&in, enc, sizeof(enc), NULL), ACME_ERR_INVALID_ARG);
}

static void expect_encode_refused(void)
{
    size_t len = 7;
    assert_int_equal(acme_provision_encode(&in, enc, sizeof(enc), &len), ACME_ERR_INVALID_ARG);
    assert_int_equal(len, 0);
    make_full(&in);
}

/* What the decoder would refuse, the encoder refuses. */
static void test_encoder_refuses(void **state)
{
    (void)state;
    make_full(&in);
    in.name_count = 0;
    in.ip_count = 0;
    expect_encode_refused();
    in.name_count = ACME_MAX_IDENTIFIERS;
    expect_encode_refused();
    strcpy(in.names[1], "bad..name");
    expect_encode_refused();
    in.names[0][0] = '\0';
    expect_encode_refused();
    memset(in.contact, 'a', sizeof(in.contact)); /* no NUL */
    expect_encode_refused();
    in.ips[1].family = ACME_IP_NONE;
    expect_encode_refused();
    in.key_type = ACME_KEY_NONE;
    expect_encode_refused();
    in.directory_url[0] = '\0';
    in.discovery = false;
    expect_encode_refused();
    in.directory_url[0] = '\0';
    in.present &= (uint16_t) ~(1u << ACME_PROVISION_TAG_DISCOVERY);
    expect_encode_refused();
    in.trust_count = ACME_PROVISION_TRUST_MAX + 1;
    expect_encode_refused();
    in.trust[1].len = 3;
    expect_encode_refused();
    in.ca_count = ACME_PROVISION_CAS_MAX + 1;
    expect_encode_refused();
    in.cas[1].issuer[0] = '\0';
    expect_encode_refused();
    in.cas[0].eab_key_len = 0;
    expect_encode_refused();
    in.cas[0].eab_kid[0] = '\0';
    expect_encode_refused();
    in.cas[0].eab_key_len = 8;
    expect_encode_refused();
    in.cas[1].eab_alg = ACME_PROVISION_MAC_HS256;
    expect_encode_refused();
    in.renewal.remaining_permille = 1000;
    expect_encode_refused();
    in.renewal.backoff_max_s = 59;
    expect_encode_refused();
    strcpy(in.profile, "two words");
    expect_encode_refused();
    in.device_key.len = 1;
    expect_encode_refused();

    /* Absent scalars are not written: a renewal value out of range does not
     * matter when its bit is clear. */
    in.renewal.present = 0;
    in.renewal.remaining_permille = 1000;
    size_t len = 0;
    assert_int_equal(acme_provision_encode(&in, enc, sizeof(enc), &len), ACME_OK);
    assert_int_equal(acme_provision_decode(enc, len, &out, NULL), ACME_OK);
    assert_int_equal(out.renewal.remaining_permille, 0);
    assert_true(ACME_PROVISION_HAS(&out, TAG_RENEW));
}

static void test_encoder_buffer(void **state)
{
    (void)state;
    make_full(&in);
    size_t need = 0;
    assert_int_equal(acme_provision_encode(&in, enc, sizeof(enc), &need), ACME_OK);
    /* Every shorter buffer is refused, and nothing is written past it. */
    static uint8_t guard[sizeof(enc) + 16];
    for (size_t cap = 0; cap < need; cap++) {
        memset(guard, 0xA5, sizeof(guard));
        size_t len = 1;
        assert_int_equal(acme_provision_encode(&in, guard, cap, &len), ACME_ERR_BUFFER_TOO_SMALL);
        assert_int_equal(len, 0);
        for (size_t i = cap; i < cap + 16u; i++) {
            assert_int_equal(guard[i], 0xA5);
        }
    }
    size_t len = 0;
    assert_int_equal(acme_provision_encode(&in, guard, need, &len), ACME_OK);
    assert_int_equal(len, need);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_full),
        cmocka_unit_test(test_minimal_and_defaults),
        cmocka_unit_test(test_value_rules),
        cmocka_unit_test(test_value_boundaries_accepted),
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_truncation_every_length),
        cmocka_unit_test(test_unknown_tags),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_error_texts),
        cmocka_unit_test(test_invalid_arguments),
        cmocka_unit_test(test_encoder_refuses),
        cmocka_unit_test(test_encoder_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
