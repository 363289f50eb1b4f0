/*
 * When to renew (a pure engine: time and randomness are passed in, nothing
 * is read or written). The driver stores the facts (acme_renewal_info_t in
 * the store) and asks again after each change: a reboot gives the same
 * plan for the same facts and random value.
 *
 * Rules (in this order):
 *   1. No certificate: now.
 *   2. The CA's ARI window (RFC 9773 §4.2), when it has end > start: a
 *      uniformly random time inside [start, end).
 *   3. Otherwise when a third of the lifetime is left (half when the
 *      lifetime is under 10 days: a 6-day certificate renews 3 days before
 *      it expires), minus a random jitter of up to 1/16 of the lifetime, so
 *      that a fleet issued together does not renew together.
 *   4. After failures, not before the last failure plus the backoff:
 *      1 min, 10 min, 100 min, then 1 day for every later failure.
 * A time in the past means "now" (an expired certificate is renewed at
 * once, backoff permitting).
 */
#ifndef ACME_ENGINE_RENEWAL_H
#define ACME_ENGINE_RENEWAL_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum acme_renew_basis {
    ACME_RENEW_NO_CERT = 1, /* nothing installed */
    ACME_RENEW_ARI,         /* inside the CA's suggested window */
    ACME_RENEW_LIFETIME,    /* a third (half under 10 days) of the lifetime left */
    ACME_RENEW_BACKOFF      /* the plan moved out by the failure backoff */
} acme_renew_basis_t;

typedef struct acme_renew_facts {
    int64_t not_before_s; /* the installed certificate; not_after 0: none */
    int64_t not_after_s;
    int64_t ari_start_s; /* the ARI window; end <= start: no usable answer */
    int64_t ari_end_s;
    uint32_t failures; /* failed runs since the certificate was installed */
    int64_t last_failure_s;
} acme_renew_facts_t;

typedef struct acme_renew_plan {
    int64_t at_s;  /* Unix seconds; in the past: now */
    uint8_t basis; /* acme_renew_basis_t: why this time */
} acme_renew_plan_t;

/* The backoff after `failures` failed runs, in seconds (0 for none). */
uint32_t acme_renew_backoff_s(uint32_t failures);

/* The plan for f; random is a uniform 32-bit value from the caller's DRBG. */
acme_renew_plan_t acme_renew_schedule(const acme_renew_facts_t *f, uint32_t random);

/* "Never check ARI again" (no ARI, the certificate expired or replaced). */
#define ACME_ARI_NEVER INT64_MAX

/* Polling the ARI resource (RFC 9773 §4.3): the next fetch after one at
 * now_s. The answer's Retry-After (retry_after_s >= 0, the answer good or
 * an error) is clamped to 1 minute .. 1 day; without one (a long-term error,
 * or a server that gives none) 6 hours. ACME_ARI_NEVER once the
 * certificate has expired or was replaced. */
int64_t acme_ari_next_poll(int64_t now_s, int64_t retry_after_s, int64_t not_after_s,
                           bool replaced);

/* ---- What to do next: the agent's life in one decision ---------------------- */

typedef enum acme_next_action {
    ACME_NEXT_ISSUE = 1, /* order a certificate now (basis: why) */
    ACME_NEXT_ARI_CHECK, /* fetch the CA's renewalInfo now */
    ACME_NEXT_WAIT,      /* nothing to do before at_s: ask again then */
    ACME_NEXT_ROLLOVER   /* finish an interrupted account key rollover now
                            (acme_agent_next only: the stored state, not the plan) */
} acme_next_action_t;

typedef struct acme_next_step {
    uint8_t action;     /* acme_next_action_t */
    uint8_t basis;      /* acme_renew_basis_t of the renewal plan */
    int64_t at_s;       /* ISSUE, ARI_CHECK: now_s; WAIT: when to ask again */
    int64_t renew_at_s; /* the renewal plan's time (in the past: due) */
} acme_next_step_t;

/* From the stored facts, the next ARI check (0: not checked since the
 * certificate was installed, so check now; ACME_ARI_NEVER: do not), the
 * wall time and the plan's random value:
 *   1. the renewal plan is due: ISSUE;
 *   2. a certificate is held, has not expired, and the ARI check is due:
 *      ARI_CHECK;
 *   3. else WAIT until the earlier of the plan and the ARI check (no check
 *      is planned past the certificate's expiry).
 * The caller runs the action, stores what it learnt, and asks again: the
 * same facts give the same answer, so a reboot in any phase resumes it. */
acme_next_step_t acme_renew_next(const acme_renew_facts_t *f, int64_t ari_next_check_s,
                                 int64_t now_s, uint32_t random);

#ifdef __cplusplus
}
#endif

#endif /* ACME_ENGINE_RENEWAL_H */
