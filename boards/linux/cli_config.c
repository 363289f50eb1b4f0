/*
 * The provisioned config: read from the config partition, explained,
 * mapped to acme_agent_config_t, described as JSON without secrets.
 */
#include "cli_config.h"

#include <stdio.h>
#include <string.h>

#include "acme/codec/eab_text.h"
#include "acme/codec/ip_addr.h"

acme_status_t cli_config_read(cli_config_t *c, acme_posix_flash_view_t *view)
{
    return acme_provisioned_load(c, &acme_posix_flash_view_ops, view, &view->geometry);
}

void cli_config_why(const acme_provision_error_t *err, char *out, size_t cap)
{
    /* Tag 0 is the header: its name adds nothing to "tag 0x00". */
    const char *member = err->tag != 0 ? acme_provision_field_name(err->tag, err->field) : "";
    snprintf(out, cap, "%s (tag 0x%02x%s%s, field %u, byte %zu)",
             acme_provision_error_text(err->reason), err->tag, member[0] != '\0' ? " " : "", member,
             (unsigned)err->field, err->offset);
}

int cli_config_to_agent(cli_config_t *c, acme_agent_config_t *cfg)
{
    const acme_provision_t *p = &c->prov;
    acme_provisioned_refusal_t why = {0, 0};
    acme_status_t st = acme_provisioned_to_config(c, cfg, &why);
    if (st != ACME_OK && why.tag == ACME_PROVISION_TAG_IP) {
        char ip[64];
        size_t n = 0;
        if (acme_ip_format(&p->ips[0], ip, sizeof(ip), &n) != ACME_OK) {
            snprintf(ip, sizeof(ip), "?");
        }
        return cli_fail("config: identities.ip (tag 0x02): %u IP identifier%s (%s%s); the agent "
                        "orders DNS names only: provision a blob without identities.ip",
                        (unsigned)p->ip_count, p->ip_count == 1 ? "" : "s", ip,
                        p->ip_count > 1 ? ", ..." : "");
    }
    if (st == ACME_ERR_CONFIG) {
        return cli_fail("config: trust_anchors (tag 0x05): none provisioned; the ACME server's "
                        "TLS certificate cannot be verified without one");
    }
    if (st != ACME_OK) {
        return cli_fail("config: trust_anchors[%zu]: cannot convert to PEM", why.index);
    }
#if ACME_ENABLE_PROFILES
    /* Asked for only when the CA's directory lists it (else its default). */
    if (p->profile[0] != '\0') {
        if (strlen(p->profile) > ACME_PROFILE_MAX) {
            return cli_fail("config: profile (tag 0x0A): '%s' is longer than the %u characters "
                            "the agent keeps",
                            p->profile, (unsigned)ACME_PROFILE_MAX);
        }
        cfg->profile = p->profile;
    }
#endif
    return CLI_EXIT_OK;
}

static void json_text_or_null(acme_json_writer_t *w, const char *key, const char *s)
{
    acme_jw_key(w, key);
    if (s[0] != '\0') {
        acme_jw_string(w, s);
    } else {
        acme_jw_null(w);
    }
}

static void json_cas(const acme_provision_t *p, acme_json_writer_t *w)
{
    acme_jw_key(w, "cas");
    acme_jw_array_begin(w);
    for (size_t i = 0; i < p->ca_count; i++) {
        const acme_provision_ca_t *ca = &p->cas[i];
        acme_jw_object_begin(w);
        acme_jw_key(w, "issuer");
        acme_jw_string(w, ca->issuer);
        json_text_or_null(w, "directory_url", ca->directory_url);
        acme_jw_key(w, "eab");
        if (ca->eab_key_len != 0) {
            /* The key id identifies the account; the MAC key is secret. */
            acme_jw_object_begin(w);
            acme_jw_key(w, "kid");
            acme_jw_string(w, ca->eab_kid);
            acme_jw_key(w, "alg");
            /* The decoder admits only the algorithms there are names for. */
            const char *alg = acme_eab_alg_name(ca->eab_alg);
            acme_jw_string(w, alg != NULL ? alg : "?");
            acme_jw_object_end(w);
        } else {
            acme_jw_null(w);
        }
        acme_jw_object_end(w);
    }
    acme_jw_array_end(w);
}

