/*
 * The provisioned config in the state's config partition: read it, say why
 * a blob is refused, turn it into the agent's configuration (run), and
 * describe it without secrets (status, provision).
 */
#ifndef ACME_CLI_CONFIG_H
#define ACME_CLI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "acme/codec/json_writer.h"
#include "acme/codec/provision.h"
#include "acme/io/config_partition.h"
#include "cli.h"

/* A blob read from the partition or a file: one config slot's worth. */
#define CLI_BLOB_MAX CLI_CONFIG_SLOT

/* PEM of every trust anchor: base64 grows DER by 4/3, plus lines. */
#define CLI_TRUST_PEM_MAX (ACME_PROVISION_TRUST_MAX * (ACME_PROVISION_CERT_DER_MAX * 3u / 2u + 64u))

/* Large (blob, decoded struct, PEM): make it static. Holds secrets (EAB
 * keys, the device key): cli_config_clear() when done. */
typedef struct cli_config {
    acme_config_part_t part;
    acme_status_t status; /* of the last load: ACME_OK, ACME_ERR_NOT_FOUND, a decode error */
    acme_provision_error_t err;
    acme_provision_t prov;
    uint8_t blob[CLI_BLOB_MAX];
    size_t blob_len;
    /* What the agent's configuration points to (cli_config_to_agent). */
    const char *names[ACME_MAX_IDENTIFIERS];
    acme_ca_entry_t cas[ACME_PROVISION_CAS_MAX];
    char trust_pem[CLI_TRUST_PEM_MAX];
} cli_config_t;

/* Mount the config partition and load it into c (c->status says what was
 * found). ACME_OK when the partition could be read at all (even blank or
 * corrupt), else the flash error. */
acme_status_t cli_config_read(cli_config_t *c, acme_posix_flash_view_t *view);

/* "bad CRC: the blob is corrupt (tag 0x00, field 0, byte 2104)" and, for a
 * known tag, its spec member ("tag 0x03 contact"). */
void cli_config_why(const acme_provision_error_t *err, char *out, size_t cap);

/* Fill cfg from the loaded config (c->status must be ACME_OK): names,
 * contact, key type, terms of service, the directory or discovery (with the
 * directory as the fallback when no name has CAA), the CA table with EAB,
 * trust anchors converted to PEM. CLI_EXIT_OK, or CLI_EXIT_FAIL after one
 * line on stderr that names the field the agent cannot act on (IP
 * identifiers, no trust anchor, an EAB MAC other than HS256). */
int cli_config_to_agent(cli_config_t *c, acme_agent_config_t *cfg);

/* The config as a JSON object (no EAB key, no device key: only whether they
 * are there), with what the agent does not apply yet. */
void cli_config_json(const cli_config_t *c, acme_json_writer_t *w);

/* Zeroise the blob, the decoded struct and the CA table. */
void cli_config_clear(cli_config_t *c);

#endif /* ACME_CLI_CONFIG_H */
