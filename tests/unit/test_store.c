/*
 * The snapshot ring record store: records survive remounts, a commit is
 * all or nothing, snapshots move around the ring with even wear, nothing is
 * written when nothing changes, limits are enforced, damaged flash is
 * detected, and a power cut at any flash operation (on every program unit,
 * through multi-block snapshots and ring wrap-around) leaves the old or the
 * new state, never a mix.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "acme/io/store.h"
#include "fake_flash.h"

static fake_flash_t flash;
static acme_store_t store;

static void mount(void)
{
    assert_int_equal(acme_store_mount(&store, &fake_flash_ops, &flash, &flash.geo), ACME_OK);
}

static void expect_record(uint16_t type, const char *text)
{
    static char buf[ACME_STORE_RECORD_MAX];
    size_t len = 0;
    assert_int_equal(acme_store_read(&store, type, buf, sizeof(buf), &len), ACME_OK);
    assert_int_equal(len, strlen(text));
    assert_memory_equal(buf, text, len);
}

static acme_status_t set(uint16_t type, const char *text)
{
    acme_store_change_t c = {type, text, strlen(text)};
    return acme_store_commit(&store, &c, 1);
}

static int setup(void **state)
{
    (void)state;
    fake_flash_init(&flash, 3 * 4096, 4096, 16);
    mount();
    return 0;
}

static void test_blank_flash_is_empty(void **state)
{
    (void)state;
    char buf[8];
    size_t len = 0;
    assert_int_equal(store.count, 0);
    assert_int_equal(acme_store_read(&store, ACME_REC_CHAIN, buf, sizeof(buf), &len),
                     ACME_ERR_NOT_FOUND);
    assert_false(acme_store_has(&store, ACME_REC_ACCOUNT_KEY_FIRST, NULL));
    uint32_t erases = 0;
    assert_int_equal(acme_store_block_erases(&store, 0, &erases), ACME_ERR_NOT_FOUND);
    assert_int_equal(acme_store_block_erases(&store, 3, &erases), ACME_ERR_INVALID_ARG);
    /* A partition full of something else is an empty store too. */
    memset(flash.mem, 0x5A, flash.geo.size);
    mount();
    assert_int_equal(store.count, 0);
    assert_int_equal(set(ACME_REC_CHAIN, "chain"), ACME_OK);
    mount();
    expect_record(ACME_REC_CHAIN, "chain");
}

static void test_records_survive_remount_and_carry_over(void **state)
{
    (void)state;
    assert_int_equal(set(ACME_REC_ACCOUNT_KEY_FIRST, "account-key"), ACME_OK);
    assert_int_equal(set(ACME_REC_CA_INFO, "https://ca.test/acct/1"), ACME_OK);
    acme_store_change_t both[] = {
        {ACME_REC_DEVICE_KEY, "device", 6},
        {ACME_REC_CHAIN, "chain-pem", 9},
    };
    assert_int_equal(acme_store_commit(&store, both, 2), ACME_OK);
    mount();
    expect_record(ACME_REC_ACCOUNT_KEY_FIRST, "account-key");
    expect_record(ACME_REC_CA_INFO, "https://ca.test/acct/1");
    expect_record(ACME_REC_DEVICE_KEY, "device");
    expect_record(ACME_REC_CHAIN, "chain-pem");

    /* Replace one, remove one: the others are untouched. */
    acme_store_change_t change[] = {
        {ACME_REC_CHAIN, "new-chain", 9},
        {ACME_REC_CA_INFO, NULL, 0},
    };
    assert_int_equal(acme_store_commit(&store, change, 2), ACME_OK);
    mount();
    expect_record(ACME_REC_CHAIN, "new-chain");
    expect_record(ACME_REC_ACCOUNT_KEY_FIRST, "account-key");
    expect_record(ACME_REC_DEVICE_KEY, "device");
    assert_false(acme_store_has(&store, ACME_REC_CA_INFO, NULL));
    /* An empty record is a record. */
    assert_int_equal(set(ACME_REC_COOLDOWN, ""), ACME_OK);
    mount();
    size_t len = 99;
    assert_true(acme_store_has(&store, ACME_REC_COOLDOWN, &len));
    assert_int_equal(len, 0);
}

/* Flash is written only when the state changes. */
static void test_unchanged_commit_writes_nothing(void **state)
{
    (void)state;
    assert_int_equal(set(ACME_REC_CHAIN, "chain"), ACME_OK);
    uint32_t ops = flash.ops;
    assert_int_equal(set(ACME_REC_CHAIN, "chain"), ACME_OK);
    acme_store_change_t remove_absent = {ACME_REC_CA_INFO, NULL, 0};
    assert_int_equal(acme_store_commit(&store, &remove_absent, 1), ACME_OK);
    assert_int_equal(acme_store_commit(&store, NULL, 0), ACME_OK);
    assert_int_equal(flash.ops, ops);
    assert_int_equal(set(ACME_REC_CHAIN, "chaiN"), ACME_OK);
    assert_true(flash.ops > ops);
}

