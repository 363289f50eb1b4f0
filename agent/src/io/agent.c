/*
 * The agent: owns the arena, keys, store, connections and responder, and
 * drives the order engine — turning its requests into signed HTTP exchanges
 * (nonce handling and badNonce retries live here) and its results into
 * stored state.
 *
 * Writes to flash, in order, and only when something changed:
 *   1. the account key, just before newAccount is sent (an EAB key may be
 *      single-use, so the key must survive whatever happens next);
 *   2. the account URL, once the CA answered;
 *   3. device key + chain together, after the chain passed every check.
 * A failed issuance with a stored account therefore writes nothing.
 */
#include "acme/agent.h"

#include <string.h>

#include "acme/codec/acme_request.h"
#include "acme/codec/cert_chain.h"
#include "acme/codec/csr.h"
#include "acme/codec/ip_addr.h"
#include "acme/codec/jwk.h"
#include "acme/codec/pem.h"
#include "crypto/crypto.h"
#include "io/log.h"
#include "io/tls.h"

enum agent_state {
    AGENT_IDLE = 0,
    AGENT_ISSUING,
    AGENT_FINISHED
};

enum exchange {
    XCHG_NONE = 0,
    XCHG_NONCE, /* HEAD newNonce, then the engine's request */
    XCHG_ORDER  /* the engine's request */
};

/* Steps per poll: each is one engine action or one finished exchange. */
#define AGENT_STEPS_PER_POLL 16u
/* Longest sleep suggested while the network is busy or the responder runs:
 * the wait seam wakes earlier on socket activity. */
#define AGENT_BUSY_SLEEP_MS 100u

#define CHALLENGE_PREFIX "/.well-known/acme-challenge/"

/* Certificate verification allocates at most this much at once (RSA-4096
 * big numbers with window 2); a TLS failure with less headroom left in the
 * arena is reported as exhaustion. */
#define AGENT_TLS_HEADROOM 4096u

struct acme_agent_crypto {
    acme_drbg_t *drbg;
    acme_key_t *account_key;
    acme_key_t *device_key; /* the new key of this issuance */
    acme_tls_config_t *tls;
    acme_soft_signer_t account_state;
    acme_signer_t account_signer;
    acme_soft_signer_t device_state;
    acme_signer_t device_signer;
    bool account_key_unsaved;
};

/* ---- helpers ---------------------------------------------------------------- */

static void emit(acme_agent_t *a, acme_event_type_t type, acme_status_t status,
                 const char *detail)
{
    if (a->cfg->on_event != NULL) {
        acme_event_t ev = {type, status, detail};
        a->cfg->on_event(a->cfg->event_ctx, &ev);
    }
}

static int64_t wall_now(const acme_agent_t *a)
{
    return a->port->clock->wall_s(a->port->clock_ctx);
}

static int32_t port_entropy(void *ctx, uint8_t *buf, size_t len)
{
    const acme_agent_t *a = ctx;
    return a->port->rng->fill(a->port->rng_ctx, buf, len);
}

static uint16_t random16(void *ctx)
{
    acme_agent_t *a = ctx;
    uint8_t b[2] = {0, 0};
    (void)acme_drbg_fill(a->crypto->drbg, b, sizeof(b));
    return (uint16_t)((b[0] << 8) | b[1]);
}

static void set_problem_detail(acme_agent_t *a, const char *detail)
{
    memset(&a->problem, 0, sizeof(a->problem));
    size_t n = strlen(detail);
    if (n >= sizeof(a->problem.detail)) {
        n = sizeof(a->problem.detail) - 1;
    }
    memcpy(a->problem.detail, detail, n);
}

static bool valid_dns_name(const char *name)
{
    size_t n = name != NULL ? strlen(name) : 0;
    if (n == 0 || n > ACME_DNS_NAME_MAX) {
        return false;
    }
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (c == '.') {
            if (label == 0) {
                return false;
            }
            label = 0;
            continue;
        }
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-';
        if (!ok || ++label > 63) {
            return false; /* includes '*': http-01 cannot validate wildcards */
        }
    }
    return label > 0;
}

