/*
 * The renewal schedule. See acme/engine/renewal.h.
 */
#include "acme/engine/renewal.h"

#define DAY_S 86400
#define ARI_POLL_MIN_S 60
#define ARI_POLL_MAX_S DAY_S
#define ARI_POLL_DEFAULT_S (6 * 3600)

/* A uniform pick in [0, span) from a 32-bit random value, without the bias
 * of a modulo (span is clamped to 2^32). */
static int64_t pick(int64_t span, uint32_t random)
{
    if (span <= 0) {
        return 0;
    }
    uint64_t s = span > (int64_t)UINT32_MAX ? (uint64_t)UINT32_MAX : (uint64_t)span;
    return (int64_t)((s * random) >> 32);
}

uint32_t acme_renew_backoff_s(uint32_t failures)
{
    static const uint32_t steps[] = {0, 60, 600, 6000};
    return failures < sizeof(steps) / sizeof(steps[0]) ? steps[failures] : (uint32_t)DAY_S;
}

acme_renew_plan_t acme_renew_schedule(const acme_renew_facts_t *f, uint32_t random)
{
    acme_renew_plan_t plan = {0, ACME_RENEW_NO_CERT};
    if (f->not_after_s != 0) {
        if (f->ari_end_s > f->ari_start_s) {
            plan.at_s = f->ari_start_s + pick(f->ari_end_s - f->ari_start_s, random);
            plan.basis = ACME_RENEW_ARI;
        } else {
            int64_t life = f->not_after_s - f->not_before_s;
            int64_t left = life < 10 * DAY_S ? life / 2 : life / 3;
            plan.at_s = f->not_after_s - left - pick(life / 16, random);
            plan.basis = ACME_RENEW_LIFETIME;
        }
    }
    if (f->failures != 0) {
        int64_t not_before = f->last_failure_s + (int64_t)acme_renew_backoff_s(f->failures);
        if (not_before > plan.at_s) {
            plan.at_s = not_before;
            plan.basis = ACME_RENEW_BACKOFF;
        }
    }
    return plan;
}

int64_t acme_ari_next_poll(int64_t now_s, int64_t retry_after_s, int64_t not_after_s, bool replaced)
{
    if (replaced || now_s >= not_after_s) {
        return ACME_ARI_NEVER;
    }
    int64_t wait = ARI_POLL_DEFAULT_S;
    if (retry_after_s >= 0) {
        wait = retry_after_s < ARI_POLL_MIN_S   ? ARI_POLL_MIN_S
               : retry_after_s > ARI_POLL_MAX_S ? ARI_POLL_MAX_S
                                                : retry_after_s;
    }
    return now_s + wait;
}

acme_next_step_t acme_renew_next(const acme_renew_facts_t *f, int64_t ari_next_check_s,
                                 int64_t now_s, uint32_t random)
{
    acme_renew_plan_t plan = acme_renew_schedule(f, random);
    acme_next_step_t next = {ACME_NEXT_ISSUE, plan.basis, now_s, plan.at_s};
    if (plan.at_s <= now_s) {
        return next;
    }
    /* An expired certificate was due above; past its expiry no check is
     * planned (RFC 9773 §4.3), nor after replacement (ACME_ARI_NEVER). */
    int64_t check = ari_next_check_s < f->not_after_s ? ari_next_check_s : ACME_ARI_NEVER;
    if (check <= now_s) {
        next.action = ACME_NEXT_ARI_CHECK;
        return next;
    }
    next.action = ACME_NEXT_WAIT;
    next.at_s = check < plan.at_s ? check : plan.at_s;
    return next;
}
