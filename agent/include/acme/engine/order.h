/*
 * The ACME issuance flow (RFC 8555 §7) as a sans-I/O state machine.
 *
 * The engine never touches a socket, the clock, flash or a key. It says what
 * to do next (acme_order_next), and is told what happened
 * (acme_order_on_response, acme_order_on_served, acme_order_account_saved).
 * Time is passed in. The driver (io/agent.c) signs and sends requests,
 * keeps the nonce, retries badNonce, stores state, and serves tokens.
 *
 * Flow and request count for one name (stored account in brackets):
 *   GET directory, [HEAD newNonce by the driver], POST newAccount (skipped
 *   with a stored account), POST newOrder, POST-as-GET authz, POST challenge,
 *   POST-as-GET order until "ready", POST finalize, POST-as-GET order until
 *   "valid" (unless finalize already returned it), POST-as-GET certificate.
 * The order (not each authorization) is polled: one poll covers every name.
 *
 * Resuming (params.order_url: an order created before a restart): with a
 * stored account the engine fetches that order instead of sending newOrder
 * and carries on from its status (pending: authorizations; ready: finalize;
 * processing: poll; valid: download). When the CA no longer has it (an
 * error answer) or it is invalid, a new order is created instead, once.
 *
 * Renewal (ACME_ENABLE_ARI): params.cert_id names the installed
 * certificate. newOrder then carries "replaces" when the directory offers
 * renewalInfo (RFC 9773 §5); a 409 alreadyReplaced drops it and the order
 * is sent again without it, once (already_replaced tells the driver). With
 * params.op ACME_OP_ARI_CHECK the run is the ARI check instead: GET
 * directory, GET renewalInfo/<cert_id>, DONE with that answer as the last
 * response (no account, nothing signed).
 *
 * Management (ACME_ENABLE_ACCOUNT_ADMIN), with the stored account:
 * ACME_OP_REVOKE posts revokeCert {certificate, reason} (RFC 8555 §7.6;
 * alreadyRevoked counts as done), ACME_OP_DEACTIVATE posts
 * {"status":"deactivated"} to the account (§7.3.6). ACME_OP_KEY_CHANGE
 * rolls the account over to a new key (§7.3.5): keyChange with the payload
 * {account, oldKey}, which the driver wraps in the inner JWS signed by the
 * new key (request.key_change). With params.rollover_probe (an earlier
 * rollover may have reached the CA before a power cut) it first asks
 * newAccount {"onlyReturnExisting":true} signed with the new key
 * (request.new_key): the account answering is the stored one: DONE
 * (key_already_changed); accountDoesNotExist: the old key still holds it,
 * keyChange follows. An error answer to keyChange is not taken at its word:
 * a keyChange the CA carried out whose answer was lost, then replayed or
 * re-signed (a reconnect, badNonce), is refused the second time because the
 * old key no longer names the account. So the probe follows it, and only
 * accountDoesNotExist for the new key makes it a refusal
 * (key_change_refused, with keyChange's own problem): the old key stands
 * and the new one can be dropped. The probe finding the account under the
 * new key after all is success. A 5xx or no answer decides nothing.
 *
 * Profiles (ACME_ENABLE_PROFILES): params.profile is sent in newOrder only
 * when the directory lists it; an invalidProfile answer drops it and the
 * order is sent again without it, once. o->profile is the CA's choice as
 * its order object names it.
 */
#ifndef ACME_ENGINE_ORDER_H
#define ACME_ENGINE_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/codec/acme_objects.h"
#include "acme/codec/base64.h"
#include "acme/codec/eab.h"
#include "acme/codec/http_response.h"
#include "acme/config_defaults.h"
#include "acme/status.h"
#include "acme/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest request payload (JSON before base64url): newOrder with
 * ACME_MAX_IDENTIFIERS names, or finalize with an RSA-2048 CSR. */
#ifndef ACME_PAYLOAD_MAX
#define ACME_PAYLOAD_MAX (64u + ACME_MAX_IDENTIFIERS * (ACME_DNS_NAME_MAX + 40u) + 1400u)
#endif
/* Largest externalAccountBinding object inside newAccount (acme/codec/eab.h),
 * with its NUL: the members' names and quotes (44); as base64url the header
 * {"alg":"HS512","kid":..,"url":..} (33 + the longest kid and URL), the
 * account's JWK (up to 159, acme_agent_t's buffer; P-256 is 126) and an
 * HS512 MAC (64 bytes). A kid or URL with characters JSON must escape can
 * still not fit: the engine then fails with ACME_ERR_BUFFER_TOO_SMALL. */
#define ACME_EAB_JWS_MAX                                                                           \
    (44u + ACME_BASE64URL_LEN(33u + ACME_EAB_KID_MAX + ACME_URL_MAX) + ACME_BASE64URL_LEN(159u) +  \
     ACME_BASE64URL_LEN(64u) + 1u)

