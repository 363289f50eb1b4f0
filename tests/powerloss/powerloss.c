/*
 * Power-loss harness: the device's persistence steps (factory provisioning
 * of the config partition, account creation, first issuance, certificate
 * replacement, resuming an order, re-provisioning in the field, an account
 * key rollover confirmed or refused by the CA) on an
 * emulated NOR flash that loses power at operation N, for every N, on
 * program units 1, 2, 4, 8 and 16. Six variants per N: the interrupted
 * program or erase applied to a random subset of its bits (3 seeds) or
 * done up to a random byte (3 seeds); odd variants lose power a second time
 * while the device recovers.
 *
 * After each cut the device boots again (acme_agent_init on the flash as
 * the cut left it) and must show the state from before the interrupted step
 * or from after it, never a mix; an installed certificate must match the
 * stored private key; an account never exists without its key; an order
 * in progress always has its key; the config partition holds no config or
 * a whole one. Then the device carries on from
 * the interrupted step and must reach the same final state as a run
 * without cuts.
 *
 *   powerloss                       every scenario, unit, cut and seed
 *   powerloss SCENARIO UNIT CUT SEED    one case (what a failure prints)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme/agent.h"
#include "acme/codec/crc32.h"
#include "crypto_fixture.h"
#include "fake_flash.h"
#include "acme/codec/provision.h"
#include "acme/io/config_partition.h"
#include "io/agent_internal.h"
#include "mbedtls/pk.h"
#include "mbedtls/x509_crt.h"

/* One chip: the config partition (two slots of one block), then the
 * store (four blocks), as on the Linux board and a device. */
#define ERASE_SIZE 4096u
#define CONFIG_SIZE (2u * ERASE_SIZE)
#define STORE_SIZE (4u * ERASE_SIZE)
#define FLASH_SIZE (CONFIG_SIZE + STORE_SIZE)
#define SEEDS_PER_CUT 6u
#define CUTS_REQUIRED 10000u
#define STEPS_MAX 6
#define STATE_TEXT_MAX 256

static const char DIRECTORY[] = "https://127.0.0.1:14000/dir";
static const char ISSUER[] = "pebble.test";
static const char ACCOUNT_URL[] = "https://127.0.0.1:14000/my-account/1";

/* ---- the device ------------------------------------------------------------- */

static fake_flash_t flash;
static fixture_entropy_t entropy;
static acme_agent_t agent;
static acme_agent_config_t config; /* read-only: the steps call the state layer */
static uint8_t arena[256u * 1024u];

static uint64_t clock_ms(void *ctx)
{
    (void)ctx;
    return 1000u;
}

static int64_t clock_wall(void *ctx)
{
    (void)ctx;
    return 1790000000; /* 2026-09 */
}

static int32_t rng_fill(void *ctx, uint8_t *buf, size_t len)
{
    return fixture_entropy(ctx, buf, len);
}

static const acme_clock_ops_t clock_ops = {clock_ms, clock_wall};
static const acme_rng_ops_t rng_ops = {rng_fill};
extern const acme_net_ops_t fake_net_ops;

static acme_port_t port;

/* A partition of the chip: the flash seam at an offset. */
static int32_t part_read(void *ctx, uint32_t off, void *buf, size_t len)
{
    return fake_flash_ops.read(&flash, *(const uint32_t *)ctx + off, buf, len);
}

static int32_t part_prog(void *ctx, uint32_t off, const void *buf, size_t len)
{
    return fake_flash_ops.prog(&flash, *(const uint32_t *)ctx + off, buf, len);
}

static int32_t part_erase(void *ctx, uint32_t off)
{
    return fake_flash_ops.erase(&flash, *(const uint32_t *)ctx + off);
}

static int32_t part_sync(void *ctx)
{
    (void)ctx;
    return fake_flash_ops.sync(&flash);
}

static const acme_flash_ops_t part_ops = {part_read, part_prog, part_erase, part_sync};
static uint32_t config_base = 0;
static uint32_t store_base = CONFIG_SIZE;

