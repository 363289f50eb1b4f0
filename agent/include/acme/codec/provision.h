/*
 * The factory provisioning blob: what a device is told once, at the factory,
 * about who it is and whom to trust (names, contact, trust anchors, CAs and
 * their EAB credentials, renewal policy, optionally a device key).
 *
 * Format v1, all integers little-endian (docs/provisioning.md has the tables):
 *
 *   header  "ACPV" | version u8 = 1 | flags u8 = 0 | reserved u16 = 0 | body_len u32
 *   body    TLVs: tag u8 | len u16 | value[len]
 *   crc     CRC-32 (acme/codec/crc32.h) of header and body, u32
 *
 * Tags 0x07 (CA entry) and 0x09 (renewal policy) hold nested TLVs of the
 * same shape. Tags 0x80..0xFF, at either level, are extensions an older
 * decoder skips; any other tag it does not know is an error, so a blob that
 * needs a newer decoder is never half-understood.
 *
 * The blob comes from the factory line, not from the network, but it sits in
 * flash that can rot or be overwritten: the decoder is bounded like every
 * other codec, checks the CRC before it reads the body, and never reads
 * outside [blob, blob + len).
 */
#ifndef ACME_CODEC_PROVISION_H
#define ACME_CODEC_PROVISION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/config_defaults.h"
#include "acme/port.h"
#include "acme/status.h"
#include "acme/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Format constants (the same on every device: not configuration) ---- */

#define ACME_PROVISION_VERSION 1u
#define ACME_PROVISION_HEADER_LEN 12u /* magic, version, flags, reserved, body_len */
#define ACME_PROVISION_CRC_LEN 4u
/* Smallest possible blob: a header, an empty body and the CRC (the decoder
 * then reports the missing identity). */
#define ACME_PROVISION_MIN_LEN (ACME_PROVISION_HEADER_LEN + ACME_PROVISION_CRC_LEN)

#define ACME_PROVISION_CERT_DER_MAX 2048u /* one trust anchor */
#define ACME_PROVISION_PROFILE_MAX 64u
#define ACME_PROVISION_EAB_KID_MAX 128u
#define ACME_PROVISION_EAB_KEY_MIN 16u
#define ACME_PROVISION_EAB_KEY_MAX 64u
#define ACME_PROVISION_PERMILLE_MIN 1u
#define ACME_PROVISION_PERMILLE_MAX 999u
#define ACME_PROVISION_BACKOFF_MIN_S 60u
#define ACME_PROVISION_BACKOFF_MAX_S 604800u /* one week */

/* Top-level tags. */
typedef enum acme_provision_tag {
    ACME_PROVISION_TAG_DNS = 0x01,          /* repeatable: a DNS name */
    ACME_PROVISION_TAG_IP = 0x02,           /* repeatable: 4 or 16 address bytes */
    ACME_PROVISION_TAG_CONTACT = 0x03,      /* contact URI, visible ASCII */
    ACME_PROVISION_TAG_KEY_TYPE = 0x04,     /* u8: 1 P-256, 2 RSA-2048 */
    ACME_PROVISION_TAG_TRUST_ANCHOR = 0x05, /* repeatable: one DER certificate */
    ACME_PROVISION_TAG_DIRECTORY = 0x06,    /* https directory URL */
    ACME_PROVISION_TAG_CA = 0x07,           /* repeatable: nested acme_provision_ca_field */
    ACME_PROVISION_TAG_DISCOVERY = 0x08,    /* u8: 0 / 1 */
    ACME_PROVISION_TAG_RENEWAL = 0x09,      /* nested acme_provision_renewal_field */
    ACME_PROVISION_TAG_PROFILE = 0x0A,      /* preferred ACME profile, visible ASCII */
    ACME_PROVISION_TAG_DEVICE_KEY = 0x0B,   /* injected private key, DER (secret) */
    ACME_PROVISION_TAG_TOS_AGREED = 0x0C    /* u8: 0 / 1 */
} acme_provision_tag_t;

#define ACME_PROVISION_TAG_LAST 0x0Cu
/* Tags from here up are extensions: skipped, never an error. */
#define ACME_PROVISION_TAG_IGNORABLE 0x80u

