/*
 * Driving one agent run (an issuance, an ARI check or a key rollover) to
 * its end, unless a stop signal comes first: acme_agent_run() and its
 * siblings with a way out.
 */
#ifndef ACME_CLI_DRIVE_H
#define ACME_CLI_DRIVE_H

#include <stdbool.h>

#include "acme/agent.h"

typedef enum cli_run_kind { CLI_RUN_ISSUE = 1, CLI_RUN_ARI, CLI_RUN_ROLLOVER } cli_run_kind_t;

/* Longest wait on the port's sockets between two looks at the stop flag:
 * a stop (SIGTERM) ends a run within this, plus the time to close. The
 * signal usually ends the wait at once (poll returns EINTR); this bounds
 * the case where it lands just before the wait starts. */
#define CLI_DRIVE_NAP_MS 200u

/* Start the run and poll it to its end, waiting on the port's sockets with
 * the stop signals let in. The run's status, or, when a stop signal came,
 * ACME_ERR_BAD_STATE with *stopped true: the run is left where it was and
 * the caller deinits the agent, which closes its sockets. Nothing is lost:
 * the agent stored the order in progress and its key when it created them,
 * and the next issuance resumes that order. */
acme_status_t cli_drive(acme_agent_t *agent, const acme_port_t *port, cli_run_kind_t kind,
                        bool *stopped);

#endif /* ACME_CLI_DRIVE_H */
