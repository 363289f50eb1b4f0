/*
 * The deploy hook's process: fork, exec /bin/sh -c, wait with a bound (see
 * cli_hook.h).
 */
#include "cli_hook.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli_signal.h"

/* Room for acme-agent's environment plus the hook's variables. A service's
 * environment is a few dozen entries; beyond this the hook is refused
 * rather than run with part of it. */
#define HOOK_ENV_MAX 512
/* After SIGTERM, how long the shell has to exit before its group gets
 * SIGKILL. */
#define HOOK_KILL_GRACE_MS 2000u
/* How often the wait looks at the child (a signal ends a nap early). */
#define HOOK_NAP_MS 20

extern char **environ;

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The name part of "NAME=value" matches? */
static bool same_name(const char *a, const char *b)
{
    while (*a != '\0' && *a != '=' && *a == *b) {
        a++;
        b++;
    }
    return (*a == '=' || *a == '\0') && (*b == '=' || *b == '\0');
}

/* Built before fork: the child may only call async-signal-safe functions
 * (glibc's resolver may have threads), so no setenv() there. */
static bool build_env(const char *const *extra, const char **out)
{
    size_t n = 0;
    for (char **e = environ; e != NULL && *e != NULL; e++) {
        bool replaced = false;
        for (const char *const *x = extra; *x != NULL; x++) {
            replaced = replaced || same_name(*e, *x);
        }
        if (!replaced) {
            if (n == HOOK_ENV_MAX) {
                return false;
            }
            out[n++] = *e;
        }
    }
    for (const char *const *x = extra; *x != NULL; x++) {
        if (n == HOOK_ENV_MAX) {
            return false;
        }
        out[n++] = *x;
    }
    out[n] = NULL;
    return true;
}

static void nap(void)
{
    struct timespec ts = {0, HOOK_NAP_MS * 1000000L};
    (void)ppoll(NULL, 0, &ts, cli_signals_wait_mask());
}

/* Wait for pid until deadline (monotonic ms, 0: none); true when it ended. */
static bool reap(pid_t pid, uint64_t deadline, bool watch_stop, int *wstatus)
{
    for (;;) {
        pid_t got = waitpid(pid, wstatus, WNOHANG);
        if (got == pid || (got < 0 && errno != EINTR)) {
            return true;
        }
        if ((deadline != 0 && mono_ms() >= deadline) || (watch_stop && cli_stop_signal() != 0)) {
            return false;
        }
        nap();
    }
}

bool cli_hook_run(const char *cmd, const char *const *env, uint32_t timeout_s, cli_hook_result_t *r)
{
    static const char *envp[HOOK_ENV_MAX + 1];
    memset(r, 0, sizeof(*r));
    r->exit_code = -1;
    if (!build_env(env, envp)) {
        fprintf(stderr, "acme-agent: hook: more than %d environment variables\n", HOOK_ENV_MAX);
        return false;
    }
    const char *argv[] = {"sh", "-c", cmd, NULL};
    uint64_t start = mono_ms();
    fflush(NULL); /* nothing buffered may be written twice */
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "acme-agent: hook: fork: %s\n", strerror(errno));
        return false;
    }
    if (pid == 0) {
        /* Its own group, so that a timeout ends everything it started. The
         * signal mask survives exec: give it the one acme-agent was given. */
        setpgid(0, 0);
        sigprocmask(SIG_SETMASK, cli_signals_wait_mask(), NULL);
        int null_fd = open("/dev/null", O_RDONLY);
        if (null_fd >= 0) {
            dup2(null_fd, STDIN_FILENO);
        }
        dup2(STDERR_FILENO, STDOUT_FILENO);
        execve("/bin/sh", (char *const *)(uintptr_t)argv, (char *const *)(uintptr_t)envp);
        _exit(127);
    }
    setpgid(pid, pid); /* also from here: the child may not have run yet */
    r->started = true;
    int wstatus = 0;
    uint64_t deadline = start + (uint64_t)timeout_s * 1000u;
    if (!reap(pid, deadline, true, &wstatus)) {
        r->stopped = cli_stop_signal() != 0;
        r->timed_out = !r->stopped;
        kill(-pid, SIGTERM);
        bool reaped = reap(pid, mono_ms() + HOOK_KILL_GRACE_MS, false, &wstatus);
        /* Then whatever is left of its group: the shell, or what it
         * started and which outlived it (a child that ignores SIGTERM).
         * Nothing waits for those: they are not ours to reap. */
        kill(-pid, SIGKILL);
        while (!reaped && waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
        }
    }
    r->ms = mono_ms() - start;
    if (WIFEXITED(wstatus)) {
        r->exit_code = WEXITSTATUS(wstatus);
    } else if (WIFSIGNALED(wstatus)) {
        r->signal = WTERMSIG(wstatus);
    }
    return !r->timed_out && !r->stopped && r->exit_code == 0;
}

void cli_hook_describe(const cli_hook_result_t *r, uint32_t timeout_s, char *out, size_t cap)
{
    if (!r->started) {
        snprintf(out, cap, "could not start");
    } else if (r->timed_out) {
        snprintf(out, cap, "timed out after %u s: killed", (unsigned)timeout_s);
    } else if (r->stopped) {
        snprintf(out, cap, "stopped: acme-agent is stopping");
    } else if (r->exit_code == 127) {
        snprintf(out, cap, "exited 127 (command not found?) after %llu ms",
                 (unsigned long long)r->ms);
    } else if (r->exit_code >= 0) {
        snprintf(out, cap, "exited %d after %llu ms", r->exit_code, (unsigned long long)r->ms);
    } else {
        snprintf(out, cap, "killed by signal %d after %llu ms", r->signal,
                 (unsigned long long)r->ms);
    }
}
