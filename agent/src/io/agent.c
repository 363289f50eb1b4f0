/*
 * The agent's public API: set-up, the poll loop that moves bytes and hands
 * results to the engines (agent_order.c, agent_discovery.c), the http-01
 * lookup, and readers of the stored state (agent_state.c keeps it).
 */
#include "acme/agent.h"

#include <string.h>

#include "acme/codec/ari.h"
#include "acme/codec/cert_chain.h"
#include "acme/codec/crc32.h"
#include "acme/codec/csr.h"
#include "acme/codec/dns_message.h"
#include "acme/codec/jwk.h"
#include "acme/codec/pem.h"
#include "io/agent_internal.h"

/* Steps per poll: each is one engine action or one finished exchange. */
#define AGENT_STEPS_PER_POLL 16u
/* Longest sleep suggested while the network is busy or the responder runs:
 * the wait seam wakes earlier on socket activity. */
#define AGENT_BUSY_SLEEP_MS 100u

#define CHALLENGE_PREFIX "/.well-known/acme-challenge/"

/* ---- randomness ---------------------------------------------------------------- */

static int32_t port_entropy(void *ctx, uint8_t *buf, size_t len)
{
    const acme_agent_t *a = ctx;
    return a->port->rng->fill(a->port->rng_ctx, buf, len);
}

#if ACME_ENABLE_DNS_CLIENT
static uint16_t random16(void *ctx)
{
    acme_agent_t *a = ctx;
    uint8_t b[2] = {0, 0};
    (void)acme_drbg_fill(a->crypto->drbg, b, sizeof(b));
    return (uint16_t)((b[0] << 8) | b[1]);
}
#endif

/* ---- configuration ------------------------------------------------------------- */

