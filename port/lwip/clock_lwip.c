/*
 * Clock seam of the lwIP port: monotonic milliseconds from lwIP's sys_now()
 * (32 bits, wraps after 49.7 days) extended to 64 bits, and the wall clock
 * from the board (RTC, SNTP) or "unknown".
 */
#include "lwip_internal.h"

#include "lwip/sys.h"

static uint64_t clock_now_ms(void *ctx)
{
    (void)ctx;
    /* Add the time since the last call as an unsigned 32-bit difference:
     * correct across a wrap of sys_now(), and never negative, so the result
     * never goes back. It needs a call at least every 49 days; the agent
     * reads the clock on every poll. */
    uint32_t raw = sys_now();
    acme_lwip_state.clock_ms += (uint32_t)(raw - acme_lwip_state.clock_last_raw);
    acme_lwip_state.clock_last_raw = raw;
    return acme_lwip_state.clock_ms;
}

static int64_t clock_wall_s(void *ctx)
{
    (void)ctx;
    if (acme_lwip_state.wall_s == NULL) {
        return ACME_TIME_UNKNOWN;
    }
    return acme_lwip_state.wall_s();
}

const acme_clock_ops_t acme_lwip_clock_ops = {
    .now_ms = clock_now_ms,
    .wall_s = clock_wall_s,
};
