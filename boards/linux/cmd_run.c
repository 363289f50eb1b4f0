/*
 * acme-agent run: act on the provisioned config. With no certificate held,
 * issue one for the config's names from the config's CA; with one held,
 * say so and send nothing (renewal comes with the renewal lifecycle).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme/codec/ip_addr.h"
#include "cli_config.h"
#include "cli_issue_common.h"

static void run_usage(FILE *out)
{
    fputs("usage: acme-agent run --state FILE [--http01-port N] [--http01-bind IP]\n"
          "                      [--dns-server IP:PORT] [--ca-cooldown SECONDS] [--seed N]\n"
          "                      [--stats] [--verbose] [--arena-size BYTES]\n"
          "\n"
          "Reads the config written by 'acme-agent provision' (names, contact, key type,\n"
          "directory or CAA discovery, CAs with EAB, trust anchors, an injected device\n"
          "key) and, when the state holds no certificate, issues one. When it holds one,\n"
          "prints it and exits 0 without network traffic. See docs/factory.md for what\n"
          "is not applied yet.\n"
          "\n"
          "  --state FILE        state file or /dev/mtdN, provisioned\n"
          "  --dns-server IP:PORT  resolve names (and CAA) through this DNS server\n"
          "  --ca-cooldown SECONDS  keep a failed CA out this long (default 3600)\n"
          "  --seed N            tie-break seed for equal CAA priorities (tests)\n",
          out);
    fputs(cli_net_usage, out);
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

/* Options of run itself; 1 handled, 0 not one, -1 error printed. */
static int run_option(int argc, char **argv, int *i, const char **state, acme_ip_addr_t *dns,
                      acme_agent_config_t *cfg)
{
    const char *a = argv[*i];
    if (strcmp(a, "--state") != 0 && strcmp(a, "--dns-server") != 0 &&
        strcmp(a, "--ca-cooldown") != 0 && strcmp(a, "--seed") != 0) {
        return 0;
    }
    const char *v = cli_value(argc, argv, i);
    if (v == NULL) {
        return -1;
    }
    if (strcmp(a, "--state") == 0) {
        *state = v;
    } else if (strcmp(a, "--dns-server") == 0) {
        if (acme_ip_parse_endpoint(v, strlen(v), 53, dns, &cfg->dns_port) != ACME_OK) {
            cli_fail("--dns-server: '%s' is not IP:PORT", v);
            return -1;
        }
        cfg->dns_server = dns;
    } else if (strcmp(a, "--ca-cooldown") == 0) {
        if (!parse_u32(v, &cfg->ca_cooldown_s)) {
            cli_fail("--ca-cooldown: give a number of seconds > 0");
            return -1;
        }
    } else if (!parse_u32(v, &cfg->discovery_seed)) {
        cli_fail("--seed: give a number > 0");
        return -1;
    }
    return 1;
}

int cmd_run(int argc, char **argv)
{
    static cli_config_t conf;
    static acme_posix_port_t pp;
    static cli_net_options_t net;
    static acme_ip_addr_t dns;
    const char *state = NULL;
    acme_agent_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.http01_port = 80;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            run_usage(stdout);
            return CLI_EXIT_OK;
        }
        int handled = run_option(argc, argv, &i, &state, &dns, &cfg);
        if (handled == 0) {
            handled = cli_net_option(argc, argv, &i, &net, &cfg);
        }
        if (handled < 0) {
            return CLI_EXIT_FAIL;
        }
        if (handled == 0) {
            return cli_fail("run: unknown option '%s' (see --help)", argv[i]);
        }
    }
    if (state == NULL) {
        run_usage(stderr);
        return cli_fail("run needs --state");
    }
    /* run never makes a state: it must have been provisioned. */
    acme_posix_flash_info_t info;
    if (acme_posix_flash_probe(state, &info) == ACME_OK && !info.exists) {
        return cli_fail("run: %s does not exist; provision it first (acme-agent provision "
                        "--state %s --blob BLOB)",
                        state, state);
    }
    acme_port_t port;
    cli_flash_t flash;
    acme_status_t st = cli_open_state(&pp, &port, &flash, state, net.verbose);
    if (st != ACME_OK) {
        return cli_fail_state(state, st);
    }
    int rc = CLI_EXIT_FAIL;
    st = cli_config_read(&conf, &flash.config);
    if (st != ACME_OK) {
        rc = cli_fail("run: cannot read the config partition of %s: %s", state, acme_strerror(st));
    } else if (conf.status == ACME_ERR_NOT_FOUND) {
        rc = cli_fail("run: %s holds no provisioned config (acme-agent provision --state %s "
                      "--blob BLOB)",
                      state, state);
    } else if (conf.status != ACME_OK) {
        char why[256];
        cli_config_why(&conf.err, why, sizeof(why));
        rc = cli_fail("run: the provisioned config in %s is unusable: %s", state, why);
    } else {
        rc = cli_config_to_agent(&conf, &cfg);
    }
    if (rc != CLI_EXIT_OK) {
        acme_posix_port_deinit(&pp);
        cli_config_clear(&conf);
        return rc;
    }
    rc = cli_issue_on_state(&pp, &port, &flash, state, &cfg, &net, true);
    cli_config_clear(&conf);
    return rc;
}
