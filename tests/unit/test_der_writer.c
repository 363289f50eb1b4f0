/*
 * Tests for the internal (backward) DER writer used by the CSR codec: X.690
 * length forms at their boundaries, minimal unsigned INTEGERs, nesting by
 * prepending headers, and the sticky overflow that keeps writes inside the
 * buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "codec/der_writer.h"

static void test_length_forms(void **state)
{
    (void)state;
    /* X.690 §8.1.3: short form below 128, else 0x80|n and n octets. */
    static const struct {
        size_t len;
        size_t size;
        uint8_t hdr[4];
    } cases[] = {
        {0, 1, {0x00}},
        {127, 1, {0x7F}},
        {128, 2, {0x81, 0x80}},
        {255, 2, {0x81, 0xFF}},
        {256, 3, {0x82, 0x01, 0x00}},
        {65535, 3, {0x82, 0xFF, 0xFF}},
        {65536, 4, {0x83, 0x01, 0x00, 0x00}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t buf[8];
        acme_der_writer_t w;
        acme_der_init(&w, buf, sizeof(buf));
        acme_der_put_header(&w, 0x30, cases[i].len);
        assert_int_equal(acme_der_status(&w), ACME_OK);
        assert_int_equal(w.len, 1 + cases[i].size);
        /* Written at the end of the buffer. */
        assert_ptr_equal(acme_der_start(&w), buf + sizeof(buf) - w.len);
        assert_int_equal(acme_der_start(&w)[0], 0x30);
        assert_memory_equal(acme_der_start(&w) + 1, cases[i].hdr, cases[i].size);
    }
}

static void check_uint(const uint8_t *be, size_t n, const uint8_t *expect, size_t expect_len)
{
    uint8_t buf[48];
    acme_der_writer_t w;
    acme_der_init(&w, buf, sizeof(buf));
    acme_der_put_uint(&w, be, n);
    assert_int_equal(acme_der_status(&w), ACME_OK);
    assert_int_equal(w.len, expect_len);
    assert_memory_equal(acme_der_start(&w), expect, expect_len);
}

static void test_minimal_unsigned_integers(void **state)
{
    (void)state;
    static const uint8_t zero[] = {0, 0, 0};
    static const uint8_t zero_der[] = {0x02, 0x01, 0x00};
    check_uint(zero, sizeof(zero), zero_der, sizeof(zero_der));
    check_uint(zero, 0, zero_der, sizeof(zero_der)); /* no octets is zero too */

    static const uint8_t small[] = {0x00, 0x00, 0x7F};
    static const uint8_t small_der[] = {0x02, 0x01, 0x7F};
    check_uint(small, sizeof(small), small_der, sizeof(small_der));

    static const uint8_t high[] = {0x00, 0x80};
    static const uint8_t high_der[] = {0x02, 0x02, 0x00, 0x80};
    check_uint(high, sizeof(high), high_der, sizeof(high_der));

    static const uint8_t multi[] = {0x00, 0x01, 0x00, 0xFF};
    static const uint8_t multi_der[] = {0x02, 0x03, 0x01, 0x00, 0xFF};
    check_uint(multi, sizeof(multi), multi_der, sizeof(multi_der));
}

/* Content first, then the headers around it: SEQUENCE { INTEGER 5,
 * SET { OCTET STRING "ab" } } written innermost first. */
static void test_nesting_backwards(void **state)
{
    (void)state;
    uint8_t buf[32];
    acme_der_writer_t w;
    acme_der_init(&w, buf, sizeof(buf));
    static const uint8_t five = 5;
    acme_der_put_tlv(&w, 0x04, "ab", 2);
    acme_der_put_header(&w, 0x31, w.len);
    acme_der_put_uint(&w, &five, 1);
    acme_der_put_header(&w, 0x30, w.len);
    static const uint8_t expected[] = {0x30, 0x09, 0x02, 0x01, 0x05, 0x31,
                                       0x04, 0x04, 0x02, 'a',  'b'};
    assert_int_equal(acme_der_status(&w), ACME_OK);
    assert_int_equal(w.len, sizeof(expected));
    assert_memory_equal(acme_der_start(&w), expected, sizeof(expected));
}

static void test_overflow_is_sticky_and_bounded(void **state)
{
    (void)state;
    uint8_t buf[8];
    memset(buf, 0xEE, sizeof(buf));
    acme_der_writer_t w;
    acme_der_init(&w, buf, 4);
    acme_der_put_tlv(&w, 0x04, "abc", 3); /* 5 bytes: the content fits, its header not */
    assert_int_equal(acme_der_status(&w), ACME_ERR_BUFFER_TOO_SMALL);
    acme_der_put_bytes(&w, "x", 1); /* a later small write stays a no-op */
    assert_int_equal(acme_der_status(&w), ACME_ERR_BUFFER_TOO_SMALL);
    assert_true(w.len <= 4);
    for (size_t i = 4; i < sizeof(buf); i++) {
        assert_int_equal(buf[i], 0xEE);
    }

    /* Exactly full is fine. */
    acme_der_init(&w, buf, 5);
    acme_der_put_tlv(&w, 0x04, "abc", 3);
    assert_int_equal(acme_der_status(&w), ACME_OK);
    assert_int_equal(w.len, 5);
    assert_ptr_equal(acme_der_start(&w), buf);
    assert_memory_equal(buf,
                        "\x04\x03"
                        "abc",
                        5);

    /* No buffer at all. */
    acme_der_init(&w, NULL, 100);
    acme_der_put_bytes(&w, "a", 1);
    assert_int_equal(acme_der_status(&w), ACME_ERR_BUFFER_TOO_SMALL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_length_forms),
        cmocka_unit_test(test_minimal_unsigned_integers),
        cmocka_unit_test(test_nesting_backwards),
        cmocka_unit_test(test_overflow_is_sticky_and_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