static bool valid_https_url(const char *url)
{
    acme_url_t parsed;
    return url != NULL && strlen(url) <= ACME_URL_MAX &&
           acme_url_parse_https(url, strlen(url), &parsed) == ACME_OK;
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
    if (cfg->names == NULL || cfg->name_count == 0 || cfg->name_count > ACME_MAX_IDENTIFIERS ||
        cfg->trust_pem == NULL || cfg->trust_pem_len == 0) {
        return ACME_ERR_CONFIG;
    }
    if (cfg->directory_url != NULL && !valid_https_url(cfg->directory_url)) {
        return ACME_ERR_CONFIG;
    }
    if (cfg->directory_url == NULL && !ACME_ENABLE_DISCOVERY) {
        return ACME_ERR_CONFIG; /* no directory and no discovery compiled in */
    }
#if ACME_ENABLE_DISCOVERY
    if (cfg->default_directory != NULL && !valid_https_url(cfg->default_directory)) {
        return ACME_ERR_CONFIG;
    }
#endif
    for (size_t i = 0; i < cfg->name_count; i++) {
        /* What the CSR will accept (a wildcard is refused at start). */
        if (acme_dns_name_length(cfg->names[i]) == 0) {
            return ACME_ERR_CONFIG;
        }
    }
#if ACME_ENABLE_DISCOVERY || ACME_ENABLE_EAB
    /* Without discovery and EAB nothing reads the CA table. */
    for (size_t i = 0; i < cfg->ca_count; i++) {
        const acme_ca_entry_t *e = &cfg->cas[i];
        if ((e->directory_url != NULL && !valid_https_url(e->directory_url)) ||
            (e->eab_kid != NULL &&
             (e->eab_key == NULL || e->eab_key_len == 0 || e->eab_alg > ACME_EAB_HS512))) {
            return ACME_ERR_CONFIG;
        }
    }
#endif
    if (cfg->key_type != ACME_KEY_NONE && cfg->key_type != ACME_KEY_P256 &&
        (cfg->key_type != ACME_KEY_RSA2048 || !ACME_ENABLE_RSA_KEYS)) {
        return ACME_ERR_CONFIG;
    }
    if (cfg->contact != NULL && strlen(cfg->contact) > ACME_CONTACT_MAX) {
        return ACME_ERR_CONFIG;
    }
    if (cfg->profile != NULL && (!ACME_ENABLE_PROFILES || cfg->profile[0] == '\0' ||
                                 strlen(cfg->profile) > ACME_PROFILE_MAX)) {
        return ACME_ERR_CONFIG;
    }
    if (cfg->dns_server != NULL &&
        (!ACME_ENABLE_DNS_CLIENT || port->udp == NULL || cfg->dns_port == 0)) {
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
    /* The own resolver: the configured server, or the port's system
     * resolver (CAA lookups need one even when the port resolves A). */
#if ACME_ENABLE_DNS_CLIENT
    acme_dns_client_init(&a->dns, port, cfg->dns_server, cfg->dns_port, random16, a);
#endif
    acme_http_client_init(&a->http, port, NULL, NULL);
    acme_http01_server_init(&a->http01);
#if ACME_ENABLE_DISCOVERY
    acme_ag_state_load_cooldowns(a);
#endif
    a->state = AGENT_IDLE;
    a->last_status = ACME_ERR_BAD_STATE; /* nothing has run yet */
    return ACME_OK;
}

/* ---- start and finish ------------------------------------------------------------------ */

/* The device key and the CSR for it. The key stays in RAM until the
 * certificate for it is installed. */
static acme_status_t prepare_csr(acme_agent_t *a)
{
    struct acme_agent_crypto *c = a->crypto;
    acme_key_type_t type = a->cfg->key_type == ACME_KEY_NONE ? ACME_KEY_P256 : a->cfg->key_type;
    /* The key of an order cut short by a restart, so that the order can be
     * finished; else the factory's key; else a new one. */
    acme_status_t st = acme_ag_state_load_pending_key(a);
    if (st != ACME_OK) {
        st = a->cfg->device_key_der != NULL
                 ? acme_key_parse_der(&c->device_key, a->cfg->device_key_der,
                                      a->cfg->device_key_der_len)
                 : acme_key_generate(&c->device_key, type, c->drbg);
    }
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

static void release_run_objects(acme_agent_t *a)
{
    struct acme_agent_crypto *c = a->crypto;
    acme_http_client_close(&a->http);
    acme_http01_server_stop(&a->http01);
#if ACME_ENABLE_DNS_CLIENT
    acme_dns_client_close(&a->dns);
#endif
    acme_key_free(&c->account_key);
    acme_key_free(&c->device_key);
#if ACME_ENABLE_ACCOUNT_ADMIN
    acme_key_free(&c->rollover_key);
#endif
    acme_tls_config_free(&c->tls);
    a->nonce[0] = '\0';
    a->exchange = XCHG_NONE;
}

static acme_status_t finish_run(acme_agent_t *a, acme_status_t status)
{
#if ACME_ENABLE_ARI
    if (a->run_op == ACME_OP_ARI_CHECK && a->state == AGENT_ISSUING) {
        status = acme_ag_ari_finish(a, status); /* reads the answer still held */
    }
#endif
#if ACME_ENABLE_ACCOUNT_ADMIN
    if (a->run_op >= ACME_OP_REVOKE && a->state == AGENT_ISSUING) {
        status = acme_ag_admin_finish(a, status);
    }
#endif
    if (status != ACME_OK && a->problem.detail[0] == '\0' && a->problem.type[0] == '\0') {
        a->problem = a->order.problem;
    }
    a->stats.http_requests = a->http.stats.requests;
    a->stats.tls_handshakes = a->http.stats.handshakes;
    a->stats.tcp_connects = a->http.stats.connects;
    a->stats.dns_queries = a->http.stats.dns_queries;
    a->stats.http01_served = a->http01.served;
    a->stats.store_commits = a->store.commits;
    a->stats.issue_ms = a->now_ms - a->issue_started_ms;
    release_run_objects(a);
    a->stats.arena_peak = acme_arena_peak(&a->arena);
    a->state = AGENT_FINISHED;
    a->last_status = status;
    /* Only an issuance counts failures (and has an event for one). */
    bool issuing = !a->discover_only && a->run_op == ACME_OP_ISSUE;
    if (status != ACME_OK && issuing) {
        /* Counted in flash, so that backoff survives a reboot; a refused
         * start (the caller's mistake: -2..-9, status.h) is no attempt. */
        if (status <= ACME_ERR_NO_MEMORY) {
            acme_ag_state_note_failure(a, status);
        }
        ACME_LOGE(a->port, "issuance failed: %s (%s)", acme_status_name(status),
                  a->problem.detail[0] != '\0' ? a->problem.detail : a->problem.type);
#if ACME_ERROR_TEXT
        const char *why = acme_strerror(status);
#else
        /* No sentences: the event's status says what failed, and the status
         * name table stays out of the image unless the integrator uses it. */
        const char *why = a->problem.type;
#endif
        acme_ag_emit(a, ACME_EVENT_ISSUE_FAILED, status,
                     a->problem.detail[0] != '\0' ? a->problem.detail : why);
    }
    return status;
}

static acme_status_t http01_lookup_cb(void *ctx, const char *path, size_t path_len, char *out,
                                      size_t cap, size_t *len)
{
    return acme_agent_http01_lookup(ctx, path, path_len, out, cap, len);
}

/* Common start of a run: counters, TLS trust. Management runs work on the
 * stored state alone: an agent opened read-only (no names) may start one
 * when it has trust anchors. */
static acme_status_t begin_run_for(acme_agent_t *a, uint64_t now_ms, bool discover_only,
                                   bool needs_names)
{
    if (a == NULL || a->crypto == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    if (a->state == AGENT_ISSUING || a->state == AGENT_DISCOVERING) {
        return ACME_ERR_BAD_STATE;
    }
    if ((needs_names && a->cfg->name_count == 0) || a->cfg->trust_pem == NULL) {
        return ACME_ERR_CONFIG; /* opened read-only */
    }
    acme_ag_clear_problem(a);
    memset(&a->stats, 0, sizeof(a->stats));
    a->now_ms = now_ms;
    a->issue_started_ms = now_ms;
    a->store.commits = 0;
    a->discover_only = discover_only;
    a->discovered = false;
    a->run_op = ACME_OP_ISSUE;
#if ACME_ENABLE_ARI
    a->cert_id[0] = '\0';
#endif
    a->ca_issuer[0] = '\0';
    a->state = AGENT_DISCOVERING; /* running: refuse a second start */
#if ACME_ENABLE_DNS_CLIENT
    acme_http_client_init(&a->http, a->port, NULL, a->cfg->dns_server != NULL ? &a->dns : NULL);
#else
    acme_http_client_init(&a->http, a->port, NULL, NULL);
#endif
    acme_status_t st =
        acme_tls_config_new(&a->crypto->tls, a->cfg->trust_pem, a->cfg->trust_pem_len,
                            a->crypto->drbg, a->port->clock, a->port->clock_ctx);
    if (st != ACME_OK) {
        acme_ag_set_problem_detail(a, ACME_TEXT("no usable trust anchor in the configured PEM"));
        return st;
    }
    a->http.tls_cfg = a->crypto->tls;
    return ACME_OK;
}

static acme_status_t begin_run(acme_agent_t *a, uint64_t now_ms, bool discover_only)
{
    return begin_run_for(a, now_ms, discover_only, true);
}

/* A run that was refused before it started (bad state, read-only agent)
 * returns at once; one that failed after starting ends properly. */
static acme_status_t start_failed(acme_agent_t *a, acme_status_t st)
{
    return a != NULL && a->state == AGENT_DISCOVERING ? finish_run(a, st) : st;
}

acme_status_t acme_agent_start_issue(acme_agent_t *a, uint64_t now_ms)
{
    acme_status_t st = begin_run(a, now_ms, false);
    if (st != ACME_OK) {
        return start_failed(a, st);
    }
    for (size_t i = 0; i < a->cfg->name_count; i++) {
        if (a->cfg->names[i][0] == '*') {
            acme_ag_set_problem_detail(a, ACME_TEXT("http-01 cannot validate wildcard names"));
            return finish_run(a, ACME_ERR_CONFIG);
        }
    }
    if (st == ACME_OK) {
        st = prepare_csr(a);
    }
#if ACME_ENABLE_ARI
    if (st == ACME_OK) {
        acme_ca_info_t ca;
        (void)acme_ag_ari_prepare(a, &ca); /* nothing to replace: a first issuance */
    }
#endif
    if (st == ACME_OK && a->cfg->http01_port != 0) {
        st =
            acme_http01_server_start(&a->http01, a->port->net, a->port->net_ctx,
                                     a->cfg->http01_bind, a->cfg->http01_port, http01_lookup_cb, a);
        if (st != ACME_OK) {
            acme_ag_set_problem_detail(a, ACME_TEXT("cannot listen on the http-01 port"));
        }
    }
    if (st == ACME_OK) {
        ACME_LOGI(a->port, "issuing for %s (%u name%s)", a->cfg->names[0],
                  (unsigned)a->cfg->name_count, a->cfg->name_count == 1 ? "" : "s");
#if ACME_ENABLE_DISCOVERY
        st = a->cfg->directory_url != NULL ? acme_ag_order_begin(a, a->cfg->directory_url, NULL)
                                           : acme_ag_discovery_begin(a, false);
#else
        st = acme_ag_order_begin(a, a->cfg->directory_url, NULL);
#endif
    }
    return st == ACME_OK ? ACME_WOULD_BLOCK : finish_run(a, st);
}

#if ACME_ENABLE_ARI
acme_status_t acme_agent_start_ari(acme_agent_t *a, uint64_t now_ms)
{
    acme_status_t st = begin_run(a, now_ms, false);
    if (st == ACME_OK) {
        st = acme_ag_ari_begin(a);
    }
    if (st != ACME_OK) {
        return start_failed(a, st);
    }
    return ACME_WOULD_BLOCK;
}
#endif

#if ACME_ENABLE_ACCOUNT_ADMIN
static acme_status_t start_admin(acme_agent_t *a, uint64_t now_ms, uint8_t op, uint8_t reason)
{
    acme_status_t st = begin_run_for(a, now_ms, false, false);
    if (st == ACME_OK) {
        st = acme_ag_admin_begin(a, op, reason);
    }
    return st == ACME_OK ? ACME_WOULD_BLOCK : start_failed(a, st);
}

acme_status_t acme_agent_start_revoke(acme_agent_t *a, uint64_t now_ms, uint8_t reason)
{
    return start_admin(a, now_ms, ACME_OP_REVOKE, reason);
}

acme_status_t acme_agent_start_deactivate(acme_agent_t *a, uint64_t now_ms)
{
    return start_admin(a, now_ms, ACME_OP_DEACTIVATE, 0);
}

acme_status_t acme_agent_start_rollover(acme_agent_t *a, uint64_t now_ms)
{
    return start_admin(a, now_ms, ACME_OP_KEY_CHANGE, 0);
}

#endif

#if ACME_ENABLE_DISCOVERY
acme_status_t acme_agent_start_discover(acme_agent_t *a, uint64_t now_ms)
{
    acme_status_t st = begin_run(a, now_ms, true);
    if (st != ACME_OK) {
        return start_failed(a, st);
    }
    st = acme_ag_discovery_begin(a, true);
    return st == ACME_OK ? ACME_WOULD_BLOCK : finish_run(a, st);
}

const acme_discovery_t *acme_agent_discovery(const acme_agent_t *a)
{
    return &a->discovery;
}
#endif /* ACME_ENABLE_DISCOVERY */

/* ---- the poll loop ---------------------------------------------------------------------- */

/* A finished HTTPS exchange goes to whoever started it. */
static void dispatch_exchange(acme_agent_t *a, acme_status_t st)
{
    uint8_t which = a->exchange;
    a->exchange = XCHG_NONE;
#if ACME_ENABLE_DISCOVERY
    if (which == XCHG_FETCH) {
        acme_ag_discovery_exchange_done(a, st);
        return;
    }
#endif
    acme_ag_order_exchange_done(a, which, st);
}

/* One engine action. ACME_WOULD_BLOCK to continue, else the final status. */
static acme_status_t step(acme_agent_t *a, uint64_t *wait_until, bool *waiting)
{
#if ACME_ENABLE_DISCOVERY
    if (a->state == AGENT_DISCOVERING) {
        return acme_ag_discovery_step(a);
    }
#endif
    acme_status_t st = acme_ag_order_step(a, wait_until, waiting);
    if (st == ACME_WOULD_BLOCK || st == ACME_OK) {
        return st;
    }
#if ACME_ENABLE_DISCOVERY
    return acme_ag_discovery_order_failed(a, st); /* another CA, or the end */
#else
    return st;
#endif
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
    if (a->state != AGENT_ISSUING && a->state != AGENT_DISCOVERING) {
        return a->last_status;
    }
    a->now_ms = now_ms;
    acme_http01_server_poll(&a->http01, now_ms);

    uint64_t wait_until = 0;
    bool waiting = false;
    bool network_busy = false;
    for (unsigned n = 0; n < AGENT_STEPS_PER_POLL; n++) {
#if ACME_ENABLE_DISCOVERY
        if (a->exchange == XCHG_CAA) {
            acme_ag_discovery_dns_poll(a, now_ms);
            if (a->exchange == XCHG_CAA) {
                network_busy = true;
                break;
            }
            continue;
        }
#endif
        if (a->exchange != XCHG_NONE) {
            acme_status_t st = acme_http_client_poll(&a->http, now_ms);
            if (st == ACME_WOULD_BLOCK) {
                network_busy = true;
                break;
            }
            dispatch_exchange(a, st);
            continue;
        }
        acme_status_t st = step(a, &wait_until, &waiting);
        if (st != ACME_WOULD_BLOCK) {
            return finish_run(a, st);
        }
        if (waiting) {
            break;
        }
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

static acme_status_t run_until_done(acme_agent_t *a, acme_status_t st)
{
    const acme_port_t *port = a->port;
    /* Discovery may try every candidate, each within the issue timeout. */
    uint64_t give_up =
        port->clock->now_ms(port->clock_ctx) + (uint64_t)(ACME_DISCOVERY_CANDIDATES_MAX + 1) *
                                                   (ACME_ISSUE_TIMEOUT_MS + ACME_IO_TIMEOUT_MS);
    while (st == ACME_WOULD_BLOCK) {
        uint32_t sleep_ms = 0;
        uint64_t now = port->clock->now_ms(port->clock_ctx);
        st = acme_agent_poll(a, now, &sleep_ms);
        if (st != ACME_WOULD_BLOCK) {
            break;
        }
        if (now >= give_up) {
            /* The engines' own deadlines should have ended it first. */
            return finish_run(a, ACME_ERR_TIMEOUT);
        }
        if (sleep_ms > 0) {
            port->wait->wait(port->wait_ctx, sleep_ms);
        }
    }
    return st;
}

/* The blocking helpers start a run at the port's time and poll it to the
 * end; they need the port's wait seam. */
static bool can_block(const acme_agent_t *a)
{
    return a != NULL && a->port != NULL && a->port->wait != NULL;
}

static uint64_t port_now(const acme_agent_t *a)
{
    return a->port->clock->now_ms(a->port->clock_ctx);
}

acme_status_t acme_agent_run(acme_agent_t *a)
{
    return can_block(a) ? run_until_done(a, acme_agent_start_issue(a, port_now(a)))
                        : ACME_ERR_INVALID_ARG;
}

#if ACME_ENABLE_ARI
acme_status_t acme_agent_run_ari(acme_agent_t *a)
{
    return can_block(a) ? run_until_done(a, acme_agent_start_ari(a, port_now(a)))
                        : ACME_ERR_INVALID_ARG;
}
#endif

#if ACME_ENABLE_ACCOUNT_ADMIN
acme_status_t acme_agent_run_revoke(acme_agent_t *a, uint8_t reason)
{
    return can_block(a) ? run_until_done(a, acme_agent_start_revoke(a, port_now(a), reason))
                        : ACME_ERR_INVALID_ARG;
}

acme_status_t acme_agent_run_deactivate(acme_agent_t *a)
{
    return can_block(a) ? run_until_done(a, acme_agent_start_deactivate(a, port_now(a)))
                        : ACME_ERR_INVALID_ARG;
}

acme_status_t acme_agent_run_rollover(acme_agent_t *a)
{
    return can_block(a) ? run_until_done(a, acme_agent_start_rollover(a, port_now(a)))
                        : ACME_ERR_INVALID_ARG;
}
#endif

#if ACME_ENABLE_DISCOVERY
acme_status_t acme_agent_run_discover(acme_agent_t *a)
{
    return can_block(a) ? run_until_done(a, acme_agent_start_discover(a, port_now(a)))
                        : ACME_ERR_INVALID_ARG;
}
#endif

/* ---- http-01 ------------------------------------------------------------------------- */

acme_status_t acme_agent_http01_lookup(acme_agent_t *a, const char *path, size_t path_len,
                                       char *out, size_t cap, size_t *len)
{
    size_t prefix = sizeof(CHALLENGE_PREFIX) - 1;
    if (a == NULL || path == NULL || out == NULL || len == NULL || a->state != AGENT_ISSUING ||
        path_len <= prefix || memcmp(path, CHALLENGE_PREFIX, prefix) != 0) {
        return ACME_ERR_NOT_FOUND;
    }
    /* The engine knows the order's tokens (checked base64url when they
     * arrived), so the key authorization below cannot fail for one of them. */
    const char *t = acme_order_on_served(&a->order, path + prefix, path_len - prefix, a->now_ms);
    if (t == NULL) {
        return ACME_ERR_NOT_FOUND;
    }
    acme_status_t st = acme_key_authorization(t, a->thumbprint, out, cap, len);
    if (st == ACME_OK) {
        ACME_LOGI(a->port, "http-01 token served");
        acme_ag_emit(a, ACME_EVENT_CHALLENGE_SERVED, ACME_OK, t);
    }
    return st;
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

acme_status_t acme_agent_cert_info(acme_agent_t *a, acme_cert_info_t *info)
{
    /* The HTTP body and request buffers are idle between runs. */
    if (a->state == AGENT_ISSUING || a->state == AGENT_DISCOVERING) {
        return ACME_ERR_BAD_STATE;
    }
    size_t len = 0;
    acme_status_t st =
        acme_store_read(&a->store, ACME_REC_CHAIN, a->http.body, sizeof(a->http.body), &len);
    if (st != ACME_OK) {
        return st;
    }
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

acme_status_t acme_agent_read_device_key_pem(acme_agent_t *a, char *out, size_t cap, size_t *len)
{
    uint8_t der[ACME_AG_KEY_RECORD_MAX];
    size_t der_len = 0;
    acme_status_t st = acme_ag_state_read_key(a, ACME_REC_DEVICE_KEY, der, &der_len);
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

acme_status_t acme_agent_ca_info(acme_agent_t *a, acme_ca_info_t *info)
{
    return acme_ag_state_read_ca_info(a, info);
}

void acme_agent_renewal_info(acme_agent_t *a, acme_renewal_info_t *info)
{
    acme_ag_state_renewal(a, info);
}

/* The renewal facts of the stored state (no certificate: zeros), with the
 * plan's random value and the next ARI check. The HTTP body and request
 * buffers it reads through are idle between runs only. */
static acme_status_t renewal_facts(acme_agent_t *a, acme_renew_facts_t *facts, uint32_t *random,
                                   int64_t *ari_next_check_s)
{
    if (a->state == AGENT_ISSUING || a->state == AGENT_DISCOVERING) {
        return ACME_ERR_BAD_STATE;
    }
    acme_ag_cert_facts_t cert;
    acme_status_t st = acme_ag_state_cert_facts(a, &cert);
    if (st != ACME_OK && st != ACME_ERR_NOT_FOUND) {
        return st;
    }
    acme_renewal_info_t r;
    acme_ag_state_renewal(a, &r);
    if (r.revoked) {
        memset(&cert, 0, sizeof(cert)); /* revoked on request: as if none */
    }
    *facts = (acme_renew_facts_t){cert.not_before_s, cert.not_after_s, r.ari_start_s,
                                  r.ari_end_s,       r.failures,        r.last_failure_s};
    *random = cert.serial_crc;
    *ari_next_check_s = ACME_ARI_NEVER;
#if ACME_ENABLE_ARI
    if (cert.cert_id[0] != '\0' && !r.replaced) {
        *ari_next_check_s = r.ari_next_check_s;
    }
#endif
    return ACME_OK;
}

acme_status_t acme_agent_renewal_plan(acme_agent_t *a, acme_renew_plan_t *plan)
{
    acme_renew_facts_t facts;
    uint32_t random = 0;
    int64_t ari_next = 0;
    acme_status_t st = renewal_facts(a, &facts, &random, &ari_next);
    if (st == ACME_OK) {
        *plan = acme_renew_schedule(&facts, random);
    }
    return st;
}

acme_status_t acme_agent_next(acme_agent_t *a, acme_next_step_t *next)
{
    int64_t now = acme_ag_wall_now(a);
    if (now == ACME_TIME_UNKNOWN) {
        return ACME_ERR_BAD_STATE; /* never schedule from an unknown clock */
    }
    acme_renew_facts_t facts;
    uint32_t random = 0;
    int64_t ari_next = 0;
    acme_status_t st = renewal_facts(a, &facts, &random, &ari_next);
    if (st == ACME_OK) {
        *next = acme_renew_next(&facts, ari_next, now, random);
    }
#if ACME_ENABLE_ACCOUNT_ADMIN
    char directory[ACME_URL_MAX + 1];
    if (st == ACME_OK && acme_ag_state_rollover_directory(a, directory, sizeof(directory)) ==
                             ACME_OK) {
        /* Nothing else can use the account until this is settled. */
        next->action = ACME_NEXT_ROLLOVER;
        next->at_s = now;
    }
#endif
    return st;
}

acme_status_t acme_agent_ari_cert_id(acme_agent_t *a, char *out, size_t cap)
{
    /* The HTTP body and request buffers are idle between runs. */
    if (a->state == AGENT_ISSUING || a->state == AGENT_DISCOVERING) {
        return ACME_ERR_BAD_STATE;
    }
    return acme_ag_state_cert_id(a, out, cap);
}

acme_status_t acme_agent_account_url(acme_agent_t *a, char *out, size_t cap)
{
    if (cap == 0) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    /* The installed certificate's CA first, else any account. */
    acme_ca_info_t ca;
    (void)acme_ag_state_read_ca_info(a, &ca);
    return acme_ag_state_account_url(a, ACME_AG_ACCOUNT_DIRECTORY, ca.directory, out, cap) ==
                   ACME_OK
               ? ACME_OK
               : acme_ag_state_account_url(a, ACME_AG_ACCOUNT_DIRECTORY, NULL, out, cap);
}

void acme_agent_deinit(acme_agent_t *a)
{
    if (a == NULL || a->crypto == NULL) {
        return;
    }
    release_run_objects(a);
    acme_drbg_free(&a->crypto->drbg);
    acme_zeroize(a->crypto, sizeof(*a->crypto));
    acme_arena_free(a->crypto);
    a->crypto = NULL;
    acme_zeroize(a->jwk, sizeof(a->jwk));
}

const acme_store_t *acme_agent_store(const acme_agent_t *a)
{
    return &a->store;
}
