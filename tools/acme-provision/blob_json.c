/*
 * acme-provision --decode: a decoded blob as JSON, with the spec's field
 * names so that it reads like the spec it came from. Secrets (EAB MAC keys,
 * the device key) appear only as their length; trust anchors as their size,
 * subject CN and SHA-256 fingerprint.
 */
#include <stdio.h>
#include <string.h>

#include "acme/codec/eab_text.h"
#include "acme/codec/ip_addr.h"
#include "crypto/crypto.h"
#include "provision_tool.h"

/* A JSON string; the decoder let only visible ASCII through, but a
 * certificate's CN may hold anything. */
static void put_string(const char *s)
{
    putchar('"');
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            printf("\\%c", c);
        } else if (c < 0x20u || c >= 0x7Fu) {
            printf("\\u%04x", c);
        } else {
            putchar(c);
        }
    }
    putchar('"');
}

static void put_member(const char *indent, const char *name, bool *first)
{
    printf("%s\n%s\"%s\": ", *first ? "" : ",", indent, name);
    *first = false;
}

static void put_bool(const char *indent, const char *name, bool v, bool *first)
{
    put_member(indent, name, first);
    fputs(v ? "true" : "false", stdout);
}

static void put_text(const char *indent, const char *name, const char *v, bool *first)
{
    if (v[0] != '\0') {
        put_member(indent, name, first);
        put_string(v);
    }
}

static void put_identities(const acme_provision_t *p, bool *first)
{
    put_member("  ", "identities", first);
    fputs("{", stdout);
    bool inner = true;
    if (p->name_count != 0) {
        put_member("    ", "dns", &inner);
        for (size_t i = 0; i < p->name_count; i++) {
            fputs(i == 0 ? "[" : ", ", stdout);
            put_string(p->names[i]);
        }
        fputs("]", stdout);
    }
    if (p->ip_count != 0) {
        put_member("    ", "ip", &inner);
        for (size_t i = 0; i < p->ip_count; i++) {
            char text[ACME_IP_TEXT_MAX];
            if (acme_ip_format(&p->ips[i], text, sizeof(text), NULL) != ACME_OK) {
                strcpy(text, "?");
            }
            fputs(i == 0 ? "[" : ", ", stdout);
            put_string(text);
        }
        fputs("]", stdout);
    }
    fputs("\n  }", stdout);
}

static void put_trust(const acme_provision_t *p, bool *first)
{
    put_member("  ", "trust_anchors", first);
    fputs("[", stdout);
    for (size_t i = 0; i < p->trust_count; i++) {
        uint8_t digest[32];
        acme_sha256(p->trust[i].data, p->trust[i].len, digest);
        printf("%s\n    {\"der_length\": %zu, \"sha256\": \"", i == 0 ? "" : ",", p->trust[i].len);
        for (size_t b = 0; b < sizeof(digest); b++) {
            printf("%02x", digest[b]);
        }
        putchar('"');
        static acme_cert_info_t info;
        if (acme_cert_der_info(p->trust[i].data, p->trust[i].len, &info) == ACME_OK) {
            fputs(", \"subject_cn\": ", stdout);
            put_string(info.subject_cn);
        } else {
            fputs(", \"parses\": false", stdout);
        }
        putchar('}');
    }
    fputs(p->trust_count != 0 ? "\n  ]" : "]", stdout);
}

static void put_cas(const acme_provision_t *p, bool *first)
{
    put_member("  ", "cas", first);
    fputs("[", stdout);
    for (size_t i = 0; i < p->ca_count; i++) {
        const acme_provision_ca_t *ca = &p->cas[i];
        bool inner = true;
        fputs(i == 0 ? "\n    {" : ",\n    {", stdout);
        put_text("      ", "issuer", ca->issuer, &inner);
        put_text("      ", "directory_url", ca->directory_url, &inner);
        if (ca->eab_key_len != 0) {
            const char *alg = acme_eab_alg_name(ca->eab_alg); /* the decoder checked it */
            put_member("      ", "eab", &inner);
            fputs("{\"kid\": ", stdout);
            put_string(ca->eab_kid);
            printf(", \"hmac_key_length\": %u, \"alg\": \"%s\"%s}", ca->eab_key_len,
                   alg != NULL ? alg : "?",
                   ca->eab_alg == ACME_PROVISION_MAC_DEFAULT ? ", \"alg_given\": false" : "");
        }
        fputs("\n    }", stdout);
    }
    fputs(p->ca_count != 0 ? "\n  ]" : "]", stdout);
}

static void put_renewal(const acme_provision_renewal_t *r, bool *first)
{
    put_member("  ", "renewal", first);
    fputs("{", stdout);
    bool inner = true;
    if ((r->present >> ACME_PROVISION_RENEW_ARI) & 1u) {
        put_bool("    ", "ari", r->ari, &inner);
    }
    if ((r->present >> ACME_PROVISION_RENEW_PERMILLE) & 1u) {
        put_member("    ", "renew_at_remaining_permille", &inner);
        printf("%u", (unsigned)r->remaining_permille);
    }
    if ((r->present >> ACME_PROVISION_RENEW_BACKOFF) & 1u) {
        put_member("    ", "backoff_max_s", &inner);
        printf("%lu", (unsigned long)r->backoff_max_s);
    }
    fputs(inner ? "}" : "\n  }", stdout);
}

bool tool_print_blob_json(const acme_provision_t *p, size_t size)
{
    bool first = true;
    fputs("{", stdout);
    put_member("  ", "version", &first);
    printf("%u", (unsigned)ACME_PROVISION_VERSION);
    put_member("  ", "blob_size", &first);
    printf("%zu", size);
    put_identities(p, &first);
    put_text("  ", "contact", p->contact, &first);
    if (ACME_PROVISION_HAS(p, ACME_PROVISION_TAG_KEY_TYPE)) {
        put_member("  ", "key_type", &first);
        put_string(p->key_type == ACME_KEY_P256 ? "p256" : "rsa2048");
    }
    if (p->trust_count != 0) {
        put_trust(p, &first);
    }
    put_text("  ", "directory_url", p->directory_url, &first);
    if (ACME_PROVISION_HAS(p, ACME_PROVISION_TAG_DISCOVERY)) {
        put_bool("  ", "discovery", p->discovery, &first);
    }
    if (ACME_PROVISION_HAS(p, ACME_PROVISION_TAG_TOS_AGREED)) {
        put_bool("  ", "terms_of_service_agreed", p->terms_of_service_agreed, &first);
    }
    if (p->ca_count != 0) {
        put_cas(p, &first);
    }
    if (ACME_PROVISION_HAS(p, ACME_PROVISION_TAG_RENEWAL)) {
        put_renewal(&p->renewal, &first);
    }
    put_text("  ", "profile", p->profile, &first);
    if (p->device_key.len != 0) {
        put_member("  ", "device_key", &first);
        printf("{\"der_length\": %zu}", p->device_key.len);
    }
    fputs("\n}\n", stdout);
    return fflush(stdout) == 0 && !ferror(stdout);
}