/* Fields of a CA entry (tag 0x07). */
typedef enum acme_provision_ca_field {
    ACME_PROVISION_CA_ISSUER = 0x01,    /* CAA issuer-domain-name (required) */
    ACME_PROVISION_CA_DIRECTORY = 0x02, /* https directory URL */
    ACME_PROVISION_CA_EAB_KID = 0x03,   /* EAB key id, visible ASCII */
    ACME_PROVISION_CA_EAB_KEY = 0x04,   /* EAB MAC key, raw bytes (secret) */
    ACME_PROVISION_CA_EAB_ALG = 0x05    /* u8: acme_provision_mac_t */
} acme_provision_ca_field_t;

/* Fields of the renewal policy (tag 0x09). */
typedef enum acme_provision_renewal_field {
    ACME_PROVISION_RENEW_ARI = 0x01,      /* u8: 0 / 1, use ACME Renewal Information */
    ACME_PROVISION_RENEW_PERMILLE = 0x02, /* u16: renew when this much of the lifetime remains */
    ACME_PROVISION_RENEW_BACKOFF = 0x03   /* u32: retry back-off ceiling, seconds */
} acme_provision_renewal_field_t;

typedef enum acme_provision_mac {
    ACME_PROVISION_MAC_DEFAULT = 0, /* not given: HS256 */
    ACME_PROVISION_MAC_HS256 = 1,
    ACME_PROVISION_MAC_HS384 = 2,
    ACME_PROVISION_MAC_HS512 = 3
} acme_provision_mac_t;

/* ---- Decoded form ------------------------------------------------------------ */

/* Bytes inside the caller's blob (not copied). */
typedef struct acme_provision_span {
    const uint8_t *data;
    size_t len;
} acme_provision_span_t;

typedef struct acme_provision_ca {
    char issuer[ACME_CAA_ISSUER_MAX + 1];
    char directory_url[ACME_URL_MAX + 1];         /* "": https://<issuer>/.well-known/acme */
    char eab_kid[ACME_PROVISION_EAB_KID_MAX + 1]; /* "": no external account binding */
    uint8_t eab_key[ACME_PROVISION_EAB_KEY_MAX];  /* secret */
    uint8_t eab_key_len;                          /* 0 exactly when eab_kid is "" */
    uint8_t eab_alg;                              /* acme_provision_mac_t */
} acme_provision_ca_t;

typedef struct acme_provision_renewal {
    uint8_t present; /* bit (1u << field) for each field given */
    bool ari;
    uint16_t remaining_permille; /* 0 when not given */
    uint32_t backoff_max_s;      /* 0 when not given */
} acme_provision_renewal_t;

/* Strings are NUL-terminated copies ("" when absent). trust[] and
 * device_key point INTO the blob given to acme_provision_decode(): the blob
 * must stay valid and unchanged while the struct is used. The struct is
 * large (3.6 KiB with default limits on a 32-bit target): make it static,
 * not a local of a small task stack. */
typedef struct acme_provision {
    uint16_t present; /* bit (1u << tag) for each top-level tag seen */
    uint8_t name_count;
    uint8_t ip_count; /* name_count + ip_count: 1..ACME_MAX_IDENTIFIERS */
    uint8_t trust_count;
    uint8_t ca_count;
    acme_key_type_t key_type; /* ACME_KEY_NONE when not given */
    bool discovery;
    bool terms_of_service_agreed;
    acme_provision_renewal_t renewal;
    char names[ACME_MAX_IDENTIFIERS][ACME_DNS_NAME_MAX + 1];
    acme_ip_addr_t ips[ACME_MAX_IDENTIFIERS];
    char contact[ACME_CONTACT_MAX + 1];
    char directory_url[ACME_URL_MAX + 1];
    char profile[ACME_PROVISION_PROFILE_MAX + 1];
    acme_provision_span_t trust[ACME_PROVISION_TRUST_MAX];
    acme_provision_span_t device_key; /* secret; len 0 when not given */
    acme_provision_ca_t cas[ACME_PROVISION_CAS_MAX];
} acme_provision_t;

#define ACME_PROVISION_HAS(p, tag) ((((p)->present) >> (tag)) & 1u)

/* ---- Errors -------------------------------------------------------------------- */

