/*
 * Decoder of the factory provisioning blob (format: acme/codec/provision.h,
 * docs/provisioning.md), and the per-value rules it shares with the encoder
 * and the host tool, so that the three can never disagree.
 *
 * Nothing in the body is looked at before the CRC matched: a blob torn by a
 * partial factory write or rotten flash is reported as such ("bad CRC",
 * "truncated"), not as whatever its garbage happens to parse to. Every loop
 * moves forward by at least one TLV header (3 bytes) through bytes already
 * known to lie inside the blob, so it ends at the blob's end; nothing is
 * allocated, and strings are copied only after their length was checked
 * against the field that receives them.
 */
#include "acme/codec/provision.h"

#include <string.h>

#include "acme/codec/crc32.h"
#include "acme/codec/dns_message.h"
#include "acme/codec/url.h"

#define TLV_HEAD_LEN 3u /* tag u8, len u16 */

/* Rule limits are stored as uint16_t, and every value length is a u16. */
#if ACME_URL_MAX > 65535 || ACME_CONTACT_MAX > 65535 || ACME_KEY_DER_MAX > 65535
#error "provisioning values are at most 65535 bytes: lower the limit"
#endif

static const uint8_t blob_magic[4] = {'A', 'C', 'P', 'V'};

/* Top-level tags that may appear more than once. */
#define REPEATABLE_TAGS                                                                            \
    ((1u << ACME_PROVISION_TAG_DNS) | (1u << ACME_PROVISION_TAG_IP) |                              \
     (1u << ACME_PROVISION_TAG_TRUST_ANCHOR) | (1u << ACME_PROVISION_TAG_CA))

/* ---- Value rules -------------------------------------------------------------- */

typedef enum value_kind {
    V_NEST = 0, /* nested TLVs: checked field by field */
    V_NAME,     /* DNS labels, min..max characters */
    V_IP,       /* 4 or 16 address bytes */
    V_TEXT,     /* visible ASCII (0x21..0x7E), min..max characters */
    V_BYTE,     /* one byte of value min..max */
    V_DER,      /* one DER SEQUENCE that fills the value, min..max bytes */
    V_URL,      /* https URL (acme_url_parse_https), min..max characters */
    V_RAW,      /* any bytes, min..max of them */
    V_U16,      /* u16 of value min..max */
    V_SECONDS   /* u32, ACME_PROVISION_BACKOFF_MIN_S..MAX_S (does not fit the table) */
} value_kind_t;

typedef struct value_rule {
    uint8_t kind; /* value_kind_t */
    uint16_t min;
    uint16_t max;
} value_rule_t;

/* Indexed by tag - 1. */
static const value_rule_t top_rules[ACME_PROVISION_TAG_LAST] = {
    [ACME_PROVISION_TAG_DNS - 1] = {V_NAME, 1, ACME_DNS_NAME_MAX},
    [ACME_PROVISION_TAG_IP - 1] = {V_IP, 4, 16},
    [ACME_PROVISION_TAG_CONTACT - 1] = {V_TEXT, 1, ACME_CONTACT_MAX},
    [ACME_PROVISION_TAG_KEY_TYPE - 1] = {V_BYTE, 1, 2},
    [ACME_PROVISION_TAG_TRUST_ANCHOR - 1] = {V_DER, 2, ACME_PROVISION_CERT_DER_MAX},
    [ACME_PROVISION_TAG_DIRECTORY - 1] = {V_URL, 1, ACME_URL_MAX},
    [ACME_PROVISION_TAG_CA - 1] = {V_NEST, 0, 0},
    [ACME_PROVISION_TAG_DISCOVERY - 1] = {V_BYTE, 0, 1},
    [ACME_PROVISION_TAG_RENEWAL - 1] = {V_NEST, 0, 0},
    [ACME_PROVISION_TAG_PROFILE - 1] = {V_TEXT, 1, ACME_PROVISION_PROFILE_MAX},
    [ACME_PROVISION_TAG_DEVICE_KEY - 1] = {V_DER, 2, ACME_KEY_DER_MAX},
    [ACME_PROVISION_TAG_TOS_AGREED - 1] = {V_BYTE, 0, 1},
};

