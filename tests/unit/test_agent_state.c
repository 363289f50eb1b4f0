/*
 * What the agent keeps in its store (io/agent_state.c), on an emulated NOR
 * flash: accounts per CA with their own keys and no eviction, the order in
 * progress, private keys sealed under a device secret, renewal bookkeeping
 * and the next step, and an account key rollover across a power cut.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "acme/agent.h"
#include "crypto_fixture.h"
#include "fake_flash.h"
#include "io/agent_internal.h"

extern const acme_net_ops_t fake_net_ops;

static fake_flash_t flash;
static fixture_entropy_t entropy;
static acme_agent_t agent;
static acme_agent_config_t config; /* read-only agent: the tests call the state layer */
static uint8_t arena[128u * 1024u];
static acme_port_t port;
static uint8_t secret_bytes[32];
static bool secret_on;

static uint64_t clock_ms(void *ctx)
{
    (void)ctx;
    return 1000u;
}

static bool wall_known;

static int64_t clock_wall(void *ctx)
{
    (void)ctx;
    return wall_known ? 1790000000 : ACME_TIME_UNKNOWN;
}

static int32_t rng_fill(void *ctx, uint8_t *buf, size_t len)
{
    return fixture_entropy(ctx, buf, len);
}

static int32_t key_at_rest(void *ctx, uint8_t key[32])
{
    (void)ctx;
    memcpy(key, secret_bytes, 32);
    return ACME_OK;
}

static const acme_clock_ops_t clock_ops = {clock_ms, clock_wall};
static const acme_rng_ops_t rng_ops = {rng_fill};
static const acme_secret_ops_t secret_ops = {key_at_rest};

/* Power on with what the flash holds. */
static void boot(void)
{
    acme_agent_deinit(&agent);
    entropy = (fixture_entropy_t){0x5EEDu, 0, 0};
    memset(&port, 0, sizeof(port));
    port.net = &fake_net_ops;
    port.clock = &clock_ops;
    port.rng = &rng_ops;
    port.rng_ctx = &entropy;
    port.flash = &fake_flash_ops;
    port.flash_ctx = &flash;
    port.flash_geometry = flash.geo;
    port.secret = secret_on ? &secret_ops : NULL;
    assert_int_equal(acme_agent_init(&agent, &config, &port, arena, sizeof(arena)), ACME_OK);
}

static int setup(void **state)
{
    (void)state;
    memset(&agent, 0, sizeof(agent));
    secret_on = false;
    wall_known = true;
    for (size_t i = 0; i < sizeof(secret_bytes); i++) {
        secret_bytes[i] = (uint8_t)(0x40 + i);
    }
    fake_flash_init(&flash, 16u * 4096u, 4096u, 4u);
    boot();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    acme_agent_deinit(&agent);
    return 0;
}

/* The account key in RAM as DER. */
static size_t account_der(uint8_t *out, size_t cap)
{
    size_t len = 0;
    assert_int_equal(acme_key_write_der(agent.crypto->account_key, out, cap, &len), ACME_OK);
    return len;
}

static void directory_of(int i, char *out, size_t cap)
{
    snprintf(out, cap, "https://ca%d.test/dir", i);
}

/* Create the account at CA i: a new key, stored before newAccount (URL
 * empty), then with its URL. Returns the key's DER in der. */
static size_t create_account(int i, uint8_t *der, size_t cap)
{
    char dir[64];
    char url[ACME_URL_MAX + 1];
    char issuer[32];
    directory_of(i, dir, sizeof(dir));
    snprintf(issuer, sizeof(issuer), "ca%d.test", i);
    assert_int_equal(acme_ag_state_load_account(&agent, dir, url, sizeof(url)), ACME_OK);
    assert_string_equal(url, "");
    assert_true(agent.crypto->account_key_unsaved);
    assert_int_equal(acme_ag_state_save_account(&agent, issuer, dir, ""), ACME_OK);
    snprintf(url, sizeof(url), "https://ca%d.test/acct/%d", i, 100 + i);
    assert_int_equal(acme_ag_state_save_account(&agent, issuer, dir, url), ACME_OK);
    return account_der(der, cap);
}

