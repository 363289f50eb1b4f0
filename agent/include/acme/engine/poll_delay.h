/*
 * How long to wait before polling a pending ACME resource again: the
 * server's Retry-After when it sent one (clamped to
 * [ACME_RETRY_AFTER_MIN_MS, ACME_RETRY_AFTER_MAX_MS]), otherwise a delay
 * that starts short (ACME_POLL_FIRST_MS) and doubles up to ACME_POLL_MAX_MS.
 * Pure functions: the clock is passed in.
 */
#ifndef ACME_ENGINE_POLL_DELAY_H
#define ACME_ENGINE_POLL_DELAY_H

#include <stdint.h>

#include "acme/codec/http_response.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Retry-After of resp in milliseconds, clamped; 0 when the response has
 * none (or an HTTP-date while the wall clock is unknown). A date in the past
 * clamps to the minimum. */
uint32_t acme_retry_after_ms(const acme_http_response_t *resp, int64_t wall_s);

/* The response's Retry-After in seconds from now, unclamped (a date in the
 * past is 0), or -1 when it has none usable (an HTTP-date needs wall_s).
 * ARI paces its checks from it on its own range (renewal.h). */
int64_t acme_retry_after_s(const acme_http_response_t *resp, int64_t wall_s);

/* The backoff delay to use now; advances *next_ms (x2, capped). A zero
 * *next_ms starts the sequence at ACME_POLL_FIRST_MS. */
uint32_t acme_backoff_step(uint32_t *next_ms);

#ifdef __cplusplus
}
#endif

#endif /* ACME_ENGINE_POLL_DELAY_H */
