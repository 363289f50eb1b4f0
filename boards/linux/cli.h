/*
 * Shared pieces of the acme-agent command line: argument helpers, the state
 * (a file-backed NOR flash or an MTD device, in two partitions), file I/O
 * with atomic replacement, and the
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

/* The state (--state FILE or /dev/mtdN), one flash with two partitions
 * (docs/factory.md):
 *   0            config partition: the provisioning blob, two slots
 *                (acme/io/config_partition.h)
 *   config_size  store partition: keys, account, certificate, a ring of
 *                erase blocks (acme/io/store.h)
 * A file is emulated NOR with 4 KiB erase blocks and a 16-byte program
 * unit: 2 x 16 KiB config slots (the largest blob is 13,139 bytes) and a
 * 64 KiB store (16 blocks), 96 KiB in all. An MTD device brings its own
 * erase block; each part is then rounded up to whole erase blocks, and the
 * store has at least 4 of them. */
#define CLI_CONFIG_SLOT (16u * 1024u)
#define CLI_STORE_SLOT (32u * 1024u) /* half the store on a file */
#define CLI_STORE_MIN_BLOCKS 4u
#define CLI_FILE_ERASE 4096u
#define CLI_STATE_PROG 16u /* a multiple of an MTD's write unit up to 16 */

typedef struct cli_flash {
    acme_posix_flash_view_t config;
    acme_posix_flash_view_t store;
    bool existed; /* the file or device was there before */
    bool mtd;
    uint32_t size; /* bytes of the state used */
} cli_flash_t;

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

/* Set up the POSIX port and open the state (a file, created when missing,
 * or an MTD device); the port's flash seam is then the store partition and
 * flash->config the config partition. The port's own log lines go to
 * stderr only when verbose (a failure is reported in one line: see
 * cli_fail_state). ACME_ERR_BAD_STATE when another process has the state
 * open (cli_state_busy). */
acme_status_t cli_open_state(acme_posix_port_t *pp, acme_port_t *port, cli_flash_t *flash,
                             const char *path, bool verbose);

/* True when another process has the state open (the port's flock):
 * a daemon that is acting on it, or another command. */
bool cli_state_busy(const char *path);

/* The agent's arena, one per program (the arena is process-wide: see
 * acme/io/arena.h): CLI_ARENA_SIZE bytes. */
uint8_t *cli_arena(void);

/* "cannot open state file PATH: <why>" for a cli_open_state failure;
 * returns CLI_EXIT_FAIL. */
int cli_fail_state(const char *path, acme_status_t st);

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
int cmd_provision(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_manage(int argc, char **argv); /* revoke, deactivate, rollover */
int cmd_renew(int argc, char **argv);
int cmd_ari(int argc, char **argv);

#endif /* ACME_CLI_H */
