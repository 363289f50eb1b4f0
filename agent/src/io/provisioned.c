/*
 * The provisioned configuration: config partition -> decoded blob ->
 * acme_agent_config_t. See acme/io/provisioned.h.
 */
#include "acme/io/provisioned.h"

#include <string.h>

#include "acme/codec/pem.h"
#include "crypto/crypto.h"

acme_status_t acme_provisioned_load(acme_provisioned_t *c, const acme_flash_ops_t *flash,
                                    void *flash_ctx, const acme_flash_geometry_t *geo)
{
    memset(&c->err, 0, sizeof(c->err));
    c->blob_len = 0;
    c->status = ACME_ERR_NOT_FOUND;
    acme_status_t st = acme_config_part_mount(&c->part, flash, flash_ctx, geo);
    if (st != ACME_OK) {
        return st;
    }
    c->status =
        acme_config_part_load(&c->part, c->blob, sizeof(c->blob), &c->blob_len, &c->prov, &c->err);
    return c->status == ACME_ERR_FLASH || c->status == ACME_ERR_BUFFER_TOO_SMALL ? c->status
                                                                                 : ACME_OK;
}

static acme_status_t refuse(acme_provisioned_refusal_t *why, acme_status_t st, uint8_t tag,
                            size_t index)
{
    why->tag = tag;
    why->index = index;
    return st;
}

/* Trust anchors: the blob has DER, the agent's TLS configuration PEM. */
static acme_status_t trust_to_pem(acme_provisioned_t *c, acme_agent_config_t *cfg,
                                  acme_provisioned_refusal_t *why)
{
    const acme_provision_t *p = &c->prov;
    if (p->trust_count == 0) {
        return refuse(why, ACME_ERR_CONFIG, ACME_PROVISION_TAG_TRUST_ANCHOR, 0);
    }
    size_t used = 0;
    for (size_t i = 0; i < p->trust_count; i++) {
        size_t n = 0;
        if (acme_pem_write("CERTIFICATE", p->trust[i].data, p->trust[i].len, c->trust_pem + used,
                           sizeof(c->trust_pem) - used, &n) != ACME_OK) {
            return refuse(why, ACME_ERR_BUFFER_TOO_SMALL, ACME_PROVISION_TAG_TRUST_ANCHOR, i);
        }
        used += n;
    }
    cfg->trust_pem = c->trust_pem;
    cfg->trust_pem_len = used;
    return ACME_OK;
}

/* The blob's MAC numbers are the agent's (acme/types.h says so): a
 * provisioned CA's alg is copied, not translated. */
#define SAME_MAC(x) ((int)ACME_PROVISION_MAC_##x == (int)ACME_EAB_##x)
typedef char provisioned_mac_values_match
    [SAME_MAC(DEFAULT) && SAME_MAC(HS256) && SAME_MAC(HS384) && SAME_MAC(HS512) ? 1 : -1];

/* The CA table, with EAB: HS256, HS384 or HS512 (the decoder has refused
 * any other algorithm byte). */
static void ca_table(acme_provisioned_t *c, acme_agent_config_t *cfg)
{
    acme_provision_t *p = &c->prov;
    memset(c->cas, 0, sizeof(c->cas));
    for (size_t i = 0; i < p->ca_count; i++) {
        acme_provision_ca_t *ca = &p->cas[i];
        acme_ca_entry_t *e = &c->cas[i];
        e->issuer = ca->issuer;
        e->directory_url = ca->directory_url[0] != '\0' ? ca->directory_url : NULL;
        if (ca->eab_key_len == 0) {
            continue;
        }
        e->eab_kid = ca->eab_kid;
        e->eab_key = ca->eab_key;
        e->eab_key_len = ca->eab_key_len;
        e->eab_alg = ca->eab_alg;
    }
    cfg->cas = c->cas;
    cfg->ca_count = p->ca_count;
}

acme_status_t acme_provisioned_to_config(acme_provisioned_t *c, acme_agent_config_t *cfg,
                                         acme_provisioned_refusal_t *why)
{
    acme_provision_t *p = &c->prov;
    if (c->status != ACME_OK) {
        return ACME_ERR_BAD_STATE;
    }
    if (p->ip_count != 0) {
        return refuse(why, ACME_ERR_UNSUPPORTED, ACME_PROVISION_TAG_IP, 0);
    }
    for (size_t i = 0; i < p->name_count; i++) {
        c->names[i] = p->names[i];
    }
    cfg->names = c->names;
    cfg->name_count = p->name_count;
    cfg->contact = p->contact[0] != '\0' ? p->contact : NULL;
    cfg->key_type = p->key_type != ACME_KEY_NONE ? p->key_type : ACME_KEY_P256;
    cfg->terms_of_service_agreed = p->terms_of_service_agreed;
    /* A key injected at the factory is the device's key for every order. */
    cfg->device_key_der = p->device_key.len != 0 ? p->device_key.data : NULL;
    cfg->device_key_der_len = p->device_key.len;
    if (p->discovery) {
        /* CAA first; the provisioned directory when no name has CAA. */
        cfg->directory_url = NULL;
        cfg->default_directory = p->directory_url[0] != '\0' ? p->directory_url : NULL;
    } else {
        cfg->directory_url = p->directory_url;
    }
    ca_table(c, cfg);
    return trust_to_pem(c, cfg, why);
}

void acme_provisioned_clear(acme_provisioned_t *c)
{
    acme_zeroize(c, sizeof(*c));
}