static void test_accounts_per_ca_have_their_own_keys(void **state)
{
    (void)state;
    uint8_t k1[256];
    uint8_t k2[256];
    size_t n1 = create_account(1, k1, sizeof(k1));
    size_t n2 = create_account(2, k2, sizeof(k2));
    assert_false(n1 == n2 && memcmp(k1, k2, n1) == 0);
    boot();
    char url[ACME_URL_MAX + 1];
    uint8_t got[256];
    assert_int_equal(acme_ag_state_load_account(&agent, "https://ca1.test/dir", url, sizeof(url)),
                     ACME_OK);
    assert_string_equal(url, "https://ca1.test/acct/101");
    assert_false(agent.crypto->account_key_unsaved);
    assert_int_equal(account_der(got, sizeof(got)), n1);
    assert_memory_equal(got, k1, n1);
    assert_int_equal(acme_ag_state_load_account(&agent, "https://ca2.test/dir", url, sizeof(url)),
                     ACME_OK);
    assert_string_equal(url, "https://ca2.test/acct/102");
    assert_memory_equal(got, k2, account_der(got, sizeof(got)));
    /* By issuer (discovery), by directory, and any. */
    assert_int_equal(
        acme_ag_state_account_url(&agent, ACME_AG_ACCOUNT_ISSUER, "ca2.test", url, sizeof(url)),
        ACME_OK);
    assert_string_equal(url, "https://ca2.test/acct/102");
    assert_int_equal(
        acme_ag_state_account_url(&agent, ACME_AG_ACCOUNT_ISSUER, "", url, sizeof(url)),
        ACME_ERR_NOT_FOUND);
    assert_int_equal(
        acme_ag_state_account_url(&agent, ACME_AG_ACCOUNT_DIRECTORY, NULL, url, sizeof(url)),
        ACME_OK);
    assert_string_equal(url, "https://ca1.test/acct/101");
}

/* The key is stored before newAccount: a restart before the answer uses the
 * same key again (the CA then returns the same account). */
static void test_key_stored_before_new_account_survives_a_restart(void **state)
{
    (void)state;
    char url[ACME_URL_MAX + 1];
    uint8_t k[256];
    uint8_t got[256];
    assert_int_equal(acme_ag_state_load_account(&agent, "https://ca1.test/dir", url, sizeof(url)),
                     ACME_OK);
    size_t n = account_der(k, sizeof(k));
    assert_int_equal(acme_ag_state_save_account(&agent, "ca1.test", "https://ca1.test/dir", ""),
                     ACME_OK);
    boot();
    assert_int_equal(acme_ag_state_load_account(&agent, "https://ca1.test/dir", url, sizeof(url)),
                     ACME_OK);
    assert_string_equal(url, "");
    assert_false(agent.crypto->account_key_unsaved);
    assert_int_equal(account_der(got, sizeof(got)), n);
    assert_memory_equal(got, k, n);
}

/* All slots taken: one CA more is refused and nothing is replaced. */
static void test_accounts_are_never_evicted(void **state)
{
    (void)state;
    uint8_t k[256];
    for (int i = 0; i < ACME_STORE_ACCOUNTS_MAX; i++) {
        create_account(i, k, sizeof(k));
    }
    uint32_t commits = agent.store.commits;
    char url[ACME_URL_MAX + 1];
    assert_int_equal(acme_ag_state_load_account(&agent, "https://extra.test/dir", url, sizeof(url)),
                     ACME_OK);
    assert_int_equal(acme_ag_state_save_account(&agent, "extra.test", "https://extra.test/dir", ""),
                     ACME_ERR_STORE_FULL);
    assert_int_equal(agent.store.commits, commits);
    for (int i = 0; i < ACME_STORE_ACCOUNTS_MAX; i++) {
        char dir[64];
        directory_of(i, dir, sizeof(dir));
        assert_int_equal(acme_ag_state_load_account(&agent, dir, url, sizeof(url)), ACME_OK);
        assert_false(agent.crypto->account_key_unsaved);
    }
}

