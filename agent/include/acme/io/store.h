/*
 * The agent's state in flash: a set of typed records (account key, account
 * URL, device key, certificate chain, ...) kept as one image in one of two
 * slots of the flash partition.
 *
 * A commit writes a complete new image into the other slot and makes it
 * current only by programming its commit mark last (after a sync barrier):
 *   erase spare blocks -> program records -> program header -> sync ->
 *   program commit mark -> sync.
 * At mount the valid image (magic, header CRC, commit mark, payload CRC) with
 * the highest sequence number wins. A power cut at any point therefore leaves
 * either the previous image or the new one, never a mix. Unchanged records
 * are copied flash-to-flash through a small buffer, so a commit needs no RAM
 * copy of the state.
 *
 * The store writes only when asked; the agent commits only on a change.
 */
#ifndef ACME_IO_STORE_H
#define ACME_IO_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/port.h"
#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum acme_store_record {
    /* 1 and 3 held a single CA's directory and account URL before accounts
     * per CA existed; the numbers are not reused. */
    ACME_REC_ACCOUNT_KEY = 2,   /* private key DER */
    ACME_REC_DEVICE_KEY = 4,    /* key of the installed certificate, DER */
    ACME_REC_CHAIN = 5,         /* installed certificate chain, PEM */
    ACME_REC_PENDING_KEY = 6,   /* key of the order in progress, DER */
    ACME_REC_CA_INFO = 7,       /* CA of the installed chain: issuer, directory, ToS */
    ACME_REC_COOLDOWN = 8,      /* CAs kept out after failing, with wall-clock ends */
    ACME_REC_ACCOUNT_FIRST = 16 /* accounts: directory, account URL, issuer; one
                                   record per CA up to ACME_STORE_ACCOUNTS_MAX */
} acme_store_record_t;

/* Records in one image at most. */
#define ACME_STORE_MAX_RECORDS 16u
/* Image header + commit mark area at the start of a slot. */
#define ACME_STORE_HEADER_AREA 64u

typedef struct acme_store {
    const acme_flash_ops_t *flash;
    void *flash_ctx;
    acme_flash_geometry_t geo;
    uint32_t slot_size;   /* bytes per slot (whole erase blocks) */
    int8_t current;       /* slot of the current image, -1 when empty */
    uint32_t seq;         /* sequence number of the current image */
    uint32_t payload_len; /* bytes of records in the current image */
    uint32_t commits;     /* commits since mount (for tests and stats) */
} acme_store_t;

/* A change for acme_store_commit: set type to data[0..len), or remove it
 * (data NULL). */
typedef struct acme_store_change {
    uint16_t type;
    const void *data;
    size_t len;
} acme_store_change_t;

/* Find the current image. An empty or blank partition is a valid empty
 * store. ACME_ERR_CONFIG when the geometry cannot hold two slots;
 * ACME_ERR_FLASH on read errors. */
acme_status_t acme_store_mount(acme_store_t *s, const acme_flash_ops_t *flash, void *flash_ctx,
                               const acme_flash_geometry_t *geo);

/* Copy record `type` into out. ACME_ERR_NOT_FOUND when absent,
 * ACME_ERR_BUFFER_TOO_SMALL (with *len set to the size needed). */
acme_status_t acme_store_read(const acme_store_t *s, uint16_t type, void *out, size_t cap,
                              size_t *len);

/* True when record `type` exists (its length in *len if not NULL). */
bool acme_store_has(const acme_store_t *s, uint16_t type, size_t *len);

/* Write a new image: the current records with the changes applied.
 * ACME_ERR_STORE_FULL when it does not fit a slot, ACME_ERR_FLASH on a
 * flash error (the previous image stays current). */
acme_status_t acme_store_commit(acme_store_t *s, const acme_store_change_t *changes, size_t count);

#ifdef __cplusplus
}
#endif

#endif /* ACME_IO_STORE_H */
