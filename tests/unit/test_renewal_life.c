/*
 * Weeks of an agent's life on a simulated clock, in milliseconds: the
 * lifecycle engine (acme_renew_next with the schedule, the backoff and the
 * ARI pacing of acme/engine/renewal.h) drives a device against a simulated
 * CA, with what the store keeps across reboots as the only memory.
 *
 * Each scenario checks what a device owner cares about: the certificate
 * never lapses, renewals happen at the planned point and not more often,
 * a CA that is down for a day sees a handful of attempts (not a storm),
 * an ARI window moved by an incident is followed within hours, an ARI
 * renewal names the certificate it replaces, alreadyReplaced costs one
 * extra order and stops the checks of that certificate, and a reboot at
 * any step changes none of it (no duplicate order, no reset backoff).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "acme/engine/renewal.h"

#define MINUTE 60
#define HOUR 3600
#define DAY 86400
#define WEEK (7 * DAY)
#define T0 INT64_C(1790000000)
#define BOOT_S 30      /* a reboot takes this long */
#define ISSUE_S 20     /* an issuance run */
#define STEP_LIMIT 20000

/* What the store keeps (acme_renewal_info_t and the installed chain). */
typedef struct stored {
    bool have_cert;
    uint32_t serial; /* the plan's random value comes from it */
    acme_renew_facts_t facts;
    int64_t ari_next; /* 0: not checked since install */
    bool replaced;
    bool pending_order; /* an order the CA created before a restart */
} stored_t;

typedef struct sim_ca {
    int64_t lifetime;
    bool ari;                           /* offers renewalInfo */
    int64_t down_from, down_until;      /* outage */
    int64_t incident_at;                /* windows of older certificates move to it */
    int64_t cloned_at;                  /* another device replaces the certificate */
    uint32_t next_serial;
    uint32_t cloned_serial;             /* replaced by someone else */
    uint32_t orders, issued, attempts_down, ari_answers, replaces_named, already_replaced;
    uint32_t ari_checks_after_replaced; /* checks of a certificate already replaced */
    int64_t incident_renewed_at;        /* when the certificate of the incident was replaced */
    uint32_t incident_serial;
} sim_ca_t;

typedef struct life {
    int64_t first_install;
    int64_t lapsed_s; /* seconds without a valid certificate after the first */
    uint32_t steps;
} life_t;

static bool ca_down(const sim_ca_t *ca, int64_t now)
{
    return now >= ca->down_from && now < ca->down_until;
}

/* The CA's ARI window: the last third of the life, minus a sixth, moved to
 * the incident when the certificate predates it. */
static void ca_window(const sim_ca_t *ca, const stored_t *s, int64_t now, int64_t *start,
                      int64_t *end)
{
    int64_t nb = s->facts.not_before_s;
    *start = nb + ca->lifetime / 2;
    *end = nb + ca->lifetime * 2 / 3;
    if (ca->incident_at != 0 && now >= ca->incident_at && nb < ca->incident_at) {
        *start = ca->incident_at;
        *end = ca->incident_at + HOUR;
    }
}

static void install(sim_ca_t *ca, stored_t *s, int64_t now)
{
    if (ca->incident_serial != 0 && s->serial == ca->incident_serial) {
        ca->incident_renewed_at = now;
    }
    memset(s, 0, sizeof(*s));
    s->have_cert = true;
    s->serial = ca->next_serial++ * 2654435761u; /* spread like real serials */
    s->facts.not_before_s = now;
    s->facts.not_after_s = now + ca->lifetime;
    ca->issued++;
}

/* One issuance run; cut: power fails in the middle of it. */
static void issue(sim_ca_t *ca, stored_t *s, int64_t now, bool cut)
{
    if (ca_down(ca, now)) {
        ca->attempts_down++;
        if (!cut) {
            s->facts.failures++;
            s->facts.last_failure_s = now;
        }
        return;
    }
    if (!s->pending_order) {
        bool names = ca->ari && s->have_cert && !s->replaced;
        ca->orders++;
        if (names && (s->serial == ca->cloned_serial)) {
            /* 409 alreadyReplaced: stored, then one order without it. */
            ca->already_replaced++;
            s->replaced = true;
            ca->orders++;
        } else if (names) {
            ca->replaces_named++;
        }
    }
    if (cut) {
        s->pending_order = true; /* the order exists; the restart resumes it */
        return;
    }
    install(ca, s, now + ISSUE_S);
}

static void ari_check(sim_ca_t *ca, stored_t *s, int64_t now, bool cut)
{
    if (s->replaced) {
        ca->ari_checks_after_replaced++;
    }
    if (cut) {
        return; /* nothing stored: the check runs again after the boot */
    }
    if (!ca->ari || ca_down(ca, now)) {
        s->ari_next = acme_ari_next_poll(now, -1, s->facts.not_after_s, false);
        return;
    }
    ca->ari_answers++;
    ca_window(ca, s, now, &s->facts.ari_start_s, &s->facts.ari_end_s);
    s->ari_next = acme_ari_next_poll(now, 6 * HOUR, s->facts.not_after_s, false);
}