/* Power on: the agent starts from what the flash holds. */
static int boot(void)
{
    fake_flash_power_on(&flash);
    entropy = (fixture_entropy_t){0x5EED5EEDu, 0, 0};
    port = (acme_port_t){0};
    port.net = &fake_net_ops;
    port.clock = &clock_ops;
    port.rng = &rng_ops;
    port.rng_ctx = &entropy;
    port.flash = &part_ops;
    port.flash_ctx = &store_base;
    port.flash_geometry = flash.geo;
    port.flash_geometry.size = STORE_SIZE;
    return acme_agent_init(&agent, &config, &port, arena, sizeof(arena)) == ACME_OK ? 0 : -1;
}

/* ---- fixtures: two real certificate chains with their keys ------------------ */

typedef struct issued {
    const char *chain_file;
    const char *key_file;
    const char *order_url;
    char chain[8192];
    size_t chain_len;
    uint8_t key_der[2048];
    size_t key_der_len;
} issued_t;

static issued_t certs[2] = {
    {"cert/chain-p256.pem",
     "cert/leaf-p256.key.pem",
     "https://127.0.0.1:14000/order/1",
     "",
     0,
     {0},
     0},
    {"cert/chain-rsa.pem",
     "cert/leaf-rsa.key.pem",
     "https://127.0.0.1:14000/order/2",
     "",
     0,
     {0},
     0},
};
static uint8_t account_key_der[256];
static size_t account_key_der_len;
static uint8_t rollover_key_der[256]; /* the account's new key in a rollover */
static size_t rollover_key_der_len;

/* Two provisioning blobs: the factory's, and a re-provision in the field. */
static uint8_t blobs[2][2048];
static size_t blob_len[2];

static int make_blob(int which)
{
    static acme_provision_t in;
    memset(&in, 0, sizeof(in));
    in.name_count = 1;
    snprintf(in.names[0], sizeof(in.names[0]), "%s", which == 0 ? "device.test" : "renamed.test");
    snprintf(in.directory_url, sizeof(in.directory_url), "%s", DIRECTORY);
    snprintf(in.contact, sizeof(in.contact), "mailto:%s@example.test",
             which == 0 ? "factory" : "field");
    return acme_provision_encode(&in, blobs[which], sizeof(blobs[which]), &blob_len[which]) ==
                   ACME_OK
               ? 0
               : -1;
}

static int load_fixtures(void)
{
    char path[512];
    for (int i = 0; i < 2; i++) {
        issued_t *c = &certs[i];
        snprintf(path, sizeof(path), "%s/%s", ACME_TEST_DATA_DIR, c->chain_file);
        c->chain_len = fixture_read_file(path, c->chain, sizeof(c->chain));
        snprintf(path, sizeof(path), "%s/%s", ACME_TEST_DATA_DIR, c->key_file);
        if (c->chain_len == (size_t)-1 || fixture_arena_init(64u * 1024u) != 0) {
            return -1;
        }
        acme_key_t *key = fixture_key_from_pem_file(path);
        if (key == NULL ||
            acme_key_write_der(key, c->key_der, sizeof(c->key_der), &c->key_der_len) != ACME_OK) {
            return -1;
        }
        acme_key_free(&key);
    }
    /* The account key and its successor: fresh P-256 keys, the same ones
     * in every run. */
    acme_key_t *key = NULL;
    acme_key_t *next = NULL;
    acme_drbg_t *drbg = fixture_drbg(7);
    if (drbg == NULL || acme_key_generate(&key, ACME_KEY_P256, drbg) != ACME_OK ||
        acme_key_write_der(key, account_key_der, sizeof(account_key_der), &account_key_der_len) !=
            ACME_OK ||
        acme_key_generate(&next, ACME_KEY_P256, drbg) != ACME_OK ||
        acme_key_write_der(next, rollover_key_der, sizeof(rollover_key_der),
                           &rollover_key_der_len) != ACME_OK) {
        return -1;
    }
    acme_key_free(&key);
    acme_key_free(&next);
    acme_drbg_free(&drbg);
    return make_blob(0) != 0 || make_blob(1) != 0 ? -1 : 0;
}

/* ---- steps: what the agent persists, in the order it does --------------------- */

