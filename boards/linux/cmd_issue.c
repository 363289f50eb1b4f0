/*
 * acme-agent issue: get a certificate over http-01 and store it, with its
 * key and the account, in the state file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_agent_options.h"
#include "cli_issue_common.h"

static void issue_usage(FILE *out)
{
    fputs(
        "usage: acme-agent issue --state FILE [--directory URL] --domain NAME [--domain NAME ...]\n"
        "                        --trust PEMFILE [--http01-port N] [--http01-bind IP]\n"
        "                        [--key-type p256|rsa2048] [--contact mailto:...]\n"
        "                        [--dns-server IP:PORT] [--stats] [--verbose]\n"
        "                        [--arena-size BYTES] [CA options]\n"
        "\n"
        "  --state FILE        state file (emulated NOR flash; created if missing) or\n"
        "                      /dev/mtdN (docs/factory.md)\n"
        "  --directory URL     ACME directory URL (https); without it the CA is found\n"
        "                      from the names' CAA records (see 'discover --help')\n"
        "  --domain NAME       a DNS name for the certificate (repeat for more)\n"
        "  --trust PEMFILE     CA certificate(s) that the ACME server's TLS chains to\n"
        "  --key-type TYPE     device key: p256 (default) or rsa2048\n"
        "  --contact URI       account contact, e.g. mailto:ops@example.com\n"
        "  --profile NAME      ask for this ACME profile (e.g. shortlived) when the CA\n"
        "                      lists it; else the CA's default\n"
        "  --dns-server IP:PORT  resolve the ACME server through this DNS server\n",
        out);
    fputs(cli_net_usage, out);
    fputs("\nCA options (discovery and EAB):\n", out);
    fputs(cli_ca_usage, out);
}

int cmd_issue(int argc, char **argv)
{
    static char trust[CLI_TRUST_MAX];
    static acme_posix_port_t pp;
    static cli_agent_options_t opts;
    static cli_net_options_t net;

    const char *state = NULL;
    acme_agent_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.http01_port = 80;
    cfg.key_type = ACME_KEY_P256;
    cfg.terms_of_service_agreed = true;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL;
        int handled = cli_agent_option(argc, argv, &i, &opts, &cfg);
        if (handled == 0) {
            handled = cli_net_option(argc, argv, &i, &net, &cfg);
        }
        if (handled < 0) {
            return CLI_EXIT_FAIL;
        }
        if (handled > 0) {
            continue;
        }
        if (cli_is_help(a)) {
            issue_usage(stdout);
            return CLI_EXIT_OK;
        } else if ((v = cli_value(argc, argv, &i)) == NULL) {
            return CLI_EXIT_FAIL;
        } else if (strcmp(a, "--state") == 0) {
            state = v;
        } else if (strcmp(a, "--directory") == 0) {
            cfg.directory_url = v;
        } else if (strcmp(a, "--key-type") == 0) {
            if (strcmp(v, "p256") == 0) {
                cfg.key_type = ACME_KEY_P256;
            } else if (strcmp(v, "rsa2048") == 0) {
                cfg.key_type = ACME_KEY_RSA2048;
            } else {
                return cli_fail("--key-type: use p256 or rsa2048, not '%s'", v);
            }
        } else if (strcmp(a, "--contact") == 0) {
            cfg.contact = v;
        } else if (strcmp(a, "--profile") == 0) {
            if (v[0] == '\0' || strlen(v) > ACME_PROFILE_MAX) {
                return cli_fail("--profile: a name of 1..%u characters", (unsigned)ACME_PROFILE_MAX);
            }
            cfg.profile = v;
        } else {
            return cli_fail("issue: unknown option '%s' (see --help)", a);
        }
    }
    if (state == NULL || opts.name_count == 0 || opts.trust_path == NULL) {
        issue_usage(stderr);
        return cli_fail("issue needs --state, --domain and --trust");
    }
    cli_agent_apply(&opts, &cfg);

    size_t trust_len = 0;
    acme_status_t st = cli_read_file(opts.trust_path, trust, sizeof(trust), &trust_len);
    if (st != ACME_OK) {
        return cli_fail("cannot read trust anchors from %s", opts.trust_path);
    }
    cfg.trust_pem = trust;
    cfg.trust_pem_len = trust_len;

    acme_port_t port;
    cli_flash_t flash;
    st = cli_open_state(&pp, &port, &flash, state, net.verbose);
    if (st != ACME_OK) {
        return cli_fail_state(state, st);
    }
    int rc = cli_issue_on_state(&pp, &port, &flash, state, &cfg, &net);
    cli_agent_clear(&opts);
    return rc;
}