/* Live from T0 to end; the power fails at step cut_step (none: UINT32_MAX). */
static life_t live(sim_ca_t *ca, int64_t end, uint32_t cut_step)
{
    stored_t s;
    life_t life;
    memset(&s, 0, sizeof(s));
    memset(&life, 0, sizeof(life));
    int64_t now = T0;
    while (now < end) {
        assert_true(++life.steps < STEP_LIMIT);
        if (ca->cloned_at != 0 && now >= ca->cloned_at && ca->cloned_serial == 0) {
            ca->cloned_serial = s.serial;
        }
        int64_t ari_next = ca->ari && !s.replaced ? s.ari_next : ACME_ARI_NEVER;
        acme_next_step_t next = acme_renew_next(&s.facts, ari_next, now, s.serial);
        bool cut = life.steps == cut_step;
        int64_t before = now;
        switch (next.action) {
        case ACME_NEXT_ISSUE:
            issue(ca, &s, now, cut);
            now += ISSUE_S;
            break;
        case ACME_NEXT_ARI_CHECK:
            assert_true(s.have_cert && now < s.facts.not_after_s);
            ari_check(ca, &s, now, cut);
            now += 1;
            break;
        default:
            assert_int_equal(next.action, ACME_NEXT_WAIT);
            assert_true(next.at_s > now); /* progress: never a busy loop */
            now = next.at_s < end ? next.at_s : end;
            break;
        }
        if (cut) {
            now += BOOT_S;
        }
        if (s.have_cert && life.first_install == 0) {
            life.first_install = now;
        }
        if (life.first_install != 0 && now > s.facts.not_after_s) {
            int64_t from = before > s.facts.not_after_s ? before : s.facts.not_after_s;
            life.lapsed_s += now - from;
        }
    }
    return life;
}

static sim_ca_t ca_with(int64_t lifetime, bool ari)
{
    sim_ca_t ca;
    memset(&ca, 0, sizeof(ca));
    ca.lifetime = lifetime;
    ca.ari = ari;
    ca.next_serial = 1;
    return ca;
}

/* 6-day (160 h) certificates without ARI, for 8 weeks: renewed when half
 * the life is left, minus up to 1/16 of jitter, so every 2.6..3.0 days. */
static void test_six_day_certificates_without_ari(void **state)
{
    (void)state;
    sim_ca_t ca = ca_with(160 * HOUR, false);
    life_t life = live(&ca, T0 + 8 * WEEK, UINT32_MAX);
    assert_true(life.lapsed_s == 0);
    /* 56 days / (80 h - up to 10 h) = 16.8 .. 19.2 renewals, plus the first. */
    assert_in_range(ca.issued, 17, 21);
    assert_int_equal(ca.orders, ca.issued);
    assert_int_equal(ca.ari_answers, 0);
    assert_int_equal(ca.replaces_named, 0);
    assert_true(life.steps < 100);
}

/* The same with ARI: every renewal names the certificate it replaces, and
 * the checks keep the CA's pace (6 h Retry-After), not more. */
static void test_six_day_certificates_with_ari(void **state)
{
    (void)state;
    sim_ca_t ca = ca_with(160 * HOUR, true);
    life_t life = live(&ca, T0 + 8 * WEEK, UINT32_MAX);
    assert_true(life.lapsed_s == 0);
    /* Inside the window [nb + 80 h, nb + 106.7 h): every 3.3 .. 4.4 days. */
    assert_in_range(ca.issued, 13, 18);
    assert_int_equal(ca.replaces_named, ca.issued - 1);
    /* 4 checks a day at most, plus one right after each install. */
    assert_true(ca.ari_answers <= 56 * 4 + ca.issued);
    assert_true(ca.ari_answers >= 56 * 3);
}

/* 90-day certificates for a year: renewal at 60 days (a third left). */
static void test_ninety_day_certificates(void **state)
{
    (void)state;
    sim_ca_t ca = ca_with(90 * DAY, false);
    life_t life = live(&ca, T0 + 52 * WEEK, UINT32_MAX);
    assert_true(life.lapsed_s == 0);
    /* Every 54.4 .. 60 days: 7 in 365 days whatever the jitter. */
    assert_int_equal(ca.issued, 7);
}

/* The CA is down for a whole day from just before a renewal: the device
 * tries at 0, +1 min, +11 min, +111 min, then a day later, and renews
 * then, long before its 6-day certificate lapses. */
