/*
 * The ACME order flow: consumes parsed responses, emits the next request or
 * a wait. See acme/engine/order.h for the sequence and the request budget.
 */
#include "acme/engine/order.h"

#include <string.h>

#include "acme/codec/dns_message.h"
#include "acme/codec/eab.h"
#include "acme/codec/json_writer.h"
#include "acme/engine/poll_delay.h"
#include "ascii.h"
#include "compiler.h"

#if ACME_ISSUE_TIMEOUT_MS > 0x7FFFFFFFu
#error "ACME_ISSUE_TIMEOUT_MS must fit the engine's 32-bit times"
#endif

/* ---- small helpers -------------------------------------------------------- */

/* The time of the call at hand, in ms since the order started. One copy:
 * the 64-bit arithmetic costs more in each caller than a call. */
ACME_NOINLINE static void set_now(acme_order_t *o, uint64_t now_ms)
{
    uint64_t since = now_ms - o->started_ms;
    o->now = since > UINT32_MAX ? UINT32_MAX : (uint32_t)since;
}

static bool is_terminal(const acme_order_t *o)
{
    return o->phase == ACME_PHASE_DONE || o->phase == ACME_PHASE_FAILED;
}

/* One copy: called from every handler. */
ACME_NOINLINE static acme_status_t fail(acme_order_t *o, acme_status_t status)
{
    o->phase = ACME_PHASE_FAILED;
    o->status = status;
    return status;
}

/* Fail with a problem the agent itself describes (no server document).
 * Without ACME_ERROR_TEXT there is no sentence to keep. */
#if ACME_ERROR_TEXT
static acme_status_t fail_detail(acme_order_t *o, acme_status_t status, const char *detail)
{
    size_t n = strlen(detail);
    if (n >= sizeof(o->problem.detail)) {
        n = sizeof(o->problem.detail) - 1;
    }
    memcpy(o->problem.detail, detail, n);
    o->problem.detail[n] = '\0';
    return fail(o, status);
}
#else
#define fail_detail(o, status, detail) fail(o, status)
#endif

/* One copy of the large memset for its callers (new_order_instead is
 * inlined twice). */
ACME_NOINLINE static void clear_problem(acme_order_t *o)
{
    memset(&o->problem, 0, sizeof(o->problem));
}

static acme_status_t copy_url(char *dst, const char *src)
{
    size_t n = strlen(src);
    if (n > ACME_URL_MAX) {
        return ACME_ERR_OVERSIZE;
    }
    memcpy(dst, src, n + 1);
    return ACME_OK;
}

static bool name_is_requested(const acme_order_t *o, const char *name)
{
    for (size_t i = 0; i < o->params.name_count; i++) {
        if (acme_dns_name_equal(o->params.names[i], name)) {
            return true;
        }
    }
    return false;
}

/* ---- payloads --------------------------------------------------------------- */

/* The members of the newAccount payload. */
static acme_status_t new_account_members(acme_order_t *o, acme_json_writer_t *w)
{
    char eab[ACME_EAB_JWS_MAX];
    size_t eab_len = 0;
#if ACME_ENABLE_EAB
    if (o->params.eab_kid != NULL) {
        const char *jwk = o->params.account_jwk != NULL ? o->params.account_jwk : "";
        acme_status_t st = acme_eab_write(
            o->params.eab_kid, o->params.eab_key, o->params.eab_key_len, o->params.eab_alg,
            o->directory.new_account, jwk, strlen(jwk), eab, sizeof(eab), &eab_len);
        if (st != ACME_OK) {
            return st;
        }
    }
#else
    if (o->params.eab_kid != NULL) {
        return ACME_ERR_UNSUPPORTED; /* EAB not compiled in */
    }
#endif
    acme_jw_put_text(w, o->params.terms_agreed ? "\"termsOfServiceAgreed\":true"
                                               : "\"termsOfServiceAgreed\":false");
    if (o->params.contact != NULL && o->params.contact[0] != '\0') {
        acme_jw_put_text(w, ",\"contact\":[");
        acme_jw_put_string(w, o->params.contact, strlen(o->params.contact));
        acme_jw_put_text(w, "]");
    }
    if (eab_len > 0) {
        acme_jw_put_text(w, ",\"externalAccountBinding\":");
        acme_jw_put_text_n(w, eab, eab_len);
    }
    return ACME_OK;
}

#if ACME_ENABLE_ARI
/* "replaces" goes only to a CA that implements ARI (a CA without it might
 * refuse the unknown member), and not again after alreadyReplaced. */
static bool sends_replaces(const acme_order_t *o)
{
    return o->params.cert_id != NULL && o->directory.renewal_info[0] != '\0' &&
           !o->already_replaced;
}
#endif

#if ACME_ENABLE_PROFILES
/* A profile only when the CA lists it (draft-ietf-acme-profiles §3), and not
 * again after invalidProfile. */