static void test_order_in_progress(void **state)
{
    (void)state;
    char url[ACME_URL_MAX + 1];
    assert_int_equal(
        acme_key_generate(&agent.crypto->device_key, ACME_KEY_P256, agent.crypto->drbg), ACME_OK);
    uint8_t k[256];
    size_t n = 0;
    assert_int_equal(acme_key_write_der(agent.crypto->device_key, k, sizeof(k), &n), ACME_OK);
    assert_int_equal(
        acme_ag_state_save_pending(&agent, "https://ca1.test/dir", "https://ca1.test/order/5"),
        ACME_OK);
    boot();
    acme_ag_state_pending_order(&agent, "https://ca1.test/dir", url, sizeof(url));
    assert_string_equal(url, "https://ca1.test/order/5");
    acme_ag_state_pending_order(&agent, "https://ca2.test/dir", url, sizeof(url));
    assert_string_equal(url, ""); /* never resumed at another CA */
    assert_int_equal(acme_ag_state_load_pending_key(&agent), ACME_OK);
    uint8_t got[256];
    size_t m = 0;
    assert_int_equal(acme_key_write_der(agent.crypto->device_key, got, sizeof(got), &m), ACME_OK);
    assert_int_equal(m, n);
    assert_memory_equal(got, k, n);
}

/* With a device secret no key record holds the key in the clear, the keys
 * read back, and without the secret the account is refused, not replaced. */
static void test_sealed_keys(void **state)
{
    (void)state;
    secret_on = true;
    boot();
    uint8_t k[256];
    size_t n = create_account(1, k, sizeof(k));
    uint8_t rec[ACME_AG_KEY_RECORD_MAX];
    size_t len = 0;
    assert_int_equal(
        acme_store_read(&agent.store, ACME_REC_ACCOUNT_KEY_FIRST, rec, sizeof(rec), &len), ACME_OK);
    assert_int_equal(len, n + 30u);
    assert_int_equal(rec[0], 0xA7);
    for (size_t i = 0; i + 8 <= n; i++) {
        for (size_t j = 0; j + 8 <= len; j++) {
            assert_false(memcmp(rec + j, k + i, 8) == 0);
        }
    }
    /* Saving the same account again writes nothing (the seal is deterministic). */
    uint32_t commits = agent.store.commits;
    assert_int_equal(acme_ag_state_save_account(&agent, "ca1.test", "https://ca1.test/dir",
                                                "https://ca1.test/acct/101"),
                     ACME_OK);
    assert_int_equal(agent.store.commits, commits);
    boot();
    char url[ACME_URL_MAX + 1];
    uint8_t got[256];
    assert_int_equal(acme_ag_state_load_account(&agent, "https://ca1.test/dir", url, sizeof(url)),
                     ACME_OK);
    assert_memory_equal(got, k, account_der(got, sizeof(got)));

    secret_on = false;
    boot();
    assert_int_equal(acme_ag_state_load_account(&agent, "https://ca1.test/dir", url, sizeof(url)),
                     ACME_ERR_KEY_SEALED);
    secret_bytes[0] ^= 1u; /* another device's secret */
    secret_on = true;
    boot();
    assert_int_equal(acme_ag_state_load_account(&agent, "https://ca1.test/dir", url, sizeof(url)),
                     ACME_ERR_KEY_SEALED);
}

/* Failed runs are counted in flash (a reboot keeps the count) and an
 * installed certificate starts the count afresh. */
