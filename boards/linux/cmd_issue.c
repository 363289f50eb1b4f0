/*
 * acme-agent issue: get a certificate over http-01 and store it, with its
 * key and the account, in the state file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acme/codec/ip_addr.h"
#include "cli.h"
#include "cli_agent_options.h"

static void issue_usage(FILE *out)
{
    fputs(
        "usage: acme-agent issue --state FILE [--directory URL] --domain NAME [--domain NAME ...]\n"
        "                        --trust PEMFILE [--http01-port N] [--http01-bind IP]\n"
        "                        [--key-type p256|rsa2048] [--contact mailto:...]\n"
        "                        [--dns-server IP:PORT] [--stats] [--verbose]\n"
        "                        [--arena-size BYTES] [CA options]\n"
        "\n"
        "  --state FILE        state file (emulated NOR flash; created if missing)\n"
        "  --directory URL     ACME directory URL (https); without it the CA is found\n"
        "                      from the names' CAA records (see 'discover --help')\n"
        "  --domain NAME       a DNS name for the certificate (repeat for more)\n"
        "  --trust PEMFILE     CA certificate(s) that the ACME server's TLS chains to\n"
        "  --http01-port N     built-in http-01 responder port (default 80)\n"
        "  --http01-bind IP    address the responder listens on (default: all)\n"
        "  --key-type TYPE     device key: p256 (default) or rsa2048\n"
        "  --contact URI       account contact, e.g. mailto:ops@example.com\n"
        "  --dns-server IP:PORT  resolve the ACME server through this DNS server\n"
        "  --stats             print issuance statistics as JSON on stdout\n"
        "  --arena-size BYTES  use only this much of the arena (sizing and tests;\n"
        "                      default and maximum 98304)\n"
        "  --verbose           log progress on stderr\n"
        "\n"
        "CA options (discovery and EAB):\n",
        out);
    fputs(cli_ca_usage, out);
}

/* Every CA that fails is reported, even when another then succeeds (the
 * discovery draft says the user SHOULD be told). */
static void on_event(void *ctx, const acme_event_t *ev)
{
    (void)ctx;
    if (ev->type == ACME_EVENT_CA_FAILED) {
        char line[512];
        snprintf(line, sizeof(line), "%s", ev->detail != NULL ? ev->detail : "");
        for (char *c = line; *c != '\0'; c++) {
            if (*c == '\n' || *c == '\r') {
                *c = ' ';
            }
        }
        fprintf(stderr, "acme-agent: warning: CA %s\n", line);
    }
}

/* One line: what failed, what the CA said, and the low-level detail. */
static int report_failure(acme_agent_t *agent, acme_status_t st)
{
    const acme_problem_t *p = acme_agent_problem(agent);
    char line[1024];
    int n = snprintf(line, sizeof(line), "issue failed: %s", acme_strerror(st));
    if (p->type[0] != '\0' && n > 0 && (size_t)n < sizeof(line)) {
        n += snprintf(line + n, sizeof(line) - (size_t)n, "; %s", p->type);
    }
    if (p->detail[0] != '\0' && n > 0 && (size_t)n < sizeof(line)) {
        n += snprintf(line + n, sizeof(line) - (size_t)n, ": %s", p->detail);
    }
    for (size_t i = 0; i < p->subproblem_count && n > 0 && (size_t)n < sizeof(line); i++) {
        n += snprintf(line + n, sizeof(line) - (size_t)n, " [%s: %s]", p->subproblems[i].identifier,
                      p->subproblems[i].detail);
    }
    if (p->http_status != 0 && n > 0 && (size_t)n < sizeof(line)) {
        n += snprintf(line + n, sizeof(line) - (size_t)n, " (HTTP %u)", p->http_status);
    }
    int32_t tls_code = 0;
    uint32_t flags = 0;
    acme_agent_low_level(agent, &tls_code, &flags);
    if ((tls_code != 0 || flags != 0) && n > 0 && (size_t)n < sizeof(line)) {
        snprintf(line + n, sizeof(line) - (size_t)n, " (tls -0x%04x, verify flags 0x%x)",
                 (unsigned)-tls_code, (unsigned)flags);
    }
    /* Server text may hold anything: keep the report on one line. */
    for (char *c = line; *c != '\0'; c++) {
        if (*c == '\n' || *c == '\r') {
            *c = ' ';
        }
    }
    return cli_fail("%s", line);
}

