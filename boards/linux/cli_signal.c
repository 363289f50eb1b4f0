/*
 * Stop and wake-up flags set by signal handlers, and the sleep that waits
 * for them or for a wall time (see cli_signal.h).
 */
#include "cli_signal.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t g_stop;
static volatile sig_atomic_t g_wake;
static sigset_t g_ours;
static sigset_t g_wait_mask;

/* Async-signal-safe: a store to a sig_atomic_t, nothing else. */
static void on_signal(int sig)
{
    if (sig == SIGHUP) {
        g_wake = 1;
    } else {
        g_stop = sig;
    }
}

void cli_signals_install(void)
{
    sigemptyset(&g_ours);
    sigaddset(&g_ours, SIGTERM);
    sigaddset(&g_ours, SIGINT);
    sigaddset(&g_ours, SIGHUP);
    sigset_t before;
    sigprocmask(SIG_BLOCK, &g_ours, &before);
    g_wait_mask = before;
    sigdelset(&g_wait_mask, SIGTERM);
    sigdelset(&g_wait_mask, SIGINT);
    sigdelset(&g_wait_mask, SIGHUP);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    /* The other two stay blocked while one runs. SA_RESTART keeps file I/O
     * going; poll, ppoll and the sleeps end with EINTR whatever the flag. */
    sa.sa_mask = g_ours;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

int cli_stop_signal(void)
{
    return (int)g_stop;
}

bool cli_take_wake(void)
{
    bool w = g_wake != 0;
    g_wake = 0;
    return w;
}

void cli_signals_unblock(void)
{
    sigprocmask(SIG_UNBLOCK, &g_ours, NULL);
}

void cli_signals_block(void)
{
    sigprocmask(SIG_BLOCK, &g_ours, NULL);
}

const sigset_t *cli_signals_wait_mask(void)
{
    return &g_wait_mask;
}

/* Without a timer (no timerfd): wait in ppoll's relative timeouts, a minute
 * at most, so that a stepped clock is noticed within that. */
static cli_wake_t sleep_relative(int64_t deadline_s)
{
    for (;;) {
        if (g_stop != 0) {
            return CLI_WOKE_STOP;
        }
        if (g_wake != 0) {
            return CLI_WOKE_HUP;
        }
        int64_t left = deadline_s - (int64_t)time(NULL);
        if (left <= 0) {
            return CLI_WOKE_TIME;
        }
        struct timespec ts = {left < 60 ? (time_t)left : 60, 0};
        (void)ppoll(NULL, 0, &ts, &g_wait_mask);
    }
}

cli_wake_t cli_sleep_until(int64_t deadline_s)
{
    int fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC);
    if (fd < 0) {
        return sleep_relative(deadline_s);
    }
    struct itimerspec when;
    memset(&when, 0, sizeof(when));
    when.it_value.tv_sec = (time_t)deadline_s;
    if (deadline_s <= 0 ||
        timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &when, NULL) != 0) {
        close(fd);
        return sleep_relative(deadline_s);
    }
    cli_wake_t why = CLI_WOKE_TIME;
    for (;;) {
        if (g_stop != 0) {
            why = CLI_WOKE_STOP;
            break;
        }
        if (g_wake != 0) {
            why = CLI_WOKE_HUP;
            break;
        }
        struct pollfd p = {fd, POLLIN, 0};
        int n = ppoll(&p, 1, NULL, &g_wait_mask);
        if (n < 0) {
            if (errno == EINTR) {
                continue; /* the flags say whether to go on sleeping */
            }
            close(fd);
            return sleep_relative(deadline_s);
        }
        uint64_t expirations = 0;
        ssize_t r = read(fd, &expirations, sizeof(expirations));
        if (r < 0 && errno == ECANCELED) {
            why = CLI_WOKE_CLOCK;
            break;
        }
        if (r == (ssize_t)sizeof(expirations)) {
            break; /* the deadline came */
        }
    }
    close(fd);
    return why;
}