static void test_renewal_bookkeeping(void **state)
{
    (void)state;
    acme_renewal_info_t r;
    acme_agent_renewal_info(&agent, &r);
    assert_int_equal(r.failures, 0);
    assert_int_equal(r.last_failure_s, 0);
    acme_ag_state_note_failure(&agent, ACME_ERR_CONNECT);
    acme_ag_state_note_failure(&agent, ACME_ERR_TLS_VERIFY);
    boot();
    acme_agent_renewal_info(&agent, &r);
    assert_int_equal(r.failures, 2);
    assert_int_equal(r.last_status, ACME_ERR_TLS_VERIFY);
    assert_int_equal(r.last_failure_s, 1790000000);
    /* The ARI window joins the count without resetting it, and the count
     * keeps the window. */
    acme_ag_state_set_ari(&agent, 1790600000, 1790700000, 1790021600);
    acme_ag_state_note_failure(&agent, ACME_ERR_CONNECT);
    boot();
    acme_agent_renewal_info(&agent, &r);
    assert_int_equal(r.failures, 3);
    assert_int_equal(r.last_status, ACME_ERR_CONNECT);
    assert_int_equal(r.ari_start_s, 1790600000);
    assert_int_equal(r.ari_end_s, 1790700000);
    assert_int_equal(r.ari_next_check_s, 1790021600);
    assert_false(r.replaced);
    /* A check without an answer (end <= start) plans the next one and keeps
     * the window it had. */
    acme_ag_state_set_ari(&agent, 0, 0, 1790043200);
    acme_agent_renewal_info(&agent, &r);
    assert_int_equal(r.ari_start_s, 1790600000);
    assert_int_equal(r.ari_next_check_s, 1790043200);
    /* alreadyReplaced is kept with the rest. */
    acme_ag_state_note_replaced(&agent);
    boot();
    acme_agent_renewal_info(&agent, &r);
    assert_true(r.replaced);
    assert_int_equal(r.failures, 3);
    assert_int_equal(r.ari_end_s, 1790700000);
    /* Times past 2^32 seconds (after 2106) survive the word split. */
    acme_ag_state_set_ari(&agent, INT64_C(5000000000), INT64_C(5000086400), INT64_MAX);
    acme_agent_renewal_info(&agent, &r);
    assert_true(r.ari_start_s == INT64_C(5000000000) && r.ari_end_s == INT64_C(5000086400));
    assert_true(r.ari_next_check_s == INT64_MAX);
    /* A record of another layout is not ours: counting starts afresh. */
    acme_store_change_t odd = {ACME_REC_RENEWAL, "xyz", 3};
    assert_int_equal(acme_store_commit(&agent.store, &odd, 1), ACME_OK);
    acme_agent_renewal_info(&agent, &r);
    assert_int_equal(r.failures, 0);
    acme_ag_state_note_failure(&agent, ACME_ERR_TIMEOUT);
    /* Install drops it (with the order in progress). */
    assert_int_equal(
        acme_key_generate(&agent.crypto->device_key, ACME_KEY_P256, agent.crypto->drbg), ACME_OK);
    assert_int_equal(acme_ag_state_install(&agent, "chain", 5), ACME_OK);
    acme_agent_renewal_info(&agent, &r);
    assert_int_equal(r.failures, 0);
    assert_false(acme_store_has(&agent.store, ACME_REC_RENEWAL, NULL));
}

/* The renewal plan of the installed certificate: none, then the lifetime
 * rule, then the CA's ARI window; stable across calls (the random value
 * comes from the serial). */
/* Install the P-256 fixture chain (valid 2024..2099, with an AKI) and
 * reboot. */
static void install_fixture_chain(void)
{
    static char chain[8192];
    char path[512];
    snprintf(path, sizeof(path), "%s/cert/chain-p256.pem", ACME_TEST_DATA_DIR);
    size_t len = fixture_read_file(path, chain, sizeof(chain));
    assert_true(len != (size_t)-1);
    assert_int_equal(
        acme_key_generate(&agent.crypto->device_key, ACME_KEY_P256, agent.crypto->drbg), ACME_OK);
    assert_int_equal(acme_ag_state_install(&agent, chain, len), ACME_OK);
    boot();
}

