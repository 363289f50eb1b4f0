/*
 * Network options, one issuance on an open state (issue), and the reports
 * of a run (failure, statistics) for every command that runs the agent.
 */
#include "cli_issue_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char cli_net_usage[] =
    "  --http01-port N     built-in http-01 responder port (default 80)\n"
    "  --http01-bind IP    address the responder listens on (default: all)\n"
    "  --stats             print issuance statistics as JSON on stdout\n"
    "  --arena-size BYTES  use only this much of the arena (sizing and tests;\n"
    "                      default and maximum 98304)\n"
    "  --verbose           log progress on stderr\n";

int cli_net_option(int argc, char **argv, int *i, cli_net_options_t *n, acme_agent_config_t *cfg)
{
    const char *a = argv[*i];
    if (strcmp(a, "--stats") == 0) {
        n->stats = true;
        return 1;
    }
    if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
        n->verbose = true;
        return 1;
    }
    if (strcmp(a, "--http01-port") != 0 && strcmp(a, "--http01-bind") != 0 &&
        strcmp(a, "--arena-size") != 0) {
        return 0;
    }
    const char *v = cli_value(argc, argv, i);
    if (v == NULL) {
        return -1;
    }
    if (strcmp(a, "--http01-port") == 0) {
        char *end = NULL;
        long port = strtol(v, &end, 10);
        if (*v == '\0' || *end != '\0' || port < 1 || port > 65535) {
            cli_fail("--http01-port: '%s' is not a port number", v);
            return -1;
        }
        cfg->http01_port = (uint16_t)port;
    } else if (strcmp(a, "--http01-bind") == 0) {
        if (acme_ip_parse(v, strlen(v), &n->bind_ip) != ACME_OK) {
            cli_fail("--http01-bind: '%s' is not an IP address", v);
            return -1;
        }
        cfg->http01_bind = &n->bind_ip;
    } else {
        char *end = NULL;
        unsigned long size = strtoul(v, &end, 10);
        if (*v == '\0' || *end != '\0' || size < ACME_ARENA_MIN || size > CLI_ARENA_SIZE) {
            cli_fail("--arena-size: give %u..%u bytes", (unsigned)ACME_ARENA_MIN,
                     (unsigned)CLI_ARENA_SIZE);
            return -1;
        }
        n->arena_size = (size_t)size;
    }
    return 1;
}

/* Every CA that fails is reported, even when another then succeeds (the
 * discovery draft says the user SHOULD be told). */
void cli_on_event(void *ctx, const acme_event_t *ev)
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

void cli_describe_failure(acme_agent_t *agent, acme_status_t st, char *line, size_t cap)
{
    const acme_problem_t *p = acme_agent_problem(agent);
    int n = snprintf(line, cap, "%s", acme_strerror(st));
    if (p->type[0] != '\0' && n > 0 && (size_t)n < cap) {
        n += snprintf(line + n, cap - (size_t)n, "; %s", p->type);
    }
    if (p->detail[0] != '\0' && n > 0 && (size_t)n < cap) {
        n += snprintf(line + n, cap - (size_t)n, ": %s", p->detail);
    }
    for (size_t i = 0; i < p->subproblem_count && n > 0 && (size_t)n < cap; i++) {
        n += snprintf(line + n, cap - (size_t)n, " [%s: %s]", p->subproblems[i].identifier,
                      p->subproblems[i].detail);
    }
    if (p->http_status != 0 && n > 0 && (size_t)n < cap) {
        n += snprintf(line + n, cap - (size_t)n, " (HTTP %u)", p->http_status);
    }
    int32_t tls_code = 0;
    uint32_t flags = 0;
    acme_agent_low_level(agent, &tls_code, &flags);
    if ((tls_code != 0 || flags != 0) && n > 0 && (size_t)n < cap) {
        snprintf(line + n, cap - (size_t)n, " (tls -0x%04x, verify flags 0x%x)",
                 (unsigned)-tls_code, (unsigned)flags);
    }
    /* Server text may hold anything: keep the report on one line. */
    for (char *c = line; *c != '\0'; c++) {
        if (*c == '\n' || *c == '\r') {
            *c = ' ';
        }
    }
}

/* One line: what failed, what the CA said, and the low-level detail. */
static int report_failure(acme_agent_t *agent, acme_status_t st)
{
    char line[1024];
    cli_describe_failure(agent, st, line, sizeof(line));
    return cli_fail("issue failed: %s", line);
}

void cli_print_stats(const acme_agent_stats_t *s)
{
    /* Everything the agent allocated must be back in the arena now. */
    size_t leaked = 0;
    size_t blocks = 0;
    acme_arena_in_use(&leaked, &blocks);
    printf("{\"http_requests\":%u,\"tls_handshakes\":%u,\"tcp_connects\":%u,"
           "\"dns_queries\":%u,\"badnonce_retries\":%u,\"store_commits\":%u,"
           "\"http01_served\":%u,\"caa_lookups\":%u,\"ca_failures\":%u,"
           "\"arena_peak\":%zu,\"arena_leaked\":%zu,\"agent_size\":%zu,"
           "\"issue_ms\":%llu}\n",
           s->http_requests, s->tls_handshakes, s->tcp_connects, s->dns_queries,
           s->badnonce_retries, s->store_commits, s->http01_served, s->caa_lookups, s->ca_failures,
           s->arena_peak, leaked, sizeof(acme_agent_t), (unsigned long long)s->issue_ms);
    fflush(stdout);
}

int cli_issue_on_state(acme_posix_port_t *pp, acme_port_t *port, const cli_flash_t *flash,
                       const char *state, acme_agent_config_t *cfg, const cli_net_options_t *n)
{
    static acme_agent_t agent;
    cfg->on_event = cli_on_event;
    size_t arena_size = n->arena_size != 0 ? n->arena_size : CLI_ARENA_SIZE;
    acme_status_t st = acme_agent_init(&agent, cfg, port, cli_arena(), arena_size);
    if (st != ACME_OK) {
        acme_posix_port_deinit(pp);
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
    acme_posix_port_deinit(pp);
    /* A first issuance that is refused before anything is stored must not
     * leave an empty state file behind. */
    if (rc != CLI_EXIT_OK && !flash->existed && s.store_commits == 0) {
        unlink(state);
    }
    if (rc == CLI_EXIT_OK && n->stats) {
        cli_print_stats(&s);
    } else if (rc == CLI_EXIT_OK) {
        printf("certificate installed in %s\n", state);
    }
    return rc;
}
