/*
 * Driving the order engine: its requests become signed HTTPS exchanges
 * (with the one nonce held, newNonce only when none is, and badNonce
 * retries), its results become stored state, and the downloaded chain is
 * checked before it replaces anything.
 */
#include <string.h>

#include "acme/codec/acme_request.h"
#include "acme/codec/cert_chain.h"
#include "acme/codec/crc32.h"
#include "acme/codec/eab_text.h"
#include "acme/codec/jwk.h"
#include "acme/codec/jws.h"
#include "acme/codec/pem.h"
#include "acme/engine/poll_delay.h"
#include "compiler.h"
#include "io/agent_internal.h"

/* The account key at this CA (stored, or new), its JWK, and the
 * thumbprint for key authorizations. Not inlined: its frame is gone before
 * the order starts. */
ACME_NOINLINE static acme_status_t prepare_account(acme_agent_t *a, char *url, size_t cap)
{
    struct acme_agent_crypto *c = a->crypto;
    acme_public_key_t pub;
    size_t jwk_len = 0;
    acme_status_t st = acme_ag_state_load_account(a, a->ca_directory, url, cap);
    if (st == ACME_OK) {
        acme_soft_signer_init(&c->account_signer, &c->account_state, c->account_key, c->drbg);
        st = acme_key_public(c->account_key, &pub);
    }
    if (st == ACME_OK) {
        st = acme_jwk_write_key(&pub, a->jwk, sizeof(a->jwk), &jwk_len);
    }
    if (st == ACME_OK) {
        st = acme_jwk_thumbprint(a->jwk, jwk_len, a->thumbprint, sizeof(a->thumbprint));
    }
    return st;
}

acme_status_t acme_ag_order_begin(acme_agent_t *a, const char *directory_url,
                                  const acme_directory_t *prefetched)
{
    size_t n = strlen(directory_url);
    if (n > ACME_URL_MAX) {
        return ACME_ERR_CONFIG;
    }
    memmove(a->ca_directory, directory_url, n + 1);
    char account_url[ACME_URL_MAX + 1];
    char order_url[ACME_URL_MAX + 1];
    acme_status_t st = prepare_account(a, account_url, sizeof(account_url));
    if (st != ACME_OK) {
        return st;
    }
    acme_ag_state_pending_order(a, a->ca_directory, order_url, sizeof(order_url));
#if ACME_ENABLE_EAB
    const acme_ca_entry_t *ca = acme_ag_ca_entry(a, a->ca_issuer, a->ca_directory);
#endif
    acme_order_params_t params = {
        .directory_url = a->ca_directory,
        .names = a->cfg->names,
        .name_count = a->cfg->name_count,
        .contact = a->cfg->contact,
        .account_url = account_url[0] != '\0' ? account_url : NULL,
        .order_url = order_url[0] != '\0' ? order_url : NULL,
        .csr_der = a->csr,
        .csr_len = a->csr_len,
        .terms_agreed = a->cfg->terms_of_service_agreed,
        .directory = prefetched,
#if ACME_ENABLE_EAB
        .eab_kid = ca != NULL ? ca->eab_kid : NULL,
        .eab_key = ca != NULL ? ca->eab_key : NULL,
        .eab_key_len = ca != NULL ? ca->eab_key_len : 0,
        .eab_alg = ca != NULL ? ca->eab_alg : 0,
#else
        /* Named although zero: stores, not a memset call. */
        .eab_kid = NULL,
        .eab_key = NULL,
        .eab_key_len = 0,
#endif
        .account_jwk = a->jwk,
#if ACME_ENABLE_ARI
        /* A renewal at the CA that issued the certificate replaces it. */
        .cert_id = a->cert_id[0] != '\0' &&
                           acme_crc32(0, a->ca_directory, strlen(a->ca_directory)) ==
                               a->cert_ca_crc
                       ? a->cert_id
                       : NULL,
#endif
#if ACME_ENABLE_PROFILES
        .profile = a->cfg->profile,
#endif
    };
    st = acme_order_start(&a->order, &params, a->now_ms);
    /* The engine copied the account URL and the directory; nothing points
     * at the locals any more. */
    a->order.params.account_url = NULL;
    a->order.params.directory = NULL;
    a->nonce[0] = '\0'; /* nonces belong to one server */
    acme_ag_clear_problem(a);
    if (st == ACME_OK) {
        a->state = AGENT_ISSUING;
        ACME_LOGI(a->port, "ordering from %s%s%s", a->ca_directory,
                  order_url[0] != '\0' ? ", resuming " : "", order_url);
    }
    return st;
}

