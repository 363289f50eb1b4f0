/*
 * Clock seam of the POSIX port: CLOCK_MONOTONIC milliseconds for timeouts,
 * CLOCK_REALTIME seconds for certificate dates, or "unknown" when the
 * realtime clock cannot be right.
 */
#include "posix_internal.h"

#include <time.h>

static uint64_t clock_now_ms(void *ctx)
{
    acme_posix_port_t *pp = ctx;
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        /* Cannot happen on Linux; if it did, time standing still is safe
         * for the agent's timers, time going back is not. */
        return pp != NULL ? pp->last_ms : 0;
    }
    uint64_t ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    if (pp != NULL) {
        if (ms < pp->last_ms) {
            ms = pp->last_ms;
        }
        pp->last_ms = ms;
    }
    return ms;
}

static int64_t clock_wall_s(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
        return ACME_TIME_UNKNOWN;
    }
    /* A board without a battery-backed RTC boots at 1970 (or at the
     * kernel's or the image's build date) until NTP sets the clock. Such a
     * date is wrong, and a wrong date would make the agent judge
     * certificates as not yet valid or renew far too late or too early. A
     * date before this software existed (ACME_POSIX_WALL_FLOOR_S, 2024) can
     * only be such a clock, so report "unknown" and let the agent wait for
     * time instead of acting on it. A stale date after the floor cannot be
     * told apart from the truth here; that is what SNTP is for. */
    if ((int64_t)ts.tv_sec < (int64_t)ACME_POSIX_WALL_FLOOR_S) {
        return ACME_TIME_UNKNOWN;
    }
    return (int64_t)ts.tv_sec;
}

const acme_clock_ops_t acme_posix_clock_ops = {
    .now_ms = clock_now_ms,
    .wall_s = clock_wall_s,
};
