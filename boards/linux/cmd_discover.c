/*
 * acme-agent discover: find the CAs for some names from their CAA records
 * and print them in the order issuance would try them, with each one's
 * directory or the reason it was skipped. Nothing is issued.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acme/codec/ip_addr.h"
#include "acme/codec/json_writer.h"
#include "cli.h"
#include "cli_agent_options.h"

static void discover_usage(FILE *out)
{
    fputs("usage: acme-agent discover --domain NAME [--domain NAME ...] --trust PEMFILE\n"
          "                           [--dns-server IP:PORT] [--state FILE] [CA options]\n"
          "\n"
          "Prints {\"names\":[...],\"candidates\":[...]}: the CAs the names' CAA records\n"
          "authorize (draft-vanbrouwershaven-acme-auto-discovery-03), usable ones first in\n"
          "the order issuance tries them, each with \"directory\", then skipped ones with\n"
          "\"skipped\": the reason. Exit 0 when some CA is usable, 2 otherwise.\n"
          "\n"
          "  --domain NAME       a name (a wildcard *.NAME uses issuewild)\n"
          "  --trust PEMFILE     CA certificate(s) the CAs' HTTPS servers chain to\n"
          "  --dns-server IP:PORT  resolver for CAA (default: the system's)\n"
          "  --state FILE        state file: our accounts (accounturi) and cool-downs\n"
          "\n"
          "CA options:\n",
          out);
    fputs(cli_ca_usage, out);
}

static void write_reason(acme_json_writer_t *w, uint8_t skip, acme_status_t why,
                         const char *why_text)
{
    char text[160];
    if (skip == ACME_CA_SKIP_DIRECTORY_FAILED || skip == ACME_CA_SKIP_ISSUE_FAILED) {
        snprintf(text, sizeof(text), "%s: %s", acme_ca_skip_name((acme_ca_skip_t)skip),
                 why_text != NULL ? why_text : acme_strerror(why));
    } else {
        snprintf(text, sizeof(text), "%s", acme_ca_skip_name((acme_ca_skip_t)skip));
    }
    acme_jw_key(w, "skipped");
    acme_jw_string(w, text);
}

static void write_candidate(acme_json_writer_t *w, const acme_ca_candidate_t *c)
{
    acme_jw_object_begin(w);
    acme_jw_key(w, "issuer");
    if (c->issuer[0] != '\0') {
        acme_jw_string(w, c->issuer);
    } else {
        acme_jw_null(w);
    }
    acme_jw_key(w, "priority");
    if (c->priority != 0) {
        acme_jw_int(w, c->priority);
    } else {
        acme_jw_null(w);
    }
    acme_jw_key(w, "record");
    if (c->issuer[0] != '\0') {
        acme_jw_string(w, c->record);
    } else {
        acme_jw_null(w);
    }
    if (c->skip == ACME_CA_USABLE && c->directory[0] != '\0') {
        acme_jw_key(w, "directory");
        acme_jw_string(w, c->directory);
    } else {
        write_reason(w, c->skip, c->skip_status, c->skip_why);
    }
    acme_jw_object_end(w);
}

static size_t print_result(const acme_discovery_t *d, const char *const *names, size_t count)
{
    static char json[32768];
    acme_json_writer_t w;
    acme_jw_init(&w, json, sizeof(json));
    acme_jw_object_begin(&w);
    acme_jw_key(&w, "names");
    acme_jw_array_begin(&w);
    for (size_t i = 0; i < count; i++) {
        acme_jw_string(&w, names[i]);
    }
    acme_jw_array_end(&w);
    acme_jw_key(&w, "candidates");
    acme_jw_array_begin(&w);
    size_t usable = 0;
    /* Usable candidates in the order issuance tries them... */
    for (size_t i = 0; i < d->order_count; i++) {
        const acme_ca_candidate_t *c = &d->candidates[d->order[i]];
        if (c->skip == ACME_CA_USABLE && c->directory[0] != '\0') {
            write_candidate(&w, c);
            usable++;
        }
    }
    /* ...then every candidate that was passed over... */
    for (size_t i = 0; i < d->candidate_count; i++) {
        const acme_ca_candidate_t *c = &d->candidates[i];
        if (c->skip != ACME_CA_USABLE || c->directory[0] == '\0') {
            if (c->skip != ACME_CA_USABLE) {
                write_candidate(&w, c);
            }
        }
    }
    /* ...then the records that never made it to a candidate. */
    for (size_t i = 0; i < d->skipped_count; i++) {
        const acme_caa_skipped_t *s = &d->skipped[i];
        acme_jw_object_begin(&w);
        acme_jw_key(&w, "issuer");
        if (s->issuer[0] != '\0') {
            acme_jw_string(&w, s->issuer);
        } else {
            acme_jw_null(&w);
        }
        acme_jw_key(&w, "priority");
        if (s->priority != 0) {
            acme_jw_int(&w, s->priority);
        } else {
            acme_jw_null(&w);
        }
        acme_jw_key(&w, "record");
        acme_jw_string(&w, s->record);
        write_reason(&w, s->reason, ACME_OK, NULL);
        acme_jw_object_end(&w);
    }
    acme_jw_array_end(&w);
    acme_jw_object_end(&w);
    size_t len = 0;
    if (acme_jw_finish(&w, &len) == ACME_OK) {
        printf("%s\n", json);
    }
    return usable;
}

