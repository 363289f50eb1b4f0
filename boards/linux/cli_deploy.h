/*
 * Deploying each new certificate: export it into a directory (fullchain.pem,
 * privkey.pem 0600, as `acme-agent export` writes them) and run the
 * operator's hook, once per certificate.
 *
 * A marker file in the directory, .acme-agent-deployed, names the serial of
 * the certificate last deployed, written only after the hook exited 0. Any
 * certificate in the state that the marker does not name is pending: it is
 * exported and the hook is run, and a failed hook is retried (at the
 * earliest retry_s later in the daemon, at the next run with --once) until
 * it succeeds. A certificate that another command installed (issue, renew)
 * is deployed the same way. The state file itself belongs to the agent.
 */
#ifndef ACME_CLI_DEPLOY_H
#define ACME_CLI_DEPLOY_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"

#define CLI_DEPLOY_MARKER ".acme-agent-deployed"
#define CLI_HOOK_TIMEOUT_S 120u
#define CLI_HOOK_RETRY_S 300u

typedef struct cli_deploy_options {
    const char *dir;         /* NULL: no deploying */
    const char *hook;        /* NULL: export only */
    uint32_t hook_timeout_s; /* killed after this */
    uint32_t retry_s;        /* a failed hook is tried again after this */
} cli_deploy_options_t;

/* Usage lines of the options. */
extern const char cli_deploy_usage[];

void cli_deploy_options_init(cli_deploy_options_t *o);

/* --deploy-dir, --deploy-hook, --hook-timeout, --hook-retry: 1 handled, 0
 * not one of them, -1 error printed. */
int cli_deploy_option(int argc, char **argv, int *i, cli_deploy_options_t *o);

/* After parsing: --deploy-hook needs --deploy-dir; the directory is made
 * (0700) when missing and o->dir becomes its absolute path (the hook gets
 * absolute paths whatever its working directory). CLI_EXIT_OK or
 * CLI_EXIT_FAIL (one line). */
int cli_deploy_check(cli_deploy_options_t *o);

/* What is pending between the export (state open) and the hook (state
 * closed, so that the hook may run acme-agent status). */
typedef struct cli_deploy {
    bool pending;                          /* exported, hook not yet run */
    char serial[ACME_CERT_SERIAL_MAX + 1]; /* of the exported certificate */
    char names[ACME_MAX_IDENTIFIERS * (ACME_DNS_NAME_MAX + 1) + 1];
    char failed_serial[ACME_CERT_SERIAL_MAX + 1]; /* whose hook failed last */
    int64_t retry_at_s;                           /* not before (wall seconds) */
} cli_deploy_t;

/* With the state open: is the installed certificate deployed? When not,
 * and its retry time has come (now_s), export it and mark it pending.
 * False after an export that failed (logged); true otherwise. */
bool cli_deploy_export(const cli_deploy_options_t *o, acme_agent_t *agent, int64_t now_s,
                       cli_deploy_t *d);

/* With the state closed: run the hook for the pending certificate (none:
 * the export was the deployment) and write the marker when it succeeds.
 * A failure is logged and its retry time set. False when it failed. */
bool cli_deploy_finish(const cli_deploy_options_t *o, const char *state, cli_deploy_t *d);

/* The deployment still owed after a failure: the wall time to try again,
 * or 0 when nothing is owed. */
int64_t cli_deploy_retry_at(const cli_deploy_t *d);

#endif /* ACME_CLI_DEPLOY_H */