static bool sends_profile(const acme_order_t *o)
{
    return o->params.profile != NULL && !o->profile_refused &&
           acme_directory_offers_profile(&o->directory, o->params.profile);
}
#endif

/* One optional string member: ,"key":"value". */
#if ACME_ENABLE_ARI || ACME_ENABLE_PROFILES
static void put_member(acme_json_writer_t *w, const char *key_text, const char *value)
{
    acme_jw_put_text(w, key_text);
    acme_jw_put_string(w, value, strlen(value));
}
#endif

/* The members of the newOrder payload. */
static void new_order_members(const acme_order_t *o, acme_json_writer_t *w)
{
    acme_jw_put_text(w, "\"identifiers\":[");
    for (size_t i = 0; i < o->params.name_count; i++) {
        const char *name = o->params.names[i];
        /* The comma between items: the first starts past it. */
        acme_jw_put_text(w, &",{\"type\":\"dns\",\"value\":"[i == 0 ? 1 : 0]);
        acme_jw_put_string(w, name, strlen(name));
        acme_jw_put_text(w, "}");
    }
    acme_jw_put_text(w, "]");
#if ACME_ENABLE_ARI
    if (sends_replaces(o)) {
        put_member(w, ",\"replaces\":", o->params.cert_id);
    }
#endif
#if ACME_ENABLE_PROFILES
    if (sends_profile(o)) {
        put_member(w, ",\"profile\":", o->params.profile);
    }
#endif
}

/* ---- polling ------------------------------------------------------------------ */

static bool all_tokens_served(const acme_order_t *o)
{
    bool any = false;
    for (size_t i = 0; i < o->authz_count; i++) {
        if (o->authz[i].token[0] != '\0') {
            if (!o->authz[i].served) {
                return false;
            }
            any = true;
        }
    }
    return any;
}

/* Wait before the next poll of the order. A Retry-After is a floor. When the
 * last token was served while this answer was on its way, the CA has just
 * validated and a short settle time replaces the backoff delay; a CA that
 * still says "pending" on a later poll gets the backoff, not a poll every
 * settle time (acme_order_on_served covers serves during a wait). */
static void schedule_poll(acme_order_t *o)
{
    uint32_t delay = acme_backoff_step(&o->poll_delay_ms);
    if (o->retry_after_ms > 0) {
        delay = o->retry_after_ms;
        o->retry_not_before = o->now + o->retry_after_ms;
    }
    o->wait_until = o->now + delay;
    bool served_in_flight = o->last_served >= o->request_sent;
    if (o->phase == ACME_PHASE_POLL_READY && served_in_flight && all_tokens_served(o)) {
        uint32_t settle = o->last_served + ACME_POLL_AFTER_SERVE_MS;
        if (settle < o->now) {
            settle = o->now;
        }
        if (settle < o->wait_until) {
            o->wait_until = settle;
        }
    }
    if (o->wait_until < o->retry_not_before) {
        o->wait_until = o->retry_not_before;
    }
    if (o->wait_until > o->deadline) {
        o->wait_until = o->deadline; /* wake up to fail on time */
    }
}

static void start_polling(acme_order_t *o, uint8_t phase)
{
    o->phase = phase;
    o->poll_delay_ms = 0;
    o->retry_not_before = 0;
    schedule_poll(o);
}

/* The order is still on its way (pending authorizations, or finalized and
 * not issued yet): poll again, a bounded number of times. */
static acme_status_t poll_again(acme_order_t *o)
{
    if (++o->polls > ACME_POLL_MAX_COUNT) {
        return fail_detail(o, ACME_ERR_TIMEOUT,
                           ACME_TEXT(o->phase == ACME_PHASE_POLL_READY
                                         ? "order still pending after max polls"
                                         : "order not issued after max polls"));
    }
    schedule_poll(o);
    return ACME_WOULD_BLOCK;
}

/* ---- response handlers per phase -------------------------------------------- */

/* The order to resume is gone or invalid: create a new one (the phase
 * no longer RESUME, so this happens once). */
static acme_status_t new_order_instead(acme_order_t *o)
{
    clear_problem(o);
    o->order_url[0] = '\0';
    o->phase = ACME_PHASE_NEW_ORDER;
    return ACME_WOULD_BLOCK;
}

/* Move on according to an order's status (after newOrder, a poll,
 * finalize, or resuming). */
