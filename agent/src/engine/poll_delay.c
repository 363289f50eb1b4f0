/*
 * Poll delays: Retry-After (clamped) or exponential backoff from a short
 * first delay. No fixed multi-second sleeps: a fast server is polled fast,
 * a slow one is not hammered.
 */
#include "acme/engine/poll_delay.h"

#include "acme/config_defaults.h"
#include "acme/port.h"

int64_t acme_retry_after_s(const acme_http_response_t *resp, int64_t wall_s)
{
    if (resp->retry_after_s >= 0) {
        return resp->retry_after_s;
    }
    if (resp->retry_after_epoch >= 0 && wall_s != ACME_TIME_UNKNOWN) {
        return resp->retry_after_epoch > wall_s ? resp->retry_after_epoch - wall_s : 0;
    }
    return -1;
}

uint32_t acme_retry_after_ms(const acme_http_response_t *resp, int64_t wall_s)
{
    int64_t s = acme_retry_after_s(resp, wall_s);
    if (s < 0) {
        return 0;
    }
    /* Clamped in seconds first (the header may carry any number), then in
     * milliseconds, where 32 bits are plenty. */
    if (s > (int64_t)(ACME_RETRY_AFTER_MAX_MS / 1000u)) {
        return ACME_RETRY_AFTER_MAX_MS;
    }
    uint32_t ms = s > 0 ? (uint32_t)s * 1000u : 0u;
    if (ms < ACME_RETRY_AFTER_MIN_MS) {
        return ACME_RETRY_AFTER_MIN_MS;
    }
    return ms > ACME_RETRY_AFTER_MAX_MS ? ACME_RETRY_AFTER_MAX_MS : ms;
}

uint32_t acme_backoff_step(uint32_t *next_ms)
{
    uint32_t now = *next_ms == 0 ? ACME_POLL_FIRST_MS : *next_ms;
    uint32_t after = now > ACME_POLL_MAX_MS / 2u ? ACME_POLL_MAX_MS : now * 2u;
    *next_ms = after;
    return now;
}
