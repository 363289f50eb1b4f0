/*
 * Renewal building blocks (issue 6, step 1): the RFC 9773 certID against
 * the RFC's own example, RFC 3339 times, the renewalInfo object, the
 * schedule (ARI window, lifetime fraction with jitter, failure backoff) and
 * the ARI polling interval.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "acme/codec/acme_objects.h"
#include "acme/codec/ari.h"
#include "acme/codec/rfc3339.h"
#include "acme/engine/renewal.h"

#define DAY 86400

/* RFC 9773 §4.1: keyIdentifier 69:88:5B:...:D4 and serial 00:87:65:43:21. */
static void test_cert_id_rfc_example(void **state)
{
    (void)state;
    static const uint8_t aki[] = {0x69, 0x88, 0x5B, 0x6B, 0x87, 0x46, 0x40, 0x41, 0xE1, 0xB3,
                                  0x7B, 0x84, 0x7B, 0xA0, 0xAE, 0x2C, 0xDE, 0x01, 0xC8, 0xD4};
    static const uint8_t serial[] = {0x00, 0x87, 0x65, 0x43, 0x21};
    char out[ACME_ARI_CERT_ID_MAX];
    size_t len = 0;
    assert_int_equal(
        acme_ari_cert_id(aki, sizeof(aki), serial, sizeof(serial), out, sizeof(out), &len),
        ACME_OK);
    assert_string_equal(out, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
    assert_int_equal(len, strlen(out));
    /* Exactly enough room, one byte less, and bad inputs. */
    assert_int_equal(acme_ari_cert_id(aki, sizeof(aki), serial, sizeof(serial), out, len + 1, &len),
                     ACME_OK);
    assert_int_equal(acme_ari_cert_id(aki, sizeof(aki), serial, sizeof(serial), out, len, &len),
                     ACME_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(acme_ari_cert_id(aki, 0, serial, sizeof(serial), out, sizeof(out), &len),
                     ACME_ERR_INVALID_ARG);
    uint8_t big[ACME_ARI_KEY_ID_MAX + 1];
    memset(big, 0xAB, sizeof(big));
    assert_int_equal(
        acme_ari_cert_id(big, sizeof(big), serial, sizeof(serial), out, sizeof(out), &len),
        ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_ari_cert_id(big, ACME_ARI_KEY_ID_MAX, big, ACME_ARI_SERIAL_MAX, out,
                                      sizeof(out), &len),
                     ACME_OK); /* the longest fits the documented maximum */
}

static int64_t t(const char *s)
{
    int64_t v = -1;
    return acme_rfc3339_parse(s, strlen(s), &v) == ACME_OK ? v : -1;
}

static void test_rfc3339(void **state)
{
    (void)state;
    assert_true(t("1970-01-01T00:00:00Z") == 0);
    assert_true(t("2025-01-02T04:00:00Z") == 1735790400);
    assert_true(t("2025-01-02t04:00:00z") == 1735790400);
    assert_true(t("2025-01-02T06:00:00+02:00") == 1735790400);
    assert_true(t("2025-01-01T23:30:00-04:30") == 1735790400);
    assert_true(t("2025-01-02T04:00:00.999999Z") == 1735790400); /* fraction dropped */
    assert_true(t("2024-02-29T00:00:00Z") == 1709164800);        /* leap day */
    assert_true(t("2016-12-31T23:59:60Z") == 1483228800);        /* leap second: next second */
    assert_true(t("2106-02-07T06:28:16Z") == INT64_C(4294967296));
    static const char *bad[] = {
        "",
        "2025-01-02",
        "2025-01-02T04:00:00",       /* no offset */
        "2025-01-02 04:00:00Z",      /* space */
        "2025-02-29T00:00:00Z",      /* not a leap year */
        "2025-04-31T00:00:00Z",      /* 31 April */
        "2025-13-01T00:00:00Z",      /* month */
        "2025-01-02T24:00:00Z",      /* hour */
        "2025-01-02T04:60:00Z",      /* minute */
        "2025-01-02T04:00:61Z",      /* second */
        "2025-01-02T04:00:00.Z",     /* empty fraction */
        "2025-01-02T04:00:00+0200",  /* offset without colon */
        "2025-01-02T04:00:00+24:00", /* offset hour */
        "2025-01-02T04:00:00Zjunk",  /* trailing bytes */
        "1969-12-31T23:59:59Z",      /* before 1970 */
        "+025-01-02T04:00:00Z",      /* sign in the year */
        "2025-1-02T04:00:00Z",       /* short month */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t v = 0;
        if (acme_rfc3339_parse(bad[i], strlen(bad[i]), &v) != ACME_ERR_MALFORMED) {
            fail_msg("accepted '%s'", bad[i]);
        }
    }
}

static acme_status_t window(const char *json, acme_renewal_window_t *w)
{
    return acme_renewal_window_read((const uint8_t *)json, strlen(json), w);
}

static void test_renewal_window_object(void **state)
{
    (void)state;
    acme_renewal_window_t w;
    /* RFC 9773 §4.2's example. */
    assert_int_equal(window("{\"suggestedWindow\":{\"start\":\"2025-01-02T04:00:00Z\","
                            "\"end\":\"2025-01-03T04:00:00Z\"},"
                            "\"explanationURL\":\"https://acme.example.com/docs/ari\"}",
                            &w),
                     ACME_OK);
    assert_true(w.start_s == 1735790400 && w.end_s == 1735790400 + DAY);
    assert_string_equal(w.explanation_url, "https://acme.example.com/docs/ari");
    /* An explanation that is not an https URL is dropped, the window kept. */
    assert_int_equal(window("{\"suggestedWindow\":{\"start\":\"2025-01-02T04:00:00Z\","
                            "\"end\":\"2025-01-03T04:00:00Z\"},"
                            "\"explanationURL\":\"javascript:alert(1)\\n\"}",
                            &w),
                     ACME_OK);
    assert_string_equal(w.explanation_url, "");
    /* end <= start is no answer (§4.2); missing or malformed parts too. */
    static const char *bad[] = {
        "{\"suggestedWindow\":{\"start\":\"2025-01-03T04:00:00Z\",\"end\":\"2025-01-03T04:00:00Z\"}"
        "}",
        "{\"suggestedWindow\":{\"start\":\"2025-01-03T04:00:00Z\",\"end\":\"2025-01-02T04:00:00Z\"}"
        "}",
        "{\"suggestedWindow\":{\"start\":\"2025-01-02T04:00:00Z\"}}",
        "{\"suggestedWindow\":{\"start\":\"yesterday\",\"end\":\"2025-01-03T04:00:00Z\"}}",
        "{\"suggestedWindow\":{\"start\":1735790400,\"end\":1735876800}}",
        "{\"suggestedWindow\":[]}",
        "{}",
        "[]",
        "not json",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (window(bad[i], &w) != ACME_ERR_MALFORMED || w.start_s != 0 || w.end_s != 0) {
            fail_msg("accepted %s", bad[i]);
        }
    }
}

static acme_renew_facts_t cert(int64_t not_before, int64_t lifetime)
{
    acme_renew_facts_t f;
    memset(&f, 0, sizeof(f));
    f.not_before_s = not_before;
    f.not_after_s = not_before + lifetime;
    return f;
}

static void test_schedule_without_ari(void **state)
{
    (void)state;
    acme_renew_facts_t none;
    memset(&none, 0, sizeof(none));
    acme_renew_plan_t p = acme_renew_schedule(&none, 12345);
    assert_int_equal(p.basis, ACME_RENEW_NO_CERT);
    assert_true(p.at_s == 0);

    /* 90 days: a third left (30 days before expiry), jitter up to 90/16 days
     * earlier, over the whole range of random values. */
    acme_renew_facts_t f = cert(1000000, 90 * DAY);
    int64_t latest = f.not_after_s - 30 * DAY;
    p = acme_renew_schedule(&f, 0);
    assert_int_equal(p.basis, ACME_RENEW_LIFETIME);
    assert_true(p.at_s == latest);
    p = acme_renew_schedule(&f, UINT32_MAX);
    assert_true(p.at_s < latest && p.at_s > latest - 90 * DAY / 16);
    /* 6-day (160 h) certificate: half its life left, 80 h before expiry. */
    f = cert(1000000, 160 * 3600);
    p = acme_renew_schedule(&f, 0);
    assert_true(p.at_s == f.not_after_s - 80 * 3600);
    p = acme_renew_schedule(&f, UINT32_MAX);
    assert_true(p.at_s >= f.not_after_s - 80 * 3600 - 10 * 3600);
    /* The same facts and random value: the same plan (a reboot changes nothing). */
    assert_true(acme_renew_schedule(&f, 777).at_s == acme_renew_schedule(&f, 777).at_s);
}

static void test_schedule_with_ari(void **state)
{
    (void)state;
    acme_renew_facts_t f = cert(1000000, 90 * DAY);
    f.ari_start_s = 2000000;
    f.ari_end_s = 2000000 + DAY;
    /* Uniform in [start, end): the extremes and the middle. */
    acme_renew_plan_t p = acme_renew_schedule(&f, 0);
    assert_int_equal(p.basis, ACME_RENEW_ARI);
    assert_true(p.at_s == f.ari_start_s);
    assert_true(acme_renew_schedule(&f, UINT32_MAX).at_s == f.ari_end_s - 1);
    assert_true(acme_renew_schedule(&f, 0x80000000u).at_s == f.ari_start_s + DAY / 2);
    /* A histogram over 16 buckets of 65,536 random values stays flat. */
    unsigned bucket[16] = {0};
    for (uint32_t i = 0; i < 65536u; i++) {
        uint32_t r = i * 2654435761u; /* a permutation of 32-bit values */
        bucket[(acme_renew_schedule(&f, r).at_s - f.ari_start_s) * 16 / DAY]++;
    }
    for (int b = 0; b < 16; b++) {
        assert_true(bucket[b] > 3800 && bucket[b] < 4400);
    }
    /* end <= start: no answer, the lifetime rule decides. */
    f.ari_end_s = f.ari_start_s;
    assert_int_equal(acme_renew_schedule(&f, 0).basis, ACME_RENEW_LIFETIME);
    /* A window in the past: renew now (the time is in the past). */
    f.ari_start_s = 5;
    f.ari_end_s = 10;
    assert_true(acme_renew_schedule(&f, 0).at_s == 5);
}

static void test_backoff(void **state)
{
    (void)state;
    assert_int_equal(acme_renew_backoff_s(0), 0);
    assert_int_equal(acme_renew_backoff_s(1), 60);
    assert_int_equal(acme_renew_backoff_s(2), 600);
    assert_int_equal(acme_renew_backoff_s(3), 6000);
    assert_int_equal(acme_renew_backoff_s(4), DAY);
    assert_int_equal(acme_renew_backoff_s(UINT32_MAX), DAY);
    /* An expired certificate after 2 failures: not before the backoff ends. */
    acme_renew_facts_t f = cert(1000000, 90 * DAY);
    f.failures = 2;
    f.last_failure_s = f.not_after_s + 50;
    acme_renew_plan_t p = acme_renew_schedule(&f, 0);
    assert_int_equal(p.basis, ACME_RENEW_BACKOFF);
    assert_true(p.at_s == f.last_failure_s + 600);
    /* A plan later than the backoff keeps its own basis. */
    f.last_failure_s = f.not_before_s;
    assert_int_equal(acme_renew_schedule(&f, 0).basis, ACME_RENEW_LIFETIME);
    /* No certificate yet: the first try now, then backoff. */
    acme_renew_facts_t none;
    memset(&none, 0, sizeof(none));
    none.failures = 5;
    none.last_failure_s = 1000;
    assert_true(acme_renew_schedule(&none, 0).at_s == 1000 + DAY);
}

static void test_ari_polling(void **state)
{
    (void)state;
    int64_t now = 1000000;
    int64_t exp = now + 30 * DAY;
    assert_true(acme_ari_next_poll(now, 3600, exp, false) == now + 3600);
    assert_true(acme_ari_next_poll(now, 1, exp, false) == now + 60);         /* floor */
    assert_true(acme_ari_next_poll(now, 30 * DAY, exp, false) == now + DAY); /* ceiling */
    assert_true(acme_ari_next_poll(now, -1, exp, false) == now + 6 * 3600);  /* none */
    assert_true(acme_ari_next_poll(now, 3600, exp, true) == ACME_ARI_NEVER); /* replaced */
    assert_true(acme_ari_next_poll(exp, 3600, exp, false) == ACME_ARI_NEVER); /* expired */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cert_id_rfc_example),   cmocka_unit_test(test_rfc3339),
        cmocka_unit_test(test_renewal_window_object), cmocka_unit_test(test_schedule_without_ari),
        cmocka_unit_test(test_schedule_with_ari),     cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_ari_polling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
