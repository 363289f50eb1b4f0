/*
 * acme-agent ari: one ARI check (RFC 9773) of the installed certificate at
 * the CA that issued it, now, and the stored result as JSON.
 */
#include <stdio.h>
#include <string.h>

#include "acme/codec/json_writer.h"
#include "cli_drive.h"
#include "cli_renewal_json.h"
#include "cli_session.h"
#include "cli_signal.h"
#include "cli_state.h"

static void ari_usage(FILE *out)
{
    fputs("usage: acme-agent ari --state FILE [--trust PEMFILE] [--dns-server IP:PORT]\n"
          "                      [--verbose] [--arena-size BYTES]\n"
          "\n"
          "Fetches the renewalInfo of the installed certificate from the CA that issued\n"
          "it (GET directory, GET renewalInfo/<certID>; nothing is signed), stores the\n"
          "window and when to check next, and prints {\"result\":\"ok|unsupported|failed\",\n"
          "\"error\":...,\"explanation_url\":...,\"window\":{\"start\":...,\"end\":...}|null,\n"
          "\"next_check\":...,\"replaced\":...} with the stored values. \"unsupported\": the\n"
          "CA offers no renewalInfo (exit 0; renewal follows the lifetime). A failed check\n"
          "exits 2 and does not count as a failed issuance.\n"
          "\n"
          "The trust anchors come from the provisioned config, or from --trust for a\n"
          "state made by 'acme-agent issue' (the certificate's names are used then).\n"
          "\n"
          "  --trust PEMFILE     CA certificate(s) the ACME server's TLS chains to\n",
          out);
    fputs(cli_run_usage, out);
}

/* The explanationURL of the answer (ACME_EVENT_ARI_UPDATED). */
static char g_explanation[ACME_URL_MAX + 1];

static void on_event(void *ctx, const acme_event_t *ev)
{
    if (ev->type == ACME_EVENT_ARI_UPDATED && ev->detail != NULL) {
        snprintf(g_explanation, sizeof(g_explanation), "%s", ev->detail);
    }
    cli_on_event(ctx, ev);
}

/* Without a config: the names of the installed certificate and the
 * directory of the CA that issued it, from the state read-only. */
static int from_certificate(cli_session_t *s, const cli_run_options_t *o, const char *trust_path)
{
    static cli_state_t ro;
    static acme_cert_info_t info;
    static acme_ca_info_t ca;
    static char trust[CLI_TRUST_MAX];
    static const char *names[ACME_MAX_IDENTIFIERS];
    size_t trust_len = 0;
    if (cli_read_file(trust_path, trust, sizeof(trust), &trust_len) != ACME_OK) {
        return cli_fail("ari: cannot read trust anchors from %s", trust_path);
    }
    acme_status_t st = cli_state_open(&ro, o->state);
    if (st != ACME_OK) {
        return cli_fail_state(o->state, st);
    }
    st = acme_agent_cert_info(&ro.agent, &info);
    if (st == ACME_OK) {
        st = acme_agent_ca_info(&ro.agent, &ca);
    }
    cli_state_close(&ro);
    if (st != ACME_OK) {
        return cli_fail("ari: no certificate in %s to check", o->state);
    }
    for (size_t i = 0; i < info.name_count && i < ACME_MAX_IDENTIFIERS; i++) {
        names[i] = info.names[i];
    }
    st = cli_open_state(&s->pp, &s->port, &s->flash, o->state, o->net.verbose);
    if (st != ACME_OK) {
        return cli_fail_state(o->state, st);
    }
    s->cfg = o->base;
    s->cfg.names = names;
    s->cfg.name_count = info.name_count;
    s->cfg.directory_url = ca.directory;
    s->cfg.trust_pem = trust;
    s->cfg.trust_pem_len = trust_len;
    size_t arena_size = o->net.arena_size != 0 ? o->net.arena_size : CLI_ARENA_SIZE;
    st = acme_agent_init(&s->agent, &s->cfg, &s->port, cli_arena(), arena_size);
    if (st != ACME_OK) {
        acme_agent_deinit(&s->agent);
        acme_posix_port_deinit(&s->pp);
        return cli_fail("ari: cannot start the agent: %s", acme_strerror(st));
    }
    s->open = true;
    return CLI_EXIT_OK;
}

int cmd_ari(int argc, char **argv)
{
    static cli_run_options_t o;
    static cli_session_t s;
    static char json[2048];
    const char *trust_path = NULL;
    cli_run_options_init(&o);
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            ari_usage(stdout);
            return CLI_EXIT_OK;
        }
        if (strcmp(argv[i], "--trust") == 0) {
            if ((trust_path = cli_value(argc, argv, &i)) == NULL) {
                return CLI_EXIT_FAIL;
            }
            continue;
        }
        int handled = cli_run_option(argc, argv, &i, &o);
        if (handled < 0) {
            return CLI_EXIT_FAIL;
        }
        if (handled == 0) {
            return cli_fail("ari: unknown option '%s' (see --help)", argv[i]);
        }
    }
    if (o.state == NULL) {
        ari_usage(stderr);
        return cli_fail("ari needs --state");
    }
#if !ACME_ENABLE_ARI
    return cli_fail("ari: this build has no ARI (ACME_ENABLE_ARI)");
#else
    cli_signals_install();
    if (trust_path != NULL) {
        if (from_certificate(&s, &o, trust_path) != CLI_EXIT_OK) {
            return CLI_EXIT_FAIL;
        }
    } else if (cli_session_open(&s, &o, "ari", true) != ACME_OK) {
        return CLI_EXIT_FAIL;
    }
    s.cfg.on_event = on_event; /* read at each event: taking it over now is enough */
    bool stopped = false;
    acme_status_t st = cli_drive(&s.agent, &s.port, CLI_RUN_ARI, &stopped);
    char why[1024] = "";
    if (st != ACME_OK && st != ACME_ERR_UNSUPPORTED && !stopped) {
        cli_describe_failure(&s.agent, st, why, sizeof(why));
    }
    acme_renewal_info_t r;
    acme_agent_renewal_info(&s.agent, &r);
    cli_session_close(&s);
    if (stopped) {
        return cli_fail("ari: interrupted");
    }
    acme_json_writer_t w;
    acme_jw_init(&w, json, sizeof(json));
    acme_jw_object_begin(&w);
    acme_jw_key(&w, "result");
    acme_jw_string(&w, st == ACME_OK                ? "ok"
                       : st == ACME_ERR_UNSUPPORTED ? "unsupported"
                                                    : "failed");
    acme_jw_key(&w, "error");
    if (why[0] != '\0') {
        acme_jw_string(&w, why);
    } else {
        acme_jw_null(&w);
    }
    acme_jw_key(&w, "explanation_url");
    if (st == ACME_OK && g_explanation[0] != '\0') {
        acme_jw_string(&w, g_explanation);
    } else {
        acme_jw_null(&w);
    }
    cli_json_ari_members(&w, &r);
    acme_jw_object_end(&w);
    size_t len = 0;
    if (acme_jw_finish(&w, &len) == ACME_OK) {
        printf("%s\n", json);
    }
    if (st != ACME_OK && st != ACME_ERR_UNSUPPORTED) {
        return cli_fail("ari check failed: %s", why);
    }
    return CLI_EXIT_OK;
#endif
}