static void test_renewal_plan(void **state)
{
    (void)state;
    acme_renew_plan_t plan;
    assert_int_equal(acme_agent_renewal_plan(&agent, &plan), ACME_OK);
    assert_int_equal(plan.basis, ACME_RENEW_NO_CERT);
    install_fixture_chain();
    acme_cert_info_t info;
    assert_int_equal(acme_agent_cert_info(&agent, &info), ACME_OK);
    assert_int_equal(acme_agent_renewal_plan(&agent, &plan), ACME_OK);
    assert_int_equal(plan.basis, ACME_RENEW_LIFETIME);
    int64_t life = info.not_after - info.not_before;
    int64_t latest = info.not_after - life / 3;
    assert_true(plan.at_s <= latest && plan.at_s >= latest - life / 16);
    acme_renew_plan_t again;
    assert_int_equal(acme_agent_renewal_plan(&agent, &again), ACME_OK);
    assert_true(again.at_s == plan.at_s);
    acme_ag_state_set_ari(&agent, 1790600000, 1790700000, 1790021600);
    assert_int_equal(acme_agent_renewal_plan(&agent, &plan), ACME_OK);
    assert_int_equal(plan.basis, ACME_RENEW_ARI);
    assert_true(plan.at_s >= 1790600000 && plan.at_s < 1790700000);
}

/* acme_agent_next() on the stored state and the port's wall clock
 * (1790000000 here): issue without a certificate; with one, check ARI when
 * it was never checked, then wait for the earlier of the check and the
 * plan; never from an unknown clock. */
static void test_next_step(void **state)
{
    (void)state;
    acme_next_step_t next;
    assert_int_equal(acme_agent_next(&agent, &next), ACME_OK);
    assert_int_equal(next.action, ACME_NEXT_ISSUE);
    assert_int_equal(next.basis, ACME_RENEW_NO_CERT);
    install_fixture_chain();
#if ACME_ENABLE_ARI
    /* The fixture has an AKI, so a certID: never checked means check now. */
    assert_int_equal(acme_agent_next(&agent, &next), ACME_OK);
    assert_int_equal(next.action, ACME_NEXT_ARI_CHECK);
    assert_true(next.at_s == 1790000000);
    /* Checked: wait for the next check, which comes before the plan. */
    acme_ag_state_set_ari(&agent, 0, 0, 1790021600);
    assert_int_equal(acme_agent_next(&agent, &next), ACME_OK);
    assert_int_equal(next.action, ACME_NEXT_WAIT);
    assert_true(next.at_s == 1790021600);
    assert_int_equal(next.basis, ACME_RENEW_LIFETIME);
    /* A window that is already open: issue now. */
    acme_ag_state_set_ari(&agent, 1789990000, 1789990001, 1790021600);
    assert_int_equal(acme_agent_next(&agent, &next), ACME_OK);
    assert_int_equal(next.action, ACME_NEXT_ISSUE);
    assert_int_equal(next.basis, ACME_RENEW_ARI);
    /* Replaced: no more checks; the plan alone. */
    acme_ag_state_set_ari(&agent, 1790600000, 1790700000, 1790000000);
    acme_ag_state_note_replaced(&agent);
    assert_int_equal(acme_agent_next(&agent, &next), ACME_OK);
    assert_int_equal(next.action, ACME_NEXT_WAIT);
    assert_true(next.at_s == next.renew_at_s && next.at_s >= 1790600000);
#else
    assert_int_equal(acme_agent_next(&agent, &next), ACME_OK);
    assert_int_equal(next.action, ACME_NEXT_WAIT);
#endif
    wall_known = false;
    assert_int_equal(acme_agent_next(&agent, &next), ACME_ERR_BAD_STATE);
}

#if ACME_ENABLE_ACCOUNT_ADMIN
/* A key rollover in the store: the new key (sealed like every key) with the
 * account it is for; while it is stored, the account is not used and the
 * next step is to settle it; confirmed, the new key is the account's (same
 * URL, issuer kept); refused, it goes and the old key stays. */
