/*
 * The two-slot record store: records survive remounts, unchanged records
 * are carried over, limits are enforced, and a power cut at any flash
 * operation of a commit leaves the old or the new state, never a mix.
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
    char buf[9000];
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
    fake_flash_init(&flash, 32768, 4096, 16);
    mount();
    return 0;
}

static void test_blank_flash_is_empty(void **state)
{
    (void)state;
    char buf[8];
    size_t len = 0;
    assert_int_equal(store.current, -1);
    assert_int_equal(acme_store_read(&store, ACME_REC_CHAIN, buf, sizeof(buf), &len),
                     ACME_ERR_NOT_FOUND);
    assert_false(acme_store_has(&store, ACME_REC_ACCOUNT_KEY, NULL));
}

static void test_records_survive_remount_and_carry_over(void **state)
{
    (void)state;
    assert_int_equal(set(ACME_REC_ACCOUNT_KEY, "account-key"), ACME_OK);
    assert_int_equal(set(ACME_REC_CA_INFO, "https://ca.test/acct/1"), ACME_OK);
    acme_store_change_t both[] = {
        {ACME_REC_DEVICE_KEY, "device", 6},
        {ACME_REC_CHAIN, "chain-pem", 9},
    };
    assert_int_equal(acme_store_commit(&store, both, 2), ACME_OK);
    mount();
    expect_record(ACME_REC_ACCOUNT_KEY, "account-key");
    expect_record(ACME_REC_CA_INFO, "https://ca.test/acct/1");
    expect_record(ACME_REC_DEVICE_KEY, "device");
    expect_record(ACME_REC_CHAIN, "chain-pem");
    assert_int_equal(store.seq, 3);

    /* Replace one, remove one: the others are untouched. */
    acme_store_change_t change[] = {
        {ACME_REC_CHAIN, "new-chain", 9},
        {ACME_REC_CA_INFO, NULL, 0},
    };
    assert_int_equal(acme_store_commit(&store, change, 2), ACME_OK);
    mount();
    expect_record(ACME_REC_CHAIN, "new-chain");
    expect_record(ACME_REC_ACCOUNT_KEY, "account-key");
    assert_false(acme_store_has(&store, ACME_REC_CA_INFO, NULL));
}

static void test_large_record_and_limits(void **state)
{
    (void)state;
    static char big[8192 + 1];
    memset(big, 'c', 8192);
    assert_int_equal(set(ACME_REC_CHAIN, big), ACME_OK);
    mount();
    expect_record(ACME_REC_CHAIN, big);

    char small[16];
    size_t len = 0;
    assert_int_equal(acme_store_read(&store, ACME_REC_CHAIN, small, sizeof(small), &len),
                     ACME_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(len, 8192);

    /* A state larger than a slot is refused and the old one stays. */
    static char huge[20000 + 1];
    memset(huge, 'h', 20000);
    assert_int_equal(set(ACME_REC_DEVICE_KEY, huge), ACME_ERR_STORE_FULL);
    mount();
    expect_record(ACME_REC_CHAIN, big);
}

static void test_geometry_checks(void **state)
{
    (void)state;
    acme_flash_geometry_t one_block = {4096, 4096, 16};
    assert_int_equal(acme_store_mount(&store, &fake_flash_ops, &flash, &one_block),
                     ACME_ERR_CONFIG);
    acme_flash_geometry_t odd_prog = {32768, 4096, 3};
    assert_int_equal(acme_store_mount(&store, &fake_flash_ops, &flash, &odd_prog),
                     ACME_ERR_CONFIG);
}

/* A corrupted current image falls back to the other slot. */
static void test_corrupt_image_is_ignored(void **state)
{
    (void)state;
    assert_int_equal(set(ACME_REC_CHAIN, "first"), ACME_OK);
    assert_int_equal(set(ACME_REC_CHAIN, "second"), ACME_OK);
    /* Clear a bit of the newest image's payload (slot 1 holds seq 2). */
    flash.mem[16384 + 64 + 5] &= 0xFE;
    mount();
    expect_record(ACME_REC_CHAIN, "first");
}

/* Cut power at every operation of a commit, with every program unit the
 * store supports: afterwards the store holds the old or the new state. */
static void test_power_cut_at_every_operation(void **state)
{
    (void)state;
    static const uint32_t units[] = {1, 4, 8, 16};
    unsigned cuts = 0;
    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
        for (uint32_t op = 1;; op++) {
            fake_flash_init(&flash, 32768, 4096, units[u]);
            mount();
            assert_int_equal(set(ACME_REC_ACCOUNT_KEY, "old-key"), ACME_OK);
            assert_int_equal(set(ACME_REC_CHAIN, "old-chain"), ACME_OK);
            fake_flash_cut_at(&flash, op, op * 2654435761u + units[u]);
            acme_store_change_t change[] = {
                {ACME_REC_CHAIN, "new-chain-longer-than-before", 28},
                {ACME_REC_DEVICE_KEY, "new-key", 7},
            };
            acme_status_t st = acme_store_commit(&store, change, 2);
            bool completed = !flash.dead && st == ACME_OK;
            fake_flash_power_on(&flash);
            mount();
            char chain[64];
            size_t len = 0;
            assert_int_equal(acme_store_read(&store, ACME_REC_CHAIN, chain, sizeof(chain), &len),
                             ACME_OK);
            chain[len] = '\0';
            bool is_new = strcmp(chain, "new-chain-longer-than-before") == 0;
            if (!is_new && strcmp(chain, "old-chain") != 0) {
                fail_msg("unit %u op %u: torn chain '%s'", units[u], op, chain);
            }
            /* The device key arrives exactly with the new chain. */
            assert_int_equal(acme_store_has(&store, ACME_REC_DEVICE_KEY, NULL), is_new);
            expect_record(ACME_REC_ACCOUNT_KEY, "old-key");
            cuts++;
            if (completed) {
                assert_true(is_new);
                break; /* the cut came after the last operation */
            }
            assert_true(op < 200);
        }
    }
    printf("power cuts injected: %u\n", cuts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_blank_flash_is_empty, setup),
        cmocka_unit_test_setup(test_records_survive_remount_and_carry_over, setup),
        cmocka_unit_test_setup(test_large_record_and_limits, setup),
        cmocka_unit_test_setup(test_geometry_checks, setup),
        cmocka_unit_test_setup(test_corrupt_image_is_ignored, setup),
        cmocka_unit_test_setup(test_power_cut_at_every_operation, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