#if ACME_ENABLE_ACCOUNT_ADMIN
acme_status_t acme_ag_order_begin_admin(acme_agent_t *a, const char *directory_url, uint8_t op,
                                        const uint8_t *cert_der, size_t cert_der_len,
                                        uint8_t reason, bool probe)
{
    size_t n = strlen(directory_url);
    if (n > ACME_URL_MAX) {
        return ACME_ERR_CONFIG;
    }
    memmove(a->ca_directory, directory_url, n + 1);
    char account_url[ACME_URL_MAX + 1];
    acme_status_t st = prepare_account(a, account_url, sizeof(account_url));
    if (st == ACME_OK && account_url[0] == '\0') {
        /* Nothing to manage, and no account is made for it. */
        acme_ag_set_problem_detail(a, ACME_TEXT("no account is stored for this CA"));
        st = ACME_ERR_NOT_FOUND;
    }
    if (st != ACME_OK) {
        return st;
    }
    acme_order_params_t params;
    memset(&params, 0, sizeof(params));
    params.directory_url = a->ca_directory;
    params.names = a->cfg->names;
    params.name_count = a->cfg->name_count;
    params.account_url = account_url;
    params.account_jwk = a->jwk;
    params.op = op;
    params.cert_der = cert_der;
    params.cert_der_len = cert_der_len;
    params.revoke_reason = reason;
    params.rollover_probe = probe;
    st = acme_order_start(&a->order, &params, a->now_ms);
    a->order.params.account_url = NULL; /* copied; the local goes now */
    a->nonce[0] = '\0';
    if (st == ACME_OK) {
        a->state = AGENT_ISSUING;
    }
    return st;
}
#endif

/* Send the engine's current request (or, for a POST without a nonce in hand,
 * HEAD newNonce first). */
static acme_status_t send_request(acme_agent_t *a)
{
    const acme_request_t *req = &a->order.request;
    struct acme_agent_crypto *c = a->crypto;
    acme_wire_request_t wire;
    memset(&wire, 0, sizeof(wire));
    uint8_t which = XCHG_ORDER;

    if (req->method == ACME_REQ_POST && a->nonce[0] == '\0') {
        /* RFC 8555 §7.2: a nonce only when none is held. */
        wire.method = ACME_WIRE_HEAD;
        wire.url = a->order.directory.new_nonce;
        which = XCHG_NONCE;
    } else if (req->method == ACME_REQ_POST) {
        if (req->sign_with_jwk && c->account_key_unsaved) {
            acme_status_t st = acme_ag_state_save_account(a, a->ca_issuer, a->ca_directory, "");
            if (st != ACME_OK) {
                acme_ag_set_problem_detail(a, ACME_TEXT("cannot store the account key"));
                return st;
            }
        }
        wire.method = ACME_WIRE_POST;
        wire.url = req->url;
        wire.payload = req->payload;
        wire.payload_len = req->payload_len;
        wire.nonce = a->nonce;
        wire.kid = req->sign_with_jwk ? NULL : a->order.account_url;
        wire.jwk = a->jwk;
        wire.signer = &c->account_signer;
#if ACME_ENABLE_ACCOUNT_ADMIN
        if (req->new_key) {
            wire.jwk = a->rollover_jwk;
            wire.signer = &c->rollover_signer;
        }
        if (req->key_change) {
            /* RFC 8555 §7.3.5: the inner JWS, signed by the new key with its
             * JWK and the same url, and no nonce, is the outer payload. The
             * CSR buffer is idle outside an issuance. */
            acme_jws_header_t inner = {NULL, req->url, NULL, a->rollover_jwk};
            acme_status_t st =
                acme_jws_write(&inner, req->payload, req->payload_len, &c->rollover_signer,
                               (char *)a->csr, sizeof(a->csr), &wire.payload_len);
            if (st != ACME_OK) {
                acme_ag_set_problem_detail(a, ACME_TEXT("cannot sign the inner keyChange JWS"));
                return st;
            }
            wire.payload = (const char *)a->csr;
        }
#endif
    } else {
        wire.method = ACME_WIRE_GET;
        wire.url = req->url;
    }
    ACME_LOGD(a->port, "%s %s",
              wire.method == ACME_WIRE_POST   ? "POST"
              : wire.method == ACME_WIRE_HEAD ? "HEAD"
                                              : "GET",
              wire.url);
    acme_url_t url;
    size_t len = 0;
    acme_status_t st = acme_wire_request_write(&wire, a->tx, sizeof(a->tx), &len, &url);
    if (wire.method == ACME_WIRE_POST) {
        a->nonce[0] = '\0'; /* single use, whatever happens next */
    }
    if (st != ACME_OK) {
        acme_ag_set_problem_detail(a, st == ACME_ERR_MALFORMED
                                          ? ACME_TEXT("the server gave an unusable URL")
                                          : ACME_TEXT("cannot build the request"));
        return st;
    }
    return acme_ag_begin_exchange(a, which, &url, len, wire.method == ACME_WIRE_HEAD);
}

