/*
 * The agent's state in flash: typed records (account key, accounts per CA,
 * device key, certificate chain, ...) kept as one snapshot in a ring of
 * three or more NOR erase blocks. On-flash format and recovery:
 * docs/storage.md.
 *
 * Every block in use starts with a header (sequence number, erase count)
 * programmed right after its erase. A commit writes the whole new state as
 * a snapshot into the blocks that follow the current one in ring order,
 * then programs the snapshot's commit area (its length and CRC-32) last.
 * The current snapshot is never touched while the next one is written, so
 * a power cut at any instant leaves the previous state or the new one: a
 * mount takes the newest snapshot whose commit area, block headers and
 * CRC are intact. Wear moves around the ring with the snapshots.
 *
 * Flash is written only when a change differs from what is stored. Each
 * commit ends by mounting again: it returns ACME_OK only when the new
 * state is what the next boot will see.
 */
#ifndef ACME_IO_STORE_H
#define ACME_IO_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/config_defaults.h"
#include "acme/port.h"
#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum acme_store_record {
    /* 1, 2 and 3 held a single account's directory, key and URL before
     * accounts per CA existed; the numbers are not reused. */
    ACME_REC_DEVICE_KEY = 4,    /* key of the installed certificate, DER */
    ACME_REC_CHAIN = 5,         /* installed certificate chain, PEM */
    ACME_REC_PENDING_KEY = 6,   /* key of the order in progress, DER */
    ACME_REC_CA_INFO = 7,       /* CA of the installed chain: issuer, directory, ToS */
    ACME_REC_COOLDOWN = 8,      /* CAs kept out after failing, with wall-clock ends */
    ACME_REC_PENDING_ORDER = 9, /* order in progress: directory, order URL */
    ACME_REC_RENEWAL = 10,      /* renewal bookkeeping: failures, last failure, ARI window */
    ACME_REC_ROLLOVER_KEY = 11, /* the new account key of a key rollover in progress, DER */
    ACME_REC_ROLLOVER = 12,     /* that rollover: directory, account URL */
    ACME_REC_ACCOUNT_FIRST = 16,    /* accounts: directory, account URL, issuer;
                                       one per CA up to ACME_STORE_ACCOUNTS_MAX */
    ACME_REC_ACCOUNT_KEY_FIRST = 32 /* each account's private key, DER, at the
                                       same offset from here */
} acme_store_record_t;

/* Records in the store at most: two per account and room for the 10
 * single records (9 defined; 18 with the default 4 accounts). */
#define ACME_STORE_MAX_RECORDS (10u + 2u * ACME_STORE_ACCOUNTS_MAX)
/* Largest record: the certificate chain. */
#define ACME_STORE_RECORD_MAX ACME_CHAIN_MAX

/* A record of the current snapshot: its type, length and offset in the
 * snapshot's payload. */
typedef struct acme_store_index {
    uint16_t type;
    uint16_t len;
    uint32_t off;
} acme_store_index_t;

typedef struct acme_store {
    const acme_flash_ops_t *flash;
    void *flash_ctx;
    acme_flash_geometry_t geo;
    uint32_t blocks;    /* erase blocks in the partition */
    uint32_t first;     /* first block of the current snapshot */
    uint32_t span;      /* its blocks; 0: no snapshot (an empty store) */
    uint32_t len;       /* its payload bytes */
    uint32_t next;      /* block where the next snapshot starts */
    uint32_t seq;       /* highest sequence number in a block header */
    uint32_t erase_max; /* highest erase count in a block header */
    uint32_t commits;   /* commits that wrote, since mount (for tests, status) */
    uint32_t erases;    /* blocks erased since mount */
    uint32_t count;     /* records in index[] */
    acme_store_index_t index[ACME_STORE_MAX_RECORDS];
} acme_store_t;

/* A change for acme_store_commit: set type to data[0..len), or remove it
 * (data NULL). */
typedef struct acme_store_change {
    uint16_t type;
    const void *data;
    size_t len;
} acme_store_change_t;

/* Find the newest intact snapshot and index its records. A blank or foreign
 * partition is a valid empty store. ACME_ERR_CONFIG for a geometry the store
 * cannot use (fewer than 3 blocks, a program unit other than 1, 2, 4, 8 or
 * 16, an erase block under 1 KiB or not a multiple of 16); ACME_ERR_FLASH on
 * read errors. */
acme_status_t acme_store_mount(acme_store_t *s, const acme_flash_ops_t *flash, void *flash_ctx,
                               const acme_flash_geometry_t *geo);

/* Copy record `type` into out. ACME_ERR_NOT_FOUND when absent,
 * ACME_ERR_BUFFER_TOO_SMALL (with *len set to the size needed). */
acme_status_t acme_store_read(const acme_store_t *s, uint16_t type, void *out, size_t cap,
                              size_t *len);

/* True when record `type` exists (its length in *len if not NULL). */
bool acme_store_has(const acme_store_t *s, uint16_t type, size_t *len);

/* Apply the changes as one transaction (all or none, also across a power
 * cut). Nothing is written when every change matches the stored record.
 * ACME_ERR_INVALID_ARG for a type 0, a record over ACME_STORE_RECORD_MAX
 * bytes or a type listed twice; ACME_ERR_STORE_FULL when the state would
 * not fit; ACME_ERR_FLASH on a flash error or when the commit did not read
 * back (the previous state stays current). */
acme_status_t acme_store_commit(acme_store_t *s, const acme_store_change_t *changes, size_t count);

/* The erase count of block `block` (from its header), for wear reports.
 * ACME_ERR_NOT_FOUND for a block that holds no valid header (never used, or
 * its erase was cut), ACME_ERR_INVALID_ARG past the partition. */
acme_status_t acme_store_block_erases(const acme_store_t *s, uint32_t block, uint32_t *count);

/* Payload bytes of the current snapshot (records and their 4-byte
 * headers): what the next commit rewrites. */
uint32_t acme_store_live_bytes(const acme_store_t *s);

#ifdef __cplusplus
}
#endif

#endif /* ACME_IO_STORE_H */