#define CA_FIELD_LAST ACME_PROVISION_CA_EAB_ALG
static const value_rule_t ca_rules[CA_FIELD_LAST] = {
    [ACME_PROVISION_CA_ISSUER - 1] = {V_NAME, 1, ACME_CAA_ISSUER_MAX},
    [ACME_PROVISION_CA_DIRECTORY - 1] = {V_URL, 1, ACME_URL_MAX},
    [ACME_PROVISION_CA_EAB_KID - 1] = {V_TEXT, 1, ACME_PROVISION_EAB_KID_MAX},
    [ACME_PROVISION_CA_EAB_KEY - 1] = {V_RAW, ACME_PROVISION_EAB_KEY_MIN,
                                       ACME_PROVISION_EAB_KEY_MAX},
    [ACME_PROVISION_CA_EAB_ALG - 1] = {V_BYTE, ACME_PROVISION_MAC_HS256, ACME_PROVISION_MAC_HS512},
};

#define RENEW_FIELD_LAST ACME_PROVISION_RENEW_BACKOFF
static const value_rule_t renew_rules[RENEW_FIELD_LAST] = {
    [ACME_PROVISION_RENEW_ARI - 1] = {V_BYTE, 0, 1},
    [ACME_PROVISION_RENEW_PERMILLE - 1] = {V_U16, ACME_PROVISION_PERMILLE_MIN,
                                           ACME_PROVISION_PERMILLE_MAX},
    [ACME_PROVISION_RENEW_BACKOFF - 1] = {V_SECONDS, 4, 4},
};

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static const value_rule_t *rule_for(uint8_t tag, uint8_t field)
{
    if (field == 0) {
        return tag >= 1u && tag <= ACME_PROVISION_TAG_LAST ? &top_rules[tag - 1u] : NULL;
    }
    if (tag == ACME_PROVISION_TAG_CA && field <= CA_FIELD_LAST) {
        return &ca_rules[field - 1u];
    }
    if (tag == ACME_PROVISION_TAG_RENEWAL && field <= RENEW_FIELD_LAST) {
        return &renew_rules[field - 1u];
    }
    return NULL;
}

static bool visible_ascii(const uint8_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i] < 0x21u || v[i] > 0x7Eu) {
            return false;
        }
    }
    return true;
}

/* Structure only (certificates and keys are parsed by whoever uses them):
 * a SEQUENCE whose minimal-form DER length covers exactly the rest of the
 * value. Values are at most 65535 bytes, so two length octets suffice. */
static bool der_sequence_fills(const uint8_t *v, size_t n)
{
    if (n < 2u || v[0] != 0x30u) {
        return false;
    }
    size_t head = 2;
    size_t content = v[1];
    if (content & 0x80u) {
        size_t octets = content & 0x7Fu;
        if (octets == 0 || octets > 2u || n < 2u + octets) {
            return false;
        }
        content = octets == 1u ? v[2] : ((size_t)v[2] << 8) | v[3];
        /* DER: the short form below 128, no leading zero octet. */
        if (content < 0x80u || (octets == 2u && content < 0x100u)) {
            return false;
        }
        head += octets;
    }
    return content == n - head;
}

static bool size_ok(const value_rule_t *r, size_t n)
{
    switch (r->kind) {
    case V_IP:
        return n == 4u || n == 16u;
    case V_BYTE:
        return n == 1u;
    case V_U16:
        return n == 2u;
    case V_SECONDS:
        return n == 4u;
    default:
        return n >= r->min && n <= r->max;
    }
}

