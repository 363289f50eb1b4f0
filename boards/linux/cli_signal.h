/*
 * Signals of the commands that run for a while (run, renew, ari) and the
 * daemon's sleep.
 *
 *   SIGTERM, SIGINT  stop: the command ends what it is doing within about a
 *                    second (an issuance is left for the next start to
 *                    resume) and exits
 *   SIGHUP           wake up now: the daemon re-reads the state and the
 *                    config and asks the agent again (systemctl reload)
 *
 * The handlers only set a flag. The signals are blocked except while the
 * process waits (the port's poll() during a run, the sleep, a hook), so a
 * flag is never set between its check and the wait that would miss it:
 * cli_sleep_until() lets them in atomically with ppoll(2).
 */
#ifndef ACME_CLI_SIGNAL_H
#define ACME_CLI_SIGNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

/* Install the handlers and block the three signals. */
void cli_signals_install(void);

/* The signal that asked to stop (SIGTERM or SIGINT), or 0. */
int cli_stop_signal(void);

/* True once after SIGHUP (then cleared). */
bool cli_take_wake(void);

/* Let the signals in (a run polls its sockets: poll() then returns early
 * with EINTR) / block them again. */
void cli_signals_unblock(void);
void cli_signals_block(void);

/* The mask to wait with: the caller's, without the three signals. */
const sigset_t *cli_signals_wait_mask(void);

typedef enum cli_wake {
    CLI_WOKE_TIME = 1, /* the deadline came */
    CLI_WOKE_STOP,     /* SIGTERM / SIGINT */
    CLI_WOKE_HUP,      /* SIGHUP */
    CLI_WOKE_CLOCK     /* the wall clock was set (stepped): ask again */
} cli_wake_t;

/* Sleep until the wall time deadline_s (Unix seconds). An absolute
 * CLOCK_REALTIME timer: it follows the wall clock through a suspend and a
 * slew, and the kernel cancels it when the clock is set, which is reported
 * (TFD_TIMER_CANCEL_ON_SET). A signal that neither stops nor wakes resumes
 * the same deadline. */
cli_wake_t cli_sleep_until(int64_t deadline_s);

#endif /* ACME_CLI_SIGNAL_H */
