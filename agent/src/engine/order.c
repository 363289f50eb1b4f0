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
#include "codec/ascii.h"

/* ---- small helpers -------------------------------------------------------- */

static bool is_terminal(const acme_order_t *o)
{
    return o->phase == ACME_PHASE_DONE || o->phase == ACME_PHASE_FAILED;
}

static acme_status_t fail(acme_order_t *o, acme_status_t status)
{
    o->phase = ACME_PHASE_FAILED;
    o->status = status;
    return status;
}

/* Fail with a problem the agent itself describes (no server document). */
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

static acme_status_t copy_url(char *dst, const char *src)
{
    size_t n = strlen(src);
    if (n > ACME_URL_MAX) {
        return ACME_ERR_OVERSIZE;
    }
    memcpy(dst, src, n + 1);
    return ACME_OK;
}

static bool token_is_valid(const char *token)
{
    size_t n = 0;
    for (; token[n] != '\0'; n++) {
        if (!acme_ascii_is_b64u((uint8_t)token[n])) {
            return false;
        }
    }
    return n > 0;
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

static void set_request(acme_order_t *o, uint8_t method, const char *url, size_t payload_len)
{
    memset(&o->request, 0, sizeof(o->request));
    o->request.method = method;
    o->request.url = url;
    o->request.payload = o->payload;
    o->request.payload_len = payload_len;
}

/* POST-as-GET: signed, empty payload (RFC 8555 §6.3). */
static void post_as_get(acme_order_t *o, const char *url)
{
    o->payload[0] = '\0';
    set_request(o, ACME_REQ_POST, url, 0);
}

/* ---- payloads --------------------------------------------------------------- */

static acme_status_t write_new_account(acme_order_t *o, size_t *len)
{
    char eab[ACME_EAB_JWS_MAX];
    size_t eab_len = 0;
#if ACME_ENABLE_EAB
    if (o->params.eab_kid != NULL) {
        const char *jwk = o->params.account_jwk != NULL ? o->params.account_jwk : "";
        acme_status_t st =
            acme_eab_write(o->params.eab_kid, o->params.eab_key, o->params.eab_key_len,
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
    acme_json_writer_t w;
    acme_jw_init(&w, o->payload, sizeof(o->payload));
    acme_jw_object_begin(&w);
    acme_jw_key(&w, "termsOfServiceAgreed");
    acme_jw_bool(&w, o->params.terms_agreed);
    if (o->params.contact != NULL && o->params.contact[0] != '\0') {
        acme_jw_key(&w, "contact");
        acme_jw_array_begin(&w);
        acme_jw_string(&w, o->params.contact);
        acme_jw_array_end(&w);
    }
    if (eab_len > 0) {
        acme_jw_key(&w, "externalAccountBinding");
        acme_jw_raw(&w, eab, eab_len);
    }
    acme_jw_object_end(&w);
    return acme_jw_finish(&w, len);
}

static acme_status_t write_new_order(acme_order_t *o, size_t *len)
{
    acme_json_writer_t w;
    acme_jw_init(&w, o->payload, sizeof(o->payload));
    acme_jw_object_begin(&w);
    acme_jw_key(&w, "identifiers");
    acme_jw_array_begin(&w);
    for (size_t i = 0; i < o->params.name_count; i++) {
        acme_jw_object_begin(&w);
        acme_jw_key(&w, "type");
        acme_jw_string(&w, "dns");
        acme_jw_key(&w, "value");
        acme_jw_string(&w, o->params.names[i]);
        acme_jw_object_end(&w);
    }
    acme_jw_array_end(&w);
    acme_jw_object_end(&w);
    return acme_jw_finish(&w, len);
}

static acme_status_t write_finalize(acme_order_t *o, size_t *len)
{
    acme_json_writer_t w;
    acme_jw_init(&w, o->payload, sizeof(o->payload));
    acme_jw_object_begin(&w);
    acme_jw_key(&w, "csr");
    acme_jw_base64url(&w, o->params.csr_der, o->params.csr_len);
    acme_jw_object_end(&w);
    return acme_jw_finish(&w, len);
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
static void schedule_poll(acme_order_t *o, const acme_http_response_t *resp, uint64_t now_ms,
                          int64_t wall_s)
{
    uint64_t delay = acme_backoff_step(&o->poll_delay_ms);
    uint32_t retry_after = acme_retry_after_ms(resp, wall_s);
    if (retry_after > 0) {
        delay = retry_after;
        o->retry_not_before_ms = now_ms + retry_after;
    }
    o->wait_until_ms = now_ms + delay;
    bool served_in_flight = o->last_served_ms >= o->request_sent_ms;
    if (o->phase == ACME_PHASE_POLL_READY && served_in_flight && all_tokens_served(o)) {
        uint64_t settle = o->last_served_ms + ACME_POLL_AFTER_SERVE_MS;
        if (settle < now_ms) {
            settle = now_ms;
        }
        if (settle < o->wait_until_ms) {
            o->wait_until_ms = settle;
        }
    }
    if (o->wait_until_ms < o->retry_not_before_ms) {
        o->wait_until_ms = o->retry_not_before_ms;
    }
    if (o->wait_until_ms > o->deadline_ms) {
        o->wait_until_ms = o->deadline_ms; /* wake up to fail on time */
    }
}

static void start_polling(acme_order_t *o, uint8_t phase, const acme_http_response_t *resp,
                          uint64_t now_ms, int64_t wall_s)
{
    o->phase = phase;
    o->poll_delay_ms = 0;
    o->retry_not_before_ms = 0;
    schedule_poll(o, resp, now_ms, wall_s);
}

/* ---- response handlers per phase -------------------------------------------- */

/* Move on according to an order's status (after newOrder, a poll, or
 * finalize). */
static acme_status_t follow_order(acme_order_t *o, const acme_order_object_t *order,
                                  const acme_http_response_t *resp, uint64_t now_ms, int64_t wall_s)
{
    switch (order->status) {
    case ACME_OBJ_PENDING:
        if (o->phase == ACME_PHASE_NEW_ORDER) {
            o->phase = ACME_PHASE_AUTHZ;
            o->authz_index = 0;
            return ACME_WOULD_BLOCK;
        }
        if (o->phase == ACME_PHASE_POLL_READY) {
            if (++o->polls > ACME_POLL_MAX_COUNT) {
                return fail_detail(o, ACME_ERR_TIMEOUT,
                                   ACME_TEXT("order still pending after max polls"));
            }
            schedule_poll(o, resp, now_ms, wall_s);
            return ACME_WOULD_BLOCK;
        }
        return fail_detail(o, ACME_ERR_MALFORMED, ACME_TEXT("order went back to pending"));
    case ACME_OBJ_READY:
        if (o->phase == ACME_PHASE_FINALIZE || o->phase == ACME_PHASE_POLL_VALID) {
            /* Finalize accepted but not started yet: wait for processing. */
            if (o->phase == ACME_PHASE_FINALIZE) {
                start_polling(o, ACME_PHASE_POLL_VALID, resp, now_ms, wall_s);
            } else if (++o->polls > ACME_POLL_MAX_COUNT) {
                return fail_detail(o, ACME_ERR_TIMEOUT,
                                   ACME_TEXT("order not issued after max polls"));
            } else {
                schedule_poll(o, resp, now_ms, wall_s);
            }
            return ACME_WOULD_BLOCK;
        }
        o->phase = ACME_PHASE_FINALIZE;
        return ACME_WOULD_BLOCK;
    case ACME_OBJ_PROCESSING:
        if (o->phase == ACME_PHASE_POLL_VALID) {
            if (++o->polls > ACME_POLL_MAX_COUNT) {
                return fail_detail(o, ACME_ERR_TIMEOUT,
                                   ACME_TEXT("order not issued after max polls"));
            }
            schedule_poll(o, resp, now_ms, wall_s);
        } else {
            start_polling(o, ACME_PHASE_POLL_VALID, resp, now_ms, wall_s);
        }
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

/* The directory is in o->directory: check EAB, then account or order. */
static acme_status_t directory_known(acme_order_t *o)
{
    if (o->directory.external_account_required && o->params.eab_kid == NULL &&
        o->account_url[0] == '\0') {
        return fail_detail(o, ACME_ERR_UNSUPPORTED,
                           ACME_TEXT("the CA requires external account binding (EAB) and none is "
                                     "configured for it"));
    }
    o->phase = o->account_url[0] != '\0' ? ACME_PHASE_NEW_ORDER : ACME_PHASE_ACCOUNT;
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

static acme_status_t on_order(acme_order_t *o, const acme_http_response_t *resp, uint64_t now_ms,
                              int64_t wall_s)
{
    acme_order_object_t order;
    acme_status_t st = acme_order_object_read(resp->body, resp->body_len, &order, &o->problem);
    if (st != ACME_OK) {
        return fail_detail(o, st, ACME_TEXT("unusable order object"));
    }
    if (o->phase == ACME_PHASE_NEW_ORDER) {
        if (resp->location[0] == '\0') {
            return fail_detail(o, ACME_ERR_MALFORMED,
                               ACME_TEXT("newOrder response without Location"));
        }
        if (order.authz_count == 0 || order.authz_count > o->params.name_count) {
            return fail_detail(o, ACME_ERR_MALFORMED,
                               ACME_TEXT("order has a wrong authorization count"));
        }
        memcpy(o->order_url, resp->location, sizeof(o->order_url));
        memcpy(o->finalize_url, order.finalize, sizeof(o->finalize_url));
        o->authz_count = order.authz_count;
        for (size_t i = 0; i < order.authz_count; i++) {
            memcpy(o->authz[i].url, order.authorizations[i], sizeof(o->authz[i].url));
            o->authz[i].token[0] = '\0';
            o->authz[i].served = false;
        }
    }
    return follow_order(o, &order, resp, now_ms, wall_s);
}

/* After authz i is handled (challenge posted or nothing needed). */
static void next_authz(acme_order_t *o, const acme_http_response_t *resp, uint64_t now_ms,
                       int64_t wall_s)
{
    o->authz_index++;
    if (o->authz_index < o->authz_count) {
        o->phase = ACME_PHASE_AUTHZ;
        return;
    }
    o->polls = 0;
    start_polling(o, ACME_PHASE_POLL_READY, resp, now_ms, wall_s);
    bool challenged = false;
    for (size_t i = 0; i < o->authz_count; i++) {
        challenged |= o->authz[i].token[0] != '\0';
    }
    if (!challenged) {
        o->wait_until_ms = now_ms > o->retry_not_before_ms ? now_ms : o->retry_not_before_ms;
    }
}

static acme_status_t on_authz(acme_order_t *o, const acme_http_response_t *resp, uint64_t now_ms,
                              int64_t wall_s)
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
        memset(&o->problem, 0, sizeof(o->problem));
        if (++o->authz_index >= o->authz_count) {
            return fail_detail(o, ACME_ERR_ORDER_INVALID,
                               ACME_TEXT("order invalid, no reason given"));
        }
        return ACME_WOULD_BLOCK;
    }
    switch (authz.status) {
    case ACME_OBJ_VALID:
        next_authz(o, resp, now_ms, wall_s);
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
    if (!token_is_valid(authz.http01_token)) {
        return fail_detail(o, ACME_ERR_MALFORMED, ACME_TEXT("challenge token is not base64url"));
    }
    memcpy(slot->token, authz.http01_token, sizeof(slot->token));
    slot->served = false;
    if (authz.http01_status == ACME_OBJ_INVALID) {
        return fail(o, ACME_ERR_ORDER_INVALID);
    }
    if (authz.http01_status != ACME_OBJ_PENDING) {
        /* Already answered (processing/valid): just poll. */
        next_authz(o, resp, now_ms, wall_s);
        return ACME_WOULD_BLOCK;
    }
    memcpy(o->challenge_url, authz.http01_url, sizeof(o->challenge_url));
    o->phase = ACME_PHASE_CHALLENGE;
    return ACME_WOULD_BLOCK;
}

static acme_status_t on_challenge(acme_order_t *o, const acme_http_response_t *resp,
                                  uint64_t now_ms, int64_t wall_s)
{
    acme_object_status_t status = ACME_OBJ_UNKNOWN;
    acme_status_t st = acme_challenge_object_read(resp->body, resp->body_len, &status, &o->problem);
    if (st != ACME_OK) {
        return fail_detail(o, st, ACME_TEXT("unusable challenge object"));
    }
    if (status == ACME_OBJ_INVALID) {
        return fail(o, ACME_ERR_ORDER_INVALID);
    }
    next_authz(o, resp, now_ms, wall_s);
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
    if (o->phase == ACME_PHASE_NEW_ORDER && !o->account_recreated &&
        acme_problem_is(&o->problem, "accountDoesNotExist")) {
        /* The CA forgot the stored account (or it belongs to another CA):
         * register the same key again, once. */
        o->account_recreated = true;
        o->account_url[0] = '\0';
        memset(&o->problem, 0, sizeof(o->problem));
        o->phase = ACME_PHASE_ACCOUNT;
        return ACME_WOULD_BLOCK;
    }
    return fail(o, ACME_ERR_SERVER_PROBLEM);
}

/* ---- public ---------------------------------------------------------------------- */

acme_status_t acme_order_start(acme_order_t *o, const acme_order_params_t *params, uint64_t now_ms)
{
    if (o == NULL || params == NULL || params->directory_url == NULL || params->names == NULL ||
        params->name_count == 0 || params->name_count > ACME_MAX_IDENTIFIERS ||
        params->csr_der == NULL || params->csr_len == 0 ||
        strlen(params->directory_url) > ACME_URL_MAX) {
        return ACME_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < params->name_count; i++) {
        const char *name = params->names[i];
        size_t n = name != NULL ? strlen(name) : 0;
        if (n == 0 || n > ACME_DNS_NAME_MAX || strchr(name, '*') != NULL) {
            return ACME_ERR_INVALID_ARG;
        }
    }
    memset(o, 0, sizeof(*o));
    o->params = *params;
    if (params->account_url != NULL && copy_url(o->account_url, params->account_url) != ACME_OK) {
        return ACME_ERR_INVALID_ARG;
    }
    o->phase = ACME_PHASE_DIRECTORY;
    o->status = ACME_WOULD_BLOCK;
    o->deadline_ms = now_ms + ACME_ISSUE_TIMEOUT_MS;
    if (params->directory != NULL) {
        o->directory = *params->directory;
        (void)directory_known(o);
    }
    return ACME_OK;
}

acme_action_t acme_order_next(acme_order_t *o, uint64_t now_ms)
{
    acme_action_t act = {ACME_ACTION_SEND, 0};
    if (!is_terminal(o) && now_ms >= o->deadline_ms) {
        fail_detail(o, ACME_ERR_TIMEOUT, ACME_TEXT("issuance did not complete in time"));
    }
    size_t len = 0;
    acme_status_t st = ACME_OK;
    switch (o->phase) {
    case ACME_PHASE_DIRECTORY:
        set_request(o, ACME_REQ_GET, o->params.directory_url, 0);
        break;
    case ACME_PHASE_ACCOUNT:
        st = write_new_account(o, &len);
        set_request(o, ACME_REQ_POST, o->directory.new_account, len);
        o->request.sign_with_jwk = true;
        break;
    case ACME_PHASE_SAVE_ACCOUNT:
        act.kind = ACME_ACTION_SAVE_ACCOUNT;
        break;
    case ACME_PHASE_NEW_ORDER:
        st = write_new_order(o, &len);
        set_request(o, ACME_REQ_POST, o->directory.new_order, len);
        break;
    case ACME_PHASE_AUTHZ:
    case ACME_PHASE_AUTHZ_ERROR:
        post_as_get(o, o->authz[o->authz_index].url);
        break;
    case ACME_PHASE_CHALLENGE:
        memcpy(o->payload, "{}", 3);
        set_request(o, ACME_REQ_POST, o->challenge_url, 2);
        break;
    case ACME_PHASE_POLL_READY:
    case ACME_PHASE_POLL_VALID:
        if (now_ms < o->wait_until_ms) {
            act.kind = ACME_ACTION_WAIT;
            act.wait_until_ms = o->wait_until_ms;
        } else {
            post_as_get(o, o->order_url);
        }
        break;
    case ACME_PHASE_FINALIZE:
        st = write_finalize(o, &len);
        set_request(o, ACME_REQ_POST, o->finalize_url, len);
        break;
    case ACME_PHASE_CERTIFICATE:
        post_as_get(o, o->certificate_url);
        o->request.expect_chain = true;
        break;
    case ACME_PHASE_DONE:
        act.kind = ACME_ACTION_DONE;
        break;
    default:
        act.kind = ACME_ACTION_FAILED;
        break;
    }
    if (act.kind == ACME_ACTION_SEND) {
        o->request_sent_ms = now_ms;
    }
    if (st != ACME_OK) {
        /* A payload that does not fit is a configuration limit. */
        fail_detail(o, ACME_ERR_BUFFER_TOO_SMALL,
                    ACME_TEXT("request payload exceeds ACME_PAYLOAD_MAX"));
        act.kind = ACME_ACTION_FAILED;
    }
    return act;
}

acme_status_t acme_order_on_response(acme_order_t *o, const acme_http_response_t *resp,
                                     uint64_t now_ms, int64_t wall_s)
{
    if (is_terminal(o) || o->phase == ACME_PHASE_IDLE || o->phase == ACME_PHASE_SAVE_ACCOUNT) {
        return ACME_ERR_BAD_STATE;
    }
    if (resp->status >= 400) {
        return on_error_response(o, resp);
    }
    bool created_ok =
        resp->status == 201 && (o->phase == ACME_PHASE_ACCOUNT || o->phase == ACME_PHASE_NEW_ORDER);
    if (resp->status != 200 && !created_ok) {
        o->problem.http_status = resp->status;
        return fail_detail(o, ACME_ERR_HTTP_STATUS, ACME_TEXT("unexpected HTTP status"));
    }
    switch (o->phase) {
    case ACME_PHASE_DIRECTORY:
        return on_directory(o, resp);
    case ACME_PHASE_ACCOUNT:
        return on_account(o, resp);
    case ACME_PHASE_NEW_ORDER:
    case ACME_PHASE_POLL_READY:
    case ACME_PHASE_FINALIZE:
    case ACME_PHASE_POLL_VALID:
        return on_order(o, resp, now_ms, wall_s);
    case ACME_PHASE_AUTHZ:
    case ACME_PHASE_AUTHZ_ERROR:
        return on_authz(o, resp, now_ms, wall_s);
    case ACME_PHASE_CHALLENGE:
        return on_challenge(o, resp, now_ms, wall_s);
    case ACME_PHASE_CERTIFICATE:
        if (resp->body_len == 0) {
            return fail_detail(o, ACME_ERR_MALFORMED, ACME_TEXT("empty certificate download"));
        }
        o->phase = ACME_PHASE_DONE;
        o->status = ACME_OK;
        return ACME_OK;
    default:
        return ACME_ERR_BAD_STATE;
    }
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

bool acme_order_on_served(acme_order_t *o, const char *token, size_t token_len, uint64_t now_ms)
{
    for (size_t i = 0; i < o->authz_count; i++) {
        acme_order_authz_t *a = &o->authz[i];
        if (a->token[0] != '\0' && strlen(a->token) == token_len &&
            memcmp(a->token, token, token_len) == 0) {
            a->served = true;
            o->last_served_ms = now_ms;
            if (o->phase == ACME_PHASE_POLL_READY && all_tokens_served(o)) {
                uint64_t settle = now_ms + ACME_POLL_AFTER_SERVE_MS;
                if (settle < o->retry_not_before_ms) {
                    settle = o->retry_not_before_ms;
                }
                if (settle < o->wait_until_ms) {
                    o->wait_until_ms = settle;
                }
            }
            return true;
        }
    }
    return false;
}

const char *acme_order_token(const acme_order_t *o, size_t index)
{
    if (o == NULL || index >= o->authz_count) {
        return NULL;
    }
    return o->authz[index].token;
}