static acme_status_t follow_order(acme_order_t *o, const acme_order_object_t *order)
{
    switch (order->status) {
    case ACME_OBJ_PENDING:
        if (o->phase == ACME_PHASE_NEW_ORDER || o->phase == ACME_PHASE_RESUME) {
            o->phase = ACME_PHASE_AUTHZ;
            o->authz_index = 0;
            return ACME_WOULD_BLOCK;
        }
        if (o->phase == ACME_PHASE_POLL_READY) {
            return poll_again(o);
        }
        return fail_detail(o, ACME_ERR_MALFORMED, ACME_TEXT("order went back to pending"));
    case ACME_OBJ_READY:
        if (o->phase != ACME_PHASE_FINALIZE && o->phase != ACME_PHASE_POLL_VALID) {
            o->phase = ACME_PHASE_FINALIZE;
            return ACME_WOULD_BLOCK;
        }
        /* Finalize accepted but not started yet: wait for processing. */
        /* fall through */
    case ACME_OBJ_PROCESSING:
        if (o->phase == ACME_PHASE_POLL_VALID) {
            return poll_again(o);
        }
        start_polling(o, ACME_PHASE_POLL_VALID);
        return ACME_WOULD_BLOCK;
    case ACME_OBJ_VALID:
        if (order->certificate[0] == '\0') {
            return fail_detail(o, ACME_ERR_MALFORMED,
                               ACME_TEXT("valid order without a certificate URL"));
        }
        memcpy(o->certificate_url, order->certificate, sizeof(o->certificate_url));
        o->phase = ACME_PHASE_CERTIFICATE;
        return ACME_WOULD_BLOCK;
    case ACME_OBJ_INVALID:
        if (o->phase == ACME_PHASE_RESUME) {
            return new_order_instead(o);
        }
        if (o->problem.type[0] == '\0' && o->authz_count > 0 && o->phase == ACME_PHASE_POLL_READY) {
            /* The order says invalid without a reason: the failed
             * authorization holds it. */
            o->phase = ACME_PHASE_AUTHZ_ERROR;
            o->authz_index = 0;
            return ACME_WOULD_BLOCK;
        }
        return fail(o, ACME_ERR_ORDER_INVALID);
    default:
        return fail_detail(o, ACME_ERR_MALFORMED, ACME_TEXT("unexpected order status"));
    }
}

/* The directory is in o->directory: check EAB, then account or order (or,
 * for the ARI check, renewalInfo). */
static acme_status_t directory_known(acme_order_t *o)
{
#if ACME_ENABLE_ARI
    if (o->params.op == ACME_OP_ARI_CHECK) {
        if (o->directory.renewal_info[0] == '\0') {
            return fail_detail(o, ACME_ERR_UNSUPPORTED,
                               ACME_TEXT("the CA offers no renewalInfo (ARI)"));
        }
        o->phase = ACME_PHASE_RENEWAL_INFO;
        return ACME_WOULD_BLOCK;
    }
#endif
#if ACME_ENABLE_ACCOUNT_ADMIN
    if (o->params.op == ACME_OP_REVOKE || o->params.op == ACME_OP_DEACTIVATE) {
        if (o->account_url[0] == '\0') {
            return fail_detail(o, ACME_ERR_NOT_FOUND, ACME_TEXT("no account at this CA"));
        }
        if (o->params.op == ACME_OP_REVOKE && o->directory.revoke_cert[0] == '\0') {
            return fail_detail(o, ACME_ERR_UNSUPPORTED, ACME_TEXT("the CA offers no revokeCert"));
        }
        o->phase = o->params.op == ACME_OP_REVOKE ? ACME_PHASE_REVOKE : ACME_PHASE_DEACTIVATE;
        return ACME_WOULD_BLOCK;
    }
    if (o->params.op == ACME_OP_KEY_CHANGE) {
        if (o->account_url[0] == '\0') {
            return fail_detail(o, ACME_ERR_NOT_FOUND, ACME_TEXT("no account at this CA"));
        }
        if (o->directory.key_change[0] == '\0') {
            return fail_detail(o, ACME_ERR_UNSUPPORTED, ACME_TEXT("the CA offers no keyChange"));
        }
        o->phase = o->params.rollover_probe ? ACME_PHASE_ROLLOVER_PROBE : ACME_PHASE_KEY_CHANGE;
        return ACME_WOULD_BLOCK;
    }
#endif
    if (o->directory.external_account_required && o->params.eab_kid == NULL &&
        o->account_url[0] == '\0') {
        return fail_detail(o, ACME_ERR_UNSUPPORTED,
                           ACME_TEXT("the CA requires external account binding (EAB) and none is "
                                     "configured for it"));
    }
    o->phase = o->account_url[0] == '\0' ? ACME_PHASE_ACCOUNT
               : o->order_url[0] != '\0'  ? ACME_PHASE_RESUME
                                          : ACME_PHASE_NEW_ORDER;
    return ACME_WOULD_BLOCK;
}

static acme_status_t on_directory(acme_order_t *o, const acme_http_response_t *resp)
{
    acme_status_t st = acme_directory_read(resp->body, resp->body_len, &o->directory);
    if (st != ACME_OK) {
        return fail_detail(o, st, ACME_TEXT("unusable directory"));
    }
    return directory_known(o);
}