typedef enum acme_provision_reason {
    ACME_PROVISION_OK = 0,
    ACME_PROVISION_ERR_TRUNCATED,   /* fewer bytes than the header says */
    ACME_PROVISION_ERR_BAD_MAGIC,   /* not "ACPV": no blob here (erased flash) */
    ACME_PROVISION_ERR_BAD_VERSION, /* version, flags or reserved bits unknown */
    ACME_PROVISION_ERR_BAD_CRC,
    ACME_PROVISION_ERR_LENGTH,      /* bytes after the CRC, or a TLV past its container */
    ACME_PROVISION_ERR_UNKNOWN_TAG, /* below 0x80 and not known to this decoder */
    ACME_PROVISION_ERR_DUPLICATE,   /* a non-repeatable tag or field given twice */
    ACME_PROVISION_ERR_RANGE,       /* a value (or its length, or a count) out of range */
    ACME_PROVISION_ERR_MISSING      /* a required tag or field absent */
} acme_provision_reason_t;

/* Where and why a blob was refused. tag is the top-level tag involved (0 for
 * the header and the CRC; for MISSING, the tag that should have been
 * there), field the nested field inside a CA entry or the renewal policy (0
 * otherwise), offset the byte of the blob where the problem was found: the
 * header field, the start of the offending TLV, or for MISSING the start of
 * the body or of the CA entry that lacks it. */
typedef struct acme_provision_error {
    acme_provision_reason_t reason;
    uint8_t tag;
    uint8_t field;
    size_t offset;
} acme_provision_error_t;

/* The JSON spec's name of a tag (field 0) or of a field of a nested tag:
 * "key_type", "cas[].eab.alg", "header" for tag 0; "extension" or
 * "unknown tag" otherwise. Never NULL. (provision_names.c) */
const char *acme_provision_field_name(uint8_t tag, uint8_t field);

/* A short English sentence fragment for a reason ("bad CRC"); never NULL. */
const char *acme_provision_error_text(acme_provision_reason_t reason);

/* ---- API ------------------------------------------------------------------------- */

/* Size of the whole blob from its first ACME_PROVISION_HEADER_LEN bytes, for
 * a device that reads the blob out of a larger flash partition: ACME_OK with
 * *total, or the header's error (BAD_MAGIC for an erased partition;
 * ACME_ERR_TRUNCATED when len < ACME_PROVISION_HEADER_LEN). err may be NULL. */
acme_status_t acme_provision_blob_size(const uint8_t *head, size_t len, size_t *total,
                                       acme_provision_error_t *err);

/* Decode blob[0..len) — exactly one blob, nothing after it — into *out.
 * Checks, in this order: magic (on whatever bytes there are), header
 * length, version / flags / reserved, body length against len, CRC — before
 * any byte of the body is interpreted — then the TLVs (value rules,
 * duplicates, counts), then the required tags: at least one identity, and a
 * directory URL or discovery = 1.
 * Returns ACME_OK; ACME_ERR_TRUNCATED (blob shorter than its header says);
 * ACME_ERR_MALFORMED for every other refusal; ACME_ERR_INVALID_ARG for NULL
 * blob or out. On failure *err (may be NULL) says why and *out is zeroed
 * (no half-decoded secret is left in it). */
acme_status_t acme_provision_decode(const uint8_t *blob, size_t len, acme_provision_t *out,
                                    acme_provision_error_t *err);

/* Whether one value is acceptable for a tag (field 0) or a field of a
 * nested tag: the per-value rules of the decoder, shared with the encoder
 * and the host tool. ACME_PROVISION_OK, ACME_PROVISION_ERR_RANGE, or
 * ACME_PROVISION_ERR_UNKNOWN_TAG. The nested tags themselves (0x07, 0x09
 * with field 0) are always OK: their fields are checked one by one. */
acme_provision_reason_t acme_provision_check_value(uint8_t tag, uint8_t field, const uint8_t *value,
                                                   size_t len);

/* Encode *in as a v1 blob into out (provision_encode.c; host tools and
 * tests, not linked into a device that only decodes). Strings are written
 * when not empty, lists by their counts, the device key when its len is not
 * 0, and the scalar tags (key type, discovery, renewal, terms of service)
 * when their bit is set in in->present (renewal fields by renewal.present).
 * The result always decodes to the same content: ACME_ERR_INVALID_ARG when
 * the decoder would refuse it (a value out of range, an unterminated string,
 * a missing identity...), ACME_ERR_BUFFER_TOO_SMALL when cap is short.
 * *len gets the blob's size. */
acme_status_t acme_provision_encode(const acme_provision_t *in, uint8_t *out, size_t cap,
                                    size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* ACME_CODEC_PROVISION_H */
