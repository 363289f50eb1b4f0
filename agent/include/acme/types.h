/*
 * Value types shared by the public API and the layers below it.
 */
#ifndef ACME_TYPES_H
#define ACME_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "acme/config_defaults.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Wall-clock value meaning "the device does not know the date". */
#define ACME_TIME_UNKNOWN INT64_MIN

/* What names a certificate for ACME Renewal Information (RFC 9773), as the
 * certificate parser extracts it and the certID codec encodes it: an
 * Authority Key Identifier keyIdentifier is a SHA-1 (20) or SHA-256 (32)
 * hash in practice, bounded here at 64 bytes; a serial at most 20 bytes
 * (RFC 5280 §4.1.2.2) plus the sign byte. */
#define ACME_ARI_KEY_ID_MAX 64u
#define ACME_ARI_SERIAL_MAX 21u

typedef enum acme_key_type {
    ACME_KEY_NONE = 0,
    ACME_KEY_P256 = 1,
    ACME_KEY_RSA2048 = 2
} acme_key_type_t;

/* The MAC of external account binding (RFC 8555 §7.3.4; RFC 7518 §3.2
 * names). 0 is HS256, so a zeroed acme_ca_entry_t signs the way CAs expect
 * unless told otherwise. The values are those of the provisioning blob's
 * CA field 0x05 (acme_provision_mac_t), so a provisioned CA maps onto a
 * table entry without translation. */
typedef enum acme_eab_alg {
    ACME_EAB_DEFAULT = 0, /* HS256 */
    ACME_EAB_HS256 = 1,
    ACME_EAB_HS384 = 2,
    ACME_EAB_HS512 = 3
} acme_eab_alg_t;

/* A problem document from the ACME server (RFC 8555 §6.7, RFC 7807), kept so
 * the caller can show what the CA said. Strings are truncated to their
 * buffers and always NUL-terminated. */
typedef struct acme_subproblem {
    char type[ACME_PROBLEM_TYPE_MAX + 1];
    char identifier[ACME_DNS_NAME_MAX + 1];
    char detail[ACME_SUBPROBLEM_DETAIL_MAX + 1];
} acme_subproblem_t;

typedef struct acme_problem {
    uint16_t http_status;                 /* 0 when no problem is held */
    uint8_t subproblem_count;
    char type[ACME_PROBLEM_TYPE_MAX + 1]; /* e.g. urn:ietf:params:acme:error:badNonce */
    char detail[ACME_PROBLEM_DETAIL_MAX + 1];
    acme_subproblem_t subproblems[ACME_PROBLEM_SUBPROBLEMS_MAX];
} acme_problem_t;

/* What the status command and the renewal logic need to know about the
 * current certificate. */
#define ACME_CERT_NAME_MAX 128
#define ACME_CERT_SERIAL_MAX 64 /* hex, 20 octets max per RFC 5280 + slack */

typedef struct acme_cert_info {
    int64_t not_before; /* Unix seconds */
    int64_t not_after;
    size_t name_count;  /* DNS SANs */
    size_t chain_certs; /* certificates in the chain */
    char subject_cn[ACME_CERT_NAME_MAX + 1];
    char issuer[ACME_CERT_NAME_MAX + 1]; /* issuer DN, one line */
    char serial_hex[ACME_CERT_SERIAL_MAX + 1];
    char names[ACME_MAX_IDENTIFIERS][ACME_DNS_NAME_MAX + 1];
} acme_cert_info_t;

/* The CA that issued the installed certificate (found by discovery or
 * configured), and its terms of service, as draft-03 §7.2 asks clients to
 * show. */
typedef struct acme_ca_info {
    char issuer[ACME_CAA_ISSUER_MAX + 1]; /* "" when configured directly */
    char directory[ACME_URL_MAX + 1];
    char terms_of_service[ACME_URL_MAX + 1]; /* "" when the CA names none */
#if ACME_ENABLE_PROFILES
    char profile[ACME_PROFILE_MAX + 1]; /* the profile the CA issued it under, or "" */
#endif
} acme_ca_info_t;

#ifdef __cplusplus
}
#endif

#endif /* ACME_TYPES_H */
