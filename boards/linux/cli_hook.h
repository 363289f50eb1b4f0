/*
 * Running an operator's command (the deploy hook): /bin/sh -c CMD in a
 * process group of its own, with extra environment variables, bounded in
 * time.
 */
#ifndef ACME_CLI_HOOK_H
#define ACME_CLI_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cli_hook_result {
    bool started;   /* false: fork or exec failed (why in the log) */
    int exit_code;  /* when it exited; -1 otherwise */
    int signal;     /* the signal that ended it; 0 when it exited */
    bool timed_out; /* killed after the timeout */
    bool stopped;   /* killed because acme-agent was asked to stop */
    uint64_t ms;    /* how long it ran */
} cli_hook_result_t;

/* Run cmd with /bin/sh -c. env: "NAME=value" strings (NULL-terminated
 * list) that replace or add to acme-agent's own environment. Its stdin is
 * /dev/null, its stdout and stderr go to acme-agent's stderr (the log). At
 * timeout_s, or when a stop signal arrives, its whole process group gets
 * SIGTERM, and SIGKILL once the shell has exited (2 s at most). True when
 * it exited with status 0 in time. */
bool cli_hook_run(const char *cmd, const char *const *env, uint32_t timeout_s,
                  cli_hook_result_t *r);

/* "exited 0", "exited 3", "killed by signal 9", "timed out after 120 s:
 * killed", "stopped: acme-agent is stopping", "could not start". */
void cli_hook_describe(const cli_hook_result_t *r, uint32_t timeout_s, char *out, size_t cap);

#endif /* ACME_CLI_HOOK_H */