static acme_status_t check_config(const acme_agent_config_t *cfg, const acme_port_t *port)
{
    if (cfg == NULL || port == NULL || port->net == NULL || port->clock == NULL ||
        port->rng == NULL || port->flash == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    if (cfg->directory_url == NULL && cfg->name_count == 0) {
        return ACME_OK; /* read-only: stored state only */
    }
    if (cfg->directory_url == NULL || cfg->names == NULL || cfg->name_count == 0 ||
        cfg->name_count > ACME_MAX_IDENTIFIERS || cfg->trust_pem == NULL ||
        cfg->trust_pem_len == 0) {
        return ACME_ERR_CONFIG;
    }
    acme_url_t url;
    if (acme_url_parse_https(cfg->directory_url, strlen(cfg->directory_url), &url) != ACME_OK ||
        strlen(cfg->directory_url) > ACME_URL_MAX) {
        return ACME_ERR_CONFIG;
    }
    for (size_t i = 0; i < cfg->name_count; i++) {
        if (!valid_dns_name(cfg->names[i])) {
            return ACME_ERR_CONFIG;
        }
    }
    if (cfg->key_type != ACME_KEY_NONE && cfg->key_type != ACME_KEY_P256 &&
        cfg->key_type != ACME_KEY_RSA2048) {
        return ACME_ERR_CONFIG;
    }
    if (cfg->contact != NULL && strlen(cfg->contact) > ACME_CONTACT_MAX) {
        return ACME_ERR_CONFIG;
    }
    if (cfg->dns_server != NULL && (port->udp == NULL || cfg->dns_port == 0)) {
        return ACME_ERR_CONFIG;
    }
    return ACME_OK;
}

/* ---- init ------------------------------------------------------------------------ */

acme_status_t acme_agent_init(acme_agent_t *a, const acme_agent_config_t *cfg,
                              const acme_port_t *port, uint8_t *arena, size_t arena_size)
{
    if (a == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    memset(a, 0, sizeof(*a));
    acme_status_t st = check_config(cfg, port);
    if (st != ACME_OK) {
        return st;
    }
    a->cfg = cfg;
    a->port = port;
    st = acme_arena_init(&a->arena, arena, arena_size);
    if (st != ACME_OK) {
        return st;
    }
    a->crypto = acme_arena_calloc(1, sizeof(*a->crypto));
    if (a->crypto == NULL) {
        return ACME_ERR_NO_MEMORY;
    }
    static const uint8_t pers[] = "acme-agent drbg";
    st = acme_drbg_new(&a->crypto->drbg, port_entropy, a, pers, sizeof(pers) - 1);
    if (st != ACME_OK) {
        return st;
    }
    st = acme_store_mount(&a->store, port->flash, port->flash_ctx, &port->flash_geometry);
    if (st != ACME_OK) {
        return st;
    }
    if (cfg->dns_server != NULL) {
        acme_dns_client_init(&a->dns, port->udp, port->udp_ctx, cfg->dns_server, cfg->dns_port);
    }
    acme_http_client_init(&a->http, port, NULL, NULL, random16, a);
    acme_http01_server_init(&a->http01);
    a->state = AGENT_IDLE;
    a->last_status = ACME_ERR_BAD_STATE; /* nothing has run yet */
    return ACME_OK;
}

/* ---- start ------------------------------------------------------------------------- */

/* Load the account key and, when it belongs to this CA, the account URL.
 * A new key is only generated here; it is stored just before first use. */
static acme_status_t load_account(acme_agent_t *a, char *account_url, size_t url_cap)
{
    struct acme_agent_crypto *c = a->crypto;
    uint8_t der[ACME_KEY_DER_MAX];
    size_t len = 0;
    account_url[0] = '\0';
    acme_status_t st = acme_store_read(&a->store, ACME_REC_ACCOUNT_KEY, der, sizeof(der), &len);
    if (st == ACME_OK) {
        st = acme_key_parse_der(&c->account_key, der, len);
        acme_zeroize(der, sizeof(der));
        if (st != ACME_OK) {
            return st;
        }
        char dir[ACME_URL_MAX + 1];
        size_t dir_len = 0;
        if (acme_store_read(&a->store, ACME_REC_DIRECTORY_URL, dir, sizeof(dir) - 1, &dir_len) ==
                ACME_OK &&
            dir_len == strlen(a->cfg->directory_url) &&
            memcmp(dir, a->cfg->directory_url, dir_len) == 0) {
            size_t url_len = 0;
            if (acme_store_read(&a->store, ACME_REC_ACCOUNT_URL, account_url, url_cap - 1,
                                &url_len) == ACME_OK) {
                account_url[url_len] = '\0';
            }
        }
        /* A key registered with another CA is registered again here; the
         * new account URL replaces the old one when it is stored. */
        c->account_key_unsaved = false;
        return ACME_OK;
    }
    if (st != ACME_ERR_NOT_FOUND) {
        return st;
    }
    st = acme_key_generate(&c->account_key, ACME_KEY_P256, c->drbg);
    c->account_key_unsaved = true;
    return st;
}

static acme_status_t save_account_key(acme_agent_t *a)
{
    uint8_t der[ACME_KEY_DER_MAX];
    size_t len = 0;
    acme_status_t st = acme_key_write_der(a->crypto->account_key, der, sizeof(der), &len);
    if (st == ACME_OK) {
        acme_store_change_t changes[] = {
            {ACME_REC_ACCOUNT_KEY, der, len},
            {ACME_REC_ACCOUNT_URL, NULL, 0},
            {ACME_REC_DIRECTORY_URL, a->cfg->directory_url, strlen(a->cfg->directory_url)},
        };
        st = acme_store_commit(&a->store, changes, sizeof(changes) / sizeof(changes[0]));
    }
    acme_zeroize(der, sizeof(der));
    if (st == ACME_OK) {
        a->crypto->account_key_unsaved = false;
    }
    return st;
}

/* New device key and the CSR for it. The key stays in RAM until the
 * certificate for it is installed. */
static acme_status_t prepare_csr(acme_agent_t *a)
{
    struct acme_agent_crypto *c = a->crypto;
    acme_key_type_t type = a->cfg->key_type == ACME_KEY_NONE ? ACME_KEY_P256 : a->cfg->key_type;
    acme_status_t st = acme_key_generate(&c->device_key, type, c->drbg);
    if (st != ACME_OK) {
        return st;
    }
    acme_soft_signer_init(&c->device_signer, &c->device_state, c->device_key, c->drbg);
    uint8_t spki[600];
    size_t spki_len = 0;
    st = acme_key_write_spki(c->device_key, spki, sizeof(spki), &spki_len);
    if (st != ACME_OK) {
        return st;
    }
    return acme_csr_write(spki, spki_len, a->cfg->names, a->cfg->name_count, &c->device_signer,
                          a->csr, sizeof(a->csr), &a->csr_len);
}

static void release_issue_objects(acme_agent_t *a)
{
    struct acme_agent_crypto *c = a->crypto;
    acme_http_client_close(&a->http);
    acme_http01_server_stop(&a->http01);
    if (a->cfg->dns_server != NULL) {
        acme_dns_client_close(&a->dns);
    }
    acme_key_free(&c->account_key);
    acme_key_free(&c->device_key);
    acme_tls_config_free(&c->tls);
    a->nonce[0] = '\0';
    a->exchange = XCHG_NONE;
}

static acme_status_t finish(acme_agent_t *a, acme_status_t status)
{
    if (status != ACME_OK) {
        if (a->problem.detail[0] == '\0' && a->problem.type[0] == '\0') {
            a->problem = a->order.problem;
        }
    }
    a->stats.http_requests = a->http.stats.requests;
    a->stats.tls_handshakes = a->http.stats.handshakes;
    a->stats.tcp_connects = a->http.stats.connects;
    a->stats.dns_queries = a->http.stats.dns_queries;
    a->stats.http01_served = a->http01.served;
    a->stats.store_commits = a->store.commits;
    a->stats.issue_ms = a->now_ms - a->issue_started_ms;
    release_issue_objects(a);
    a->stats.arena_peak = acme_arena_peak(&a->arena);
    a->state = AGENT_FINISHED;
    a->last_status = status;
    if (status != ACME_OK) {
        ACME_LOGE(a->port, "issuance failed: %s (%s)", acme_status_name(status),
                  a->problem.detail[0] != '\0' ? a->problem.detail : a->problem.type);
        emit(a, ACME_EVENT_ISSUE_FAILED, status,
             a->problem.detail[0] != '\0' ? a->problem.detail : acme_strerror(status));
    }
    return status;
}

static acme_status_t http01_lookup_cb(void *ctx, const char *path, size_t path_len, char *out,
                                      size_t cap, size_t *len)
{
    return acme_agent_http01_lookup(ctx, path, path_len, out, cap, len);
}

acme_status_t acme_agent_start_issue(acme_agent_t *a, uint64_t now_ms)
{
    if (a == NULL || a->crypto == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    if (a->state == AGENT_ISSUING) {
        return ACME_ERR_BAD_STATE;
    }
    if (a->cfg->directory_url == NULL) {
        return ACME_ERR_CONFIG; /* opened read-only */
    }
    struct acme_agent_crypto *c = a->crypto;
    memset(&a->problem, 0, sizeof(a->problem));
    memset(&a->stats, 0, sizeof(a->stats));
    a->now_ms = now_ms;
    a->issue_started_ms = now_ms;
    a->store.commits = 0;
    a->order_announced = false;
    a->state = AGENT_ISSUING;

    acme_status_t st = acme_tls_config_new(&c->tls, a->cfg->trust_pem, a->cfg->trust_pem_len,
                                           c->drbg);
    if (st != ACME_OK) {
        set_problem_detail(a, "no usable trust anchor in the configured PEM");
        return finish(a, st);
    }
    char account_url[ACME_URL_MAX + 1];
    st = load_account(a, account_url, sizeof(account_url));
    if (st == ACME_OK) {
        acme_soft_signer_init(&c->account_signer, &c->account_state, c->account_key, c->drbg);
        acme_public_key_t pub;
        size_t jwk_len = 0;
        st = acme_key_public(c->account_key, &pub);
        if (st == ACME_OK) {
            st = acme_jwk_write_key(&pub, a->jwk, sizeof(a->jwk), &jwk_len);
        }
        if (st == ACME_OK) {
            st = acme_jwk_thumbprint(a->jwk, jwk_len, a->thumbprint, sizeof(a->thumbprint));
        }
    }
    if (st == ACME_OK) {
        st = prepare_csr(a);
    }
    if (st != ACME_OK) {
        return finish(a, st);
    }
    ACME_LOGI(a->port, "issuing for %s (%u name%s) from %s", a->cfg->names[0],
              (unsigned)a->cfg->name_count, a->cfg->name_count == 1 ? "" : "s",
              a->cfg->directory_url);
    acme_order_params_t params = {
        .directory_url = a->cfg->directory_url,
        .names = a->cfg->names,
        .name_count = a->cfg->name_count,
        .contact = a->cfg->contact,
        .account_url = account_url[0] != '\0' ? account_url : NULL,
        .csr_der = a->csr,
        .csr_len = a->csr_len,
        .terms_agreed = a->cfg->terms_of_service_agreed,
    };
    st = acme_order_start(&a->order, &params, now_ms);
    if (st != ACME_OK) {
        return finish(a, st);
    }
    /* params.account_url was copied into the engine: nothing points at the
     * local buffer any more. */
    a->order.params.account_url = NULL;

    acme_http_client_init(&a->http, a->port, c->tls, a->cfg->dns_server != NULL ? &a->dns : NULL,
                          random16, a);
    if (a->cfg->http01_port != 0) {
        st = acme_http01_server_start(&a->http01, a->port->net, a->port->net_ctx,
                                      a->cfg->http01_bind, a->cfg->http01_port, http01_lookup_cb,
                                      a);
        if (st != ACME_OK) {
            set_problem_detail(a, "cannot listen on the http-01 port");
            return finish(a, st);
        }
    }
    return ACME_WOULD_BLOCK;
}

/* ---- exchanges ---------------------------------------------------------------------- */

/* Send the engine's current request (or, for a POST without a nonce in hand,
 * HEAD newNonce first). */
static acme_status_t send_request(acme_agent_t *a)
{
    const acme_request_t *req = &a->order.request;
    struct acme_agent_crypto *c = a->crypto;
    acme_wire_request_t wire;
    memset(&wire, 0, sizeof(wire));

    if (req->method == ACME_REQ_POST && a->nonce[0] == '\0') {
        /* RFC 8555 §7.2: a nonce only when none is held. */
        wire.method = ACME_WIRE_HEAD;
        wire.url = a->order.directory.new_nonce;
        a->exchange = XCHG_NONCE;
    } else if (req->method == ACME_REQ_POST) {
        if (req->sign_with_jwk && c->account_key_unsaved) {
            acme_status_t st = save_account_key(a);
            if (st != ACME_OK) {
                set_problem_detail(a, "cannot store the account key");
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
        a->exchange = XCHG_ORDER;
    } else {
        wire.method = ACME_WIRE_GET;
        wire.url = req->url;
        a->exchange = XCHG_ORDER;
    }
    ACME_LOGD(a->port, "%s %s", wire.method == ACME_WIRE_POST ? "POST"
                               : wire.method == ACME_WIRE_HEAD ? "HEAD" : "GET", wire.url);
    acme_url_t url;
    size_t len = 0;
    acme_status_t st = acme_wire_request_write(&wire, a->tx, sizeof(a->tx), &len, &url);
    if (wire.method == ACME_WIRE_POST) {
        a->nonce[0] = '\0'; /* single use, whatever happens next */
    }
    if (st != ACME_OK) {
        a->exchange = XCHG_NONE;
        set_problem_detail(a, st == ACME_ERR_MALFORMED ? "the server gave an unusable URL"
                                                       : "cannot build the request");
        return st;
    }
    st = acme_http_client_begin(&a->http, &url, a->tx, len, wire.method == ACME_WIRE_HEAD,
                                a->now_ms);
    if (st != ACME_OK) {
        a->exchange = XCHG_NONE;
    }
    return st;
}

static bool is_bad_nonce(acme_agent_t *a, const acme_http_response_t *resp)
{
    if (resp->status != 400 || resp->body_len == 0) {
        return false;
    }
    acme_problem_t *p = &a->problem; /* scratch: cleared again below */
    bool bad = acme_problem_read(resp->body, resp->body_len, resp->status, p) == ACME_OK &&
               acme_problem_is(p, "badNonce");
    memset(p, 0, sizeof(*p));
    return bad;
}

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
        return "order poll";
    case ACME_PHASE_FINALIZE:
        return "finalize";
    case ACME_PHASE_CERTIFICATE:
        return "certificate download";
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
    set_problem_detail(a, detail);
    a->problem.http_status = http_status;
}

/* An exchange ended with status st. Returns a final status, or
 * ACME_WOULD_BLOCK to keep going. */
static acme_status_t on_exchange_done(acme_agent_t *a, acme_status_t st)
{
    uint8_t which = a->exchange;
    a->exchange = XCHG_NONE;
    if (st != ACME_OK) {
        set_request_failure(a, which, 0);
        if ((st == ACME_ERR_TLS_VERIFY || st == ACME_ERR_TLS) &&
            acme_arena_headroom(&a->arena) < AGENT_TLS_HEADROOM) {
            /* mbedTLS reports a signature check that ran out of memory as an
             * untrusted chain. With the arena full to (nearly) the top that
             * is the likelier cause; with room left it cannot be. */
            set_problem_detail(a, "the arena ran out during the TLS handshake");
            st = ACME_ERR_NO_MEMORY;
        }
        acme_order_on_error(&a->order, st);
        return ACME_WOULD_BLOCK; /* the engine reports FAILED next */
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
            return ACME_WOULD_BLOCK;
        }
        if (a->nonce[0] == '\0') {
            set_problem_detail(a, "newNonce answered without a usable Replay-Nonce");
            acme_order_on_error(&a->order, ACME_ERR_MALFORMED);
            return ACME_WOULD_BLOCK;
        }
        st = send_request(a); /* the request that needed the nonce */
        if (st != ACME_OK) {
            acme_order_on_error(&a->order, st);
        }
        return ACME_WOULD_BLOCK;
    }
    if (a->order.request.method == ACME_REQ_POST && is_bad_nonce(a, resp) &&
        a->badnonce_left > 0) {
        /* RFC 8555 §6.5: retry with the fresh nonce from the error. */
        a->badnonce_left--;
        a->stats.badnonce_retries++;
        ACME_LOGD(a->port, "badNonce: retrying with the fresh nonce");
        st = send_request(a);
        if (st != ACME_OK) {
            acme_order_on_error(&a->order, st);
        }
        return ACME_WOULD_BLOCK;
    }
    acme_order_on_response(&a->order, resp, a->now_ms, wall_now(a));
    if (!a->order_announced && a->order.order_url[0] != '\0') {
        a->order_announced = true;
        ACME_LOGI(a->port, "order %s", a->order.order_url);
        emit(a, ACME_EVENT_ORDER_CREATED, ACME_OK, a->order.order_url);
    }
    return ACME_WOULD_BLOCK;
}

/* The chain in the last response: check it, then install it with its key. */
static acme_status_t install_certificate(acme_agent_t *a)
{
    struct acme_agent_crypto *c = a->crypto;
    const acme_http_response_t *resp = &a->http.resp;
    const char *chain = (const char *)resp->body;
    if (resp->body_len > ACME_CHAIN_MAX) {
        set_problem_detail(a, "certificate chain larger than ACME_CHAIN_MAX");
        return ACME_ERR_OVERSIZE;
    }
    /* The request buffer is idle now: scratch for one decoded certificate. */
    size_t certs = 0;
    acme_status_t st = acme_pem_chain_check(chain, resp->body_len, a->tx, sizeof(a->tx), &certs);
    if (st != ACME_OK) {
        set_problem_detail(a, "the certificate download is not a PEM certificate chain");
        return st == ACME_ERR_BUFFER_TOO_SMALL ? ACME_ERR_OVERSIZE : ACME_ERR_BAD_CERT;
    }
    st = acme_cert_chain_check_issued(chain, resp->body_len, a->tx, sizeof(a->tx), c->device_key,
                                      a->cfg->names, a->cfg->name_count);
    if (st == ACME_ERR_KEY_MISMATCH) {
        set_problem_detail(a, "its public key is not the key of the CSR");
        return ACME_ERR_BAD_CERT;
    }
    if (st == ACME_ERR_BAD_CERT) {
        set_problem_detail(a, "its DNS names are not exactly the requested names");
        return st;
    }
    if (st != ACME_OK) {
        return st;
    }
    uint8_t der[ACME_KEY_DER_MAX];
    size_t der_len = 0;
    st = acme_key_write_der(c->device_key, der, sizeof(der), &der_len);
    if (st == ACME_OK) {
        acme_store_change_t changes[] = {
            {ACME_REC_DEVICE_KEY, der, der_len},
            {ACME_REC_CHAIN, chain, resp->body_len},
            {ACME_REC_PENDING_KEY, NULL, 0},
        };
        st = acme_store_commit(&a->store, changes, sizeof(changes) / sizeof(changes[0]));
    }
    acme_zeroize(der, sizeof(der));
    if (st != ACME_OK) {
        set_problem_detail(a, "cannot store the new certificate");
        return st;
    }
    ACME_LOGI(a->port, "certificate installed (%u-byte chain)", (unsigned)resp->body_len);
    emit(a, ACME_EVENT_CERT_INSTALLED, ACME_OK, a->cfg->names[0]);
    return ACME_OK;
}

static acme_status_t save_account_url(acme_agent_t *a)
{
    const char *url = a->order.account_url;
    acme_store_change_t changes[] = {
        {ACME_REC_ACCOUNT_URL, url, strlen(url)},
        {ACME_REC_DIRECTORY_URL, a->cfg->directory_url, strlen(a->cfg->directory_url)},
    };
    acme_status_t st = acme_store_commit(&a->store, changes, sizeof(changes) / sizeof(changes[0]));
    if (st == ACME_OK && a->order.account_is_new) {
        ACME_LOGI(a->port, "account %s", url);
        emit(a, ACME_EVENT_ACCOUNT_CREATED, ACME_OK, url);
    }
    return st;
}

/* One engine action. Returns ACME_WOULD_BLOCK to continue (with *wait_ms
 * set when the engine waits), or the final status. */
static acme_status_t step_engine(acme_agent_t *a, uint64_t *wait_until, bool *waiting)
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
            set_problem_detail(a, "cannot store the account URL");
            return finish(a, st);
        }
        acme_order_account_saved(&a->order);
        return ACME_WOULD_BLOCK;
    }
    case ACME_ACTION_DONE:
        return finish(a, install_certificate(a));
    default:
        return finish(a, a->order.status != ACME_OK ? a->order.status : ACME_ERR_BAD_STATE);
    }
}