static acme_status_t on_account(acme_order_t *o, const acme_http_response_t *resp)
{
    if (resp->location[0] == '\0') {
        return fail_detail(o, ACME_ERR_MALFORMED,
                           ACME_TEXT("newAccount response without Location"));
    }
    acme_object_status_t status = ACME_OBJ_UNKNOWN;
    acme_status_t st = acme_account_read(resp->body, resp->body_len, &status);
    if (st != ACME_OK) {
        return fail_detail(o, st, ACME_TEXT("unusable account object"));
    }
    if (status != ACME_OBJ_VALID) {
        return fail_detail(o, ACME_ERR_SERVER_PROBLEM, ACME_TEXT("the account is not valid"));
    }
    memcpy(o->account_url, resp->location, sizeof(o->account_url));
    o->account_is_new = resp->status == 201;
    o->phase = ACME_PHASE_SAVE_ACCOUNT;
    return ACME_WOULD_BLOCK;
}

static acme_status_t on_order(acme_order_t *o, const acme_http_response_t *resp)
{
    acme_order_object_t order;
    acme_status_t st = acme_order_object_read(resp->body, resp->body_len, &order, &o->problem);
    if (st != ACME_OK) {
        return fail_detail(o, st, ACME_TEXT("unusable order object"));
    }
    if (o->phase == ACME_PHASE_NEW_ORDER || o->phase == ACME_PHASE_RESUME) {
        if (o->phase == ACME_PHASE_NEW_ORDER && resp->location[0] == '\0') {
            return fail_detail(o, ACME_ERR_MALFORMED,
                               ACME_TEXT("newOrder response without Location"));
        }
        if (order.authz_count == 0 || order.authz_count > o->params.name_count) {
            return fail_detail(o, ACME_ERR_MALFORMED,
                               ACME_TEXT("order has a wrong authorization count"));
        }
        if (o->phase == ACME_PHASE_NEW_ORDER) {
            memcpy(o->order_url, resp->location, sizeof(o->order_url));
        }
        memcpy(o->finalize_url, order.finalize, sizeof(o->finalize_url));
        o->authz_count = order.authz_count;
        for (size_t i = 0; i < order.authz_count; i++) {
            memcpy(o->authz[i].url, order.authorizations[i], sizeof(o->authz[i].url));
            o->authz[i].token[0] = '\0';
            o->authz[i].served = false;
        }
    }
#if ACME_ENABLE_PROFILES
    if (order.profile[0] != '\0') {
        memcpy(o->profile, order.profile, sizeof(o->profile));
    }
#endif
    return follow_order(o, &order);
}

/* After authz i is handled (challenge posted or nothing needed). */
static void next_authz(acme_order_t *o)
{
    o->authz_index++;
    if (o->authz_index < o->authz_count) {
        o->phase = ACME_PHASE_AUTHZ;
        return;
    }
    o->polls = 0;
    start_polling(o, ACME_PHASE_POLL_READY);
    bool challenged = false;
    for (size_t i = 0; i < o->authz_count; i++) {
        challenged |= o->authz[i].token[0] != '\0';
    }
    if (!challenged) {
        o->wait_until = o->now > o->retry_not_before ? o->now : o->retry_not_before;
    }
}

static acme_status_t on_authz(acme_order_t *o, const acme_http_response_t *resp)
{
    acme_authz_object_t authz;
    acme_status_t st = acme_authz_object_read(resp->body, resp->body_len, &authz, &o->problem);
    if (st != ACME_OK) {
        return fail_detail(o, st, ACME_TEXT("unusable authorization object"));
    }
    if (!name_is_requested(o, authz.identifier) || authz.wildcard) {
        return fail_detail(o, ACME_ERR_MALFORMED,
                           ACME_TEXT("authorization for an identifier that was not requested"));
    }
    acme_order_authz_t *slot = &o->authz[o->authz_index];
    if (o->phase == ACME_PHASE_AUTHZ_ERROR) {
        if (authz.status == ACME_OBJ_INVALID) {
            return fail(o, ACME_ERR_ORDER_INVALID);
        }
        clear_problem(o);
        if (++o->authz_index >= o->authz_count) {
            return fail_detail(o, ACME_ERR_ORDER_INVALID,
                               ACME_TEXT("order invalid, no reason given"));
        }
        return ACME_WOULD_BLOCK;
    }
    switch (authz.status) {
    case ACME_OBJ_VALID:
        next_authz(o);
        return ACME_WOULD_BLOCK;
    case ACME_OBJ_PENDING:
        break;
    case ACME_OBJ_INVALID:
    case ACME_OBJ_EXPIRED:
    case ACME_OBJ_DEACTIVATED:
    case ACME_OBJ_REVOKED:
        return fail(o, ACME_ERR_ORDER_INVALID);
    default:
        return fail_detail(o, ACME_ERR_MALFORMED, ACME_TEXT("unexpected authorization status"));
    }
    if (!authz.has_http01) {
        return fail_detail(o, ACME_ERR_UNSUPPORTED,
                           ACME_TEXT("the CA offers no http-01 challenge"));
    }
    /* The token ends up in a URL path and a response body: base64url only
     * (RFC 8555 §8.3). */
    if (acme_ascii_b64u_length(authz.http01_token, ACME_TOKEN_MAX) == 0) {
        return fail_detail(o, ACME_ERR_MALFORMED, ACME_TEXT("challenge token is not base64url"));
    }
    memcpy(slot->token, authz.http01_token, sizeof(slot->token));
    slot->served = false;
    if (authz.http01_status == ACME_OBJ_INVALID) {
        return fail(o, ACME_ERR_ORDER_INVALID);
    }
    if (authz.http01_status != ACME_OBJ_PENDING) {
        /* Already answered (processing/valid): just poll. */
        next_authz(o);
        return ACME_WOULD_BLOCK;
    }
    memcpy(o->challenge_url, authz.http01_url, sizeof(o->challenge_url));
    o->phase = ACME_PHASE_CHALLENGE;
    return ACME_WOULD_BLOCK;
}