typedef enum step {
    ACCOUNT_KEY,      /* the account key, before newAccount is sent */
    ACCOUNT,          /* the account URL for the CA, after newAccount */
    ORDER_P256,       /* order created: its URL and new key */
    INSTALL_P256,     /* the chain for it, key and CA info; the order is done */
    ORDER_RSA,        /* the next order (replacement) */
    INSTALL_RSA,      /* replaces the certificate */
    RESUME_INSTALL,   /* after a restart: the stored order's key, then install */
    ACCOUNT_OTHER_CA, /* an account at a second CA (discovery fell back) */
    PROVISION,        /* the factory writes the blob into the config partition */
    REPROVISION,      /* a new blob in the field, over the factory's */
    ROLLOVER_KEY,     /* the account's new key, before keyChange is sent */
    ROLLOVER_COMMIT,  /* the CA confirmed: the new key becomes the account's */
    ROLLOVER_DROP     /* the CA refused: the new key goes */
} step_t;

static acme_config_part_t config_part;
static uint8_t config_buf[4096];
static acme_provision_t config_prov;

/* Mount the config partition and load what it holds (a status). */
static acme_status_t load_config(size_t *len)
{
    acme_flash_geometry_t geo = {CONFIG_SIZE, ERASE_SIZE, flash.geo.prog_size};
    acme_status_t st = acme_config_part_mount(&config_part, &part_ops, &config_base, &geo);
    return st == ACME_OK ? acme_config_part_load(&config_part, config_buf, sizeof(config_buf), len,
                                                 &config_prov, NULL)
                         : st;
}

static acme_status_t set_key(acme_key_t **key, const uint8_t *der, size_t len)
{
    acme_key_free(key);
    return acme_key_parse_der(key, der, len);
}

static acme_status_t run_step(step_t step)
{
    struct acme_agent_crypto *c = agent.crypto;
    acme_status_t st = ACME_OK;
    switch (step) {
    case ACCOUNT_KEY:
    case ACCOUNT:
        st = set_key(&c->account_key, account_key_der, account_key_der_len);
        return st == ACME_OK ? acme_ag_state_save_account(&agent, ISSUER, DIRECTORY,
                                                          step == ACCOUNT ? ACCOUNT_URL : "")
                             : st;
    case ACCOUNT_OTHER_CA:
        /* Its own key: any other key will do (the first certificate's). */
        st = set_key(&c->account_key, certs[0].key_der, certs[0].key_der_len);
        return st == ACME_OK ? acme_ag_state_save_account(&agent, "other-ca.test",
                                                          "https://127.0.0.2/directory",
                                                          "https://127.0.0.2/acct/77")
                             : st;
    case PROVISION:
    case REPROVISION: {
        size_t len = 0;
        st = load_config(&len);
        if (st != ACME_OK && st != ACME_ERR_NOT_FOUND) {
            return st;
        }
        int which = step == REPROVISION;
        return acme_config_part_write(&config_part, blobs[which], blob_len[which]);
    }
    case ORDER_P256:
    case ORDER_RSA: {
        const issued_t *i = &certs[step == ORDER_RSA];
        st = set_key(&c->device_key, i->key_der, i->key_der_len);
        return st == ACME_OK ? acme_ag_state_save_pending(&agent, DIRECTORY, i->order_url) : st;
    }
    case INSTALL_P256:
    case INSTALL_RSA: {
        const issued_t *i = &certs[step == INSTALL_RSA];
        st = set_key(&c->device_key, i->key_der, i->key_der_len);
        snprintf(agent.ca_issuer, sizeof(agent.ca_issuer), "%s", ISSUER);
        snprintf(agent.ca_directory, sizeof(agent.ca_directory), "%s", DIRECTORY);
        return st == ACME_OK ? acme_ag_state_install(&agent, i->chain, i->chain_len) : st;
    }
    case RESUME_INSTALL: {
        /* The key comes from the store, not from RAM: a restart lost RAM. */
        char directory[ACME_URL_MAX + 1];
        char order_url[ACME_URL_MAX + 1];
        st = acme_ag_state_load_pending_key(&agent);
        if (st == ACME_ERR_NOT_FOUND && acme_store_has(&agent.store, ACME_REC_CHAIN, NULL)) {
            return ACME_OK; /* finished before the cut */
        }
        snprintf(directory, sizeof(directory), "%s", DIRECTORY);
        acme_ag_state_pending_order(&agent, directory, order_url, sizeof(order_url));
        if (st != ACME_OK || strcmp(order_url, certs[0].order_url) != 0) {
            return st != ACME_OK ? st : ACME_ERR_MALFORMED;
        }
        snprintf(agent.ca_issuer, sizeof(agent.ca_issuer), "%s", ISSUER);
        snprintf(agent.ca_directory, sizeof(agent.ca_directory), "%s", directory);
        return acme_ag_state_install(&agent, certs[0].chain, certs[0].chain_len);
    }
    case ROLLOVER_KEY:
        st = set_key(&c->rollover_key, rollover_key_der, rollover_key_der_len);
        return st == ACME_OK ? acme_ag_state_save_rollover(&agent, DIRECTORY, ACCOUNT_URL) : st;
    case ROLLOVER_COMMIT:
    case ROLLOVER_DROP: {
        /* The key comes from the store: a restart may have come between. */
        char directory[ACME_URL_MAX + 1];
        if (acme_ag_state_rollover_directory(&agent, directory, sizeof(directory)) != ACME_OK) {
            return ACME_OK; /* finished before the cut */
        }
        if (step == ROLLOVER_DROP) {
            return acme_ag_state_drop_rollover(&agent);
        }
        st = acme_ag_state_load_rollover_key(&agent);
        return st == ACME_OK ? acme_ag_state_commit_rollover(&agent, directory) : st;
    }
    }
    return ACME_ERR_INVALID_ARG;
}

