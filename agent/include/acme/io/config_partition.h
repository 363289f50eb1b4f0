/*
 * The config partition: the factory provisioning blob (acme/codec/provision.h)
 * in a flash partition of its own, kept in two slots so that a field
 * re-provision survives a power cut at any instant.
 *
 * The partition is split into two slots of whole erase blocks. A slot is
 *
 *   0    header: magic "ACFG" | generation u32 | blob_len u32 |
 *        CRC-32 of the 12 bytes before it (all little-endian), padded
 *        with 0xFF to a whole number of program units (16 bytes for a
 *        program unit of 1, 2, 4, 8 or 16)
 *   hdr  the blob, blob_len bytes, its last program unit padded with 0xFF
 *
 * A write goes into the slot that does not hold the config in use, with the
 * highest generation seen plus one: erase the slot, program the blob, read it
 * back, sync, program the header, sync. The header is programmed last, so a
 * cut before it leaves a slot without a valid header and the old config
 * wins; every program unit is programmed once after its erase.
 *
 * Reading takes the slot with the highest generation whose header is intact
 * (magic, CRC, length inside the slot) and whose blob decodes
 * (acme_provision_decode, which checks the blob's own CRC), else the other
 * slot.
 *
 * Only the flash seam (acme_flash_ops_t) is used: no allocation, no clock.
 * Every loop is bounded by the partition size over a fixed chunk.
 */
#ifndef ACME_IO_CONFIG_PARTITION_H
#define ACME_IO_CONFIG_PARTITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/codec/provision.h"
#include "acme/port.h"
#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ACME_CONFIG_PART_HEADER_LEN 16u
/* Largest program unit the partition handles. */
#define ACME_CONFIG_PART_PROG_MAX 16u

typedef struct acme_config_part_slot {
    bool header_ok;      /* magic, header CRC and length are right */
    bool blob_ok;        /* ...and the blob's own CRC matches */
    uint32_t generation; /* when header_ok */
    uint32_t blob_len;   /* when header_ok */
} acme_config_part_slot_t;

/* All fields are read-only for the caller. */
typedef struct acme_config_part {
    const acme_flash_ops_t *flash;
    void *flash_ctx;
    acme_flash_geometry_t geo;
    uint32_t slot_size;   /* bytes per slot: whole erase blocks */
    uint32_t header_area; /* header rounded up to program units */
    int8_t current;       /* slot of the config last loaded or written; -1 none */
    bool loaded;          /* acme_config_part_load ran since mount */
    acme_config_part_slot_t slot[2];
} acme_config_part_t;

/* Bytes of blob a slot of this geometry holds (0 when the geometry cannot
 * hold two slots). */
uint32_t acme_config_part_capacity(const acme_flash_geometry_t *geo);

/* Look at both slots (headers and blob CRCs; nothing is written). A blank
 * partition is a valid empty one. ACME_ERR_CONFIG when the geometry cannot
 * hold two slots of whole erase blocks or the program unit is not
 * 1..ACME_CONFIG_PART_PROG_MAX dividing the erase size; ACME_ERR_FLASH on a
 * read error; ACME_ERR_INVALID_ARG for NULL arguments. */
acme_status_t acme_config_part_mount(acme_config_part_t *c, const acme_flash_ops_t *flash,
                                     void *flash_ctx, const acme_flash_geometry_t *geo);

/* Copy the newest slot's blob that decodes into buf[0..cap) and decode it
 * into *prov (whose spans then point into buf: keep buf while prov is used;
 * zeroise both when done, they hold secrets). *len gets the blob's size.
 * ACME_OK; ACME_ERR_NOT_FOUND when no slot has an intact header (blank or
 * never provisioned); ACME_ERR_MALFORMED or ACME_ERR_TRUNCATED when slots
 * exist but none decodes (*err, may be NULL, says why for the newest);
 * ACME_ERR_BUFFER_TOO_SMALL when a blob is larger than cap; ACME_ERR_FLASH.
 * Sets c->current to the slot used. */
acme_status_t acme_config_part_load(acme_config_part_t *c, uint8_t *buf, size_t cap, size_t *len,
                                    acme_provision_t *prov, acme_provision_error_t *err);

/* Write blob[0..len) as the new config (the caller has decoded it: only its
 * header is checked here). Call acme_config_part_load first (its result may
 * be ACME_ERR_NOT_FOUND or a decode error): it finds the slot in use
 * (c->current), which the write never touches. ACME_OK, after which
 * c->current is the new slot; ACME_ERR_BAD_STATE (no load since mount);
 * ACME_ERR_INVALID_ARG (not a blob, or NULL); ACME_ERR_STORE_FULL (larger
 * than acme_config_part_capacity); ACME_ERR_FLASH (a flash error or a
 * read-back mismatch: the old config stays). */
acme_status_t acme_config_part_write(acme_config_part_t *c, const uint8_t *blob, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* ACME_IO_CONFIG_PARTITION_H */
