/*
 * What issue and run share: the network options (--http01-port,
 * --http01-bind, --stats, --verbose, --arena-size), and one issuance with
 * the agent on an open state, reported in one line on failure.
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
 * (--stats). With only_if_empty, a state that already holds a certificate
 * is left alone: it is described on stdout and nothing is sent. Closes the
 * port. When the state file did not exist before (flash->existed) and
 * nothing was stored, it is removed again. CLI_EXIT_OK or CLI_EXIT_FAIL
 * (one line on stderr). */
int cli_issue_on_state(acme_posix_port_t *pp, acme_port_t *port, const cli_flash_t *flash,
                       const char *state, acme_agent_config_t *cfg, const cli_net_options_t *n,
                       bool only_if_empty);

#endif /* ACME_CLI_ISSUE_COMMON_H */
