/*
 * Poll delays: Retry-After (clamped) or exponential backoff from a short
 * first delay. No fixed multi-second sleeps: a fast server is polled fast,
 * a slow one is not hammered.
 */
#include "acme/engine/poll_delay.h"

#include "acme/config_defaults.h"
#include "acme/port.h"

static uint32_t clamp_ms(int64_t ms)
{
    if (ms < (int64_t)ACME_RETRY_AFTER_MIN_MS) {
        return ACME_RETRY_AFTER_MIN_MS;
    }
    if (ms > (int64_t)ACME_RETRY_AFTER_MAX_MS) {
        return ACME_RETRY_AFTER_MAX_MS;
    }
    return (uint32_t)ms;
}

uint32_t acme_retry_after_ms(const acme_http_response_t *resp, int64_t wall_s)
{
    int64_t s;
    if (resp->retry_after_s >= 0) {
        s = resp->retry_after_s;
    } else if (resp->retry_after_epoch >= 0 && wall_s != ACME_TIME_UNKNOWN) {
        s = resp->retry_after_epoch - wall_s;
    } else {
        return 0;
    }
    /* Saturate before multiplying: the header may carry any number. */
    return clamp_ms((s > 86400 * 365 ? 86400 * 365 : s) * 1000);
}

uint32_t acme_backoff_step(uint32_t *next_ms)
{
    uint32_t now = *next_ms == 0 ? ACME_POLL_FIRST_MS : *next_ms;
    uint32_t after = now > ACME_POLL_MAX_MS / 2u ? ACME_POLL_MAX_MS : now * 2u;
    *next_ms = after;
    return now;
}