typedef enum acme_order_phase {
    ACME_PHASE_IDLE = 0,
    ACME_PHASE_DIRECTORY,
    ACME_PHASE_ACCOUNT,
    ACME_PHASE_SAVE_ACCOUNT,
    ACME_PHASE_NEW_ORDER,
    ACME_PHASE_AUTHZ,
    ACME_PHASE_CHALLENGE,
    ACME_PHASE_POLL_READY,
    ACME_PHASE_FINALIZE,
    ACME_PHASE_POLL_VALID,
    ACME_PHASE_CERTIFICATE,
    ACME_PHASE_AUTHZ_ERROR, /* order went invalid: fetch authzs for the reason */
    ACME_PHASE_RESUME,      /* POST-as-GET the order created before a restart */
    ACME_PHASE_RENEWAL_INFO, /* GET renewalInfo/<certID> (ACME_OP_ARI_CHECK) */
    ACME_PHASE_REVOKE,       /* POST revokeCert (ACME_OP_REVOKE) */
    ACME_PHASE_DEACTIVATE,   /* POST the account {"status":"deactivated"} */
    ACME_PHASE_ROLLOVER_PROBE, /* newAccount onlyReturnExisting with the new key */
    ACME_PHASE_KEY_CHANGE,     /* POST keyChange (ACME_OP_KEY_CHANGE) */
    ACME_PHASE_DONE,
    ACME_PHASE_FAILED
} acme_order_phase_t;

/* What a run does. Only issuance needs a CSR; the others reuse the flow's
 * directory fetch, nonces and signing. */
typedef enum acme_order_op {
    ACME_OP_ISSUE = 0,
    ACME_OP_ARI_CHECK,  /* GET renewalInfo/<cert_id> (ACME_ENABLE_ARI) */
    ACME_OP_REVOKE,     /* revoke cert_der with revoke_reason (ACME_ENABLE_ACCOUNT_ADMIN) */
    ACME_OP_DEACTIVATE, /* deactivate the stored account (ACME_ENABLE_ACCOUNT_ADMIN) */
    ACME_OP_KEY_CHANGE  /* roll the account over to a new key (ACME_ENABLE_ACCOUNT_ADMIN) */
} acme_order_op_t;

typedef enum acme_action_kind {
    ACME_ACTION_SEND = 1,     /* send order->request, then call on_response */
    ACME_ACTION_WAIT,         /* nothing to do before wait_until_ms */
    ACME_ACTION_SAVE_ACCOUNT, /* persist account_url, then account_saved() */
    ACME_ACTION_DONE,         /* the last response body is the PEM chain */
    ACME_ACTION_FAILED        /* see order->status and order->problem */
} acme_action_kind_t;

typedef enum acme_request_method {
    ACME_REQ_GET = 1, /* unauthenticated GET (directory) */
    ACME_REQ_POST     /* JWS POST; payload_len 0 means POST-as-GET */
} acme_request_method_t;

typedef struct acme_request {
    uint8_t method;      /* acme_request_method_t */
    bool sign_with_jwk;  /* newAccount: embed the JWK instead of kid */
    bool expect_chain;   /* certificate download */
    const char *url;     /* into the engine's state */
    const char *payload; /* JSON text, into the engine's state */
    size_t payload_len;
#if ACME_ENABLE_ACCOUNT_ADMIN
    bool new_key;    /* sign with the rollover's new key (with sign_with_jwk: its JWK) */
    bool key_change; /* the payload is keyChange's inner JWS payload: the driver
                        signs it with the new key and sends that JWS */
#endif
} acme_request_t;

typedef struct acme_action {
    uint8_t kind;           /* acme_action_kind_t */
    uint64_t wait_until_ms; /* ACME_ACTION_WAIT */
} acme_action_t;

/* What the engine needs to start; pointers must stay valid until done. */
typedef struct acme_order_params {
    const char *directory_url;
    const char *const *names; /* DNS identifiers */
    size_t name_count;
    const char *contact;     /* "mailto:..." or NULL */
    const char *account_url; /* stored account for this directory, or NULL */
    const char *order_url;   /* order in progress at this directory, or NULL */
    const uint8_t *csr_der;  /* the CSR sent at finalize */
    size_t csr_len;
    bool terms_agreed; /* termsOfServiceAgreed in newAccount */
#if ACME_ENABLE_EAB
    /* acme_eab_alg_t for eab_kid. Only with EAB: even a zero store costs
     * code where every byte is budgeted. */
    uint8_t eab_alg;
#endif
    /* Already fetched (discovery does): the engine starts without GET. */
    const acme_directory_t *directory;
    /* External account binding for newAccount (RFC 8555 §7.3.4), or NULL
     * kid: the account's canonical JWK is what the EAB MAC signs. */
    const char *eab_kid;
    const uint8_t *eab_key;
    size_t eab_key_len;
    const char *account_jwk;
    uint8_t op; /* acme_order_op_t; 0: issue */
#if ACME_ENABLE_ARI
    const char *cert_id; /* RFC 9773 certID of the certificate replaced, or NULL */
#endif
#if ACME_ENABLE_ACCOUNT_ADMIN
    const uint8_t *cert_der; /* ACME_OP_REVOKE: the certificate, DER */
    size_t cert_der_len;
    uint8_t revoke_reason; /* RFC 5280 CRLReason: 0..10 but 7 */
    bool rollover_probe;   /* ACME_OP_KEY_CHANGE: ask whether the new key holds it first */
#endif
#if ACME_ENABLE_PROFILES
    const char *profile; /* preferred profile, or NULL */
#endif
} acme_order_params_t;