static acme_status_t on_challenge(acme_order_t *o, const acme_http_response_t *resp)
{
    acme_object_status_t status = ACME_OBJ_UNKNOWN;
    acme_status_t st = acme_challenge_object_read(resp->body, resp->body_len, &status, &o->problem);
    if (st != ACME_OK) {
        return fail_detail(o, st, ACME_TEXT("unusable challenge object"));
    }
    if (status == ACME_OBJ_INVALID) {
        return fail(o, ACME_ERR_ORDER_INVALID);
    }
    next_authz(o);
    return ACME_WOULD_BLOCK;
}

static acme_status_t on_error_response(acme_order_t *o, const acme_http_response_t *resp)
{
    if (resp->body_len > 0) {
        acme_status_t st = acme_problem_read(resp->body, resp->body_len, resp->status, &o->problem);
        if (st == ACME_ERR_NO_MEMORY) {
            return fail(o, st);
        }
    }
    o->problem.http_status = resp->status;
    if (o->phase == ACME_PHASE_RESUME) {
        return new_order_instead(o);
    }
#if ACME_ENABLE_ACCOUNT_ADMIN
    if (o->phase == ACME_PHASE_REVOKE && acme_problem_is(&o->problem, "alreadyRevoked")) {
        o->phase = ACME_PHASE_DONE; /* what was asked for holds */
        o->status = ACME_OK;
        return ACME_OK;
    }
    if (o->phase == ACME_PHASE_ROLLOVER_PROBE &&
        acme_problem_is(&o->problem, "accountDoesNotExist")) {
        /* The new key holds no account: the old key still holds ours. */
        clear_problem(o);
        if (o->key_change_failed) {
            /* keyChange's error stands: the CA did not change the key. */
            o->key_change_refused = true;
            o->problem.http_status = o->refusal_status;
            memcpy(o->problem.type, o->refusal_type, sizeof(o->problem.type));
            memcpy(o->problem.detail, o->refusal_detail, sizeof(o->problem.detail));
            return fail(o, ACME_ERR_SERVER_PROBLEM);
        }
        o->phase = ACME_PHASE_KEY_CHANGE;
        return ACME_WOULD_BLOCK;
    }
    if (o->phase == ACME_PHASE_KEY_CHANGE && resp->status < 500) {
        /* An answer, not an outage, but maybe to a replay of a change the CA
         * made: kept while the probe asks which key holds the account. 409:
         * the new key already holds an account (RFC 8555 §7.3.5). */
        o->key_change_failed = true;
        o->refusal_status = resp->status;
        memcpy(o->refusal_type, o->problem.type, sizeof(o->refusal_type));
        memcpy(o->refusal_detail, o->problem.detail, sizeof(o->refusal_detail));
#if ACME_ERROR_TEXT
        if (resp->status == 409 && o->refusal_type[0] == '\0') {
            static const char other[] = "the new key already belongs to another account";
            memcpy(o->refusal_detail, other, sizeof(other));
        }
#endif
        clear_problem(o);
        o->phase = ACME_PHASE_ROLLOVER_PROBE;
        return ACME_WOULD_BLOCK;
    }
#endif
#if ACME_ENABLE_ARI
    if (o->phase == ACME_PHASE_NEW_ORDER && sends_replaces(o) &&
        acme_problem_is(&o->problem, "alreadyReplaced")) {
        /* The certificate was replaced by another order (RFC 9773 §5):
         * order without "replaces", once. */
        o->already_replaced = true;
        clear_problem(o);
        return ACME_WOULD_BLOCK;
    }
#endif
#if ACME_ENABLE_PROFILES
    if (o->phase == ACME_PHASE_NEW_ORDER && sends_profile(o) &&
        acme_problem_is(&o->problem, "invalidProfile")) {
        /* The CA listed the profile but will not issue it for this order:
         * its default profile, once. */
        o->profile_refused = true;
        clear_problem(o);
        return ACME_WOULD_BLOCK;
    }
#endif
    if (o->phase == ACME_PHASE_NEW_ORDER && !o->account_recreated &&
        acme_problem_is(&o->problem, "accountDoesNotExist")) {
        /* The CA forgot the stored account (or it belongs to another CA):
         * register the same key again, once. */
        o->account_recreated = true;
        o->account_url[0] = '\0';
        clear_problem(o);
        o->phase = ACME_PHASE_ACCOUNT;
        return ACME_WOULD_BLOCK;
    }
    return fail(o, ACME_ERR_SERVER_PROBLEM);
}