/* What the blob says that the agent does not act on yet. */
static void json_not_applied(const acme_provision_t *p, acme_json_writer_t *w)
{
    acme_jw_key(w, "not_applied");
    acme_jw_object_begin(w);
#if !ACME_ENABLE_PROFILES
    if (p->profile[0] != '\0') {
        acme_jw_key(w, "profile");
        acme_jw_string(w, "this build has no ACME profiles (ACME_ENABLE_PROFILES)");
    }
#endif
    if (ACME_PROVISION_HAS(p, ACME_PROVISION_TAG_RENEWAL)) {
        /* The schedule is the agent's own (acme/engine/renewal.h). */
        acme_jw_key(w, "renewal");
        acme_jw_string(w, "not applied: the agent renews on the ARI window, else at a third "
                          "of the lifetime (half under 10 days), with its fixed backoff");
    }
    if (p->ip_count != 0) {
        acme_jw_key(w, "identities.ip");
        acme_jw_string(w, "the agent orders DNS names only: run refuses this config");
    }
    acme_jw_object_end(w);
}

static void json_renewal(const acme_provision_renewal_t *r, acme_json_writer_t *w)
{
    acme_jw_key(w, "renewal");
    acme_jw_object_begin(w);
    if ((r->present >> ACME_PROVISION_RENEW_ARI) & 1u) {
        acme_jw_key(w, "ari");
        acme_jw_bool(w, r->ari);
    }
    if ((r->present >> ACME_PROVISION_RENEW_PERMILLE) & 1u) {
        acme_jw_key(w, "renew_at_remaining_permille");
        acme_jw_int(w, r->remaining_permille);
    }
    if ((r->present >> ACME_PROVISION_RENEW_BACKOFF) & 1u) {
        acme_jw_key(w, "backoff_max_s");
        acme_jw_int(w, r->backoff_max_s);
    }
    acme_jw_object_end(w);
}

static void json_body(const cli_config_t *c, acme_json_writer_t *w)
{
    const acme_provision_t *p = &c->prov;
    acme_jw_key(w, "names");
    acme_jw_array_begin(w);
    for (size_t i = 0; i < p->name_count; i++) {
        acme_jw_string(w, p->names[i]);
    }
    acme_jw_array_end(w);
    acme_jw_key(w, "ip");
    acme_jw_array_begin(w);
    for (size_t i = 0; i < p->ip_count; i++) {
        char ip[64];
        size_t n = 0;
        if (acme_ip_format(&p->ips[i], ip, sizeof(ip), &n) == ACME_OK) {
            acme_jw_string(w, ip);
        }
    }
    acme_jw_array_end(w);
    json_text_or_null(w, "contact", p->contact);
    acme_jw_key(w, "key_type");
    acme_jw_string(w, p->key_type == ACME_KEY_RSA2048 ? "rsa2048" : "p256");
    json_text_or_null(w, "directory_url", p->directory_url);
    acme_jw_key(w, "discovery");
    acme_jw_bool(w, p->discovery);
    acme_jw_key(w, "terms_of_service_agreed");
    acme_jw_bool(w, p->terms_of_service_agreed);
    acme_jw_key(w, "trust_anchors");
    acme_jw_int(w, p->trust_count);
    json_cas(p, w);
    json_text_or_null(w, "profile", p->profile);
    if (ACME_PROVISION_HAS(p, ACME_PROVISION_TAG_RENEWAL)) {
        json_renewal(&p->renewal, w);
    }
    acme_jw_key(w, "device_key");
    acme_jw_bool(w, p->device_key.len != 0);
    json_not_applied(p, w);
}

void cli_config_json(const cli_config_t *c, acme_json_writer_t *w)
{
    if (c->status == ACME_ERR_NOT_FOUND) {
        acme_jw_null(w);
        return;
    }
    acme_jw_object_begin(w);
    if (c->status != ACME_OK) {
        char why[256];
        cli_config_why(&c->err, why, sizeof(why));
        acme_jw_key(w, "error");
        acme_jw_string(w, why);
        acme_jw_object_end(w);
        return;
    }
    const acme_config_part_slot_t *slot = &c->part.slot[c->part.current];
    acme_jw_key(w, "generation");
    acme_jw_int(w, slot->generation);
    acme_jw_key(w, "slot");
    acme_jw_int(w, c->part.current);
    acme_jw_key(w, "blob_bytes");
    acme_jw_int(w, (int64_t)c->blob_len);
    json_body(c, w);
    acme_jw_object_end(w);
}

void cli_config_clear(cli_config_t *c)
{
    acme_provisioned_clear(c);
}