/* ---- scenarios ---------------------------------------------------------------- */

typedef struct scenario {
    const char *name;
    step_t before[STEPS_MAX]; /* brings the device to the starting state */
    int before_count;
    step_t steps[STEPS_MAX]; /* the steps cut at every operation */
    int step_count;
} scenario_t;

static const scenario_t scenarios[] = {
    {"account-creation", {0}, 0, {ACCOUNT_KEY, ACCOUNT}, 2},
    {"first-issuance", {0}, 0, {ACCOUNT_KEY, ACCOUNT, ORDER_P256, INSTALL_P256}, 4},
    {"certificate-replacement",
     {ACCOUNT_KEY, ACCOUNT, ORDER_P256, INSTALL_P256},
     4,
     {ORDER_RSA, INSTALL_RSA},
     2},
    {"first-provisioning", {0}, 0, {PROVISION, ACCOUNT_KEY, ACCOUNT, ORDER_P256, INSTALL_P256}, 5},
    {"resumed-order", {ACCOUNT_KEY, ACCOUNT, ORDER_P256}, 3, {RESUME_INSTALL}, 1},
    {"re-provisioning",
     {PROVISION, ACCOUNT_KEY, ACCOUNT, ORDER_P256, INSTALL_P256},
     5,
     {REPROVISION},
     1},
    {"account-at-second-ca",
     {ACCOUNT_KEY, ACCOUNT, ORDER_P256, INSTALL_P256},
     4,
     {ACCOUNT_OTHER_CA},
     1},
    {"key-rollover",
     {ACCOUNT_KEY, ACCOUNT, ORDER_P256, INSTALL_P256},
     4,
     {ROLLOVER_KEY, ROLLOVER_COMMIT},
     2},
    {"key-rollover-refused",
     {ACCOUNT_KEY, ACCOUNT, ORDER_P256, INSTALL_P256},
     4,
     {ROLLOVER_KEY, ROLLOVER_DROP},
     2},
};
#define SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

static const uint32_t units[] = {1, 2, 4, 8, 16};
#define UNITS (sizeof(units) / sizeof(units[0]))

/* ---- what the device shows after a boot ------------------------------------------ */