/* ---- public ---------------------------------------------------------------------- */

acme_status_t acme_order_start(acme_order_t *o, const acme_order_params_t *params, uint64_t now_ms)
{
    if (o == NULL || params == NULL || params->directory_url == NULL ||
        strlen(params->directory_url) > ACME_URL_MAX) {
        return ACME_ERR_INVALID_ARG;
    }
    /* Names matter to an issuance only. */
    if (params->op == ACME_OP_ISSUE &&
        (params->names == NULL || params->name_count == 0 ||
         params->name_count > ACME_MAX_IDENTIFIERS)) {
        return ACME_ERR_INVALID_ARG;
    }
    /* Each run needs its own input: a CSR, a certID, a certificate. */
    switch (params->op) {
    case ACME_OP_ISSUE:
        if (params->csr_der == NULL || params->csr_len == 0) {
            return ACME_ERR_INVALID_ARG;
        }
        break;
#if ACME_ENABLE_ARI
    case ACME_OP_ARI_CHECK:
        if (params->cert_id == NULL) {
            return ACME_ERR_INVALID_ARG;
        }
        break;
#endif
#if ACME_ENABLE_ACCOUNT_ADMIN
    case ACME_OP_REVOKE:
        if (params->cert_der == NULL || params->cert_der_len == 0 || params->revoke_reason == 7 ||
            params->revoke_reason > 10) {
            return ACME_ERR_INVALID_ARG;
        }
        break;
    case ACME_OP_DEACTIVATE:
    case ACME_OP_KEY_CHANGE:
        break;
#endif
    default:
        return ACME_ERR_INVALID_ARG;
    }
    for (size_t i = 0; params->names != NULL && i < params->name_count; i++) {
        /* A host name; a wildcard is one, but http-01 cannot validate it. */
        const char *name = params->names[i];
        if (acme_dns_name_length(name) == 0 || name[0] == '*') {
            return ACME_ERR_INVALID_ARG;
        }
    }
    memset(o, 0, sizeof(*o));
    o->params = *params;
    if ((params->account_url != NULL && copy_url(o->account_url, params->account_url) != ACME_OK) ||
        (params->order_url != NULL && copy_url(o->order_url, params->order_url) != ACME_OK)) {
        return ACME_ERR_INVALID_ARG;
    }
    o->phase = ACME_PHASE_DIRECTORY;
    o->status = ACME_WOULD_BLOCK;
    o->started_ms = now_ms;
    o->deadline = ACME_ISSUE_TIMEOUT_MS;
    if (params->directory != NULL) {
        o->directory = *params->directory;
        (void)directory_known(o);
    }
    return ACME_OK;
}

