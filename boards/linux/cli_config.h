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
#include "acme/io/provisioned.h"
#include "cli.h"

/* A blob read from the partition or a file: one config slot's worth. */
#define CLI_BLOB_MAX CLI_CONFIG_SLOT

/* The config and what the agent's configuration points to, as every board
 * has it (acme/io/provisioned.h). Large: make it static. */
typedef acme_provisioned_t cli_config_t;

#if ACME_PROVISIONED_BLOB_MAX < CLI_BLOB_MAX
#error "ACME_PROVISIONED_BLOB_MAX must hold a whole config slot of the Linux board"
#endif

/* Mount the config partition and load it into c (c->status says what was
 * found). ACME_OK when the partition could be read at all (even blank or
 * corrupt), else the flash error. */
acme_status_t cli_config_read(cli_config_t *c, acme_posix_flash_view_t *view);

/* "bad CRC: the blob is corrupt (tag 0x00, field 0, byte 2104)" and, for a
 * known tag, its spec member ("tag 0x03 contact"). */
void cli_config_why(const acme_provision_error_t *err, char *out, size_t cap);

/* Fill cfg from the loaded config (c->status must be ACME_OK): names,
 * contact, key type, terms of service, the directory or discovery (with the
 * directory as the fallback when no name has CAA), the CA table with EAB
 * (HS256, HS384 or HS512), trust anchors converted to PEM, the preferred
 * profile. CLI_EXIT_OK, or CLI_EXIT_FAIL after one line on stderr that names
 * the field the agent cannot act on (IP identifiers, no trust anchor, a
 * profile name too long). */
int cli_config_to_agent(cli_config_t *c, acme_agent_config_t *cfg);

/* The config as a JSON object (no EAB key, no device key: only whether they
 * are there), with what the agent does not apply yet. */
void cli_config_json(const cli_config_t *c, acme_json_writer_t *w);

/* Zeroise the blob, the decoded struct and the CA table. */
void cli_config_clear(cli_config_t *c);

#endif /* ACME_CLI_CONFIG_H */
