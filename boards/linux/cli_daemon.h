/*
 * The renewal loop of `acme-agent run`: ask the agent what to do next
 * (acme_agent_next), do it (issue, check ARI), deploy a new certificate,
 * and sleep until the next thing is due. With --once: one pass, then exit.
 */
#ifndef ACME_CLI_DAEMON_H
#define ACME_CLI_DAEMON_H

#include <stdbool.h>

#include "cli_deploy.h"
#include "cli_session.h"

/* The longest sleep: the daemon wakes at least this often and asks the
 * agent again. Its plan is a wall time, and a sleep measured on any clock
 * can be wrong about the wall: the clock may be stepped (NTP after a boot
 * without an RTC, an operator, a VM restored from a snapshot) or the
 * machine suspended. The sleep follows the wall clock and the kernel
 * reports a step (cli_sleep_until), so this bound is the belt to those
 * braces: whatever was missed costs at most an hour. It also re-reads the
 * state and the config, so changes made while the daemon slept (renew,
 * a re-provisioning) are acted on within the hour; SIGHUP does it now. */
#define CLI_WAKE_MAX_S 3600

/* Another process has the state open: try again this much later. */
#define CLI_BUSY_RETRY_S 5

/* An action that is due again right after it ran (a failure the agent does
 * not count, e.g. a config it refuses; a certificate already due when it
 * arrives; an unknown wall clock): wait this long instead of spinning. */
#define CLI_DUE_AGAIN_S 600

typedef struct cli_daemon_options {
    cli_run_options_t run;
    cli_deploy_options_t deploy;
    bool once; /* one pass: do what is due now, then exit */
} cli_daemon_options_t;

/* Run until SIGTERM/SIGINT (exit 0), or one pass with once. CLI_EXIT_OK,
 * or CLI_EXIT_FAIL when the state cannot be used (not provisioned, config
 * unusable), and with once also when an action it took failed (issuance,
 * deploy hook) or the wall clock is unknown. */
int cli_daemon_run(cli_daemon_options_t *o);

#endif /* ACME_CLI_DAEMON_H */
