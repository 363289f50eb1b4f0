/*
 * Tests of the POSIX port's clock and entropy seams: the monotonic clock
 * never goes back and follows real time, the wall clock is a plausible
 * present, and getrandom fills buffers with bytes that look random.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "acme/port_posix.h"

static acme_posix_port_t g_pp;
static acme_port_t g_port;

static int setup(void **state)
{
    (void)state;
    return acme_posix_port_init(&g_pp, &g_port) == ACME_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return acme_posix_port_deinit(&g_pp) == ACME_OK ? 0 : -1;
}

static uint64_t now_ms(void)
{
    return g_port.clock->now_ms(g_port.clock_ctx);
}

static void test_monotonic_never_goes_back(void **state)
{
    (void)state;
    uint64_t prev = now_ms();
    for (int i = 0; i < 200000; i++) {
        uint64_t t = now_ms();
        assert_true(t >= prev);
        prev = t;
    }
}

static void test_monotonic_follows_real_time(void **state)
{
    (void)state;
    uint64_t t0 = now_ms();
    struct timespec nap = {0, 50 * 1000000L};
    assert_int_equal(nanosleep(&nap, NULL), 0);
    uint64_t elapsed = now_ms() - t0;
    assert_true(elapsed >= 49 && elapsed < 2000);
}

static void test_wall_clock_plausible(void **state)
{
    (void)state;
    int64_t wall = g_port.clock->wall_s(g_port.clock_ctx);
    assert_true(wall != ACME_TIME_UNKNOWN);
    assert_true(wall >= ACME_POSIX_WALL_FLOOR_S);
    int64_t libc = (int64_t)time(NULL);
    assert_true(wall >= libc - 2 && wall <= libc + 2);
}

static void test_rng_fills_and_differs(void **state)
{
    (void)state;
    uint8_t a[64];
    uint8_t b[64];
    uint8_t zero[64];
    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    memset(zero, 0, sizeof(zero));
    assert_int_equal(g_port.rng->fill(g_port.rng_ctx, a, sizeof(a)), ACME_OK);
    assert_int_equal(g_port.rng->fill(g_port.rng_ctx, b, sizeof(b)), ACME_OK);
    assert_memory_not_equal(a, zero, sizeof(a));
    assert_memory_not_equal(a, b, sizeof(a));
    assert_int_equal(g_port.rng->fill(g_port.rng_ctx, a, 0), ACME_OK);
    assert_int_equal(g_port.rng->fill(g_port.rng_ctx, NULL, 1), ACME_ERR_INVALID_ARG);
}

/* 1 MiB: every byte value about equally often. With 4096 expected per
 * value, the bounds are over 15 standard deviations wide, so only a broken
 * source (constant, unfilled tail, stuck bits) fails. */
static void test_rng_large_fill_is_uniform(void **state)
{
    (void)state;
    enum { LEN = 1024 * 1024 };
    static uint8_t buf[LEN];
    memset(buf, 0, sizeof(buf));
    assert_int_equal(g_port.rng->fill(g_port.rng_ctx, buf, LEN), ACME_OK);
    uint32_t counts[256] = {0};
    for (size_t i = 0; i < LEN; i++) {
        counts[buf[i]]++;
    }
    for (int v = 0; v < 256; v++) {
        if (counts[v] < 3100 || counts[v] > 5100) {
            fail_msg("byte value %d seen %u times in 1 MiB", v, counts[v]);
        }
    }
    /* The tail is filled too (a short read left unfilled would be zeros). */
    uint8_t zero[256];
    memset(zero, 0, sizeof(zero));
    assert_memory_not_equal(buf + LEN - sizeof(zero), zero, sizeof(zero));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_monotonic_never_goes_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_monotonic_follows_real_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wall_clock_plausible, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rng_fills_and_differs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rng_large_fill_is_uniform, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