acme_action_t acme_order_next(acme_order_t *o, uint64_t now_ms)
{
    acme_action_t act = {ACME_ACTION_SEND, 0};
    set_now(o, now_ms);
    if (!is_terminal(o) && o->now >= o->deadline) {
        fail_detail(o, ACME_ERR_TIMEOUT, ACME_TEXT("issuance did not complete in time"));
    }
    /* Every request but the directory's is a POST; its payload is one JSON
     * object ("{}" for a challenge) unless it is a POST-as-GET (RFC 8555
     * §6.3), whose payload is empty. */
    acme_request_t *req = &o->request;
    /* Stores, not a memset call and two more. */
    *req = (acme_request_t){ACME_REQ_POST, false, false, NULL, o->payload, 0};
    bool as_get = false;
    acme_status_t st = ACME_OK;
    acme_json_writer_t w;
    acme_jw_init(&w, o->payload, sizeof(o->payload));
    acme_jw_put_text(&w, "{");
    /* Actions other than SEND return from the switch: their request is
     * never read (order.h), and a shared exit costs more code. A POST-as-GET
     * leaves its payload unfinished: it sends none. */
    switch (o->phase) {
    case ACME_PHASE_DIRECTORY:
        req->method = ACME_REQ_GET;
        req->url = o->params.directory_url;
        as_get = true;
        break;
    case ACME_PHASE_ACCOUNT:
        st = new_account_members(o, &w);
        req->url = o->directory.new_account;
        req->sign_with_jwk = true;
        break;
    case ACME_PHASE_SAVE_ACCOUNT:
        act.kind = ACME_ACTION_SAVE_ACCOUNT;
        return act;
    case ACME_PHASE_NEW_ORDER:
        new_order_members(o, &w);
        req->url = o->directory.new_order;
        break;
    case ACME_PHASE_AUTHZ:
    case ACME_PHASE_AUTHZ_ERROR:
        req->url = o->authz[o->authz_index].url;
        as_get = true;
        break;
    case ACME_PHASE_CHALLENGE:
        req->url = o->challenge_url;
        break;
    case ACME_PHASE_RESUME:
        req->url = o->order_url;
        as_get = true;
        break;
#if ACME_ENABLE_ACCOUNT_ADMIN
    case ACME_PHASE_REVOKE:
        /* RFC 8555 §7.6; reason 0 (unspecified) is left out, as the RFC
         * asks of clients. */
        acme_jw_put_text(&w, "\"certificate\":");
        acme_jw_put_base64url(&w, o->params.cert_der, o->params.cert_der_len);
        if (o->params.revoke_reason != 0) {
            /* 1..10 (checked at start): one digit, or "10" as written. */
            char reason[] = ",\"reason\":10";
            if (o->params.revoke_reason < 10) {
                reason[10] = (char)('0' + o->params.revoke_reason);
                reason[11] = '\0';
            }
            acme_jw_put_text(&w, reason);
        }
        req->url = o->directory.revoke_cert;
        break;
    case ACME_PHASE_DEACTIVATE:
        acme_jw_put_text(&w, "\"status\":\"deactivated\"");
        req->url = o->account_url;
        break;
    case ACME_PHASE_ROLLOVER_PROBE:
        /* RFC 8555 §7.3.1: never creates an account. */
        acme_jw_put_text(&w, "\"onlyReturnExisting\":true");
        req->url = o->directory.new_account;
        req->sign_with_jwk = true;
        req->new_key = true;
        break;
    case ACME_PHASE_KEY_CHANGE:
        /* The inner payload (§7.3.5); the driver signs it with the new key. */
        acme_jw_put_text(&w, "\"account\":");
        acme_jw_put_string(&w, o->account_url, strlen(o->account_url));
        acme_jw_put_text(&w, ",\"oldKey\":");
        acme_jw_put_text(&w, o->params.account_jwk != NULL ? o->params.account_jwk : "null");
        req->url = o->directory.key_change;
        req->key_change = true;
        break;
#endif
#if ACME_ENABLE_ARI
    case ACME_PHASE_RENEWAL_INFO:
        /* renewalInfo "/" certID (RFC 9773 §4.1), built where the payload
         * would go: an unauthenticated GET sends none. */
        req->method = ACME_REQ_GET;
        acme_jw_init(&w, o->payload, sizeof(o->payload));
        acme_jw_put_text(&w, o->directory.renewal_info);
        acme_jw_put_text(&w, "/");
        acme_jw_put_text(&w, o->params.cert_id);
        if (acme_jw_finish(&w, &req->payload_len) != ACME_OK) {
            fail_detail(o, ACME_ERR_BUFFER_TOO_SMALL, ACME_TEXT("renewalInfo URL too long"));
            act.kind = ACME_ACTION_FAILED;
            return act;
        }
        req->url = o->payload;
        req->payload_len = 0;
        as_get = true;
        break;
#endif
    case ACME_PHASE_POLL_READY:
    case ACME_PHASE_POLL_VALID:
        if (o->now < o->wait_until) {
            act.kind = ACME_ACTION_WAIT;
            act.wait_until_ms = o->started_ms + o->wait_until;
            return act;
        }
        req->url = o->order_url;
        as_get = true;
        break;
    case ACME_PHASE_FINALIZE:
        acme_jw_put_text(&w, "\"csr\":");
        acme_jw_put_base64url(&w, o->params.csr_der, o->params.csr_len);
        req->url = o->finalize_url;
        break;
    case ACME_PHASE_CERTIFICATE:
        req->url = o->certificate_url;
        req->expect_chain = true;
        as_get = true;
        break;
    case ACME_PHASE_DONE:
        act.kind = ACME_ACTION_DONE;
        return act;
    default:
        act.kind = ACME_ACTION_FAILED;
        return act;
    }
    if (!as_get) {
        acme_jw_put_text(&w, "}");
        size_t len = 0;
        if (acme_jw_finish(&w, &len) != ACME_OK || st != ACME_OK) {
            /* A payload that does not fit is a configuration limit. */
            fail_detail(o, ACME_ERR_BUFFER_TOO_SMALL,
                        ACME_TEXT("request payload exceeds ACME_PAYLOAD_MAX"));
            act.kind = ACME_ACTION_FAILED;
            return act;
        }
        req->payload_len = len;
    }
    o->request_sent = o->now;
    return act;
}

