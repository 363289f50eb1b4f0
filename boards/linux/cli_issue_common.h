/*
 * What issue, run, renew and ari share: the network options
 * (--http01-port, --http01-bind, --stats, --verbose, --arena-size), one
 * issuance with the agent on an open state (issue), and how a failure and
 * the statistics are reported.
 */
#ifndef ACME_CLI_ISSUE_COMMON_H
#define ACME_CLI_ISSUE_COMMON_H

#include <stdbool.h>
#include <stddef.h>

#include "acme/codec/ip_addr.h"
#include "cli.h"

typedef struct cli_net_options {
    acme_ip_addr_t bind_ip;
    bool stats;
    bool verbose;
    size_t arena_size; /* 0: all of CLI_ARENA_SIZE */
} cli_net_options_t;

/* Usage lines for the network options. */
extern const char cli_net_usage[];

/* Handle one network option at argv[*i] (advancing *i past its value).
 * Returns 1 when it was one (n/cfg updated), 0 when it is not, -1 after
 * printing an error. */
int cli_net_option(int argc, char **argv, int *i, cli_net_options_t *n, acme_agent_config_t *cfg);

/* Start the agent on the state opened on pp/port with cfg and issue a
 * certificate; print "certificate installed in STATE" or the statistics
 * (--stats). Closes the port. When the state file did not exist before
 * (flash->existed) and nothing was stored, it is removed again.
 * CLI_EXIT_OK or CLI_EXIT_FAIL (one line on stderr). */
int cli_issue_on_state(acme_posix_port_t *pp, acme_port_t *port, const cli_flash_t *flash,
                       const char *state, acme_agent_config_t *cfg, const cli_net_options_t *n);

/* The agent's event callback of the CLI: a discovered CA that failed is
 * reported on stderr ("acme-agent: warning: CA ..."). */
void cli_on_event(void *ctx, const acme_event_t *ev);

/* Why a run failed, in one line: the status, the CA's problem (type,
 * detail, subproblems, HTTP status) and the TLS detail. */
void cli_describe_failure(acme_agent_t *agent, acme_status_t st, char *line, size_t cap);

/* The statistics of the last run as one JSON line on stdout (--stats). */
void cli_print_stats(const acme_agent_stats_t *s);

#endif /* ACME_CLI_ISSUE_COMMON_H */