/* The stored state as text: a CRC per record, "-" for an absent one. */
static int state_text(char *out, size_t cap)
{
    static const uint16_t types[] = {ACME_REC_ACCOUNT_KEY_FIRST,
                                     ACME_REC_ACCOUNT_FIRST,
                                     ACME_REC_DEVICE_KEY,
                                     ACME_REC_CHAIN,
                                     ACME_REC_CA_INFO,
                                     ACME_REC_PENDING_KEY,
                                     ACME_REC_PENDING_ORDER,
                                     ACME_REC_ACCOUNT_FIRST + 1,
                                     ACME_REC_ACCOUNT_KEY_FIRST + 1,
                                     ACME_REC_ROLLOVER_KEY,
                                     ACME_REC_ROLLOVER};
    size_t config_len = 0;
    acme_status_t cst = load_config(&config_len);
    if (cst != ACME_OK && cst != ACME_ERR_NOT_FOUND) {
        return -1; /* a config partition that holds neither nothing nor a whole blob */
    }
    int head = cst == ACME_OK ? snprintf(out, cap, "cfg:%08x ",
                                         (unsigned)acme_crc32(0, config_buf, config_len))
                              : snprintf(out, cap, "cfg:- ");
    if (head < 0 || (size_t)head >= cap) {
        return -1;
    }
    size_t pos = (size_t)head;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        static uint8_t buf[ACME_STORE_RECORD_MAX];
        size_t len = 0;
        acme_status_t st = acme_store_read(&agent.store, types[i], buf, sizeof(buf), &len);
        if (st != ACME_OK && st != ACME_ERR_NOT_FOUND) {
            return -1;
        }
        int n = st == ACME_OK ? snprintf(out + pos, cap - pos, "%u:%08x ", types[i],
                                         (unsigned)acme_crc32(0, buf, len))
                              : snprintf(out + pos, cap - pos, "%u:- ", types[i]);
        if (n < 0 || (size_t)n >= cap - pos) {
            return -1;
        }
        pos += (size_t)n;
    }
    return 0;
}

/* The invariants a user relies on after any power cut; NULL when they hold. */
static const char *check_invariants(void)
{
    static char chain[8192];
    static char key_pem[4096];
    size_t chain_len = 0;
    size_t key_len = 0;
    bool has_chain = acme_store_has(&agent.store, ACME_REC_CHAIN, NULL);
    if (has_chain) {
        if (acme_agent_read_chain(&agent, chain, sizeof(chain), &chain_len) != ACME_OK ||
            acme_agent_read_device_key_pem(&agent, key_pem, sizeof(key_pem), &key_len) != ACME_OK) {
            return "certificate installed but chain or key unreadable";
        }
        mbedtls_x509_crt crt;
        mbedtls_pk_context key;
        mbedtls_x509_crt_init(&crt);
        mbedtls_pk_init(&key);
        int ok =
            mbedtls_x509_crt_parse(&crt, (const unsigned char *)chain, chain_len + 1) == 0 &&
            mbedtls_pk_parse_key(&key, (const unsigned char *)key_pem, key_len + 1, NULL, 0) == 0 &&
            mbedtls_pk_check_pair(&crt.pk, &key) == 0;
        mbedtls_x509_crt_free(&crt);
        mbedtls_pk_free(&key);
        memset(key_pem, 0, sizeof(key_pem));
        if (!ok) {
            return "the installed certificate does not match the stored key";
        }
        acme_cert_info_t info;
        if (acme_agent_cert_info(&agent, &info) != ACME_OK) {
            return "certificate installed but its facts unreadable";
        }
    }
    for (uint16_t slot = 0; slot < ACME_STORE_ACCOUNTS_MAX; slot++) {
        if (acme_store_has(&agent.store, (uint16_t)(ACME_REC_ACCOUNT_FIRST + slot), NULL) !=
            acme_store_has(&agent.store, (uint16_t)(ACME_REC_ACCOUNT_KEY_FIRST + slot), NULL)) {
            return "an account without its key (or a key without its account)";
        }
    }
    if (acme_store_has(&agent.store, ACME_REC_PENDING_ORDER, NULL) !=
        acme_store_has(&agent.store, ACME_REC_PENDING_KEY, NULL)) {
        return "an order in progress without its key (or a key without its order)";
    }
    bool rollover = acme_store_has(&agent.store, ACME_REC_ROLLOVER, NULL);
    if (rollover != acme_store_has(&agent.store, ACME_REC_ROLLOVER_KEY, NULL)) {
        return "a key rollover without its new key (or a new key without its rollover)";
    }
    if (rollover) {
        /* The account it is for keeps its old key until the CA confirmed. */
        char directory[ACME_URL_MAX + 1];
        char url[ACME_URL_MAX + 1];
        if (acme_ag_state_rollover_directory(&agent, directory, sizeof(directory)) != ACME_OK ||
            acme_ag_state_account_url(&agent, ACME_AG_ACCOUNT_DIRECTORY, directory, url,
                                      sizeof(url)) != ACME_OK) {
            return "a key rollover for an account that is not stored";
        }
    }
    return NULL;
}

