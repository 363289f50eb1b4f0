/*
 * The commands that act on a provisioned state (run, renew, ari): their
 * shared options and one session, i.e. the state opened and locked, the
 * config read from its config partition and an agent started on both.
 *
 * A session is short: the daemon opens one at each wake-up and closes it
 * before it sleeps, so that status, export and the other commands can use
 * the state in between (the port locks the state file while it is open),
 * and a re-provisioned config is picked up at the next wake-up.
 */
#ifndef ACME_CLI_SESSION_H
#define ACME_CLI_SESSION_H

#include <stdbool.h>

#include "acme/codec/ip_addr.h"
#include "cli.h"
#include "cli_config.h"
#include "cli_issue_common.h"

typedef struct cli_run_options {
    const char *state;
    acme_agent_config_t base; /* what the options set; the config fills the rest */
    acme_ip_addr_t dns_ip;
    cli_net_options_t net;
} cli_run_options_t;

/* Usage lines of these options. */
extern const char cli_run_usage[];

/* Defaults: http-01 on port 80. */
void cli_run_options_init(cli_run_options_t *o);

/* --state, --dns-server, --ca-cooldown, --seed and the network options
 * (cli_net_option). 1 handled (argv[*i] and its value consumed), 0 not one
 * of them, -1 error printed. */
int cli_run_option(int argc, char **argv, int *i, cli_run_options_t *o);

/* Large (the config and the agent): make it static. */
typedef struct cli_session {
    acme_posix_port_t pp;
    acme_port_t port;
    cli_flash_t flash;
    cli_config_t conf;
    acme_agent_config_t cfg;
    acme_agent_t agent;
    bool open;
} cli_session_t;

/* Open o->state (it must exist and hold a usable config: these commands
 * never make a state) and start the agent on it. ACME_OK, or the failure
 * after one line on stderr naming cmd, except ACME_ERR_BAD_STATE (the
 * state is in use by another process) when report_busy is false: the
 * caller then says it and tries again later. */
acme_status_t cli_session_open(cli_session_t *s, const cli_run_options_t *o, const char *cmd,
                               bool report_busy);

/* Stop the agent (closing its sockets) and the port (unlocking the state);
 * zeroise the config. Safe on a closed session. */
void cli_session_close(cli_session_t *s);

#endif /* ACME_CLI_SESSION_H */
