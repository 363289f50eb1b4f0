/*
 * The provisioned configuration (docs/factory.md): the blob a factory wrote
 * into the config partition (acme/io/config_partition.h), decoded
 * (acme/codec/provision.h) and mapped to the agent's configuration. One
 * implementation for every board: the Linux board's `run` and a firmware's
 * first boot use the same code.
 *
 * acme_provisioned_t is large (the blob, the decoded struct, the trust
 * anchors as PEM: ~36 KiB with default limits): make it static. It holds
 * secrets (EAB keys, an injected device key): acme_provisioned_clear() when
 * done with it.
 */
#ifndef ACME_IO_PROVISIONED_H
#define ACME_IO_PROVISIONED_H

#include <stddef.h>
#include <stdint.h>

#include "acme/agent.h"
#include "acme/codec/provision.h"
#include "acme/config_defaults.h"
#include "acme/io/config_partition.h"
#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* PEM of every trust anchor: base64 grows DER by 4/3, plus lines. */
#define ACME_PROVISIONED_TRUST_PEM_MAX                                                             \
    (ACME_PROVISION_TRUST_MAX * (ACME_PROVISION_CERT_DER_MAX * 3u / 2u + 64u))

typedef struct acme_provisioned {
    acme_config_part_t part;
    acme_status_t status;       /* of the last load: ACME_OK, ACME_ERR_NOT_FOUND, a decode error */
    acme_provision_error_t err; /* why a blob was refused */
    acme_provision_t prov;
    uint8_t blob[ACME_PROVISIONED_BLOB_MAX];
    size_t blob_len;
    /* What the agent's configuration points to (acme_provisioned_to_config). */
    const char *names[ACME_MAX_IDENTIFIERS];
    acme_ca_entry_t cas[ACME_PROVISION_CAS_MAX];
    char trust_pem[ACME_PROVISIONED_TRUST_PEM_MAX];
} acme_provisioned_t;

/* Mount the config partition on the flash seam and load it into c
 * (c->status: ACME_OK, ACME_ERR_NOT_FOUND when never provisioned, or why
 * the blob was refused, with c->err). Returns ACME_OK when the partition
 * could be read at all (even blank or corrupt), else the flash or geometry
 * error. */
acme_status_t acme_provisioned_load(acme_provisioned_t *c, const acme_flash_ops_t *flash,
                                    void *flash_ctx, const acme_flash_geometry_t *geo);

/* What the agent cannot act on in a loaded config. */
typedef struct acme_provisioned_refusal {
    uint8_t tag;  /* ACME_PROVISION_TAG_* */
    size_t index; /* which one of a repeated tag */
} acme_provisioned_refusal_t;

/* Fill cfg from the loaded config (c->status must be ACME_OK): names,
 * contact, key type, terms of service, the directory or discovery (the
 * directory then the fallback when no name has CAA), the CA table with EAB,
 * trust anchors as PEM. cfg's other members are left as they are (the
 * board's http-01 port, DNS server...). EAB keys keep their MAC (HS256,
 * HS384 or HS512). ACME_OK; or, with *why naming the field:
 * ACME_ERR_UNSUPPORTED for IP identifiers (tag 0x02); ACME_ERR_CONFIG
 * without a trust anchor (tag 0x05); ACME_ERR_BUFFER_TOO_SMALL when the
 * anchors do not fit as PEM (tag 0x05, index). An injected device key (tag
 * 0x0B) becomes cfg->device_key_der (pointing into c->blob). */
acme_status_t acme_provisioned_to_config(acme_provisioned_t *c, acme_agent_config_t *cfg,
                                         acme_provisioned_refusal_t *why);

/* Zeroise everything (blob, decoded struct, CA table, PEM). */
void acme_provisioned_clear(acme_provisioned_t *c);

#ifdef __cplusplus
}
#endif

#endif /* ACME_IO_PROVISIONED_H */
