/*
 * Options of run, renew and ari, and opening a provisioned state into an
 * agent (see cli_session.h).
 */
#include "cli_session.h"

#include <stdlib.h>
#include <string.h>

const char cli_run_usage[] =
    "  --state FILE        state file or /dev/mtdN, provisioned (acme-agent provision)\n"
    "  --dns-server IP:PORT  resolve names (and CAA) through this DNS server\n"
    "  --ca-cooldown SECONDS  keep a failed CA out this long (default 3600)\n"
    "  --seed N            tie-break seed for equal CAA priorities (tests)\n";

void cli_run_options_init(cli_run_options_t *o)
{
    memset(o, 0, sizeof(*o));
    o->base.http01_port = 80;
}

static bool parse_u32(const char *v, uint32_t *out)
{
    char *end = NULL;
    unsigned long n = strtoul(v, &end, 10);
    if (*v == '\0' || *end != '\0' || n == 0 || n > 0xFFFFFFFFul) {
        return false;
    }
    *out = (uint32_t)n;
    return true;
}

int cli_run_option(int argc, char **argv, int *i, cli_run_options_t *o)
{
    const char *a = argv[*i];
    if (strcmp(a, "--state") != 0 && strcmp(a, "--dns-server") != 0 &&
        strcmp(a, "--ca-cooldown") != 0 && strcmp(a, "--seed") != 0) {
        return cli_net_option(argc, argv, i, &o->net, &o->base);
    }
    const char *v = cli_value(argc, argv, i);
    if (v == NULL) {
        return -1;
    }
    if (strcmp(a, "--state") == 0) {
        o->state = v;
    } else if (strcmp(a, "--dns-server") == 0) {
        if (acme_ip_parse_endpoint(v, strlen(v), 53, &o->dns_ip, &o->base.dns_port) != ACME_OK) {
            cli_fail("--dns-server: '%s' is not IP:PORT", v);
            return -1;
        }
        o->base.dns_server = &o->dns_ip;
    } else if (strcmp(a, "--ca-cooldown") == 0) {
        if (!parse_u32(v, &o->base.ca_cooldown_s)) {
            cli_fail("--ca-cooldown: give a number of seconds > 0");
            return -1;
        }
    } else if (!parse_u32(v, &o->base.discovery_seed)) {
        cli_fail("--seed: give a number > 0");
        return -1;
    }
    return 1;
}

acme_status_t cli_session_open(cli_session_t *s, const cli_run_options_t *o, const char *cmd,
                               bool report_busy)
{
    s->open = false;
    acme_posix_flash_info_t info;
    if (acme_posix_flash_probe(o->state, &info) == ACME_OK && !info.exists) {
        cli_fail("%s: %s does not exist; provision it first (acme-agent provision --state %s "
                 "--blob BLOB)",
                 cmd, o->state, o->state);
        return ACME_ERR_NOT_FOUND;
    }
    acme_status_t st = cli_open_state(&s->pp, &s->port, &s->flash, o->state, o->net.verbose);
    if (st != ACME_OK) {
        if (st != ACME_ERR_BAD_STATE || report_busy) {
            cli_fail_state(o->state, st);
        }
        return st;
    }
    /* The http-01 bind address lives in the options, which outlive this. */
    s->cfg = o->base;
    int rc = CLI_EXIT_FAIL;
    st = cli_config_read(&s->conf, &s->flash.config);
    if (st != ACME_OK) {
        cli_fail("%s: cannot read the config partition of %s: %s", cmd, o->state,
                 acme_strerror(st));
    } else if (s->conf.status == ACME_ERR_NOT_FOUND) {
        st = ACME_ERR_CONFIG;
        cli_fail("%s: %s holds no provisioned config (acme-agent provision --state %s --blob "
                 "BLOB)",
                 cmd, o->state, o->state);
    } else if (s->conf.status != ACME_OK) {
        char why[256];
        cli_config_why(&s->conf.err, why, sizeof(why));
        st = ACME_ERR_CONFIG;
        cli_fail("%s: the provisioned config in %s is unusable: %s", cmd, o->state, why);
    } else {
        rc = cli_config_to_agent(&s->conf, &s->cfg);
        st = rc == CLI_EXIT_OK ? ACME_OK : ACME_ERR_CONFIG;
    }
    if (st == ACME_OK) {
        s->cfg.on_event = cli_on_event;
        size_t arena_size = o->net.arena_size != 0 ? o->net.arena_size : CLI_ARENA_SIZE;
        st = acme_agent_init(&s->agent, &s->cfg, &s->port, cli_arena(), arena_size);
        if (st != ACME_OK) {
            acme_agent_deinit(&s->agent);
            cli_fail("%s: cannot start the agent: %s", cmd, acme_strerror(st));
        }
    }
    if (st != ACME_OK) {
        acme_posix_port_deinit(&s->pp);
        cli_config_clear(&s->conf);
        return st;
    }
    s->open = true;
    return ACME_OK;
}

void cli_session_close(cli_session_t *s)
{
    if (!s->open) {
        return;
    }
    acme_agent_deinit(&s->agent);
    acme_posix_port_deinit(&s->pp);
    cli_config_clear(&s->conf);
    s->open = false;
}