acme_provision_reason_t acme_provision_check_value(uint8_t tag, uint8_t field, const uint8_t *value,
                                                   size_t len)
{
    const value_rule_t *r = rule_for(tag, field);
    if (r == NULL) {
        return ACME_PROVISION_ERR_UNKNOWN_TAG;
    }
    if (r->kind == V_NEST) {
        return ACME_PROVISION_OK;
    }
    if (!size_ok(r, len) || (value == NULL && len != 0)) {
        return ACME_PROVISION_ERR_RANGE;
    }
    bool ok = true;
    switch (r->kind) {
    case V_NAME:
        ok = acme_dns_labels_ok((const char *)value, len);
        break;
    case V_TEXT:
        ok = visible_ascii(value, len);
        break;
    case V_BYTE:
        ok = value[0] >= r->min && value[0] <= r->max;
        break;
    case V_DER:
        ok = der_sequence_fills(value, len);
        break;
    case V_URL: {
        acme_url_t url;
        ok = acme_url_parse_https((const char *)value, len, &url) == ACME_OK;
        break;
    }
    case V_U16: {
        uint16_t x = get_u16(value);
        ok = x >= r->min && x <= r->max;
        break;
    }
    case V_SECONDS: {
        uint32_t x = get_u32(value);
        ok = x >= ACME_PROVISION_BACKOFF_MIN_S && x <= ACME_PROVISION_BACKOFF_MAX_S;
        break;
    }
    default: /* V_IP, V_RAW: the size is the rule */
        break;
    }
    return ok ? ACME_PROVISION_OK : ACME_PROVISION_ERR_RANGE;
}

/* ---- Errors ------------------------------------------------------------------------- */

/* One packed list instead of a pointer table; ends at the empty string. */
static const char reason_texts[] = "no error\0"
                                   "truncated: fewer bytes than the header says\0"
                                   "bad magic: no provisioning blob here\0"
                                   "unsupported format version or flags\0"
                                   "bad CRC: the blob is corrupt\0"
                                   "length mismatch\0"
                                   "unknown critical tag\0"
                                   "duplicate tag\0"
                                   "value out of range\0"
                                   "required field missing\0";

const char *acme_provision_error_text(acme_provision_reason_t reason)
{
    const char *s = reason_texts;
    /* Bounded by the list: it stops at the final empty string. */
    for (unsigned i = 0; i < (unsigned)reason && *s != '\0'; i++) {
        s += strlen(s) + 1u;
    }
    return *s != '\0' ? s : "unknown provisioning error";
}

static acme_provision_reason_t fail(acme_provision_error_t *err, acme_provision_reason_t reason,
                                    uint8_t tag, uint8_t field, size_t offset)
{
    err->reason = reason;
    err->tag = tag;
    err->field = field;
    err->offset = offset;
    return reason;
}

/* ---- Header ---------------------------------------------------------------------------- */

static acme_provision_reason_t read_header(const uint8_t *b, size_t len, size_t *total,
                                           acme_provision_error_t *err)
{
    /* Magic first, on whatever is there: an erased partition (0xFF...) is
     * "no blob", not "a truncated one". */
    for (size_t i = 0; i < sizeof(blob_magic) && i < len; i++) {
        if (b[i] != blob_magic[i]) {
            return fail(err, ACME_PROVISION_ERR_BAD_MAGIC, 0, 0, i);
        }
    }
    if (len < ACME_PROVISION_HEADER_LEN) {
        return fail(err, ACME_PROVISION_ERR_TRUNCATED, 0, 0, len);
    }
    if (b[4] != ACME_PROVISION_VERSION) {
        return fail(err, ACME_PROVISION_ERR_BAD_VERSION, 0, 0, 4);
    }
    /* Flags and reserved bits would change the meaning of what follows:
     * a v1 decoder cannot know how. */
    if (b[5] != 0) {
        return fail(err, ACME_PROVISION_ERR_BAD_VERSION, 0, 0, 5);
    }
    if (b[6] != 0 || b[7] != 0) {
        return fail(err, ACME_PROVISION_ERR_BAD_VERSION, 0, 0, b[6] != 0 ? 6u : 7u);
    }
    /* body_len is any u32: on a 32-bit target header + body + CRC may not
     * be representable, and such a blob cannot be in memory anyway. */
    size_t body = get_u32(b + 8);
    size_t room = (size_t)-1 - ACME_PROVISION_MIN_LEN;
    if (body > room) {
        return fail(err, ACME_PROVISION_ERR_TRUNCATED, 0, 0, len);
    }
    *total = ACME_PROVISION_MIN_LEN + body;
    return ACME_PROVISION_OK;
}

