/*
 * acme-agent run: the renewal loop (see cli_daemon.h).
 *
 * Each pass opens the state (a session), asks acme_agent_next() and does
 * what is due (each action at most once per pass), exports a certificate
 * that is not deployed yet, closes the state, runs the deploy hook, and
 * sleeps until the next action, the hook's retry or CLI_WAKE_MAX_S,
 * whichever comes first. Nothing is fetched from the network while it
 * waits. Every decision is the agent's, from the stored state: a restart
 * at any point resumes where it was (backoff included).
 */
#include "cli_daemon.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_drive.h"
#include "cli_log.h"
#include "cli_renewal_json.h"
#include "cli_signal.h"

typedef struct daemon {
    cli_daemon_options_t *o;
    cli_session_t *s;
    cli_deploy_t deploy;
    int64_t logged_at_s; /* the wait last logged, so an unchanged one is not */
    int64_t logged_renew_s;
    bool busy_logged;
    bool failed;    /* --once: an action failed */
    bool installed; /* --once: a certificate was installed */
    bool have_next;
    acme_next_step_t next; /* the agent's last answer */
} daemon_t;

static int64_t wall_now(void)
{
    return (int64_t)time(NULL);
}

static const char *signal_name(int sig)
{
    return sig == SIGINT ? "SIGINT" : "SIGTERM";
}

/* "issue now (lifetime)", "ARI check now; issue at T (lifetime)", "ARI
 * check at T; issue at T2 (lifetime)", "issue at T (backoff)": an issue is
 * a renewal when a certificate is held. */
static void describe_next(const acme_next_step_t *n, int64_t now, char *out, size_t cap)
{
    char at[32];
    char renew[32];
    cli_log_when(n->at_s, now, at, sizeof(at));
    cli_log_when(n->renew_at_s, now, renew, sizeof(renew));
    if (n->action == ACME_NEXT_ROLLOVER) {
        snprintf(out, cap, "finish the interrupted account key rollover now");
    } else if (n->action == ACME_NEXT_ISSUE) {
        snprintf(out, cap, "issue now (%s)", cli_renew_why(n->basis));
    } else if (n->action == ACME_NEXT_ARI_CHECK) {
        snprintf(out, cap, "ARI check now; issue at %s (%s)", renew, cli_renew_why(n->basis));
    } else if (n->at_s < n->renew_at_s) {
        snprintf(out, cap, "ARI check at %s; issue at %s (%s)", at, renew, cli_renew_why(n->basis));
    } else {
        snprintf(out, cap, "issue at %s (%s)", renew, cli_renew_why(n->basis));
    }
}

/* The agent's answer again after an action, described for the action's
 * log line (which then stands for the "next:" line of an unchanged wait). */
static acme_status_t ask(daemon_t *d, acme_next_step_t *next, char *text, size_t cap)
{
    acme_status_t st = acme_agent_next(&d->s->agent, next);
    if (st == ACME_OK) {
        describe_next(next, wall_now(), text, cap);
        d->logged_at_s = next->at_s;
        d->logged_renew_s = next->renew_at_s;
    } else {
        snprintf(text, cap, "cannot plan: %s", acme_strerror(st));
    }
    return st;
}

/* An issuance, logged with the agent's next step (in *next; the status of
 * asking for it is returned). */
static acme_status_t do_issue(daemon_t *d, const acme_next_step_t *due, acme_next_step_t *next,
                              bool *stopped)
{
    cli_session_t *s = d->s;
    char due_text[64];
    if (due->basis == ACME_RENEW_NO_CERT) {
        snprintf(due_text, sizeof(due_text), "no certificate");
    } else {
        char at[32];
        cli_format_time(due->renew_at_s, at, sizeof(at));
        snprintf(due_text, sizeof(due_text), "%s, due %s", cli_renew_why(due->basis), at);
    }
    acme_status_t st = cli_drive(&s->agent, &s->port, CLI_RUN_ISSUE, stopped);
    if (*stopped) {
        return ACME_OK;
    }
    acme_agent_stats_t stats;
    acme_agent_stats(&s->agent, &stats);
    char then[256];
    if (st == ACME_OK) {
        static acme_cert_info_t info;
        d->installed = true;
        char until[32] = "?";
        if (acme_agent_cert_info(&s->agent, &info) == ACME_OK) {
            cli_format_time(info.not_after, until, sizeof(until));
        } else {
            snprintf(info.serial_hex, sizeof(info.serial_hex), "?");
        }
        acme_status_t asked = ask(d, next, then, sizeof(then));
        cli_log("issue (%s): certificate installed, serial %s, valid until %s, %u requests in "
                "%llu ms; next: %s",
                due_text, info.serial_hex, until, stats.http_requests,
                (unsigned long long)stats.issue_ms, then);
        if (d->o->run.net.stats) {
            cli_print_stats(&stats);
        }
        return asked;
    }
    d->failed = true;
    char why[1024];
    cli_describe_failure(&s->agent, st, why, sizeof(why));
    acme_renewal_info_t r;
    acme_agent_renewal_info(&s->agent, &r);
    acme_status_t asked = ask(d, next, then, sizeof(then));
    cli_log("issue (%s) failed: %s; %u failed run%s in a row; next: %s", due_text, why,
            (unsigned)r.failures, r.failures == 1 ? "" : "s", then);
    return asked;
}