acme_status_t acme_order_on_response(acme_order_t *o, const acme_http_response_t *resp,
                                     uint64_t now_ms, int64_t wall_s)
{
    if (is_terminal(o) || o->phase == ACME_PHASE_IDLE || o->phase == ACME_PHASE_SAVE_ACCOUNT) {
        return ACME_ERR_BAD_STATE;
    }
    set_now(o, now_ms);
    o->retry_after_ms = acme_retry_after_ms(resp, wall_s);
    if (resp->status >= 400) {
        return on_error_response(o, resp);
    }
    bool created_ok =
        resp->status == 201 && (o->phase == ACME_PHASE_ACCOUNT || o->phase == ACME_PHASE_NEW_ORDER);
    if (resp->status != 200 && !created_ok) {
        o->problem.http_status = resp->status;
        return fail_detail(o, ACME_ERR_HTTP_STATUS, ACME_TEXT("unexpected HTTP status"));
    }
    /* The phases left are the ones that send a request (the others were
     * refused above); an if chain is smaller here than a jump table. */
    uint8_t phase = o->phase;
    if (phase == ACME_PHASE_DIRECTORY) {
        return on_directory(o, resp);
    }
    if (phase == ACME_PHASE_ACCOUNT) {
        return on_account(o, resp);
    }
    if (phase == ACME_PHASE_AUTHZ || phase == ACME_PHASE_AUTHZ_ERROR) {
        return on_authz(o, resp);
    }
    if (phase == ACME_PHASE_CHALLENGE) {
        return on_challenge(o, resp);
    }
#if ACME_ENABLE_ARI || ACME_ENABLE_ACCOUNT_ADMIN
    /* The ARI check's answer is read by the driver; revocation answers
     * with an empty body. */
    if (phase == ACME_PHASE_RENEWAL_INFO || phase == ACME_PHASE_REVOKE) {
        o->phase = ACME_PHASE_DONE;
        o->status = ACME_OK;
        return ACME_OK;
    }
#endif
#if ACME_ENABLE_ACCOUNT_ADMIN
    if (phase == ACME_PHASE_DEACTIVATE) {
        acme_object_status_t status = ACME_OBJ_UNKNOWN;
        acme_status_t st = acme_account_read(resp->body, resp->body_len, &status);
        if (st != ACME_OK || status != ACME_OBJ_DEACTIVATED) {
            return fail_detail(o, st != ACME_OK ? st : ACME_ERR_SERVER_PROBLEM,
                               ACME_TEXT("the account is not deactivated"));
        }
        o->phase = ACME_PHASE_DONE;
        o->status = ACME_OK;
        return ACME_OK;
    }
    if (phase == ACME_PHASE_ROLLOVER_PROBE) {
        /* The new key already holds an account: ours (the change reached
         * the CA before the answer was lost), or another one. */
        if (strcmp(resp->location, o->account_url) != 0) {
            o->key_change_refused = true;
            return fail_detail(o, ACME_ERR_SERVER_PROBLEM,
                               ACME_TEXT("the new key already belongs to another account"));
        }
        o->key_already_changed = true;
        phase = ACME_PHASE_KEY_CHANGE;
    }
    if (phase == ACME_PHASE_KEY_CHANGE) {
        o->phase = ACME_PHASE_DONE;
        o->status = ACME_OK;
        return ACME_OK;
    }
#endif
    if (phase == ACME_PHASE_CERTIFICATE) {
        if (resp->body_len == 0) {
            return fail_detail(o, ACME_ERR_MALFORMED, ACME_TEXT("empty certificate download"));
        }
        o->phase = ACME_PHASE_DONE;
        o->status = ACME_OK;
        return ACME_OK;
    }
    return on_order(o, resp); /* newOrder, finalize, the polls */
}

void acme_order_on_error(acme_order_t *o, acme_status_t status)
{
    if (!is_terminal(o)) {
        fail(o, status);
    }
}

void acme_order_account_saved(acme_order_t *o)
{
    if (o->phase == ACME_PHASE_SAVE_ACCOUNT) {
        o->phase = ACME_PHASE_NEW_ORDER;
    }
}

const char *acme_order_on_served(acme_order_t *o, const char *token, size_t token_len,
                                 uint64_t now_ms)
{
    for (size_t i = 0; i < o->authz_count; i++) {
        acme_order_authz_t *a = &o->authz[i];
        if (a->token[0] != '\0' && strlen(a->token) == token_len &&
            memcmp(a->token, token, token_len) == 0) {
            a->served = true;
            set_now(o, now_ms);
            o->last_served = o->now;
            if (o->phase == ACME_PHASE_POLL_READY && all_tokens_served(o)) {
                uint32_t settle = o->now + ACME_POLL_AFTER_SERVE_MS;
                if (settle < o->retry_not_before) {
                    settle = o->retry_not_before;
                }
                if (settle < o->wait_until) {
                    o->wait_until = settle;
                }
            }
            return a->token;
        }
    }
    return NULL;
}

const char *acme_order_token(const acme_order_t *o, size_t index)
{
    if (o == NULL || index >= o->authz_count) {
        return NULL;
    }
    return o->authz[index].token;
}
