/*
 * Tests for the status table: every status has its name, its class and a
 * sentence (or, without ACME_ERROR_TEXT, its name); unknown values are
 * reported as such. The expected classes are written out here, not derived,
 * so a renumbering in status.h that breaks the computed class fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "acme/config_defaults.h"
#include "acme/status.h"

typedef struct expected {
    int status;
    const char *name;
    acme_status_class_t cls;
} expected_t;

/* clang-format off: one status per line */
#define E(code, cls)                                                                               \
    {                                                                                              \
        code, #code, cls                                                                           \
    }

static const expected_t all_statuses[] = {
    E(ACME_OK, ACME_CLASS_NONE),
    E(ACME_WOULD_BLOCK, ACME_CLASS_NONE),
    E(ACME_ERR_INVALID_ARG, ACME_CLASS_CALLER),
    E(ACME_ERR_BAD_STATE, ACME_CLASS_CALLER),
    E(ACME_ERR_CONFIG, ACME_CLASS_CALLER),
    E(ACME_ERR_NO_MEMORY, ACME_CLASS_RESOURCE),
    E(ACME_ERR_BUFFER_TOO_SMALL, ACME_CLASS_RESOURCE),
    E(ACME_ERR_CONNECT, ACME_CLASS_TRANSPORT),
    E(ACME_ERR_TRANSPORT, ACME_CLASS_TRANSPORT),
    E(ACME_ERR_CLOSED, ACME_CLASS_TRANSPORT),
    E(ACME_ERR_TIMEOUT, ACME_CLASS_TRANSPORT),
    E(ACME_ERR_RESOLVE, ACME_CLASS_TRANSPORT),
    E(ACME_ERR_ADDR_IN_USE, ACME_CLASS_TRANSPORT),
    E(ACME_ERR_TLS, ACME_CLASS_TLS),
    E(ACME_ERR_TLS_VERIFY, ACME_CLASS_TLS),
    E(ACME_ERR_DNS, ACME_CLASS_DNS),
    E(ACME_ERR_DNS_NXDOMAIN, ACME_CLASS_DNS),
    E(ACME_ERR_DNS_NO_ANSWER, ACME_CLASS_DNS),
    E(ACME_ERR_CAA_DENIED, ACME_CLASS_DNS),
    E(ACME_ERR_SERVER_PROBLEM, ACME_CLASS_SERVER),
    E(ACME_ERR_HTTP_STATUS, ACME_CLASS_SERVER),
    E(ACME_ERR_ORDER_INVALID, ACME_CLASS_SERVER),
    E(ACME_ERR_UNSUPPORTED, ACME_CLASS_SERVER),
    E(ACME_ERR_MALFORMED, ACME_CLASS_HOSTILE),
    E(ACME_ERR_OVERSIZE, ACME_CLASS_HOSTILE),
    E(ACME_ERR_TRUNCATED, ACME_CLASS_HOSTILE),
    E(ACME_ERR_BAD_CERT, ACME_CLASS_HOSTILE),
    E(ACME_ERR_FLASH, ACME_CLASS_STORAGE),
    E(ACME_ERR_NOT_FOUND, ACME_CLASS_STORAGE),
    E(ACME_ERR_STORE_FULL, ACME_CLASS_STORAGE),
    E(ACME_ERR_CRYPTO, ACME_CLASS_CRYPTO),
    E(ACME_ERR_RNG, ACME_CLASS_CRYPTO),
    E(ACME_ERR_KEY_MISMATCH, ACME_CLASS_CRYPTO),
    E(ACME_ERR_KEY_SEALED, ACME_CLASS_CRYPTO),
};
/* clang-format on */

#define COUNT (sizeof(all_statuses) / sizeof(all_statuses[0]))

static void test_names_and_classes(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT; i++) {
        const expected_t *e = &all_statuses[i];
        assert_string_equal(acme_status_name(e->status), e->name);
        if (acme_status_class(e->status) != e->cls) {
            fail_msg("%s: class %d, expected %d", e->name, (int)acme_status_class(e->status),
                     (int)e->cls);
        }
    }
}

static void test_sentences(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT; i++) {
        const char *text = acme_strerror(all_statuses[i].status);
        assert_non_null(text);
        if (ACME_ERROR_TEXT) {
            /* A sentence, not the name, and a different one for each. */
            assert_true(strlen(text) > 5);
            assert_string_not_equal(text, all_statuses[i].name);
            for (size_t k = 0; k < i; k++) {
                assert_string_not_equal(text, acme_strerror(all_statuses[k].status));
            }
        } else {
            assert_string_equal(text, all_statuses[i].name);
        }
    }
    assert_string_equal(acme_strerror(ACME_ERR_TLS_VERIFY),
                        ACME_ERROR_TEXT ? "server certificate not trusted or wrong host name: "
                                          "check the trust anchors and the URL"
                                        : "ACME_ERR_TLS_VERIFY");
}

static void test_unknown_values(void **state)
{
    (void)state;
    static const int unknown[] = {1,   5,   -5,  -9,   -12, -26, -44,  -54,     -64,
                                  -73, -84, -90, -127, 127, 256, -256, -1000000};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        assert_string_equal(acme_status_name(unknown[i]), "ACME_STATUS_UNKNOWN");
        assert_string_equal(acme_strerror(unknown[i]), "unknown status");
        assert_int_equal(acme_status_class(unknown[i]), ACME_CLASS_NONE);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_classes),
        cmocka_unit_test(test_sentences),
        cmocka_unit_test(test_unknown_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