/* An ARI check, logged like an issuance. */
static acme_status_t do_ari(daemon_t *d, acme_next_step_t *next, bool *stopped)
{
#if ACME_ENABLE_ARI
    cli_session_t *s = d->s;
    acme_status_t st = cli_drive(&s->agent, &s->port, CLI_RUN_ARI, stopped);
    if (*stopped) {
        return ACME_OK;
    }
    acme_renewal_info_t r;
    acme_agent_renewal_info(&s->agent, &r);
    char check[32];
    cli_log_when(r.ari_next_check_s, wall_now(), check, sizeof(check));
    char then[256];
    acme_status_t asked = ask(d, next, then, sizeof(then));
    if (st == ACME_OK) {
        char start[32];
        char end[32];
        cli_format_time(r.ari_start_s, start, sizeof(start));
        cli_format_time(r.ari_end_s, end, sizeof(end));
        cli_log("ARI check: the CA suggests renewing between %s and %s; next check %s; next: %s",
                start, end, check, then);
    } else if (st == ACME_ERR_UNSUPPORTED) {
        /* Most CAs today: nothing is wrong, renewal follows the lifetime. */
        cli_log("ARI check: the CA offers no renewalInfo; next check %s; next: %s", check, then);
    } else {
        /* Not an issuance failure: the certificate and its plan stand. */
        char why[1024];
        cli_describe_failure(&s->agent, st, why, sizeof(why));
        cli_log("ARI check failed: %s; next check %s; next: %s", why, check, then);
    }
    return asked;
#else
    (void)d;
    (void)next;
    *stopped = false;
    return ACME_ERR_UNSUPPORTED; /* never asked for: no ARI, no check is planned */
#endif
}

/* Finishing a key rollover that a restart cut short (acme-agent rollover
 * started it): nothing else can use the account before. */
static acme_status_t do_rollover(daemon_t *d, acme_next_step_t *next, bool *stopped)
{
#if ACME_ENABLE_ACCOUNT_ADMIN
    cli_session_t *s = d->s;
    acme_status_t st = cli_drive(&s->agent, &s->port, CLI_RUN_ROLLOVER, stopped);
    if (*stopped) {
        return ACME_OK;
    }
    char then[256];
    acme_status_t asked = ask(d, next, then, sizeof(then));
    if (st == ACME_OK) {
        cli_log("key rollover finished: the account uses its new key; next: %s", then);
    } else {
        d->failed = true;
        char why[1024];
        cli_describe_failure(&s->agent, st, why, sizeof(why));
        cli_log("key rollover failed: %s; next: %s", why, then);
    }
    return asked;
#else
    (void)d;
    (void)next;
    *stopped = false;
    return ACME_ERR_UNSUPPORTED; /* never asked for without account admin */
#endif
}

/* The actions due now, each at most once. *wake_at: when to come back.
 * False when a stop signal ended an action. */
static bool act(daemon_t *d, int64_t *wake_at)
{
    acme_next_step_t next;
    char text[256];
    acme_status_t st = acme_agent_next(&d->s->agent, &next);
    bool issued = false;
    bool checked = false;
    bool rolled = false;
    while (st == ACME_OK && next.action != ACME_NEXT_WAIT) {
        bool stopped = false;
        acme_next_step_t due = next;
        if (next.action == ACME_NEXT_ISSUE && !issued) {
            issued = true;
            st = do_issue(d, &due, &next, &stopped);
        } else if (next.action == ACME_NEXT_ARI_CHECK && !checked) {
            checked = true;
            st = do_ari(d, &next, &stopped);
        } else if (next.action == ACME_NEXT_ROLLOVER && !rolled) {
            rolled = true;
            st = do_rollover(d, &next, &stopped);
        } else {
            *wake_at = wall_now() + CLI_DUE_AGAIN_S;
            char when[32];
            cli_format_time(*wake_at, when, sizeof(when));
            cli_log("%s is due again right after it ran; not before %s",
                    next.action == ACME_NEXT_ISSUE      ? "an issuance"
                    : next.action == ACME_NEXT_ARI_CHECK ? "an ARI check"
                                                         : "the key rollover",
                    when);
            return true;
        }
        if (stopped) {
            return false;
        }
    }
    if (st != ACME_OK) {
        d->failed = true;
        *wake_at = wall_now() + (st == ACME_ERR_BAD_STATE ? 60 : CLI_DUE_AGAIN_S);
        cli_log("cannot plan: %s%s", acme_strerror(st),
                st == ACME_ERR_BAD_STATE ? " (is the wall clock set? waiting for it)" : "");
        return true;
    }
    *wake_at = next.at_s;
    d->next = next;
    d->have_next = true;
    if (next.at_s != d->logged_at_s || next.renew_at_s != d->logged_renew_s) {
        describe_next(&next, wall_now(), text, sizeof(text));
        cli_log("next: %s", text);
        d->logged_at_s = next.at_s;
        d->logged_renew_s = next.renew_at_s;
    }
    return true;
}