int cmd_discover(int argc, char **argv)
{
    static char trust[CLI_TRUST_MAX];
    static uint8_t arena[CLI_ARENA_SIZE];
    static acme_posix_port_t pp;
    static acme_agent_t agent;
    static cli_agent_options_t opts;

    acme_agent_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    const char *state = NULL;
    for (int i = 1; i < argc; i++) {
        int handled = cli_agent_option(argc, argv, &i, &opts, &cfg);
        if (handled < 0) {
            return CLI_EXIT_FAIL;
        }
        if (handled > 0) {
            continue;
        }
        const char *a = argv[i];
        if (cli_is_help(a)) {
            discover_usage(stdout);
            return CLI_EXIT_OK;
        }
        const char *v = cli_value(argc, argv, &i);
        if (v == NULL) {
            return CLI_EXIT_FAIL;
        }
        if (strcmp(a, "--state") == 0) {
            state = v;
        } else {
            return cli_fail("discover: unknown option '%s' (see --help)", a);
        }
    }
    if (opts.name_count == 0 || opts.trust_path == NULL) {
        discover_usage(stderr);
        return cli_fail("discover needs --domain and --trust");
    }
    size_t trust_len = 0;
    if (cli_read_file(opts.trust_path, trust, sizeof(trust), &trust_len) != ACME_OK) {
        return cli_fail("cannot read trust anchors from %s", opts.trust_path);
    }
    cfg.trust_pem = trust;
    cfg.trust_pem_len = trust_len;
    cli_agent_apply(&opts, &cfg);

    /* Without --state, a throwaway state file: nothing to remember. */
    char scratch[64];
    if (state == NULL) {
        snprintf(scratch, sizeof(scratch), "/tmp/acme-agent-discover.%ld", (long)getpid());
        state = scratch;
    }
    acme_port_t port;
    static cli_flash_t flash;
    acme_status_t st = cli_open_state(&pp, &port, &flash, state, false);
    if (st != ACME_OK) {
        return cli_fail_state(state, st);
    }
    st = acme_agent_init(&agent, &cfg, &port, arena, sizeof(arena));
    if (st == ACME_OK) {
        st = acme_agent_run_discover(&agent);
    } else {
        acme_posix_port_deinit(&pp);
        if (state == scratch) {
            unlink(scratch);
        }
        return cli_fail("cannot start the agent: %s", acme_strerror(st));
    }
    size_t usable = 0;
    if (st == ACME_OK) {
        usable = print_result(acme_agent_discovery(&agent), opts.names, opts.name_count);
    } else if (acme_agent_discovery(&agent)->candidate_count > 0 ||
               acme_agent_discovery(&agent)->skipped_count > 0) {
        print_result(acme_agent_discovery(&agent), opts.names, opts.name_count);
    }
    int rc = CLI_EXIT_OK;
    if (usable == 0) {
        const acme_problem_t *p = acme_agent_problem(&agent);
        rc = cli_fail("discover: %s%s%s", acme_strerror(st == ACME_OK ? ACME_ERR_CAA_DENIED : st),
                      p->detail[0] != '\0' ? ": " : "", p->detail);
    }
    acme_agent_deinit(&agent);
    acme_posix_port_deinit(&pp);
    cli_agent_clear(&opts);
    if (state == scratch) {
        unlink(scratch);
    }
    return rc;
}
