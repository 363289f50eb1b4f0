/*
 * The log of the commands that act on their own (run, renew, ari): one line
 * per action on stderr, "acme-agent: 2026-11-22T16:30:00Z <what>", never a
 * secret.
 */
#ifndef ACME_CLI_LOG_H
#define ACME_CLI_LOG_H

#include <stddef.h>
#include <stdint.h>

/* One line on stderr with the wall time in front: stderr may go to a file
 * or a pipe that stamps nothing (journald adds its own stamp; the twice
 * printed time is the price of a log that reads the same everywhere).
 * Newlines in the text (server problem details) become spaces. */
void cli_log(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* A wall time for a log line or JSON: "2026-11-22T16:30:00Z", "now" when
 * it is not after now_s, "never" for ACME_ARI_NEVER. */
void cli_log_when(int64_t t, int64_t now_s, char *out, size_t cap);

#endif /* ACME_CLI_LOG_H */
