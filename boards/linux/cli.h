/*
 * Shared pieces of the acme-agent command line: argument helpers, the state
 * file (a file-backed NOR flash), file I/O with atomic replacement, and the
 * exit convention (0 success, 2 failure with one line on stderr).
 */
#ifndef ACME_CLI_H
#define ACME_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/agent.h"
#include "acme/port_posix.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 2

/* The state file: 64 KiB of emulated NOR flash, 4 KiB erase blocks,
 * 16-byte program unit (two 32 KiB store slots). */
#define CLI_STATE_SIZE (64u * 1024u)
#define CLI_STATE_ERASE 4096u
#define CLI_STATE_PROG 16u

/* The agent's arena for the CLI (an issuance peaks well below this). */
#define CLI_ARENA_SIZE (96u * 1024u)

/* Largest trust anchor file accepted. */
#define CLI_TRUST_MAX (256u * 1024u)

/* Print "acme-agent: <fmt>" and a newline to stderr; returns CLI_EXIT_FAIL. */
int cli_fail(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* True when arg is "-h" or "--help". */
bool cli_is_help(const char *arg);

/* Take the value of option argv[*i] (advancing *i); prints an error and
 * returns NULL when it is missing. */
const char *cli_value(int argc, char **argv, int *i);

/* Set up the POSIX port and open the state file. The port's own log lines
 * go to stderr only when verbose (a failure is reported in one line). */
acme_status_t cli_open_state(acme_posix_port_t *pp, acme_port_t *port, const char *path,
                             bool verbose);

/* Read a whole file (at most cap - 1 bytes, NUL-terminated). */
acme_status_t cli_read_file(const char *path, char *buf, size_t cap, size_t *len);

/* Replace path atomically: write a temp file in the same directory with
 * mode, fsync it, rename it over path, fsync the directory. */
acme_status_t cli_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode);

/* Seconds since the epoch as "YYYY-MM-DDTHH:MM:SSZ". */
void cli_format_time(int64_t t, char *out, size_t cap);

int cmd_issue(int argc, char **argv);
int cmd_discover(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_status(int argc, char **argv);

#endif /* ACME_CLI_H */