/* ---- one case and the sweep ---------------------------------------------------------- */

typedef struct reference {
    char states[STEPS_MAX + 1][STATE_TEXT_MAX]; /* before step 0 .. after the last */
} reference_t;

static int fresh_device(const scenario_t *sc, uint32_t unit)
{
    fake_flash_init(&flash, FLASH_SIZE, ERASE_SIZE, unit);
    if (boot() != 0) {
        return -1;
    }
    for (int i = 0; i < sc->before_count; i++) {
        if (run_step(sc->before[i]) != ACME_OK) {
            return -1;
        }
    }
    return boot(); /* the scenario starts after a boot, as on a device */
}

static int reference_run(const scenario_t *sc, uint32_t unit, reference_t *ref)
{
    if (fresh_device(sc, unit) != 0 || state_text(ref->states[0], STATE_TEXT_MAX) != 0) {
        return -1;
    }
    for (int i = 0; i < sc->step_count; i++) {
        if (run_step(sc->steps[i]) != ACME_OK || boot() != 0 ||
            state_text(ref->states[i + 1], STATE_TEXT_MAX) != 0 || check_invariants() != NULL) {
            return -1;
        }
    }
    return 0;
}

typedef enum outcome { CASE_CUT, CASE_NO_CUT, CASE_FAILED } outcome_t;

static outcome_t fail(const scenario_t *sc, uint32_t unit, uint32_t cut, uint32_t seed,
                      const char *why, const char *now)
{
    fprintf(stderr,
            "powerloss: FAIL %s unit %u cut at operation %u seed %u: %s\n  state: %s\n"
            "  reproduce: powerloss %s %u %u %u\n",
            sc->name, unit, cut, seed, why, now != NULL ? now : "(none)", sc->name, unit, cut,
            seed);
    return CASE_FAILED;
}

/* Cut power at operation `cut` (counted from the scenario's start). */
static outcome_t run_case(const scenario_t *sc, uint32_t unit, uint32_t cut, uint32_t seed,
                          const reference_t *ref, unsigned *second_cuts)
{
    if (fresh_device(sc, unit) != 0) {
        return fail(sc, unit, cut, seed, "could not set up the starting state", NULL);
    }
    uint32_t variant = seed % SEEDS_PER_CUT;
    flash.tear_prefix = variant >= SEEDS_PER_CUT / 2;
    fake_flash_cut_at(&flash, cut, seed);
    int interrupted = sc->step_count;
    for (int i = 0; i < sc->step_count; i++) {
        acme_status_t st = run_step(sc->steps[i]);
        if (flash.dead) {
            interrupted = i;
            break;
        }
        if (st != ACME_OK) {
            return fail(sc, unit, cut, seed, "a step failed without a power cut", NULL);
        }
    }
    if (interrupted == sc->step_count) {
        return CASE_NO_CUT; /* the cut came after the last operation */
    }
    char now[STATE_TEXT_MAX];
    if (boot() != 0 || state_text(now, sizeof(now)) != 0) {
        return fail(sc, unit, cut, seed, "the device does not boot after the cut", NULL);
    }
    if (strcmp(now, ref->states[interrupted]) != 0 &&
        strcmp(now, ref->states[interrupted + 1]) != 0) {
        return fail(sc, unit, cut, seed, "neither the state before nor after the step", now);
    }
    const char *broken = check_invariants();
    if (broken != NULL) {
        return fail(sc, unit, cut, seed, broken, now);
    }
    /* The device carries on from the interrupted step; in odd variants
     * power fails again on the way, and the state must still be whole. */
    int resume = interrupted;
    if (variant % 2 == 1) {
        fake_flash_cut_at(&flash, 1u + seed % 64u, seed ^ 0xA5A5A5A5u);
        for (int i = resume; i < sc->step_count && !flash.dead; i++) {
            (void)run_step(sc->steps[i]);
            resume = flash.dead ? i : i + 1;
        }
        bool again = flash.dead;
        if (boot() != 0 || state_text(now, sizeof(now)) != 0) {
            return fail(sc, unit, cut, seed, "the device does not boot after a second cut", NULL);
        }
        bool known = false; /* a state at a step boundary, not behind the first cut */
        for (int i = interrupted; i <= sc->step_count; i++) {
            known |= strcmp(now, ref->states[i]) == 0;
        }
        broken = check_invariants();
        if (!known || broken != NULL) {
            return fail(sc, unit, cut, seed, broken != NULL ? broken : "torn by a second cut", now);
        }
        *second_cuts += again;
        /* Where the state says the device stands (a step may have landed
         * before the second cut). */
        for (int i = interrupted; i <= sc->step_count; i++) {
            resume = strcmp(now, ref->states[i]) == 0 ? i : resume;
        }
    }
    for (int i = resume; i < sc->step_count; i++) {
        if (run_step(sc->steps[i]) != ACME_OK) {
            return fail(sc, unit, cut, seed, "the device cannot carry on after the cut", now);
        }
    }
    if (boot() != 0 || state_text(now, sizeof(now)) != 0 ||
        strcmp(now, ref->states[sc->step_count]) != 0) {
        return fail(sc, unit, cut, seed, "carrying on does not reach the final state", now);
    }
    return CASE_CUT;
}

