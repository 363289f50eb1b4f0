/*
 * acme-agent status: the installed certificate as one JSON object.
 */
#include <stdio.h>
#include <string.h>

#include "acme/codec/ari.h"
#include "acme/codec/json_writer.h"
#include "cli_config.h"
#include "cli_renewal_json.h"
#include "cli_state.h"

static void status_usage(FILE *out)
{
    fputs("usage: acme-agent status --state FILE\n"
          "\n"
          "Prints {\"names\":[...],\"issuer\":...,\"serial\":...,\"not_before\":...,\n"
          "\"not_after\":...,\"account\":...,\"ca\":{\"issuer\":...,\"directory\":...,\n"
          "\"terms_of_service\":...},\"config\":{...},\"store\":{\"blocks\":...,\n"
          "\"erase_size\":...,\"live_bytes\":...,\"erase_counts\":[...]}} for the stored\n"
          "certificate, the provisioned config (null when none; EAB and device keys are\n"
          "never shown) and the flash wear (erase_counts: per erase block, null for a block\n"
          "never used). \"renewal\": the failed runs since the certificate was\n"
          "installed, the last failure, the planned renewal {\"at\",\"why\"}, the ARI\n"
          "window. \"next\": what 'run' does next, {\"action\":\"issue|ari_check|wait\",\n"
          "\"at\":...,\"why\":\"no certificate|ari window|lifetime|backoff\",\n"
          "\"renew_at\":...} (null when the wall clock is unknown). \"ari\":\n"
          "{\"window\",\"next_check\",\"replaced\"}. Without a certificate:\n"
          "{\"certificate\":null,\"config\",\"renewal\",\"next\"} and exit 2.\n",
          out);
}

/* What the renewal bookkeeping says, read while the state is open. */
typedef struct status_renewal {
    acme_renewal_info_t info;
    bool have_plan;
    acme_renew_plan_t plan;
    bool have_next;
    acme_next_step_t next;
} status_renewal_t;

static void read_renewal(acme_agent_t *agent, status_renewal_t *r)
{
    acme_agent_renewal_info(agent, &r->info);
    r->plan = (acme_renew_plan_t){0, 0};
    r->have_next = acme_agent_next(agent, &r->next) == ACME_OK;
    if (r->have_next) {
        /* The next step carries the plan: one parse of the chain, not two. */
        r->plan = (acme_renew_plan_t){r->next.renew_at_s, r->next.basis};
        r->have_plan = true;
    } else {
        /* No wall clock: the plan still stands (it needs none). */
        r->have_plan = acme_agent_renewal_plan(agent, &r->plan) == ACME_OK;
    }
}

/* "renewal": {"failures","last_failure","next","ari_window"}; tests and
 * scripts read these names. */
static void json_renewal(acme_json_writer_t *w, const status_renewal_t *r)
{
    const acme_renewal_info_t *renewal = &r->info;
    char when[32];
    acme_jw_key(w, "renewal");
    acme_jw_object_begin(w);
    acme_jw_key(w, "failures");
    acme_jw_int(w, renewal->failures);
    acme_jw_key(w, "last_failure");
    if (renewal->failures != 0) {
        acme_jw_object_begin(w);
        acme_jw_key(w, "status");
        acme_jw_string(w, acme_status_name(renewal->last_status));
        acme_jw_key(w, "at");
        if (renewal->last_failure_s != 0) {
            cli_format_time(renewal->last_failure_s, when, sizeof(when));
            acme_jw_string(w, when);
        } else {
            acme_jw_null(w); /* the clock was unknown */
        }
        acme_jw_object_end(w);
    } else {
        acme_jw_null(w);
    }
    /* When the certificate is due and why (acme/engine/renewal.h). */
    acme_jw_key(w, "next");
    if (r->have_plan && r->plan.basis != ACME_RENEW_NO_CERT) {
        cli_format_time(r->plan.at_s, when, sizeof(when));
        acme_jw_object_begin(w);
        acme_jw_key(w, "at");
        acme_jw_string(w, when);
        acme_jw_key(w, "why");
        acme_jw_string(w, cli_renew_why(r->plan.basis));
        acme_jw_object_end(w);
    } else {
        acme_jw_null(w);
    }
    acme_jw_key(w, "ari_window");
    if (renewal->ari_end_s != 0) {
        acme_jw_object_begin(w);
        acme_jw_key(w, "start");
        cli_format_time(renewal->ari_start_s, when, sizeof(when));
        acme_jw_string(w, when);
        acme_jw_key(w, "end");
        cli_format_time(renewal->ari_end_s, when, sizeof(when));
        acme_jw_string(w, when);
        acme_jw_object_end(w);
    } else {
        acme_jw_null(w);
    }
    acme_jw_object_end(w);
    /* What run does next (acme_agent_next), null with an unknown clock. */
    acme_jw_key(w, "next");
    if (r->have_next) {
        cli_json_next(w, &r->next);
    } else {
        acme_jw_null(w);
    }
}

