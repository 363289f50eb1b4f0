/*
 * Tests of the lwIP port's clock and randomness: now_ms across a wrap of
 * lwIP's 32-bit sys_now(), the board's wall clock, init failing on a broken
 * entropy source, LWIP_RAND output, and the RFC 6528 structure of initial
 * sequence numbers (monotonic per 4-tuple, keyed per 4-tuple and per boot).
 */
#include "lwip_test_harness.h"

#include <stdlib.h>

#include "acme/lwip_hooks.h"
#include "mbedtls/platform.h"

static uint64_t now_ms(void)
{
    return g_port.clock->now_ms(g_port.clock_ctx);
}

static void test_now_ms_across_wrap(void **state)
{
    (void)state;
    /* Only the port's clock runs while sys_now() is moved around here; no
     * lwIP timer is run, so lwIP's own schedule is not disturbed. */
    uint32_t saved = g_fake_now;
    g_fake_now = 0xFFFFFF00u;
    assert_int_equal(acme_lwip_port_init(&g_port, NULL, &g_test_rng, NULL), ACME_OK);
    uint64_t t0 = now_ms();
    g_fake_now = 0xFFFFFFFFu;
    uint64_t t1 = now_ms();
    assert_int_equal(t1 - t0, 0xFFu);
    g_fake_now = 0x00000100u; /* wrapped */
    uint64_t t2 = now_ms();
    assert_true(t2 > t1);
    assert_int_equal(t2 - t0, 0x200u);
    assert_int_equal(now_ms(), t2); /* standing still is fine */
    g_fake_now += 5000;
    assert_int_equal(now_ms() - t2, 5000u);
    g_fake_now = saved;
}

static int64_t fixed_wall(void)
{
    return 1767225600; /* 2026-01-01T00:00:00Z */
}

static void test_wall_clock(void **state)
{
    (void)state;
    /* No board clock: unknown, never a made-up date. */
    assert_int_equal(g_port.clock->wall_s(g_port.clock_ctx), ACME_TIME_UNKNOWN);
    assert_int_equal(acme_lwip_port_init(&g_port, fixed_wall, &g_test_rng, NULL), ACME_OK);
    assert_int_equal(g_port.clock->wall_s(g_port.clock_ctx), 1767225600);
}

static void test_init_needs_entropy(void **state)
{
    (void)state;
    acme_port_t port;
    memset(&port, 0, sizeof(port));
    assert_int_equal(acme_lwip_port_init(NULL, NULL, &g_test_rng, NULL), ACME_ERR_INVALID_ARG);
    assert_int_equal(acme_lwip_port_init(&port, NULL, NULL, NULL), ACME_ERR_INVALID_ARG);
    g_entropy_fail = 1;
    assert_int_equal(acme_lwip_port_init(&port, NULL, &g_test_rng, NULL), ACME_ERR_RNG);
    assert_null(port.net); /* nothing half-installed */
    g_entropy_fail = 0;
    assert_int_equal(acme_lwip_port_init(&port, NULL, &g_test_rng, NULL), ACME_OK);
    assert_non_null(port.net);
    assert_non_null(port.udp);
    assert_non_null(port.clock);
    /* Back to the harness's port (this one's frame ends here). */
    assert_int_equal(acme_lwip_port_init(&g_port, NULL, &g_test_rng, NULL), ACME_OK);
}

/* mbedTLS allocation hooks that count: seeding and drawing must not
 * allocate (the port runs before and apart from the agent's arena). */
static unsigned g_allocations;

static void *counting_calloc(size_t n, size_t size)
{
    g_allocations++;
    return calloc(n, size);
}

static void counting_free(void *p)
{
    free(p);
}

static void test_randomness_allocates_nothing(void **state)
{
    (void)state;
    assert_int_equal(mbedtls_platform_set_calloc_free(counting_calloc, counting_free), 0);
    g_allocations = 0;
    assert_int_equal(acme_lwip_port_init(&g_port, NULL, &g_test_rng, NULL), ACME_OK);
    for (int i = 0; i < 1100; i++) { /* past one periodic reseed */
        (void)acme_lwip_rand();
    }
    ip_addr_t a, b;
    IP_ADDR4(&a, 192, 0, 2, 1);
    IP_ADDR4(&b, 192, 0, 2, 2);
    (void)acme_lwip_tcp_isn(&a, 50000, &b, 443);
    assert_int_equal(g_allocations, 0);
}

static void test_rand_bits(void **state)
{
    (void)state;
    /* Not a statistical test: every bit position takes both values over a
     * few hundred draws, and no two consecutive draws are equal. Also runs
     * past the periodic reseed (every 1024 draws). */
    uint32_t ones = 0, zeros = 0, prev = acme_lwip_rand();
    for (int i = 0; i < 1500; i++) {
        uint32_t r = acme_lwip_rand();
        assert_int_not_equal(r, prev);
        ones |= r;
        zeros |= ~r;
        prev = r;
    }
    assert_int_equal(ones, 0xFFFFFFFFu);
    assert_int_equal(zeros, 0xFFFFFFFFu);
}

static void test_isn_rfc6528(void **state)
{
    (void)state;
    ip_addr_t a, b;
    IP_ADDR4(&a, 192, 0, 2, 1);
    IP_ADDR4(&b, 198, 51, 100, 7);
    g_fake_now += 1000; /* forward only: lwIP's timers follow this clock */
    /* Same 4-tuple, same millisecond: M steps by one, F is the same. */
    uint32_t i1 = acme_lwip_tcp_isn(&a, 50000, &b, 443);
    uint32_t i2 = acme_lwip_tcp_isn(&a, 50000, &b, 443);
    assert_int_equal(i2 - i1, 1u);
    /* One millisecond later: M moved 250 ticks of 4 us. */
    g_fake_now += 1;
    uint32_t i3 = acme_lwip_tcp_isn(&a, 50000, &b, 443);
    assert_int_equal(i3 - i1, 250u);
    /* Another port, or the reverse direction: another F, far away. */
    uint32_t other_port = acme_lwip_tcp_isn(&a, 50001, &b, 443);
    uint32_t reversed = acme_lwip_tcp_isn(&b, 443, &a, 50000);
    uint32_t d1 = other_port - i3, d2 = reversed - i3;
    assert_true(d1 > 100000u && d1 < 0u - 100000u);
    assert_true(d2 > 100000u && d2 < 0u - 100000u);
    /* Another boot (a new secret from the DRBG): the same tuple and time
     * give an unrelated ISN, so an attacker cannot learn F once for all. */
    assert_int_equal(acme_lwip_port_init(&g_port, NULL, &g_test_rng, NULL), ACME_OK);
    uint32_t after_reseed = acme_lwip_tcp_isn(&a, 50000, &b, 443);
    uint32_t d3 = after_reseed - i3;
    assert_true(d3 > 100000u && d3 < 0u - 100000u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_now_ms_across_wrap, harness_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_wall_clock, harness_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_init_needs_entropy, harness_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_randomness_allocates_nothing, harness_setup,
                                        harness_teardown),
        cmocka_unit_test_setup_teardown(test_rand_bits, harness_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_isn_rfc6528, harness_setup, harness_teardown),
    };
    return cmocka_run_group_tests(tests, harness_group_setup, NULL);
}