static void test_large_record_and_limits(void **state)
{
    (void)state;
    static char big[ACME_STORE_RECORD_MAX + 2];
    memset(big, 'c', ACME_STORE_RECORD_MAX);
    for (size_t i = 0; i < ACME_STORE_RECORD_MAX; i += 97) {
        big[i] = (char)('a' + i % 26); /* fragments in the wrong order would show */
    }
    /* A whole-size record fills 3 blocks (4,064 payload bytes each), and its
     * next rewrite 3 more. */
    fake_flash_init(&flash, 6 * 4096, 4096, 8);
    mount();
    assert_int_equal(set(ACME_REC_CHAIN, big), ACME_OK);
    mount();
    expect_record(ACME_REC_CHAIN, big);
    assert_int_equal(store.span, 3);
    for (int i = 0; i < 5; i++) { /* rewritten around the ring */
        big[i] = (char)('0' + i);
        assert_int_equal(set(ACME_REC_CHAIN, big), ACME_OK);
        mount();
        expect_record(ACME_REC_CHAIN, big);
    }

    char small[16];
    size_t len = 0;
    assert_int_equal(acme_store_read(&store, ACME_REC_CHAIN, small, sizeof(small), &len),
                     ACME_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(len, ACME_STORE_RECORD_MAX);

    /* Over the record limit: refused before anything is written. */
    big[ACME_STORE_RECORD_MAX] = 'x';
    uint32_t ops = flash.ops;
    assert_int_equal(set(ACME_REC_DEVICE_KEY, big), ACME_ERR_INVALID_ARG);
    assert_int_equal(flash.ops, ops);
    big[ACME_STORE_RECORD_MAX] = '\0';
    /* A state that does not fit: refused, and the old one stays. */
    assert_int_equal(set(ACME_REC_DEVICE_KEY, big), ACME_ERR_STORE_FULL);
    mount();
    expect_record(ACME_REC_CHAIN, big);
    assert_false(acme_store_has(&store, ACME_REC_DEVICE_KEY, NULL));

    /* Bad calls. */
    acme_store_change_t twice[] = {{ACME_REC_CHAIN, "a", 1}, {ACME_REC_CHAIN, "b", 1}};
    assert_int_equal(acme_store_commit(&store, twice, 2), ACME_ERR_INVALID_ARG);
    acme_store_change_t zero = {0, "a", 1};
    assert_int_equal(acme_store_commit(&store, &zero, 1), ACME_ERR_INVALID_ARG);
}

static void test_geometry_checks(void **state)
{
    (void)state;
    static const acme_flash_geometry_t bad[] = {
        {2 * 4096, 4096, 16}, /* two blocks */
        {32768, 4096, 3},     /* program unit not a power of two */
        {32768, 4096, 32},    /* program unit too large */
        {32768, 4096, 0},     /* no program unit */
        {32768, 512, 4},      /* erase block under 1 KiB */
        {3 * 1032, 1032, 4},  /* erase block not a multiple of 16 */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(acme_store_mount(&store, &fake_flash_ops, &flash, &bad[i]),
                         ACME_ERR_CONFIG);
    }
    static const uint32_t units[] = {1, 2, 4, 8, 16};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        fake_flash_init(&flash, 3 * 4096, 4096, units[i]);
        mount();
        assert_int_equal(set(ACME_REC_CHAIN, "x"), ACME_OK);
    }
}

/* A bit that flips in the newest snapshot: the store falls back to the
 * one before it. */
static void test_corruption_is_detected(void **state)
{
    (void)state;
    assert_int_equal(set(ACME_REC_CHAIN, "first"), ACME_OK);
    uint32_t second_at = store.next * 4096 + 32; /* the next snapshot's payload */
    assert_int_equal(set(ACME_REC_CHAIN, "second"), ACME_OK);
    assert_int_equal(store.first * 4096 + 32, second_at);
    flash.mem[second_at + 4 + 2] ^= 0x04; /* inside the data of "second" */
    mount();
    expect_record(ACME_REC_CHAIN, "first");

    flash.mem[second_at + 4 + 2] ^= 0x04;
    mount();
    expect_record(ACME_REC_CHAIN, "second");
    /* A damaged commit area or block header counts the same. */
    flash.mem[store.first * 4096 + 16 + 1] ^= 0x01;
    mount();
    expect_record(ACME_REC_CHAIN, "first");
    flash.mem[second_at - 32 + 16 + 1] ^= 0x01;
    flash.mem[second_at - 32 + 5] ^= 0x80;
    mount();
    expect_record(ACME_REC_CHAIN, "first");
}

