/*
 * Encoder of the factory provisioning blob, for the host tool
 * (tools/acme-provision) and tests. In its own file so that a device, which
 * only reads its blob, links only the decoder (provision.c).
 *
 * Every value goes through acme_provision_check_value(), the decoder's own
 * rule, before it is written, and the rules across values (counts, required
 * tags, EAB pairs) are checked here the way the decoder checks them: what
 * this writes, the decoder accepts, and decodes to the same content.
 */
#include "acme/codec/provision.h"

#include <string.h>

#include "acme/codec/crc32.h"

/* Output cursor: the first failure sticks, later writes do nothing. */
typedef struct writer {
    uint8_t *out;
    size_t cap;
    size_t pos;
    acme_status_t st;
} writer_t;

static void put_bytes(writer_t *w, const void *p, size_t n)
{
    if (w->st != ACME_OK) {
        return;
    }
    if (w->cap - w->pos < n) {
        w->st = ACME_ERR_BUFFER_TOO_SMALL;
        return;
    }
    if (n != 0) {
        memcpy(w->out + w->pos, p, n);
    }
    w->pos += n;
}

static void put_le(uint8_t *p, uint32_t v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8u * i));
    }
}

/* Start a TLV; returns where its length goes (patched by end_tlv). */
static size_t begin_tlv(writer_t *w, uint8_t tag)
{
    uint8_t head[3] = {tag, 0, 0};
    size_t at = w->pos;
    put_bytes(w, head, sizeof(head));
    return at;
}

static void end_tlv(writer_t *w, size_t at)
{
    if (w->st != ACME_OK) {
        return;
    }
    size_t len = w->pos - at - 3u;
    if (len > 0xFFFFu) {
        w->st = ACME_ERR_INVALID_ARG;
        return;
    }
    put_le(w->out + at + 1u, (uint32_t)len, 2);
}

/* One value of tag (field 0) or of a field nested in tag, after the
 * decoder's rule for it. */
static void put_value(writer_t *w, uint8_t tag, uint8_t field, const void *v, size_t n)
{
    if (w->st != ACME_OK) {
        return;
    }
    if (acme_provision_check_value(tag, field, v, n) != ACME_PROVISION_OK) {
        w->st = ACME_ERR_INVALID_ARG;
        return;
    }
    size_t at = begin_tlv(w, field != 0 ? field : tag);
    put_bytes(w, v, n);
    end_tlv(w, at);
}

static void put_byte(writer_t *w, uint8_t tag, uint8_t field, uint8_t v)
{
    put_value(w, tag, field, &v, 1);
}

/* Length of a NUL-terminated string held in a char[cap]; cap when it has
 * no NUL (refused by the caller). */
static size_t text_len(const char *s, size_t cap)
{
    const char *nul = memchr(s, '\0', cap);
    return nul != NULL ? (size_t)(nul - s) : cap;
}

/* A string field: written when not empty, refused when unterminated. */
static void put_text(writer_t *w, uint8_t tag, uint8_t field, const char *s, size_t cap)
{
    size_t n = text_len(s, cap);
    if (n == cap) {
        w->st = w->st != ACME_OK ? w->st : ACME_ERR_INVALID_ARG;
    } else if (n != 0) {
        put_value(w, tag, field, s, n);
    }
}

static void put_ca(writer_t *w, const acme_provision_ca_t *ca)
{
    const uint8_t tag = ACME_PROVISION_TAG_CA;
    bool kid = ca->eab_kid[0] != '\0';
    /* The decoder's rules across fields: an issuer, and EAB kid and key
     * together (an algorithm only with them). */
    if (ca->issuer[0] == '\0' || kid != (ca->eab_key_len != 0) || (!kid && ca->eab_alg != 0) ||
        ca->eab_key_len > sizeof(ca->eab_key)) {
        w->st = w->st != ACME_OK ? w->st : ACME_ERR_INVALID_ARG;
        return;
    }
    size_t at = begin_tlv(w, tag);
    put_text(w, tag, ACME_PROVISION_CA_ISSUER, ca->issuer, sizeof(ca->issuer));
    put_text(w, tag, ACME_PROVISION_CA_DIRECTORY, ca->directory_url, sizeof(ca->directory_url));
    put_text(w, tag, ACME_PROVISION_CA_EAB_KID, ca->eab_kid, sizeof(ca->eab_kid));
    if (kid) {
        put_value(w, tag, ACME_PROVISION_CA_EAB_KEY, ca->eab_key, ca->eab_key_len);
    }
    if (ca->eab_alg != 0) {
        put_byte(w, tag, ACME_PROVISION_CA_EAB_ALG, ca->eab_alg);
    }
    end_tlv(w, at);
}

static void put_renewal(writer_t *w, const acme_provision_renewal_t *rp)
{
    const uint8_t tag = ACME_PROVISION_TAG_RENEWAL;
    uint8_t v[4];
    size_t at = begin_tlv(w, tag);
    if ((rp->present >> ACME_PROVISION_RENEW_ARI) & 1u) {
        put_byte(w, tag, ACME_PROVISION_RENEW_ARI, rp->ari ? 1u : 0u);
    }
    if ((rp->present >> ACME_PROVISION_RENEW_PERMILLE) & 1u) {
        put_le(v, rp->remaining_permille, 2);
        put_value(w, tag, ACME_PROVISION_RENEW_PERMILLE, v, 2);
    }
    if ((rp->present >> ACME_PROVISION_RENEW_BACKOFF) & 1u) {
        put_le(v, rp->backoff_max_s, 4);
        put_value(w, tag, ACME_PROVISION_RENEW_BACKOFF, v, 4);
    }
    end_tlv(w, at);
}

