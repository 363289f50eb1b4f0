/*
 * Driving discovery: CAA lookups through the agent's DNS client, directory
 * fetches through the HTTPS client, and fallback across CAs — with a notice
 * (ACME_EVENT_CA_FAILED) and a cool-down for every CA that fails, even when
 * another one then succeeds (draft-03 §6).
 */
#include <string.h>

#include "acme/codec/acme_request.h"
#include "acme/codec/caa.h"
#include "io/agent_internal.h"

#if ACME_ENABLE_DISCOVERY

/* ---- callbacks the engine asks ------------------------------------------------------ */

static const char *cb_issuer_directory(void *ctx, const char *issuer)
{
    const acme_ca_entry_t *e = acme_ag_ca_entry(ctx, issuer, NULL);
    return e != NULL ? e->directory_url : NULL;
}

static bool cb_issuer_has_eab(void *ctx, const char *issuer)
{
    const acme_ca_entry_t *e = acme_ag_ca_entry(ctx, issuer, NULL);
    return e != NULL && e->eab_kid != NULL && e->eab_key_len > 0;
}

static const char *cb_issuer_account(void *ctx, const char *issuer)
{
    acme_agent_t *a = ctx;
    return acme_ag_state_account_url(a, ACME_AG_ACCOUNT_ISSUER, issuer, a->account_scratch,
                                     sizeof(a->account_scratch)) == ACME_OK
               ? a->account_scratch
               : NULL;
}

static bool cb_issuer_cooling(void *ctx, const char *issuer)
{
    return acme_ag_state_cooling(ctx, issuer);
}

/* ---- notices --------------------------------------------------------------------------- */

/* Statuses another CA could do better on. A device-side failure (memory,
 * flash, the http-01 port) would fail with every CA: no fallback then. */
static bool ca_attributable(acme_status_t st)
{
    switch (acme_status_class(st)) {
    case ACME_CLASS_TRANSPORT:
    case ACME_CLASS_TLS:
    case ACME_CLASS_DNS:
    case ACME_CLASS_SERVER:
    case ACME_CLASS_HOSTILE:
        return st != ACME_ERR_ADDR_IN_USE;
    default:
        return false;
    }
}

static void notice_ca_failure(acme_agent_t *a, const char *issuer, acme_status_t st,
                              const char *why, bool cool_down)
{
    char detail[ACME_CAA_ISSUER_MAX + 2 + ACME_PROBLEM_DETAIL_MAX + 80];
    size_t n = 0;
    const char *parts[] = {issuer[0] != '\0' ? issuer : "(default directory)", " failed: ", why};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        for (const char *p = parts[i]; *p != '\0' && n + 1 < sizeof(detail); p++) {
            detail[n++] = *p;
        }
    }
    detail[n] = '\0';
    a->stats.ca_failures++;
    ACME_LOGW(a->port, "CA %s", detail);
    acme_ag_emit(a, ACME_EVENT_CA_FAILED, st, detail);
    if (cool_down) {
        acme_ag_state_add_cooldown(a, issuer);
    }
}

/* ---- running it ------------------------------------------------------------------------- */

acme_status_t acme_ag_discovery_begin(acme_agent_t *a, bool fetch_all)
{
    uint32_t seed = a->cfg->discovery_seed;
    if (seed == 0) {
        uint8_t b[4] = {0};
        (void)acme_drbg_fill(a->crypto->drbg, b, sizeof(b));
        seed = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    }
    acme_discovery_params_t params = {
        .names = a->cfg->names,
        .name_count = a->cfg->name_count,
        .default_directory = a->cfg->default_directory,
        .issuer_directory = cb_issuer_directory,
        .issuer_has_eab = cb_issuer_has_eab,
        .issuer_account = cb_issuer_account,
        .issuer_cooling = cb_issuer_cooling,
        .ctx = a,
        .seed = seed,
        .fetch_all = fetch_all,
    };
    acme_status_t st = acme_discovery_start(&a->discovery, &params);
    if (st == ACME_OK) {
        a->discovered = true;
        a->state = AGENT_DISCOVERING;
    }
    return st;
}

static void start_caa_lookup(acme_agent_t *a)
{
    acme_status_t st =
        acme_dns_client_start(&a->dns, a->discovery.query_name, ACME_DNS_TYPE_CAA, a->now_ms);
    if (st != ACME_OK) {
        acme_discovery_on_caa(&a->discovery, st, NULL, 0);
        return;
    }
    a->stats.caa_lookups++;
    a->exchange = XCHG_CAA;
    ACME_LOGD(a->port, "CAA %s", a->discovery.query_name);
}

static void start_fetch(acme_agent_t *a)
{
    acme_wire_request_t wire;
    memset(&wire, 0, sizeof(wire));
    wire.method = ACME_WIRE_GET;
    wire.url = a->discovery.fetch_url;
    acme_url_t url;
    size_t len = 0;
    acme_status_t st = acme_wire_request_write(&wire, a->tx, sizeof(a->tx), &len, &url);
    if (st == ACME_OK) {
        ACME_LOGD(a->port, "GET %s", wire.url);
        st = acme_ag_begin_exchange(a, XCHG_FETCH, &url, len, false);
    }
    if (st != ACME_OK) {
        acme_ag_discovery_exchange_done(a, st);
    }
}

