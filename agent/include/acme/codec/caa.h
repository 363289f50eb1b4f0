/*
 * CAA records (RFC 8659) and the parameters ACME auto-discovery reads from
 * them (draft-vanbrouwershaven-acme-auto-discovery-03 "discovery" and
 * "priority", RFC 8657 "accounturi" and "validationmethods").
 *
 * Values come from DNS and are untrusted: every function is bounded, never
 * reads outside the given bytes, and reports a value that does not follow
 * the grammar as ACME_ERR_MALFORMED (the caller then does not pick that
 * record's CA, as the draft says: "ignoring any it cannot process"; but the
 * record still counts as present: RFC 8659 §4.2 treats an issue value that
 * does not match the grammar as one with an empty issuer, i.e. it restricts
 * issuance and authorizes no one).
 */
#ifndef ACME_CODEC_CAA_H
#define ACME_CODEC_CAA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/config_defaults.h"
#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ACME_CAA_FLAG_CRITICAL 0x80u
#define ACME_CAA_TAG_MAX 15u /* RFC 8659 §4.1: tag length 1..15 */

typedef enum acme_caa_tag {
    ACME_CAA_TAG_OTHER = 0, /* unknown to us; matters only when critical */
    ACME_CAA_TAG_ISSUE,
    ACME_CAA_TAG_ISSUEWILD,
    ACME_CAA_TAG_IODEF
} acme_caa_tag_t;

typedef struct acme_caa_record {
    uint8_t flags;
    uint8_t tag_kind;               /* acme_caa_tag_t (case-insensitive match) */
    char tag[ACME_CAA_TAG_MAX + 1]; /* as on the wire, NUL-terminated */
    const uint8_t *value;           /* points into the RDATA */
    size_t value_len;
} acme_caa_record_t;

/* Parse CAA RDATA: flags (1 octet), tag length (1..15), tag (ASCII letters
 * and digits only), value (the rest, may be empty). ACME_ERR_MALFORMED
 * otherwise; then out->flags still holds the first octet (0 when there is
 * none) so that an unreadable critical record can be treated as an unknown
 * critical property, and the other fields are zero. */
acme_status_t acme_caa_record_parse(const uint8_t *rdata, size_t rdlen, acme_caa_record_t *out);

static inline bool acme_caa_is_critical(const acme_caa_record_t *r)
{
    return (r->flags & ACME_CAA_FLAG_CRITICAL) != 0;
}

/* An issue/issuewild value (RFC 8659 §4.2):
 *   issue-value = *WSP [issuer-domain-name *WSP] [";" *WSP [parameters *WSP]]
 *   parameters  = (parameter *WSP ";" *WSP parameters) / parameter
 *   parameter   = tag *WSP "=" *WSP value
 *   value       = *(%x21-3A / %x3C-7E)
 * plus the known parameters' own rules. */
typedef struct acme_caa_issue {
    char issuer[ACME_CAA_ISSUER_MAX + 1]; /* lower-cased; "" = no issuer (";" alone) */

    bool has_priority;
    bool priority_valid; /* false: present but not an integer >= 1 */
    uint32_t priority;   /* 1 = highest; valid when priority_valid */

    bool discovery;       /* true when absent or "true"; false for "false"
                             and for an invalid value */
    bool discovery_valid; /* false: present but neither "true" nor "false" */

    const char *accounturi; /* points into the value; NULL when absent */
    size_t accounturi_len;
    const char *validationmethods; /* comma-separated list; NULL when absent */
    size_t validationmethods_len;
} acme_caa_issue_t;

/* Parse an issue or issuewild value. Parameter tags are matched
 * case-insensitively; unknown parameters are allowed (their semantics are
 * CA-defined) and ignored. A known parameter given twice, or a value that
 * breaks the grammar, is ACME_ERR_MALFORMED; an issuer name longer than
 * ACME_CAA_ISSUER_MAX is ACME_ERR_OVERSIZE (grammar errors win over size).
 * On any error *out is reset: issuer "" (authorizes no CA), no parameters. */
acme_status_t acme_caa_issue_parse(const uint8_t *value, size_t len, acme_caa_issue_t *out);

/* True when the validationmethods list (RFC 8657 §4: comma-separated
 * method names, no spaces) contains method exactly. */
bool acme_caa_methods_allow(const char *list, size_t len, const char *method);

#ifdef __cplusplus
}
#endif

#endif /* ACME_CODEC_CAA_H */