static void put_ip(writer_t *w, const acme_ip_addr_t *ip)
{
    if (ip->family != ACME_IP_V4 && ip->family != ACME_IP_V6) {
        w->st = w->st != ACME_OK ? w->st : ACME_ERR_INVALID_ARG;
        return;
    }
    put_value(w, ACME_PROVISION_TAG_IP, 0, ip->bytes, ip->family == ACME_IP_V4 ? 4u : 16u);
}

static bool counts_ok(const acme_provision_t *in)
{
    size_t ids = (size_t)in->name_count + in->ip_count;
    bool directory = in->directory_url[0] != '\0';
    bool discovery = ACME_PROVISION_HAS(in, ACME_PROVISION_TAG_DISCOVERY) && in->discovery;
    return ids >= 1u && ids <= ACME_MAX_IDENTIFIERS &&
           in->trust_count <= ACME_PROVISION_TRUST_MAX && in->ca_count <= ACME_PROVISION_CAS_MAX &&
           (directory || discovery);
}

static void put_body(writer_t *w, const acme_provision_t *in)
{
    for (size_t i = 0; i < in->name_count; i++) {
        put_text(w, ACME_PROVISION_TAG_DNS, 0, in->names[i], sizeof(in->names[i]));
        /* An empty name is written as nothing: the count would then lie. */
        if (in->names[i][0] == '\0') {
            w->st = w->st != ACME_OK ? w->st : ACME_ERR_INVALID_ARG;
        }
    }
    for (size_t i = 0; i < in->ip_count; i++) {
        put_ip(w, &in->ips[i]);
    }
    put_text(w, ACME_PROVISION_TAG_CONTACT, 0, in->contact, sizeof(in->contact));
    if (ACME_PROVISION_HAS(in, ACME_PROVISION_TAG_KEY_TYPE)) {
        uint8_t kt = in->key_type == ACME_KEY_P256      ? 1u
                     : in->key_type == ACME_KEY_RSA2048 ? 2u
                                                        : 0u;
        put_byte(w, ACME_PROVISION_TAG_KEY_TYPE, 0, kt);
    }
    for (size_t i = 0; i < in->trust_count; i++) {
        put_value(w, ACME_PROVISION_TAG_TRUST_ANCHOR, 0, in->trust[i].data, in->trust[i].len);
    }
    put_text(w, ACME_PROVISION_TAG_DIRECTORY, 0, in->directory_url, sizeof(in->directory_url));
    for (size_t i = 0; i < in->ca_count; i++) {
        put_ca(w, &in->cas[i]);
    }
    if (ACME_PROVISION_HAS(in, ACME_PROVISION_TAG_DISCOVERY)) {
        put_byte(w, ACME_PROVISION_TAG_DISCOVERY, 0, in->discovery ? 1u : 0u);
    }
    if (ACME_PROVISION_HAS(in, ACME_PROVISION_TAG_RENEWAL)) {
        put_renewal(w, &in->renewal);
    }
    put_text(w, ACME_PROVISION_TAG_PROFILE, 0, in->profile, sizeof(in->profile));
    if (in->device_key.len != 0) {
        put_value(w, ACME_PROVISION_TAG_DEVICE_KEY, 0, in->device_key.data, in->device_key.len);
    }
    if (ACME_PROVISION_HAS(in, ACME_PROVISION_TAG_TOS_AGREED)) {
        put_byte(w, ACME_PROVISION_TAG_TOS_AGREED, 0, in->terms_of_service_agreed ? 1u : 0u);
    }
}

acme_status_t acme_provision_encode(const acme_provision_t *in, uint8_t *out, size_t cap,
                                    size_t *len)
{
    if (len != NULL) {
        *len = 0;
    }
    if (in == NULL || out == NULL || len == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    if (!counts_ok(in)) {
        return ACME_ERR_INVALID_ARG;
    }
    writer_t w = {out, cap, 0, ACME_OK};
    static const uint8_t head[8] = {'A', 'C', 'P', 'V', ACME_PROVISION_VERSION, 0, 0, 0};
    put_bytes(&w, head, sizeof(head));
    put_bytes(&w, "\0\0\0\0", 4); /* body_len, patched below */
    put_body(&w, in);
    if (w.st != ACME_OK) {
        return w.st;
    }
    /* Fits a u32: at most a few dozen TLVs of at most 65535 bytes each. */
    put_le(out + 8, (uint32_t)(w.pos - ACME_PROVISION_HEADER_LEN), 4);
    uint8_t crc[4];
    put_le(crc, acme_crc32(0, out, w.pos), 4);
    put_bytes(&w, crc, sizeof(crc));
    if (w.st != ACME_OK) {
        return w.st;
    }
    *len = w.pos;
    return ACME_OK;
}