acme_status_t acme_agent_poll(acme_agent_t *a, uint64_t now_ms, uint32_t *sleep_ms)
{
    uint32_t sleep_dummy = 0;
    if (sleep_ms == NULL) {
        sleep_ms = &sleep_dummy;
    }
    *sleep_ms = 0;
    if (a == NULL || a->crypto == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    if (a->state != AGENT_ISSUING) {
        return a->last_status;
    }
    a->now_ms = now_ms;
    acme_http01_server_poll(&a->http01, now_ms);

    uint64_t wait_until = 0;
    bool waiting = false;
    bool network_busy = false;
    for (unsigned step = 0; step < AGENT_STEPS_PER_POLL && a->state == AGENT_ISSUING; step++) {
        acme_status_t st;
        if (a->exchange != XCHG_NONE) {
            st = acme_http_client_poll(&a->http, now_ms);
            if (st == ACME_WOULD_BLOCK) {
                network_busy = true;
                break;
            }
            on_exchange_done(a, st);
            continue;
        }
        st = step_engine(a, &wait_until, &waiting);
        if (st != ACME_WOULD_BLOCK) {
            return st;
        }
        if (waiting) {
            break;
        }
    }
    if (a->state != AGENT_ISSUING) {
        return a->last_status;
    }
    uint64_t sleep = 0;
    if (waiting) {
        sleep = wait_until > now_ms ? wait_until - now_ms : 0;
    } else if (network_busy) {
        sleep = AGENT_BUSY_SLEEP_MS;
    }
    if (acme_http01_server_running(&a->http01) && sleep > AGENT_BUSY_SLEEP_MS) {
        sleep = AGENT_BUSY_SLEEP_MS;
    }
    *sleep_ms = (uint32_t)sleep;
    return ACME_WOULD_BLOCK;
}

acme_status_t acme_agent_run(acme_agent_t *a)
{
    if (a == NULL || a->port == NULL || a->port->wait == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    const acme_port_t *port = a->port;
    uint64_t now = port->clock->now_ms(port->clock_ctx);
    uint64_t give_up = now + ACME_ISSUE_TIMEOUT_MS + ACME_IO_TIMEOUT_MS;
    acme_status_t st = acme_agent_start_issue(a, now);
    while (st == ACME_WOULD_BLOCK) {
        uint32_t sleep_ms = 0;
        now = port->clock->now_ms(port->clock_ctx);
        st = acme_agent_poll(a, now, &sleep_ms);
        if (st != ACME_WOULD_BLOCK) {
            break;
        }
        if (now >= give_up) {
            /* The engine's own deadline should have ended it first. */
            release_issue_objects(a);
            a->state = AGENT_FINISHED;
            a->last_status = ACME_ERR_TIMEOUT;
            return ACME_ERR_TIMEOUT;
        }
        if (sleep_ms > 0) {
            port->wait->wait(port->wait_ctx, sleep_ms);
        }
    }
    return st;
}

/* ---- http-01 ------------------------------------------------------------------------- */

acme_status_t acme_agent_http01_lookup(acme_agent_t *a, const char *path, size_t path_len,
                                       char *out, size_t cap, size_t *len)
{
    size_t prefix = sizeof(CHALLENGE_PREFIX) - 1;
    if (a == NULL || path == NULL || out == NULL || len == NULL ||
        a->state != AGENT_ISSUING || path_len <= prefix ||
        memcmp(path, CHALLENGE_PREFIX, prefix) != 0) {
        return ACME_ERR_NOT_FOUND;
    }
    const char *token = path + prefix;
    size_t token_len = path_len - prefix;
    for (size_t i = 0;; i++) {
        const char *t = acme_order_token(&a->order, i);
        if (t == NULL) {
            return ACME_ERR_NOT_FOUND;
        }
        if (t[0] != '\0' && strlen(t) == token_len && memcmp(t, token, token_len) == 0) {
            acme_status_t st = acme_key_authorization(t, a->thumbprint, out, cap, len);
            if (st == ACME_OK) {
                ACME_LOGI(a->port, "http-01 token served");
                acme_order_on_served(&a->order, token, token_len, a->now_ms);
                emit(a, ACME_EVENT_CHALLENGE_SERVED, ACME_OK, t);
            }
            return st;
        }
    }
}

/* ---- results and stored state ----------------------------------------------------- */

const acme_problem_t *acme_agent_problem(const acme_agent_t *a)
{
    return &a->problem;
}

void acme_agent_low_level(const acme_agent_t *a, int32_t *tls_code, uint32_t *verify_flags)
{
    *tls_code = a->http.tls_error;
    *verify_flags = a->http.verify_flags;
}

void acme_agent_stats(const acme_agent_t *a, acme_agent_stats_t *out)
{
    *out = a->stats;
    out->arena_peak = acme_arena_peak(&a->arena);
}

/* Stored state is read through the HTTP body buffer, which is idle between
 * issuances. */
static acme_status_t read_chain_scratch(acme_agent_t *a, size_t *len)
{
    if (a->state == AGENT_ISSUING) {
        return ACME_ERR_BAD_STATE;
    }
    return acme_store_read(&a->store, ACME_REC_CHAIN, a->http.body, sizeof(a->http.body), len);
}

acme_status_t acme_agent_cert_info(acme_agent_t *a, acme_cert_info_t *info)
{
    size_t len = 0;
    acme_status_t st = read_chain_scratch(a, &len);
    if (st != ACME_OK) {
        return st;
    }
    /* The request buffer is idle outside an issuance: scratch for one
     * decoded certificate. */
    return acme_cert_chain_info((const char *)a->http.body, len, a->tx, sizeof(a->tx), info);
}

acme_status_t acme_agent_read_chain(acme_agent_t *a, char *out, size_t cap, size_t *len)
{
    acme_status_t st = acme_store_read(&a->store, ACME_REC_CHAIN, out, cap, len);
    if (st == ACME_OK) {
        if (*len >= cap) {
            return ACME_ERR_BUFFER_TOO_SMALL;
        }
        out[*len] = '\0';
    }
    return st;
}

acme_status_t acme_agent_read_device_key_pem(acme_agent_t *a, char *out, size_t cap,
                                             size_t *len)
{
    uint8_t der[ACME_KEY_DER_MAX];
    size_t der_len = 0;
    acme_status_t st = acme_store_read(&a->store, ACME_REC_DEVICE_KEY, der, sizeof(der),
                                       &der_len);
    acme_key_t *key = NULL;
    if (st == ACME_OK) {
        st = acme_key_parse_der(&key, der, der_len);
    }
    if (st == ACME_OK) {
        const char *label =
            acme_key_type(key) == ACME_KEY_RSA2048 ? "RSA PRIVATE KEY" : "EC PRIVATE KEY";
        st = acme_pem_write(label, der, der_len, out, cap, len);
    }
    acme_key_free(&key);
    acme_zeroize(der, sizeof(der));
    return st;
}

acme_status_t acme_agent_account_url(acme_agent_t *a, char *out, size_t cap)
{
    size_t len = 0;
    if (cap == 0) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    acme_status_t st = acme_store_read(&a->store, ACME_REC_ACCOUNT_URL, out, cap - 1, &len);
    if (st == ACME_OK) {
        out[len] = '\0';
    }
    return st;
}

void acme_agent_deinit(acme_agent_t *a)
{
    if (a == NULL || a->crypto == NULL) {
        return;
    }
    release_issue_objects(a);
    acme_drbg_free(&a->crypto->drbg);
    acme_zeroize(a->crypto, sizeof(*a->crypto));
    acme_arena_free(a->crypto);
    a->crypto = NULL;
    acme_zeroize(a->jwk, sizeof(a->jwk));
}
