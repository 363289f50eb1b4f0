/*
 * Fuzz target for the provisioning blob decoder. Each input is decoded
 * twice: as it is, and "repaired" (magic, version, body length and CRC
 * rewritten to fit), because a random input almost never has a right CRC and
 * the body parser behind it would go unexplored.
 *
 * Whatever is accepted must be consistent: counts within the limits, strings
 * terminated inside their fields, spans inside the input, the required tags
 * there; it must encode, and the encoding must decode to the same content
 * and encode again to the same bytes. Whatever is refused must carry a
 * reason that fits its status and an offset inside the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acme/codec/crc32.h"
#include "acme/codec/provision.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PROVISION_FUZZ_MAX 32768u

static acme_provision_t first;
static acme_provision_t second;
static uint8_t repaired[PROVISION_FUZZ_MAX];
static uint8_t encoded[PROVISION_FUZZ_MAX];
static uint8_t reencoded[PROVISION_FUZZ_MAX];

static void check(int ok)
{
    if (!ok) {
        abort();
    }
}

static int terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static int inside(const acme_provision_span_t *s, const uint8_t *base, size_t size)
{
    return s->data >= base && s->len <= size && (size_t)(s->data - base) <= size - s->len;
}

static void check_accepted(const acme_provision_t *p, const uint8_t *data, size_t size)
{
    size_t ids = (size_t)p->name_count + p->ip_count;
    check(ids >= 1 && ids <= ACME_MAX_IDENTIFIERS);
    check(p->trust_count <= ACME_PROVISION_TRUST_MAX && p->ca_count <= ACME_PROVISION_CAS_MAX);
    check(p->directory_url[0] != '\0' || p->discovery);
    for (size_t i = 0; i < p->name_count; i++) {
        check(terminated(p->names[i], sizeof(p->names[i])) && p->names[i][0] != '\0');
    }
    for (size_t i = 0; i < p->ip_count; i++) {
        check(p->ips[i].family == ACME_IP_V4 || p->ips[i].family == ACME_IP_V6);
    }
    check(terminated(p->contact, sizeof(p->contact)));
    check(terminated(p->directory_url, sizeof(p->directory_url)));
    check(terminated(p->profile, sizeof(p->profile)));
    for (size_t i = 0; i < p->trust_count; i++) {
        check(inside(&p->trust[i], data, size) && p->trust[i].data[0] == 0x30);
    }
    check(p->device_key.len == 0 || inside(&p->device_key, data, size));
    for (size_t i = 0; i < p->ca_count; i++) {
        const acme_provision_ca_t *ca = &p->cas[i];
        check(terminated(ca->issuer, sizeof(ca->issuer)) && ca->issuer[0] != '\0');
        check(terminated(ca->directory_url, sizeof(ca->directory_url)));
        check(terminated(ca->eab_kid, sizeof(ca->eab_kid)));
        check((ca->eab_kid[0] != '\0') == (ca->eab_key_len != 0));
        check(ca->eab_key_len == 0 || (ca->eab_key_len >= ACME_PROVISION_EAB_KEY_MIN &&
                                       ca->eab_key_len <= ACME_PROVISION_EAB_KEY_MAX));
        check(ca->eab_alg <= ACME_PROVISION_MAC_HS512);
    }
    check(p->renewal.remaining_permille <= ACME_PROVISION_PERMILLE_MAX);
    check(p->renewal.backoff_max_s <= ACME_PROVISION_BACKOFF_MAX_S);
}

/* Same content; spans compared by their bytes. */
static int same(const acme_provision_t *a, const acme_provision_t *b)
{
    int ok =
        a->present == b->present && a->name_count == b->name_count && a->ip_count == b->ip_count &&
        a->trust_count == b->trust_count && a->ca_count == b->ca_count &&
        a->key_type == b->key_type && a->discovery == b->discovery &&
        a->terms_of_service_agreed == b->terms_of_service_agreed &&
        memcmp(&a->renewal, &b->renewal, sizeof(a->renewal)) == 0 &&
        memcmp(a->names, b->names, sizeof(a->names)) == 0 &&
        memcmp(a->ips, b->ips, sizeof(a->ips)) == 0 && strcmp(a->contact, b->contact) == 0 &&
        strcmp(a->directory_url, b->directory_url) == 0 && strcmp(a->profile, b->profile) == 0 &&
        memcmp(a->cas, b->cas, sizeof(a->cas)) == 0 && a->device_key.len == b->device_key.len;
    for (size_t i = 0; ok && i < a->trust_count; i++) {
        ok = a->trust[i].len == b->trust[i].len &&
             memcmp(a->trust[i].data, b->trust[i].data, a->trust[i].len) == 0;
    }
    return ok && (a->device_key.len == 0 ||
                  memcmp(a->device_key.data, b->device_key.data, a->device_key.len) == 0);
}

static void run(const uint8_t *data, size_t size)
{
    acme_provision_error_t err;
    acme_status_t st = acme_provision_decode(data, size, &first, &err);
    if (st != ACME_OK) {
        check(st == (err.reason == ACME_PROVISION_ERR_TRUNCATED ? ACME_ERR_TRUNCATED
                                                                : ACME_ERR_MALFORMED));
        check(err.reason > ACME_PROVISION_OK && err.reason <= ACME_PROVISION_ERR_MISSING);
        check(err.offset <= size);
        check(acme_provision_error_text(err.reason)[0] != '\0');
        return;
    }
    check(err.reason == ACME_PROVISION_OK);
    size_t total = 0;
    check(acme_provision_blob_size(data, size, &total, NULL) == ACME_OK && total == size);
    check_accepted(&first, data, size);

    size_t len = 0;
    check(acme_provision_encode(&first, encoded, sizeof(encoded), &len) == ACME_OK);
    check(acme_provision_decode(encoded, len, &second, NULL) == ACME_OK);
    check(same(&first, &second));
    size_t len2 = 0;
    check(acme_provision_encode(&second, reencoded, sizeof(reencoded), &len2) == ACME_OK);
    check(len2 == len && memcmp(encoded, reencoded, len) == 0);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (size_t i = 0; i < 4u; i++) {
        p[i] = (uint8_t)(v >> (8u * i));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(data, size);

    /* The input's bytes after the header as a body under a valid header
     * and CRC. */
    if (size >= ACME_PROVISION_MIN_LEN && size <= sizeof(repaired)) {
        memcpy(repaired, data, size);
        memcpy(repaired, "ACPV\x01\x00\x00\x00", 8);
        size_t crc_at = size - ACME_PROVISION_CRC_LEN;
        put_le32(repaired + 8, (uint32_t)(crc_at - ACME_PROVISION_HEADER_LEN));
        put_le32(repaired + crc_at, acme_crc32(0, repaired, crc_at));
        run(repaired, size);
    }
    return 0;
}