static bool is_bad_nonce(acme_agent_t *a, const acme_http_response_t *resp)
{
    if (resp->status != 400 || resp->body_len == 0) {
        return false;
    }
    acme_problem_t *p = &a->problem; /* scratch: cleared again below */
    bool bad = acme_problem_read(resp->body, resp->body_len, resp->status, p) == ACME_OK &&
               acme_problem_is(p, "badNonce");
    acme_ag_clear_problem(a);
    return bad;
}

#if ACME_ERROR_TEXT
/* What the request in flight was for, to say where a failure happened. */
static const char *request_name(const acme_agent_t *a, uint8_t which)
{
    if (which == XCHG_NONCE) {
        return "newNonce";
    }
    switch (a->order.phase) {
    case ACME_PHASE_DIRECTORY:
        return "directory";
    case ACME_PHASE_ACCOUNT:
        return "newAccount";
    case ACME_PHASE_NEW_ORDER:
        return "newOrder";
    case ACME_PHASE_AUTHZ:
    case ACME_PHASE_AUTHZ_ERROR:
        return "authorization";
    case ACME_PHASE_CHALLENGE:
        return "challenge";
    case ACME_PHASE_POLL_READY:
    case ACME_PHASE_POLL_VALID:
    case ACME_PHASE_RESUME:
        return "order poll";
    case ACME_PHASE_FINALIZE:
        return "finalize";
    case ACME_PHASE_CERTIFICATE:
        return "certificate download";
#if ACME_ENABLE_ARI
    case ACME_PHASE_RENEWAL_INFO:
        return "renewalInfo";
#endif
#if ACME_ENABLE_ACCOUNT_ADMIN
    case ACME_PHASE_REVOKE:
        return "revokeCert";
    case ACME_PHASE_DEACTIVATE:
        return "account deactivation";
    case ACME_PHASE_ROLLOVER_PROBE:
        return "newAccount (onlyReturnExisting)";
    case ACME_PHASE_KEY_CHANGE:
        return "keyChange";
#endif
    default:
        return "ACME";
    }
}

static void set_request_failure(acme_agent_t *a, uint8_t which, uint16_t http_status)
{
    char detail[64];
    size_t n = 0;
    const char *parts[] = {"in the ", request_name(a, which), " request"};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        size_t len = strlen(parts[i]);
        if (n + len >= sizeof(detail)) {
            break;
        }
        memcpy(detail + n, parts[i], len);
        n += len;
    }
    detail[n] = '\0';
    acme_ag_set_problem_detail(a, detail);
    a->problem.http_status = http_status;
}
#else
/* Without sentences the detail stays empty; the HTTP status is still kept. */
static void set_request_failure(acme_agent_t *a, uint8_t which, uint16_t http_status)
{
    (void)which;
    acme_ag_set_problem_detail(a, "");
    a->problem.http_status = http_status;
}
#endif