static void test_ca_down_for_a_day(void **state)
{
    (void)state;
    /* The first renewal is due 70..80 h after T0 (80 h left, minus up to
     * 10 h of jitter): the outage starts 8 h before the earliest. */
    sim_ca_t ca = ca_with(160 * HOUR, false);
    ca.down_from = T0 + 62 * HOUR;
    ca.down_until = ca.down_from + DAY;
    life_t life = live(&ca, T0 + 3 * WEEK, UINT32_MAX);
    assert_true(life.lapsed_s == 0);
    assert_in_range(ca.attempts_down, 3, 5);
    assert_int_equal(ca.orders, ca.issued);
}

/* The CA is down for a week: the 6-day certificate lapses (nothing can
 * save it), the device tries once a day after the first four attempts,
 * never checks ARI for the expired certificate, and renews on the first
 * try after the CA is back (at most a day later). */
static void test_ca_down_for_a_week(void **state)
{
    (void)state;
    sim_ca_t ca = ca_with(160 * HOUR, true);
    ca.down_from = T0 + 2 * DAY;
    ca.down_until = ca.down_from + WEEK;
    life_t life = live(&ca, T0 + 3 * WEEK, UINT32_MAX);
    /* Valid until T0 + 160 h; renewed within a day of the CA's return. */
    int64_t lapse_min = ca.down_until - (T0 + 160 * HOUR);
    assert_true(life.lapsed_s >= lapse_min && life.lapsed_s <= lapse_min + DAY + ISSUE_S);
    /* 4 quick tries, then one a day: 4 + 7 at most, counting both ends. */
    assert_in_range(ca.attempts_down, 8, 11);
}

/* An incident: the CA moves the window of every older certificate to the
 * next hour. The device learns it at its next check (6 h at most) and
 * renews inside the window, naming the certificate it replaces. */
static void test_ari_window_moves(void **state)
{
    (void)state;
    sim_ca_t ca = ca_with(160 * HOUR, true);
    ca.incident_at = T0 + 10 * DAY + 5 * HOUR;
    ca.incident_serial = 0;
    /* Find the certificate in place at the incident: live until then. */
    sim_ca_t probe = ca;
    probe.incident_at = 0;
    (void)live(&probe, ca.incident_at, UINT32_MAX);
    ca.incident_serial = (probe.next_serial - 1) * 2654435761u;
    life_t life = live(&ca, T0 + 3 * WEEK, UINT32_MAX);
    assert_true(life.lapsed_s == 0);
    assert_true(ca.incident_renewed_at > ca.incident_at);
    assert_true(ca.incident_renewed_at < ca.incident_at + 6 * HOUR + HOUR + ISSUE_S + 2);
    assert_int_equal(ca.replaces_named, ca.issued - 1);
}

/* Another device (a clone) replaced the certificate: the renewal gets
 * alreadyReplaced, orders once more without "replaces", and the replaced
 * certificate is checked no more. */
static void test_already_replaced(void **state)
{
    (void)state;
    sim_ca_t ca = ca_with(160 * HOUR, true);
    ca.cloned_at = T0 + 7 * DAY;
    life_t life = live(&ca, T0 + 3 * WEEK, UINT32_MAX);
    assert_true(life.lapsed_s == 0);
    assert_int_equal(ca.already_replaced, 1);
    assert_int_equal(ca.orders, ca.issued + 1);
    assert_int_equal(ca.ari_checks_after_replaced, 0);
}

/* Everything at once (ARI, a day of outage, an incident, a clone), then
 * the power fails at every single step of that life in turn: the
 * certificate never lapses, no order is made twice, and the outage sees
 * no more attempts than without the reboot plus the one cut short. */
static void test_reboot_at_every_step(void **state)
{
    (void)state;
    sim_ca_t base = ca_with(160 * HOUR, true);
    base.down_from = T0 + 9 * DAY;
    base.down_until = base.down_from + DAY;
    base.incident_at = T0 + 14 * DAY + 3 * HOUR;
    base.cloned_at = T0 + 5 * DAY;
    sim_ca_t ref = base;
    life_t ref_life = live(&ref, T0 + 4 * WEEK, UINT32_MAX);
    assert_true(ref_life.lapsed_s == 0);
    assert_true(ref_life.steps > 100);
    for (uint32_t cut = 1; cut <= ref_life.steps; cut++) {
        sim_ca_t ca = base;
        life_t life = live(&ca, T0 + 4 * WEEK, cut);
        assert_true(life.lapsed_s == 0);
        assert_true(ca.orders == ca.issued + ca.already_replaced);
        assert_true(ca.attempts_down <= ref.attempts_down + 1);
        assert_in_range(ca.issued, ref.issued - 1, ref.issued + 1);
        assert_true(ca.ari_checks_after_replaced == 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_six_day_certificates_without_ari),
        cmocka_unit_test(test_six_day_certificates_with_ari),
        cmocka_unit_test(test_ninety_day_certificates),
        cmocka_unit_test(test_ca_down_for_a_day),
        cmocka_unit_test(test_ca_down_for_a_week),
        cmocka_unit_test(test_ari_window_moves),
        cmocka_unit_test(test_already_replaced),
        cmocka_unit_test(test_reboot_at_every_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