/* A snapshot over two blocks whose second block decayed: none of it
 * counts, the one before stands. */
static void test_damaged_continuation_block_is_ignored(void **state)
{
    (void)state;
    assert_int_equal(set(ACME_REC_ACCOUNT_KEY_FIRST, "key-1"), ACME_OK);
    static char filler[5001];
    memset(filler, 'f', 5000);
    assert_int_equal(set(ACME_REC_CHAIN, filler), ACME_OK);
    assert_int_equal(store.span, 2);
    uint32_t second = (store.first + 1) % 3;
    flash.mem[second * 4096 + 100] ^= 0x10; /* payload of the second block */
    mount();
    expect_record(ACME_REC_ACCOUNT_KEY_FIRST, "key-1");
    assert_false(acme_store_has(&store, ACME_REC_CHAIN, NULL));
    flash.mem[second * 4096 + 100] ^= 0x10;
    flash.mem[second * 4096 + 4] ^= 0x01; /* its header: another sequence */
    mount();
    assert_false(acme_store_has(&store, ACME_REC_CHAIN, NULL));
    flash.mem[second * 4096 + 4] ^= 0x01;
    mount();
    expect_record(ACME_REC_CHAIN, filler);
}

/* Hundreds of commits: snapshots go around the ring many times, the state
 * is always the last one committed, each commit erases only the blocks its
 * snapshot fills, and wear is even. */
static void test_ring_wraps_with_even_wear(void **state)
{
    (void)state;
    static char chain[2000];
    memset(chain, 'p', sizeof(chain) - 1);
    assert_int_equal(set(ACME_REC_CHAIN, chain), ACME_OK);
    assert_int_equal(set(ACME_REC_ACCOUNT_KEY_FIRST, "account"), ACME_OK);
    uint32_t erases = flash.erases;
    char counter[32];
    unsigned commits = 0;
    for (int i = 0; i < 600; i++) {
        snprintf(counter, sizeof(counter), "failures=%d", i);
        assert_int_equal(set(ACME_REC_COOLDOWN, counter), ACME_OK);
        commits++;
        if (i % 50 == 0) {
            chain[i % 1999] = 'q';
            assert_int_equal(set(ACME_REC_CHAIN, chain), ACME_OK);
            commits++;
        }
        if (i % 37 == 0) {
            mount();
        }
        expect_record(ACME_REC_COOLDOWN, counter);
    }
    mount();
    expect_record(ACME_REC_CHAIN, chain);
    expect_record(ACME_REC_ACCOUNT_KEY_FIRST, "account");
    uint32_t lo = UINT32_MAX;
    uint32_t hi = 0;
    for (uint32_t b = 0; b < 3; b++) {
        uint32_t n = 0;
        assert_int_equal(acme_store_block_erases(&store, b, &n), ACME_OK);
        lo = n < lo ? n : lo;
        hi = n > hi ? n : hi;
    }
    printf("3 blocks after %u commits of a %u-byte state: erases per block %u..%u, %u in all\n",
           commits, acme_store_live_bytes(&store), lo, hi, flash.erases);
    assert_true(hi - lo <= 1);
    assert_int_equal(flash.erases - erases, commits); /* one block per snapshot */
}

/* One step of a power-cut scenario: the state as text "type=value;..." for
 * comparison. */
static void snapshot(char *out, size_t cap)
{
    static const uint16_t types[] = {ACME_REC_ACCOUNT_KEY_FIRST, ACME_REC_DEVICE_KEY, ACME_REC_CHAIN,
                                     ACME_REC_PENDING_KEY, ACME_REC_CA_INFO,    ACME_REC_COOLDOWN};
    size_t pos = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        static char buf[ACME_STORE_RECORD_MAX + 1];
        size_t len = 0;
        acme_status_t st = acme_store_read(&store, types[i], buf, sizeof(buf) - 1, &len);
        assert_true(st == ACME_OK || st == ACME_ERR_NOT_FOUND);
        buf[st == ACME_OK ? len : 0] = '\0';
        int n = snprintf(out + pos, cap - pos, "%u=%s;", types[i], st == ACME_OK ? buf : "-");
        assert_true(n > 0 && (size_t)n < cap - pos);
        pos += (size_t)n;
    }
}