static acme_status_t start_order_with_current(acme_agent_t *a)
{
    const acme_ca_candidate_t *c = acme_discovery_current(&a->discovery);
    memcpy(a->ca_issuer, c->issuer, sizeof(a->ca_issuer));
    const acme_directory_t *prefetched =
        a->discovery.directory.new_nonce[0] != '\0' ? &a->discovery.directory : NULL;
    ACME_LOGI(a->port, "CA %s, directory %s", c->issuer[0] != '\0' ? c->issuer : "(default)",
              c->directory);
    acme_ag_emit(a, ACME_EVENT_CA_SELECTED, ACME_OK, c->issuer);
    memset(&a->problem, 0, sizeof(a->problem));
    return acme_ag_order_begin(a, c->directory, prefetched);
}

acme_status_t acme_ag_discovery_step(acme_agent_t *a)
{
    acme_discovery_action_t act = acme_discovery_next(&a->discovery);
    switch (act.kind) {
    case ACME_DISC_CAA:
        start_caa_lookup(a);
        return ACME_WOULD_BLOCK;
    case ACME_DISC_FETCH:
        start_fetch(a);
        return ACME_WOULD_BLOCK;
    case ACME_DISC_READY: {
        acme_status_t st = start_order_with_current(a);
        return st == ACME_OK ? ACME_WOULD_BLOCK : st;
    }
    case ACME_DISC_DONE:
        return ACME_OK;
    default:
        if (a->problem.detail[0] == '\0') {
            acme_ag_set_problem_detail(a, a->discovery.detail);
        }
        return a->discovery.status;
    }
}

void acme_ag_discovery_dns_poll(acme_agent_t *a, uint64_t now_ms)
{
    acme_status_t st = acme_dns_client_poll(&a->dns, now_ms, NULL);
    if (st == ACME_WOULD_BLOCK) {
        return;
    }
    a->exchange = XCHG_NONE;
    acme_caa_record_t records[ACME_CAA_RECORDS_MAX];
    size_t count = 0;
    if (st == ACME_OK) {
        acme_dns_answer_iter_t it;
        acme_dns_rr_t rr;
        if (acme_dns_client_records(&a->dns, &it) == ACME_OK) {
            while (count < ACME_CAA_RECORDS_MAX &&
                   acme_dns_client_next_record(&a->dns, &it, &rr) == ACME_OK) {
                acme_caa_record_t *r = &records[count];
                if (acme_caa_record_parse(rr.rdata, rr.rdlen, r) == ACME_OK) {
                    count++;
                } else if (rr.rdlen > 0 && (rr.rdata[0] & ACME_CAA_FLAG_CRITICAL) != 0) {
                    /* An unreadable critical record is still critical:
                     * treat it as a property we do not understand. */
                    memset(r, 0, sizeof(*r));
                    r->flags = rr.rdata[0];
                    r->tag_kind = ACME_CAA_TAG_OTHER;
                    count++;
                }
            }
        }
    }
    /* The records point into the DNS client's buffer: hand them over
     * before the client is reused. */
    acme_discovery_on_caa(&a->discovery, st, records, count);
    acme_dns_client_close(&a->dns);
}

void acme_ag_discovery_exchange_done(acme_agent_t *a, acme_status_t st)
{
    acme_discovery_t *d = &a->discovery;
    size_t pos = d->current;
    uint8_t index = pos < d->order_count ? d->order[pos] : 0;
    if (st != ACME_OK) {
        acme_discovery_on_fetch_error(d, acme_ag_exchange_status(a, st));
    } else {
        acme_discovery_on_fetch(d, &a->http.resp);
    }
    const acme_ca_candidate_t *c = &d->candidates[index];
    if (pos < d->order_count && c->skip != ACME_CA_USABLE) {
        /* Do not keep a connection to a CA that just failed. A good one
         * stays open: the order usually goes to the same server. */
        acme_http_client_close(&a->http);
    }
    if (!a->discover_only && pos < d->order_count && c->skip != ACME_CA_USABLE) {
        /* A CA that wants EAB is not failing: no cool-down, but the user
         * should know why it was passed over. */
        bool eab = c->skip == ACME_CA_SKIP_EAB_REQUIRED;
        const char *why = eab                   ? "it requires external account binding and "
                                                  "none is configured for it"
                          : c->skip_why != NULL ? c->skip_why
                                                : acme_strerror(c->skip_status);
        notice_ca_failure(a, c->issuer, c->skip_status, why, !eab);
    }
}

acme_status_t acme_ag_discovery_order_failed(acme_agent_t *a, acme_status_t st)
{
    if (!a->discovered || !ca_attributable(st)) {
        return st;
    }
    const acme_problem_t *p = a->problem.detail[0] != '\0' ? &a->problem : &a->order.problem;
    char why[ACME_PROBLEM_DETAIL_MAX + 96];
    size_t n = 0;
    const char *parts[] = {acme_strerror(st), p->detail[0] != '\0' ? ": " : "", p->detail};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        for (const char *q = parts[i]; *q != '\0' && n + 1 < sizeof(why); q++) {
            why[n++] = *q;
        }
    }
    why[n] = '\0';
    notice_ca_failure(a, a->ca_issuer, st, why, true);
    acme_http_client_close(&a->http);
    acme_discovery_issue_failed(&a->discovery, st);
    a->state = AGENT_DISCOVERING;
    memset(&a->problem, 0, sizeof(a->problem));
    return ACME_WOULD_BLOCK;
}

#endif /* ACME_ENABLE_DISCOVERY */