void acme_ag_order_exchange_done(acme_agent_t *a, uint8_t which, acme_status_t st)
{
    if (st != ACME_OK) {
        set_request_failure(a, which, 0);
        st = acme_ag_exchange_status(a, st);
        acme_order_on_error(&a->order, st);
        return; /* the engine reports FAILED next */
    }
    const acme_http_response_t *resp = &a->http.resp;
    if (resp->nonce[0] != '\0') {
        memcpy(a->nonce, resp->nonce, sizeof(a->nonce));
    }
    if (which == XCHG_NONCE) {
        if (resp->status != 200 && resp->status != 204) {
            set_request_failure(a, which, resp->status);
            if (resp->body_len > 0) {
                (void)acme_problem_read(resp->body, resp->body_len, resp->status, &a->problem);
            }
            acme_order_on_error(&a->order, ACME_ERR_HTTP_STATUS);
            return;
        }
        if (a->nonce[0] == '\0') {
            acme_ag_set_problem_detail(
                a, ACME_TEXT("newNonce answered without a usable Replay-Nonce"));
            acme_order_on_error(&a->order, ACME_ERR_MALFORMED);
            return;
        }
        st = send_request(a); /* the request that needed the nonce */
        if (st != ACME_OK) {
            acme_order_on_error(&a->order, st);
        }
        return;
    }
    if (a->order.request.method == ACME_REQ_POST && is_bad_nonce(a, resp) && a->badnonce_left > 0) {
        /* RFC 8555 §6.5: retry with the fresh nonce from the error. */
        a->badnonce_left--;
        a->stats.badnonce_retries++;
        ACME_LOGD(a->port, "badNonce: retrying with the fresh nonce");
        st = send_request(a);
        if (st != ACME_OK) {
            acme_order_on_error(&a->order, st);
        }
        return;
    }
    uint8_t phase = a->order.phase;
#if ACME_ENABLE_ARI
    bool was_replaced = a->order.already_replaced;
    if (phase == ACME_PHASE_RENEWAL_INFO) {
        /* The engine clamps Retry-After for order polling; ARI paces its
         * checks on its own range (acme_ari_next_poll). */
        a->ari_retry_after_s = acme_retry_after_s(resp, acme_ag_wall_now(a));
    }
#endif
#if ACME_ENABLE_PROFILES
    bool profile_was_refused = a->order.profile_refused;
#endif
    acme_order_on_response(&a->order, resp, a->now_ms, acme_ag_wall_now(a));
#if ACME_ENABLE_ARI
    if (a->order.already_replaced && !was_replaced) {
        /* Kept, so that no later run names it again or checks its ARI. */
        ACME_LOGW(a->port, "the CA says the certificate was already replaced: ordering anew");
        acme_ag_state_note_replaced(a);
    }
#endif
#if ACME_ENABLE_PROFILES
    if (a->order.profile_refused && !profile_was_refused) {
        ACME_LOGW(a->port, "the CA refused profile %s: ordering its default", a->cfg->profile);
    }
#endif
    if (phase == ACME_PHASE_NEW_ORDER && a->order.order_url[0] != '\0' &&
        a->order.phase != ACME_PHASE_FAILED) {
        /* The CA created the order: keep it with its key, so that a
         * restart finishes it instead of creating another. */
        st = acme_ag_state_save_pending(a, a->ca_directory, a->order.order_url);
        if (st != ACME_OK) {
            acme_ag_set_problem_detail(a, ACME_TEXT("cannot store the order in progress"));
            acme_order_on_error(&a->order, st);
            return;
        }
        ACME_LOGI(a->port, "order %s", a->order.order_url);
        acme_ag_emit(a, ACME_EVENT_ORDER_CREATED, ACME_OK, a->order.order_url);
    }
}