static acme_status_t status_of(acme_provision_reason_t r)
{
    if (r == ACME_PROVISION_OK) {
        return ACME_OK;
    }
    return r == ACME_PROVISION_ERR_TRUNCATED ? ACME_ERR_TRUNCATED : ACME_ERR_MALFORMED;
}

acme_status_t acme_provision_blob_size(const uint8_t *head, size_t len, size_t *total,
                                       acme_provision_error_t *err)
{
    acme_provision_error_t scratch;
    if (err == NULL) {
        err = &scratch;
    }
    memset(err, 0, sizeof(*err));
    if (head == NULL || total == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    *total = 0;
    return status_of(read_header(head, len, total, err));
}

/* ---- Body ------------------------------------------------------------------------------ */

typedef struct tlv {
    uint8_t tag;
    uint16_t len;
    size_t at; /* offset of the tag byte in the blob */
    const uint8_t *value;
} tlv_t;

/* The TLV at *pos of a container ending at end (end <= blob length, *pos <
 * end); *pos moves past it. */
static bool next_tlv(const uint8_t *blob, size_t *pos, size_t end, tlv_t *t)
{
    size_t at = *pos;
    if (end - at < TLV_HEAD_LEN) {
        return false;
    }
    t->tag = blob[at];
    t->len = get_u16(blob + at + 1u);
    t->at = at;
    t->value = blob + at + TLV_HEAD_LEN;
    if (end - at - TLV_HEAD_LEN < t->len) {
        return false;
    }
    *pos = at + TLV_HEAD_LEN + t->len;
    return true;
}

static void copy_text(char *dst, const tlv_t *t)
{
    /* The rule bounded t->len by the field's size minus the NUL. */
    memcpy(dst, t->value, t->len);
    dst[t->len] = '\0';
}

static void store_ca_field(acme_provision_ca_t *ca, const tlv_t *f)
{
    switch (f->tag) {
    case ACME_PROVISION_CA_ISSUER:
        copy_text(ca->issuer, f);
        break;
    case ACME_PROVISION_CA_DIRECTORY:
        copy_text(ca->directory_url, f);
        break;
    case ACME_PROVISION_CA_EAB_KID:
        copy_text(ca->eab_kid, f);
        break;
    case ACME_PROVISION_CA_EAB_KEY:
        memcpy(ca->eab_key, f->value, f->len);
        ca->eab_key_len = (uint8_t)f->len;
        break;
    default: /* ACME_PROVISION_CA_EAB_ALG */
        ca->eab_alg = f->value[0];
        break;
    }
}

static void store_renewal_field(acme_provision_renewal_t *rp, const tlv_t *f)
{
    switch (f->tag) {
    case ACME_PROVISION_RENEW_ARI:
        rp->ari = f->value[0] != 0;
        break;
    case ACME_PROVISION_RENEW_PERMILLE:
        rp->remaining_permille = get_u16(f->value);
        break;
    default: /* ACME_PROVISION_RENEW_BACKOFF */
        rp->backoff_max_s = get_u32(f->value);
        break;
    }
}

/* A CA entry's rules across its fields. */
static acme_provision_reason_t check_ca(const acme_provision_ca_t *ca, unsigned seen, size_t at,
                                        acme_provision_error_t *err)
{
    const uint8_t tag = ACME_PROVISION_TAG_CA;
    bool kid = (seen >> ACME_PROVISION_CA_EAB_KID) & 1u;
    bool key = (seen >> ACME_PROVISION_CA_EAB_KEY) & 1u;
    if (ca->issuer[0] == '\0') {
        return fail(err, ACME_PROVISION_ERR_MISSING, tag, ACME_PROVISION_CA_ISSUER, at);
    }
    /* EAB needs both halves; an algorithm without a key means nothing. */
    if (kid && !key) {
        return fail(err, ACME_PROVISION_ERR_MISSING, tag, ACME_PROVISION_CA_EAB_KEY, at);
    }
    if (!kid && (key || ca->eab_alg != 0)) {
        return fail(err, ACME_PROVISION_ERR_MISSING, tag, ACME_PROVISION_CA_EAB_KID, at);
    }
    return ACME_PROVISION_OK;
}

/* The fields of a CA entry (into *ca) or of the renewal policy (into *rp);
 * the other pointer is NULL. */
static acme_provision_reason_t decode_nested(const uint8_t *blob, const tlv_t *outer,
                                             acme_provision_ca_t *ca, acme_provision_renewal_t *rp,
                                             acme_provision_error_t *err)
{
    size_t pos = outer->at + TLV_HEAD_LEN;
    size_t end = pos + outer->len;
    unsigned seen = 0;
    while (pos < end) {
        tlv_t f;
        if (!next_tlv(blob, &pos, end, &f)) {
            return fail(err, ACME_PROVISION_ERR_LENGTH, outer->tag, 0, pos);
        }
        if (f.tag >= ACME_PROVISION_TAG_IGNORABLE) {
            continue;
        }
        /* Field 0 would select the outer tag's own rule: not a field. */
        acme_provision_reason_t r =
            f.tag == 0 ? ACME_PROVISION_ERR_UNKNOWN_TAG
                       : acme_provision_check_value(outer->tag, f.tag, f.value, f.len);
        if (r != ACME_PROVISION_OK) {
            return fail(err, r, outer->tag, f.tag, f.at);
        }
        /* Known fields are 1..5 here, so the shift is defined. */
        if ((seen >> f.tag) & 1u) {
            return fail(err, ACME_PROVISION_ERR_DUPLICATE, outer->tag, f.tag, f.at);
        }
        seen |= 1u << f.tag;
        if (ca != NULL) {
            store_ca_field(ca, &f);
        } else {
            store_renewal_field(rp, &f);
        }
    }
    if (ca != NULL) {
        return check_ca(ca, seen, outer->at, err);
    }
    rp->present = (uint8_t)seen;
    return ACME_PROVISION_OK;
}

/* Counted tags: one more must fit. */
static bool room_for(const acme_provision_t *out, uint8_t tag)
{
    switch (tag) {
    case ACME_PROVISION_TAG_DNS:
    case ACME_PROVISION_TAG_IP:
        return (size_t)out->name_count + out->ip_count < ACME_MAX_IDENTIFIERS;
    case ACME_PROVISION_TAG_TRUST_ANCHOR:
        return out->trust_count < ACME_PROVISION_TRUST_MAX;
    case ACME_PROVISION_TAG_CA:
        return out->ca_count < ACME_PROVISION_CAS_MAX;
    default:
        return true;
    }
}

static acme_provision_reason_t store_tlv(const uint8_t *blob, const tlv_t *t, acme_provision_t *out,
                                         acme_provision_error_t *err)
{
    switch (t->tag) {
    case ACME_PROVISION_TAG_DNS:
        copy_text(out->names[out->name_count++], t);
        break;
    case ACME_PROVISION_TAG_IP: {
        acme_ip_addr_t *ip = &out->ips[out->ip_count++];
        ip->family = t->len == 4u ? ACME_IP_V4 : ACME_IP_V6;
        memcpy(ip->bytes, t->value, t->len);
        break;
    }
    case ACME_PROVISION_TAG_CONTACT:
        copy_text(out->contact, t);
        break;
    case ACME_PROVISION_TAG_KEY_TYPE:
        out->key_type = t->value[0] == 1u ? ACME_KEY_P256 : ACME_KEY_RSA2048;
        break;
    case ACME_PROVISION_TAG_TRUST_ANCHOR:
        out->trust[out->trust_count].data = t->value;
        out->trust[out->trust_count].len = t->len;
        out->trust_count++;
        break;
    case ACME_PROVISION_TAG_DIRECTORY:
        copy_text(out->directory_url, t);
        break;
    case ACME_PROVISION_TAG_CA:
        return decode_nested(blob, t, &out->cas[out->ca_count++], NULL, err);
    case ACME_PROVISION_TAG_DISCOVERY:
        out->discovery = t->value[0] != 0;
        break;
    case ACME_PROVISION_TAG_RENEWAL:
        return decode_nested(blob, t, NULL, &out->renewal, err);
    case ACME_PROVISION_TAG_PROFILE:
        copy_text(out->profile, t);
        break;
    case ACME_PROVISION_TAG_DEVICE_KEY:
        out->device_key.data = t->value;
        out->device_key.len = t->len;
        break;
    default: /* ACME_PROVISION_TAG_TOS_AGREED */
        out->terms_of_service_agreed = t->value[0] != 0;
        break;
    }
    return ACME_PROVISION_OK;
}

static acme_provision_reason_t decode_body(const uint8_t *blob, size_t end, acme_provision_t *out,
                                           acme_provision_error_t *err)
{
    size_t pos = ACME_PROVISION_HEADER_LEN;
    while (pos < end) {
        tlv_t t;
        if (!next_tlv(blob, &pos, end, &t)) {
            return fail(err, ACME_PROVISION_ERR_LENGTH, 0, 0, pos);
        }
        if (t.tag >= ACME_PROVISION_TAG_IGNORABLE) {
            continue;
        }
        acme_provision_reason_t r = acme_provision_check_value(t.tag, 0, t.value, t.len);
        if (r != ACME_PROVISION_OK) {
            return fail(err, r, t.tag, 0, t.at);
        }
        /* Known tags are 1..12 here, so the shift is defined. */
        if (((out->present >> t.tag) & 1u) && !((REPEATABLE_TAGS >> t.tag) & 1u)) {
            return fail(err, ACME_PROVISION_ERR_DUPLICATE, t.tag, 0, t.at);
        }
        if (!room_for(out, t.tag)) {
            return fail(err, ACME_PROVISION_ERR_RANGE, t.tag, 0, t.at);
        }
        out->present = (uint16_t)(out->present | (1u << t.tag));
        r = store_tlv(blob, &t, out, err);
        if (r != ACME_PROVISION_OK) {
            return r;
        }
    }
    if (out->name_count + out->ip_count == 0) {
        return fail(err, ACME_PROVISION_ERR_MISSING, ACME_PROVISION_TAG_DNS, 0,
                    ACME_PROVISION_HEADER_LEN);
    }
    /* Without a directory the agent must find its CA through CAA. */
    if (out->directory_url[0] == '\0' && !out->discovery) {
        return fail(err, ACME_PROVISION_ERR_MISSING, ACME_PROVISION_TAG_DIRECTORY, 0,
                    ACME_PROVISION_HEADER_LEN);
    }
    return ACME_PROVISION_OK;
}

acme_status_t acme_provision_decode(const uint8_t *blob, size_t len, acme_provision_t *out,
                                    acme_provision_error_t *err)
{
    acme_provision_error_t scratch;
    if (err == NULL) {
        err = &scratch;
    }
    memset(err, 0, sizeof(*err));
    if (blob == NULL || out == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof(*out));

    size_t total = 0;
    acme_provision_reason_t r = read_header(blob, len, &total, err);
    if (r == ACME_PROVISION_OK && len < total) {
        r = fail(err, ACME_PROVISION_ERR_TRUNCATED, 0, 0, len);
    } else if (r == ACME_PROVISION_OK && len > total) {
        /* One blob, nothing after it: callers that read a partition first
         * ask acme_provision_blob_size() how much to pass. */
        r = fail(err, ACME_PROVISION_ERR_LENGTH, 0, 0, total);
    }
    if (r == ACME_PROVISION_OK) {
        size_t crc_at = total - ACME_PROVISION_CRC_LEN;
        if (acme_crc32(0, blob, crc_at) != get_u32(blob + crc_at)) {
            r = fail(err, ACME_PROVISION_ERR_BAD_CRC, 0, 0, crc_at);
        } else {
            r = decode_body(blob, crc_at, out, err);
        }
    }
    if (r != ACME_PROVISION_OK) {
        memset(out, 0, sizeof(*out));
    }
    return status_of(r);
}