int cmd_status(int argc, char **argv)
{
    static cli_state_t st_obj;
    const char *state = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (cli_is_help(argv[i])) {
            status_usage(stdout);
            return CLI_EXIT_OK;
        }
        if ((v = cli_value(argc, argv, &i)) == NULL) {
            return CLI_EXIT_FAIL;
        }
        if (strcmp(argv[i - 1], "--state") == 0) {
            state = v;
        } else {
            return cli_fail("status: unknown option '%s' (see --help)", argv[i - 1]);
        }
    }
    if (state == NULL) {
        status_usage(stderr);
        return cli_fail("status needs --state");
    }
    acme_status_t st = cli_state_open(&st_obj, state);
    if (st != ACME_OK) {
        return cli_fail_state(state, st);
    }
    acme_cert_info_t info;
    acme_ca_info_t ca;
    char account[ACME_URL_MAX + 1];
    static cli_config_t conf;
    acme_status_t conf_st = cli_config_read(&conf, &st_obj.flash.config);
    st = acme_agent_cert_info(&st_obj.agent, &info);
    bool have_ca = acme_agent_ca_info(&st_obj.agent, &ca) == ACME_OK;
    if (acme_agent_account_url(&st_obj.agent, account, sizeof(account)) != ACME_OK) {
        account[0] = '\0';
    }
    static status_renewal_t renewal;
    read_renewal(&st_obj.agent, &renewal);
    char cert_id[ACME_ARI_CERT_ID_MAX];
    if (acme_agent_ari_cert_id(&st_obj.agent, cert_id, sizeof(cert_id)) != ACME_OK) {
        cert_id[0] = '\0';
    }
    /* Wear: the erase count of every block of the state partition. */
    const acme_store_t *store = acme_agent_store(&st_obj.agent);
    uint32_t blocks = store->blocks;
    static int64_t erases[ACME_POSIX_FLASH_MAX_BLOCKS];
    for (uint32_t b = 0; b < blocks && b < ACME_POSIX_FLASH_MAX_BLOCKS; b++) {
        uint32_t n = 0;
        erases[b] = acme_store_block_erases(store, b, &n) == ACME_OK ? (int64_t)n : -1;
    }
    uint32_t live_bytes = acme_store_live_bytes(store);
    uint32_t erase_size = store->geo.erase_size;
    cli_state_close(&st_obj);
    static char json[16384];
    acme_json_writer_t w;
    if (conf_st != ACME_OK) {
        cli_config_clear(&conf);
        return cli_fail("status: cannot read the config partition: %s", acme_strerror(conf_st));
    }
    if (st == ACME_ERR_NOT_FOUND) {
        /* Nothing issued yet: the config, the failed attempts and when the
         * next one is due; still exit 2 (0 means a certificate is held). */
        acme_jw_init(&w, json, sizeof(json));
        acme_jw_object_begin(&w);
        acme_jw_key(&w, "certificate");
        acme_jw_null(&w);
        acme_jw_key(&w, "config");
        cli_config_json(&conf, &w);
        json_renewal(&w, &renewal);
        acme_jw_object_end(&w);
        size_t n = 0;
        if (acme_jw_finish(&w, &n) == ACME_OK) {
            printf("%s\n", json);
        }
    }
    if (st == ACME_ERR_NOT_FOUND) {
        cli_config_clear(&conf);
        return cli_fail("status: no certificate in %s", state);
    }
    if (st != ACME_OK) {
        cli_config_clear(&conf);
        return cli_fail("status: cannot read the stored certificate: %s", acme_strerror(st));
    }

    char not_before[32];
    char not_after[32];
    cli_format_time(info.not_before, not_before, sizeof(not_before));
    cli_format_time(info.not_after, not_after, sizeof(not_after));
    acme_jw_init(&w, json, sizeof(json));
    acme_jw_object_begin(&w);
    acme_jw_key(&w, "names");
    acme_jw_array_begin(&w);
    for (size_t i = 0; i < info.name_count && i < ACME_MAX_IDENTIFIERS; i++) {
        acme_jw_string(&w, info.names[i]);
    }
    acme_jw_array_end(&w);
    acme_jw_key(&w, "subject_cn");
    acme_jw_string(&w, info.subject_cn);
    acme_jw_key(&w, "issuer");
    acme_jw_string(&w, info.issuer);
    acme_jw_key(&w, "serial");
    acme_jw_string(&w, info.serial_hex);
    acme_jw_key(&w, "not_before");
    acme_jw_string(&w, not_before);
    acme_jw_key(&w, "not_after");
    acme_jw_string(&w, not_after);
    acme_jw_key(&w, "chain_certificates");
    acme_jw_int(&w, (int64_t)info.chain_certs);
    /* RFC 9773: what renewalInfo and "replaces" call this certificate. */
    acme_jw_key(&w, "ari_cert_id");
    if (cert_id[0] != '\0') {
        acme_jw_string(&w, cert_id);
    } else {
        acme_jw_null(&w);
    }
    acme_jw_key(&w, "account");
    if (account[0] != '\0') {
        acme_jw_string(&w, account);
    } else {
        acme_jw_null(&w);
    }
    /* The CA that issued it and its terms (draft-03 §7.2: show them). */
    acme_jw_key(&w, "ca");
    if (have_ca) {
        acme_jw_object_begin(&w);
        acme_jw_key(&w, "issuer");
        if (ca.issuer[0] != '\0') {
            acme_jw_string(&w, ca.issuer);
        } else {
            acme_jw_null(&w);
        }
        acme_jw_key(&w, "directory");
        acme_jw_string(&w, ca.directory);
        acme_jw_key(&w, "terms_of_service");
        if (ca.terms_of_service[0] != '\0') {
            acme_jw_string(&w, ca.terms_of_service);
        } else {
            acme_jw_null(&w);
        }
#if ACME_ENABLE_PROFILES
        /* The profile the CA says it issued under (null: it named none). */
        acme_jw_key(&w, "profile");
        if (ca.profile[0] != '\0') {
            acme_jw_string(&w, ca.profile);
        } else {
            acme_jw_null(&w);
        }
#endif
        acme_jw_object_end(&w);
    } else {
        acme_jw_null(&w);
    }
    /* The provisioned config (null when none; never a secret). */
    acme_jw_key(&w, "config");
    cli_config_json(&conf, &w);
    cli_config_clear(&conf);
    /* Failed runs since this certificate was installed (kept in flash),
     * the plan and the next action. */
    json_renewal(&w, &renewal);
    acme_jw_key(&w, "ari");
    acme_jw_object_begin(&w);
    cli_json_ari_members(&w, &renewal.info);
    acme_jw_object_end(&w);
    acme_jw_key(&w, "store");
    acme_jw_object_begin(&w);
    acme_jw_key(&w, "blocks");
    acme_jw_int(&w, blocks);
    acme_jw_key(&w, "erase_size");
    acme_jw_int(&w, erase_size);
    acme_jw_key(&w, "live_bytes");
    acme_jw_int(&w, live_bytes);
    acme_jw_key(&w, "erase_counts");
    acme_jw_array_begin(&w);
    for (uint32_t b = 0; b < blocks && b < ACME_POSIX_FLASH_MAX_BLOCKS; b++) {
        if (erases[b] >= 0) {
            acme_jw_int(&w, erases[b]);
        } else {
            acme_jw_null(&w);
        }
    }
    acme_jw_array_end(&w);
    acme_jw_object_end(&w);
    acme_jw_object_end(&w);
    size_t len = 0;
    if (acme_jw_finish(&w, &len) != ACME_OK) {
        return cli_fail("status: output too large");
    }
    printf("%s\n", json);
    return CLI_EXIT_OK;
}