/* --once: what today's one-shot run printed on stdout. */
static void print_result(daemon_t *d)
{
    static acme_cert_info_t info;
    const char *state = d->o->run.state;
    if (d->installed) {
        if (!d->o->run.net.stats) {
            printf("certificate installed in %s\n", state);
        }
        return;
    }
    if (acme_agent_cert_info(&d->s->agent, &info) != ACME_OK) {
        if (!d->failed && d->have_next) {
            char text[256];
            describe_next(&d->next, wall_now(), text, sizeof(text));
            printf("no certificate in %s yet; next: %s\n", state, text);
        }
        return;
    }
    char not_after[32];
    cli_format_time(info.not_after, not_after, sizeof(not_after));
    printf("certificate held in %s:", state);
    for (size_t i = 0; i < info.name_count && i < ACME_MAX_IDENTIFIERS; i++) {
        printf(" %s", info.names[i]);
    }
    printf(", serial %s, valid until %s; nothing else due\n", info.serial_hex, not_after);
}

/* One pass. *wake_at: when the next one is due. CLI_EXIT_OK to go on
 * (or, with once, to end well), CLI_EXIT_FAIL to end with that. */
static int pass(daemon_t *d, bool first, int64_t *wake_at, bool *stopped)
{
    const cli_daemon_options_t *o = d->o;
    *stopped = false;
    bool report_busy = first || o->once;
    acme_status_t st = cli_session_open(d->s, &o->run, "run", report_busy);
    if (st == ACME_ERR_BAD_STATE && !report_busy) {
        if (!d->busy_logged) {
            cli_log("the state %s is in use by another process; trying again every %d s",
                    o->run.state, CLI_BUSY_RETRY_S);
            d->busy_logged = true;
        }
        *wake_at = wall_now() + CLI_BUSY_RETRY_S;
        return CLI_EXIT_OK;
    }
    if (st != ACME_OK) {
        return CLI_EXIT_FAIL;
    }
    d->busy_logged = false;
    if (first && !o->once) {
        cli_log("started (pid %ld) on %s for %s%s%s%s", (long)getpid(), o->run.state,
                d->s->cfg.names[0], d->s->cfg.name_count > 1 ? " and more" : "",
                o->deploy.dir != NULL ? "; deploying to " : "",
                o->deploy.dir != NULL ? o->deploy.dir : "");
    }
    if (!act(d, wake_at)) {
        *stopped = true;
        cli_log("stopping on %s: the issuance in progress stays in %s and is resumed at the "
                "next start",
                signal_name(cli_stop_signal()), o->run.state);
        cli_session_close(d->s);
        return CLI_EXIT_OK;
    }
    if (!cli_deploy_export(&o->deploy, &d->s->agent, wall_now(), &d->deploy)) {
        d->failed = true;
    }
    if (o->once) {
        print_result(d);
    }
    cli_session_close(d->s);
    /* The state is closed: the hook may run acme-agent status. */
    if (!cli_deploy_finish(&o->deploy, o->run.state, &d->deploy)) {
        d->failed = true;
    }
    int64_t retry = cli_deploy_retry_at(&d->deploy);
    if (retry != 0 && retry < *wake_at) {
        *wake_at = retry;
    }
    return CLI_EXIT_OK;
}

int cli_daemon_run(cli_daemon_options_t *o)
{
    static cli_session_t session;
    daemon_t d;
    memset(&d, 0, sizeof(d));
    d.o = o;
    d.s = &session;
    cli_signals_install();
    for (bool first = true;; first = false) {
        d.failed = false;
        int64_t wake_at = 0;
        bool stopped = false;
        int rc = pass(&d, first, &wake_at, &stopped);
        if (rc != CLI_EXIT_OK || o->once) {
            /* A stop is no failure, even if it cut the hook short. */
            bool failed = d.failed && cli_stop_signal() == 0;
            return rc != CLI_EXIT_OK || failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
        }
        if (stopped || cli_stop_signal() != 0) {
            if (!stopped) {
                cli_log("stopping on %s", signal_name(cli_stop_signal()));
            }
            return CLI_EXIT_OK;
        }
        int64_t latest = wall_now() + CLI_WAKE_MAX_S;
        cli_wake_t why = cli_sleep_until(wake_at < latest ? wake_at : latest);
        if (why == CLI_WOKE_STOP) {
            cli_log("stopping on %s", signal_name(cli_stop_signal()));
            return CLI_EXIT_OK;
        }
        if (why == CLI_WOKE_HUP) {
            (void)cli_take_wake();
            cli_log("woken by SIGHUP: reading the state and the config again");
        } else if (why == CLI_WOKE_CLOCK) {
            cli_log("the wall clock was set: asking the agent again");
        }
    }
}