int cmd_issue(int argc, char **argv)
{
    static char trust[CLI_TRUST_MAX];
    static uint8_t arena[CLI_ARENA_SIZE];
    static acme_posix_port_t pp;
    static acme_agent_t agent;
    static cli_agent_options_t opts;

    const char *state = NULL;
    acme_agent_config_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.http01_port = 80;
    cfg.key_type = ACME_KEY_P256;
    cfg.terms_of_service_agreed = true;
    acme_ip_addr_t bind_ip;
    bool stats = false;
    size_t arena_size = sizeof(arena);
    bool verbose = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL;
        int handled = cli_agent_option(argc, argv, &i, &opts, &cfg);
        if (handled < 0) {
            return CLI_EXIT_FAIL;
        }
        if (handled > 0) {
            continue;
        }
        if (cli_is_help(a)) {
            issue_usage(stdout);
            return CLI_EXIT_OK;
        } else if (strcmp(a, "--stats") == 0) {
            stats = true;
        } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            verbose = true;
        } else if ((v = cli_value(argc, argv, &i)) == NULL) {
            return CLI_EXIT_FAIL;
        } else if (strcmp(a, "--state") == 0) {
            state = v;
        } else if (strcmp(a, "--directory") == 0) {
            cfg.directory_url = v;
        } else if (strcmp(a, "--http01-port") == 0) {
            char *end = NULL;
            long port = strtol(v, &end, 10);
            if (*v == '\0' || *end != '\0' || port < 1 || port > 65535) {
                return cli_fail("--http01-port: '%s' is not a port number", v);
            }
            cfg.http01_port = (uint16_t)port;
        } else if (strcmp(a, "--http01-bind") == 0) {
            if (acme_ip_parse(v, strlen(v), &bind_ip) != ACME_OK) {
                return cli_fail("--http01-bind: '%s' is not an IP address", v);
            }
            cfg.http01_bind = &bind_ip;
        } else if (strcmp(a, "--key-type") == 0) {
            if (strcmp(v, "p256") == 0) {
                cfg.key_type = ACME_KEY_P256;
            } else if (strcmp(v, "rsa2048") == 0) {
                cfg.key_type = ACME_KEY_RSA2048;
            } else {
                return cli_fail("--key-type: use p256 or rsa2048, not '%s'", v);
            }
        } else if (strcmp(a, "--arena-size") == 0) {
            char *end = NULL;
            unsigned long n = strtoul(v, &end, 10);
            if (*v == '\0' || *end != '\0' || n < ACME_ARENA_MIN || n > sizeof(arena)) {
                return cli_fail("--arena-size: give %u..%zu bytes", (unsigned)ACME_ARENA_MIN,
                                sizeof(arena));
            }
            arena_size = (size_t)n;
        } else if (strcmp(a, "--contact") == 0) {
            cfg.contact = v;
        } else {
            return cli_fail("issue: unknown option '%s' (see --help)", a);
        }
    }
    if (state == NULL || opts.name_count == 0 || opts.trust_path == NULL) {
        issue_usage(stderr);
        return cli_fail("issue needs --state, --domain and --trust");
    }
    cfg.on_event = on_event;
    cli_agent_apply(&opts, &cfg);

    size_t trust_len = 0;
    acme_status_t st = cli_read_file(opts.trust_path, trust, sizeof(trust), &trust_len);
    if (st != ACME_OK) {
        return cli_fail("cannot read trust anchors from %s", opts.trust_path);
    }
    cfg.trust_pem = trust;
    cfg.trust_pem_len = trust_len;

    /* A first issuance that is refused before anything is stored must not
     * leave an empty state file behind. */
    bool state_existed = access(state, F_OK) == 0;
    acme_port_t port;
    st = cli_open_state(&pp, &port, state, verbose);
    if (st != ACME_OK) {
        return cli_fail("cannot open state file %s: %s", state, acme_strerror(st));
    }
    st = acme_agent_init(&agent, &cfg, &port, arena, arena_size);
    if (st != ACME_OK) {
        acme_posix_port_deinit(&pp);
        return cli_fail("cannot start the agent: %s", acme_strerror(st));
    }
    st = acme_agent_run(&agent);
    int rc = CLI_EXIT_OK;
    acme_agent_stats_t s;
    acme_agent_stats(&agent, &s);
    if (st != ACME_OK) {
        rc = report_failure(&agent, st);
    }
    acme_agent_deinit(&agent);
    acme_posix_port_deinit(&pp);
    cli_agent_clear(&opts);
    if (rc != CLI_EXIT_OK && !state_existed && s.store_commits == 0) {
        unlink(state);
    }
    /* Everything the agent allocated must be back in the arena now. */
    size_t leaked = 0;
    size_t blocks = 0;
    acme_arena_in_use(&leaked, &blocks);
    if (rc == CLI_EXIT_OK && stats) {
        printf("{\"http_requests\":%u,\"tls_handshakes\":%u,\"tcp_connects\":%u,"
               "\"dns_queries\":%u,\"badnonce_retries\":%u,\"store_commits\":%u,"
               "\"http01_served\":%u,\"caa_lookups\":%u,\"ca_failures\":%u,"
               "\"arena_peak\":%zu,\"arena_leaked\":%zu,\"agent_size\":%zu,"
               "\"issue_ms\":%llu}\n",
               s.http_requests, s.tls_handshakes, s.tcp_connects, s.dns_queries, s.badnonce_retries,
               s.store_commits, s.http01_served, s.caa_lookups, s.ca_failures, s.arena_peak, leaked,
               sizeof(acme_agent_t), (unsigned long long)s.issue_ms);
    } else if (rc == CLI_EXIT_OK) {
        printf("certificate installed in %s\n", state);
    }
    return rc;
}