/* The chain in the last response: check it, then install it with its key. */
static acme_status_t install_certificate(acme_agent_t *a)
{
    struct acme_agent_crypto *c = a->crypto;
    const acme_http_response_t *resp = &a->http.resp;
    const char *chain = (const char *)resp->body;
    if (resp->body_len > ACME_CHAIN_MAX) {
        acme_ag_set_problem_detail(a, ACME_TEXT("certificate chain larger than ACME_CHAIN_MAX"));
        return ACME_ERR_OVERSIZE;
    }
    /* The request buffer is idle now: scratch for one decoded certificate. */
    acme_status_t st;
#if ACME_ERROR_TEXT
    /* The chain check below refuses a bad PEM chain with the same statuses;
     * this pass only tells that failure apart in the sentence. */
    size_t certs = 0;
    st = acme_pem_chain_check(chain, resp->body_len, a->tx, sizeof(a->tx), &certs);
    if (st != ACME_OK) {
        acme_ag_set_problem_detail(
            a, ACME_TEXT("the certificate download is not a PEM certificate chain"));
        return st == ACME_ERR_BUFFER_TOO_SMALL ? ACME_ERR_OVERSIZE : ACME_ERR_BAD_CERT;
    }
#endif
    st = acme_cert_chain_check_issued(chain, resp->body_len, a->tx, sizeof(a->tx), c->device_key,
                                      a->cfg->names, a->cfg->name_count);
    if (st == ACME_ERR_KEY_MISMATCH) {
        acme_ag_set_problem_detail(a, ACME_TEXT("its public key is not the key of the CSR"));
        return ACME_ERR_BAD_CERT;
    }
    if (st == ACME_ERR_BAD_CERT) {
        acme_ag_set_problem_detail(a,
                                   ACME_TEXT("its DNS names are not exactly the requested names"));
        return st;
    }
    if (st != ACME_OK) {
        return st;
    }
    st = acme_ag_state_install(a, chain, resp->body_len);
    if (st != ACME_OK) {
        acme_ag_set_problem_detail(a, ACME_TEXT("cannot store the new certificate"));
        return st;
    }
    ACME_LOGI(a->port, "certificate installed (%u-byte chain)", (unsigned)resp->body_len);
    acme_ag_emit(a, ACME_EVENT_CERT_INSTALLED, ACME_OK, a->cfg->names[0]);
    return ACME_OK;
}

static acme_status_t save_account_url(acme_agent_t *a)
{
    const char *url = a->order.account_url;
    acme_status_t st = acme_ag_state_save_account(a, a->ca_issuer, a->ca_directory, url);
    if (st == ACME_OK && a->order.account_is_new) {
        ACME_LOGI(a->port, "account %s", url);
#if ACME_ENABLE_EAB
        /* Which EAB credentials it took (a kid may be single-use): the kid
         * and MAC, never the key. */
        if (a->order.params.eab_kid != NULL) {
            ACME_LOGI(a->port, "account bound with EAB kid %s, %s", a->order.params.eab_kid,
                      acme_eab_alg_name(a->order.params.eab_alg));
        }
#endif
        acme_ag_emit(a, ACME_EVENT_ACCOUNT_CREATED, ACME_OK, url);
    }
    return st;
}

acme_status_t acme_ag_order_step(acme_agent_t *a, uint64_t *wait_until, bool *waiting)
{
    acme_action_t act = acme_order_next(&a->order, a->now_ms);
    switch (act.kind) {
    case ACME_ACTION_SEND: {
        a->badnonce_left = ACME_BADNONCE_RETRIES;
        acme_status_t st = send_request(a);
        if (st != ACME_OK) {
            acme_order_on_error(&a->order, st);
        }
        return ACME_WOULD_BLOCK;
    }
    case ACME_ACTION_WAIT:
        *wait_until = act.wait_until_ms;
        *waiting = true;
        return ACME_WOULD_BLOCK;
    case ACME_ACTION_SAVE_ACCOUNT: {
        acme_status_t st = save_account_url(a);
        if (st != ACME_OK) {
            acme_ag_set_problem_detail(a, ACME_TEXT("cannot store the account URL"));
            return st;
        }
        acme_order_account_saved(&a->order);
        return ACME_WOULD_BLOCK;
    }
    case ACME_ACTION_DONE:
        if (a->run_op != ACME_OP_ISSUE) {
            return ACME_OK; /* the run's finish reads what it needs */
        }
        return install_certificate(a);
    default:
        return a->order.status != ACME_OK ? a->order.status : ACME_ERR_BAD_STATE;
    }
}