/* The scenario: commits that add, replace, remove, grow past a block, and
 * span two blocks and wrap around the ring of 3. */
static acme_status_t scenario_step(int step)
{
    static char big[3000];
    memset(big, 'a' + step % 26, sizeof(big) - 1);
    switch (step) {
    case 0:
        return set(ACME_REC_ACCOUNT_KEY_FIRST, "account-key-1");
    case 1: {
        acme_store_change_t c[] = {{ACME_REC_DEVICE_KEY, "device-1", 8},
                                   {ACME_REC_CHAIN, big, 2999},
                                   {ACME_REC_PENDING_KEY, NULL, 0}};
        return acme_store_commit(&store, c, 3);
    }
    case 2:
        return set(ACME_REC_PENDING_KEY, "pending-2");
    case 3: {
        acme_store_change_t c[] = {{ACME_REC_DEVICE_KEY, "device-2", 8},
                                   {ACME_REC_CHAIN, big, 2999},
                                   {ACME_REC_PENDING_KEY, NULL, 0},
                                   {ACME_REC_CA_INFO, "ca-2", 4}};
        return acme_store_commit(&store, c, 4);
    }
    default: {
        char text[32];
        snprintf(text, sizeof(text), "cooldown-%d", step);
        return set(ACME_REC_COOLDOWN, text);
    }
    }
}

#define SCENARIO_STEPS 9

/* Cut power at every flash operation of every step, on every program unit:
 * after the cut the store mounts with the state before or after that step,
 * and the next commit works. */
static void test_power_cut_at_every_operation(void **state)
{
    (void)state;
    static const uint32_t units[] = {1, 2, 4, 8, 16};
    static char states[SCENARIO_STEPS + 1][4 * ACME_STORE_RECORD_MAX];
    unsigned cuts = 0;
    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
        /* The reference run: the state after each step. */
        fake_flash_init(&flash, 3 * 4096, 4096, units[u]);
        mount();
        snapshot(states[0], sizeof(states[0]));
        for (int step = 0; step < SCENARIO_STEPS; step++) {
            assert_int_equal(scenario_step(step), ACME_OK);
            snapshot(states[step + 1], sizeof(states[0]));
        }
        for (int step = 0; step < SCENARIO_STEPS; step++) {
            for (uint32_t op = 1;; op++) {
                fake_flash_init(&flash, 3 * 4096, 4096, units[u]);
                mount();
                for (int s = 0; s < step; s++) {
                    assert_int_equal(scenario_step(s), ACME_OK);
                }
                uint32_t seed = (uint32_t)(op * 2654435761u) ^ (uint32_t)(step << 8) ^ units[u];
                fake_flash_cut_at(&flash, op, seed);
                acme_status_t st = scenario_step(step);
                bool cut = flash.dead;
                fake_flash_power_on(&flash);
                mount();
                static char now[4 * ACME_STORE_RECORD_MAX];
                snapshot(now, sizeof(now));
                bool is_old = strcmp(now, states[step]) == 0;
                bool is_new = strcmp(now, states[step + 1]) == 0;
                if (!is_old && !is_new) {
                    fail_msg("unit %u step %d cut at op %u (seed %u): torn state %s", units[u],
                             step, op, seed, now);
                }
                cuts++;
                if (!cut) {
                    assert_int_equal(st, ACME_OK);
                    assert_true(is_new);
                    break; /* the cut came after the last operation */
                }
                /* The device goes on: the step again, then the next one. */
                assert_int_equal(scenario_step(step), ACME_OK);
                snapshot(now, sizeof(now));
                assert_string_equal(now, states[step + 1]);
                if (step + 1 < SCENARIO_STEPS) {
                    assert_int_equal(scenario_step(step + 1), ACME_OK);
                    mount();
                    snapshot(now, sizeof(now));
                    assert_string_equal(now, states[step + 2]);
                }
                assert_true(op < 2000);
            }
        }
    }
    printf("power cuts injected: %u, torn states: 0\n", cuts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_blank_flash_is_empty, setup),
        cmocka_unit_test_setup(test_records_survive_remount_and_carry_over, setup),
        cmocka_unit_test_setup(test_unchanged_commit_writes_nothing, setup),
        cmocka_unit_test_setup(test_large_record_and_limits, setup),
        cmocka_unit_test_setup(test_geometry_checks, setup),
        cmocka_unit_test_setup(test_corruption_is_detected, setup),
        cmocka_unit_test_setup(test_damaged_continuation_block_is_ignored, setup),
        cmocka_unit_test_setup(test_ring_wraps_with_even_wear, setup),
        cmocka_unit_test_setup(test_power_cut_at_every_operation, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