static void test_key_rollover(void **state)
{
    (void)state;
    secret_on = true;
    boot();
    uint8_t old_key[256];
    size_t old_len = create_account(1, old_key, sizeof(old_key));
    uint8_t other_key[256];
    (void)create_account(2, other_key, sizeof(other_key)); /* another CA's: not held up */
    char dir[64];
    char url[ACME_URL_MAX + 1];
    directory_of(1, dir, sizeof(dir));
    for (int confirmed = 0; confirmed < 2; confirmed++) {
        acme_drbg_t *drbg = fixture_drbg(11u + (uint32_t)confirmed);
        assert_non_null(drbg);
        assert_int_equal(acme_key_generate(&agent.crypto->rollover_key, ACME_KEY_P256, drbg),
                         ACME_OK);
        acme_drbg_free(&drbg);
        uint8_t new_key[256];
        size_t new_len = 0;
        assert_int_equal(acme_key_write_der(agent.crypto->rollover_key, new_key, sizeof(new_key),
                                            &new_len),
                         ACME_OK);
        assert_int_equal(acme_ag_state_save_rollover(&agent, dir, "https://ca1.test/acct/101"),
                         ACME_OK);
        boot(); /* power cut before the CA's answer */
        uint8_t rec[ACME_AG_KEY_RECORD_MAX];
        size_t len = 0;
        assert_int_equal(acme_store_read(&agent.store, ACME_REC_ROLLOVER_KEY, rec, sizeof(rec),
                                         &len),
                         ACME_OK);
        assert_int_equal(rec[0], 0xA7); /* sealed */
        char pending[ACME_URL_MAX + 1];
        assert_int_equal(acme_ag_state_rollover_directory(&agent, pending, sizeof(pending)),
                         ACME_OK);
        assert_string_equal(pending, dir);
        assert_int_equal(acme_ag_state_load_account(&agent, dir, url, sizeof(url)),
                         ACME_ERR_BAD_STATE);
        assert_int_equal(acme_ag_state_load_account(&agent, "https://ca2.test/dir", url,
                                                    sizeof(url)),
                         ACME_OK);
        acme_next_step_t next;
        assert_int_equal(acme_agent_next(&agent, &next), ACME_OK);
        assert_int_equal(next.action, ACME_NEXT_ROLLOVER);
        assert_true(next.at_s == 1790000000);
        assert_int_equal(acme_ag_state_load_rollover_key(&agent), ACME_OK);
        if (confirmed) {
            assert_int_equal(acme_ag_state_commit_rollover(&agent, dir), ACME_OK);
        } else {
            assert_int_equal(acme_ag_state_drop_rollover(&agent), ACME_OK);
        }
        boot();
        assert_false(acme_store_has(&agent.store, ACME_REC_ROLLOVER, NULL));
        assert_false(acme_store_has(&agent.store, ACME_REC_ROLLOVER_KEY, NULL));
        assert_int_equal(acme_agent_next(&agent, &next), ACME_OK);
        assert_int_equal(next.action, ACME_NEXT_ISSUE);
        assert_int_equal(acme_ag_state_load_account(&agent, dir, url, sizeof(url)), ACME_OK);
        assert_string_equal(url, "https://ca1.test/acct/101");
        uint8_t got[256];
        size_t got_len = account_der(got, sizeof(got));
        if (confirmed) {
            assert_int_equal(got_len, new_len);
            assert_memory_equal(got, new_key, new_len);
        } else {
            assert_int_equal(got_len, old_len);
            assert_memory_equal(got, old_key, old_len);
        }
        assert_int_equal(acme_ag_state_account_url(&agent, ACME_AG_ACCOUNT_ISSUER, "ca1.test", url,
                                                   sizeof(url)),
                         ACME_OK);
    }
}
#endif

int main(void)
{
    if (fixture_arena_init(64u * 1024u) != 0) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_accounts_per_ca_have_their_own_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_stored_before_new_account_survives_a_restart,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_accounts_are_never_evicted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_in_progress, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sealed_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renewal_bookkeeping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renewal_plan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_next_step, setup, teardown),
#if ACME_ENABLE_ACCOUNT_ADMIN
        cmocka_unit_test_setup_teardown(test_key_rollover, setup, teardown),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