typedef struct acme_order_authz {
    bool served;                    /* the responder served the token */
    char token[ACME_TOKEN_MAX + 1]; /* "" when no challenge is needed */
    char url[ACME_URL_MAX + 1];
} acme_order_authz_t;

typedef struct acme_order {
    /* Scalars first, buffers last: fields at short offsets take shorter
     * instructions on Thumb-2 (the engine reads these all the time). */
    uint8_t phase;        /* acme_order_phase_t */
    acme_status_t status; /* final status once DONE or FAILED */
    bool account_is_new;    /* created by this run */
    bool account_recreated; /* stored account was unknown to the server */
#if ACME_ENABLE_ARI
    bool already_replaced; /* the CA said alreadyReplaced: "replaces" is dropped */
#endif
#if ACME_ENABLE_PROFILES
    bool profile_refused; /* the CA said invalidProfile: the profile is dropped */
#endif
#if ACME_ENABLE_ACCOUNT_ADMIN
    bool key_already_changed; /* the probe found the account under the new key */
    bool key_change_refused;  /* the CA refused the change: the old key stands */
    bool key_change_failed;   /* keyChange answered an error: the probe decides */
    uint16_t refusal_status;  /* keyChange's error, reported if the probe confirms it */
    char refusal_type[ACME_PROBLEM_TYPE_MAX + 1];
    char refusal_detail[ACME_PROBLEM_DETAIL_MAX + 1];
#endif
    size_t authz_count;
    size_t authz_index;

    /* Polling */
    uint32_t polls;
    uint32_t poll_delay_ms;  /* next computed delay */
    uint32_t retry_after_ms; /* the Retry-After of the response at hand (0: none) */

    /* Times, in ms since started_ms: 32 bits hold them all, an issuance
     * ending within ACME_ISSUE_TIMEOUT_MS (and a later call's time
     * saturates, past every deadline). now is the time of the call at hand. */
    uint64_t started_ms;
    uint32_t now;
    uint32_t deadline;
    uint32_t wait_until;
    uint32_t retry_not_before; /* from Retry-After: never poll earlier */
    uint32_t last_served;
    uint32_t request_sent; /* when the request in flight was handed out */

    acme_request_t request;
    acme_order_params_t params;

    /* The URLs the code names often first (short offsets), the larger
     * blocks last. */
    char account_url[ACME_URL_MAX + 1];
    char order_url[ACME_URL_MAX + 1];
    char finalize_url[ACME_URL_MAX + 1];
    char certificate_url[ACME_URL_MAX + 1];
    char challenge_url[ACME_URL_MAX + 1];
#if ACME_ENABLE_PROFILES
    char profile[ACME_PROFILE_MAX + 1]; /* the order's profile as the CA names it */
#endif
    acme_order_authz_t authz[ACME_MAX_IDENTIFIERS];
    acme_directory_t directory;
    acme_problem_t problem;
    char payload[ACME_PAYLOAD_MAX];
} acme_order_t;

/* Start a new issuance at now_ms. ACME_ERR_INVALID_ARG for unusable params
 * (no names, too many, one that is not a host name, a wildcard — http-01
 * cannot validate those; an issuance without a CSR, an ARI check without
 * cert_id, a revocation without the certificate or with reason 7 or > 10,
 * an operation not compiled in). */
acme_status_t acme_order_start(acme_order_t *o, const acme_order_params_t *params, uint64_t now_ms);

/* What to do now. SEND: o->request is valid until the next call. */
acme_action_t acme_order_next(acme_order_t *o, uint64_t now_ms);

/* The response to the last SEND. wall_s is the wall clock (for HTTP-date
 * Retry-After) or ACME_TIME_UNKNOWN. Returns the engine's new status:
 * ACME_WOULD_BLOCK while in progress, else the final status. */
acme_status_t acme_order_on_response(acme_order_t *o, const acme_http_response_t *resp,
                                     uint64_t now_ms, int64_t wall_s);

/* The driver could not complete the request (transport, TLS, timeout).
 * The engine fails with that status. */
void acme_order_on_error(acme_order_t *o, acme_status_t status);

/* The account URL (o->account_url) is stored. */
void acme_order_account_saved(acme_order_t *o);

/* The http-01 responder serves the key authorization for token[0..len).
 * Returns the order's own (NUL-terminated) copy of the token, or NULL when
 * the token does not belong to this order. */
const char *acme_order_on_served(acme_order_t *o, const char *token, size_t token_len,
                                 uint64_t now_ms);

/* The token of a pending challenge, by index; NULL past the end. */
const char *acme_order_token(const acme_order_t *o, size_t index);

#ifdef __cplusplus
}
#endif

#endif /* ACME_ENGINE_ORDER_H */
