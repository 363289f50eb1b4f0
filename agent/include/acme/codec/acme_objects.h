/*
 * Readers for the ACME resources a client receives (RFC 8555 §7.1):
 * directory, account, order, authorization, challenge, and problem
 * documents (§6.7). Each takes a response body and fills a fixed struct;
 * fields the agent does not use are ignored. Servers are untrusted: types are
 * checked, lengths are bounded, and unknown status strings are errors.
 *
 * Errors: ACME_ERR_MALFORMED (not JSON, wrong type, required member
 * missing), ACME_ERR_OVERSIZE (a kept string or list exceeds its limit),
 * ACME_ERR_NO_MEMORY (the arena ran out while parsing).
 */
#ifndef ACME_CODEC_ACME_OBJECTS_H
#define ACME_CODEC_ACME_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/config_defaults.h"
#include "acme/status.h"
#include "acme/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum acme_object_status {
    ACME_OBJ_UNKNOWN = 0,
    ACME_OBJ_PENDING,
    ACME_OBJ_READY,
    ACME_OBJ_PROCESSING,
    ACME_OBJ_VALID,
    ACME_OBJ_INVALID,
    ACME_OBJ_EXPIRED,
    ACME_OBJ_DEACTIVATED,
    ACME_OBJ_REVOKED
} acme_object_status_t;

/* "pending" -> ACME_OBJ_PENDING, ...; ACME_OBJ_UNKNOWN for anything else. */
acme_object_status_t acme_object_status_parse(const char *s);
const char *acme_object_status_name(acme_object_status_t st);

typedef struct acme_directory {
    bool external_account_required; /* meta.externalAccountRequired */
    char new_nonce[ACME_URL_MAX + 1];
    char new_account[ACME_URL_MAX + 1];
    char new_order[ACME_URL_MAX + 1];
    char terms_of_service[ACME_URL_MAX + 1]; /* meta.termsOfService, may be "" */
#if ACME_ENABLE_ARI
    char renewal_info[ACME_URL_MAX + 1]; /* RFC 9773 renewalInfo; "" when none */
#endif
#if ACME_ENABLE_ACCOUNT_ADMIN
    char revoke_cert[ACME_URL_MAX + 1]; /* "" when the CA offers none */
    char key_change[ACME_URL_MAX + 1];  /* "" when the CA offers none */
#endif
#if ACME_ENABLE_PROFILES
    /* The names of meta.profiles, each NUL-terminated, then an empty one. */
    char profiles[ACME_PROFILES_LIST_MAX];
#endif
} acme_directory_t;

/* newNonce, newAccount and newOrder are required. A terms-of-service URL
 * longer than the field is dropped (it is informational), not an error; so
 * is a renewalInfo URL (the CA is then used without ARI) and a profile name
 * longer than ACME_PROFILE_MAX or beyond ACME_PROFILES_LIST_MAX (it is then
 * not offered). */
acme_status_t acme_directory_read(const uint8_t *json, size_t len, acme_directory_t *out);

#if ACME_ENABLE_PROFILES
/* True when the directory lists the profile `name` in meta.profiles. */
bool acme_directory_offers_profile(const acme_directory_t *dir, const char *name);
#endif

/* The account's status ("valid", "deactivated", "revoked"). */
acme_status_t acme_account_read(const uint8_t *json, size_t len, acme_object_status_t *status);

typedef struct acme_order_object {
    acme_object_status_t status;
    size_t authz_count;
    char finalize[ACME_URL_MAX + 1];
    char certificate[ACME_URL_MAX + 1]; /* "" until valid */
#if ACME_ENABLE_PROFILES
    char profile[ACME_PROFILE_MAX + 1]; /* the CA's "profile"; "" when none */
#endif
    char authorizations[ACME_MAX_IDENTIFIERS][ACME_URL_MAX + 1];
} acme_order_object_t;

/* status, finalize and authorizations are required. `error` (may be NULL)
 * receives the order's "error" problem when present. */
acme_status_t acme_order_object_read(const uint8_t *json, size_t len, acme_order_object_t *out,
                                     acme_problem_t *error);

typedef struct acme_authz_object {
    acme_object_status_t status;
    bool wildcard;
    bool has_http01;
    acme_object_status_t http01_status;
    char identifier[ACME_DNS_NAME_MAX + 1]; /* identifier.value (type dns) */
    char http01_url[ACME_URL_MAX + 1];
    char http01_token[ACME_TOKEN_MAX + 1];
} acme_authz_object_t;

/* status, identifier and challenges are required; the http-01 challenge is
 * optional (has_http01). `error` (may be NULL) receives the first challenge
 * error found, http-01's first. */
acme_status_t acme_authz_object_read(const uint8_t *json, size_t len, acme_authz_object_t *out,
                                     acme_problem_t *error);

/* A challenge object: its status and its "error" when present. */
acme_status_t acme_challenge_object_read(const uint8_t *json, size_t len,
                                         acme_object_status_t *status, acme_problem_t *error);

/* A problem document. Text is truncated to fit; type must be a string if
 * present. out->http_status is set to http_status. */
acme_status_t acme_problem_read(const uint8_t *json, size_t len, uint16_t http_status,
                                acme_problem_t *out);

/* True when problem->type is "urn:ietf:params:acme:error:<name>". */
bool acme_problem_is(const acme_problem_t *problem, const char *name);

/* The renewalInfo resource (RFC 9773 §4.2): the CA's suggested renewal
 * window and an optional explanation. */
typedef struct acme_renewal_window {
    int64_t start_s;                        /* Unix seconds */
    int64_t end_s;                          /* > start_s */
    char explanation_url[ACME_URL_MAX + 1]; /* "" when none or not an https URL */
} acme_renewal_window_t;

/* {"suggestedWindow": {"start": RFC 3339, "end": RFC 3339}, "explanationURL"?}.
 * ACME_OK; ACME_ERR_MALFORMED when the window is missing, not RFC 3339, or
 * end <= start (§4.2: the client treats that as no answer). */
acme_status_t acme_renewal_window_read(const uint8_t *json, size_t len,
                                       acme_renewal_window_t *out);

#ifdef __cplusplus
}
#endif

#endif /* ACME_CODEC_ACME_OBJECTS_H */