static const scenario_t *scenario_named(const char *name)
{
    for (size_t i = 0; i < SCENARIOS; i++) {
        if (strcmp(scenarios[i].name, name) == 0) {
            return &scenarios[i];
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    static reference_t ref;
    if (load_fixtures() != 0) {
        fprintf(stderr, "powerloss: cannot load the fixtures under %s\n", ACME_TEST_DATA_DIR);
        return 1;
    }
    if (argc == 5) {
        const scenario_t *sc = scenario_named(argv[1]);
        uint32_t unit = (uint32_t)strtoul(argv[2], NULL, 10);
        if (sc == NULL || reference_run(sc, unit, &ref) != 0) {
            fprintf(stderr, "powerloss: unknown scenario or unit\n");
            return 2;
        }
        unsigned second = 0;
        outcome_t o = run_case(sc, unit, (uint32_t)strtoul(argv[3], NULL, 10),
                               (uint32_t)strtoul(argv[4], NULL, 10), &ref, &second);
        printf("powerloss: %s\n", o == CASE_FAILED ? "FAIL" : "ok");
        return o == CASE_FAILED ? 1 : 0;
    }
    unsigned cuts = 0;
    unsigned failures = 0;
    for (size_t s = 0; s < SCENARIOS; s++) {
        const scenario_t *sc = &scenarios[s];
        unsigned scenario_cuts = 0;
        for (size_t u = 0; u < UNITS; u++) {
            if (reference_run(sc, units[u], &ref) != 0) {
                fprintf(stderr, "powerloss: %s: the run without cuts fails\n", sc->name);
                return 1;
            }
            /* Every operation, until a cut lands after the last one. */
            bool done = false;
            for (uint32_t cut = 1; !done && cut <= 20000u; cut++) {
                for (uint32_t k = 0; k < SEEDS_PER_CUT && failures < 10u; k++) {
                    /* seed % SEEDS_PER_CUT is the variant. */
                    uint32_t seed =
                        (uint32_t)((s * 1000003u + units[u] * 7919u + cut * 31u) * SEEDS_PER_CUT +
                                   k);
                    unsigned second = 0;
                    outcome_t o = run_case(sc, units[u], cut, seed, &ref, &second);
                    done |= o == CASE_NO_CUT;
                    cuts += (o != CASE_NO_CUT) + second;
                    scenario_cuts += (o != CASE_NO_CUT) + second;
                    failures += o == CASE_FAILED;
                }
            }
        }
        printf("powerloss: %-24s %5u cuts over units 1/2/4/8/16, %u variants per operation\n",
               sc->name, scenario_cuts, SEEDS_PER_CUT);
    }
    printf("powerloss: %u power cuts injected, %u violations\n", cuts, failures);
    if (failures == 0 && cuts < CUTS_REQUIRED) {
        fprintf(stderr, "powerloss: only %u cuts, fewer than the %u required\n", cuts,
                CUTS_REQUIRED);
        return 1;
    }
    return failures == 0 ? 0 : 1;
}
