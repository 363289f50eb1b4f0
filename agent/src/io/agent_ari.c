/*
 * ARI (RFC 9773) in the agent: which certificate a renewal replaces, the
 * ARI check run (the order engine's ACME_OP_ARI_CHECK flow against the CA that issued
 * the installed certificate), and what its answer leaves in the store.
 */
#include <string.h>

#include "acme/codec/crc32.h"
#include "io/agent_internal.h"

#if ACME_ENABLE_ARI

acme_status_t acme_ag_ari_prepare(acme_agent_t *a, acme_ca_info_t *ca)
{
    acme_ag_cert_facts_t facts;
    acme_renewal_info_t r;
    a->cert_id[0] = '\0';
    acme_status_t st = acme_ag_state_cert_facts(a, &facts);
    if (st == ACME_OK) {
        st = acme_ag_state_read_ca_info(a, ca);
    }
    acme_ag_state_renewal(a, &r);
    /* After alreadyReplaced the certificate names no renewal any more. */
    if (st != ACME_OK || facts.cert_id[0] == '\0' || r.replaced) {
        return ACME_ERR_NOT_FOUND;
    }
    memcpy(a->cert_id, facts.cert_id, sizeof(a->cert_id));
    a->cert_not_after_s = facts.not_after_s; /* the check's end: parsed once */
    /* A CRC, not the URL (257 bytes of RAM): "replaces" goes only to the
     * CA that issued the certificate, and another CA's directory URL
     * colliding with it is a 2^-32 chance that costs one refused order. */
    a->cert_ca_crc = acme_crc32(0, ca->directory, strlen(ca->directory));
    return ACME_OK;
}

acme_status_t acme_ag_ari_begin(acme_agent_t *a)
{
    acme_ca_info_t ca;
    a->run_op = ACME_OP_ARI_CHECK; /* even a refused check is no failed issuance */
    a->ari_retry_after_s = -1;
    acme_status_t st = acme_ag_ari_prepare(a, &ca);
    if (st != ACME_OK) {
        acme_ag_set_problem_detail(a, ACME_TEXT("no installed certificate with an ARI certID"));
        return st;
    }
    memcpy(a->ca_directory, ca.directory, sizeof(a->ca_directory));
    memcpy(a->ca_issuer, ca.issuer, sizeof(a->ca_issuer));
    acme_order_params_t params;
    memset(&params, 0, sizeof(params));
    params.directory_url = a->ca_directory;
    params.names = a->cfg->names;
    params.name_count = a->cfg->name_count;
    params.cert_id = a->cert_id;
    params.op = ACME_OP_ARI_CHECK;
    st = acme_order_start(&a->order, &params, a->now_ms);
    if (st == ACME_OK) {
        a->state = AGENT_ISSUING;
        ACME_LOGI(a->port, "checking renewalInfo at %s", a->ca_directory);
    }
    return st;
}

acme_status_t acme_ag_ari_finish(acme_agent_t *a, acme_status_t st)
{
    int64_t now = acme_ag_wall_now(a);
    acme_renewal_window_t window;
    memset(&window, 0, sizeof(window));
    if (st == ACME_OK) {
        const acme_http_response_t *resp = &a->http.resp;
        st = acme_renewal_window_read(resp->body, resp->body_len, &window);
        if (st != ACME_OK) {
            /* end <= start included: no answer (RFC 9773 §4.2). */
            acme_ag_set_problem_detail(a, ACME_TEXT("unusable renewalInfo answer"));
        }
    }
    if (now == ACME_TIME_UNKNOWN) {
        return st; /* nothing is planned from an unknown clock */
    }
    /* A good answer's Retry-After paces the next check; an error's too,
     * when it has one; else 6 hours. */
    int64_t next = acme_ari_next_poll(now, a->ari_retry_after_s, a->cert_not_after_s, false);
    acme_ag_state_set_ari(a, window.start_s, window.end_s, next);
    if (st == ACME_OK) {
        /* No 64-bit printf: newlib-nano has none. status shows the times. */
        ACME_LOGI(a->port, "renewalInfo window stored%s%s",
                  window.explanation_url[0] != '\0' ? "; the CA explains: " : "",
                  window.explanation_url);
        acme_ag_emit(a, ACME_EVENT_ARI_UPDATED, ACME_OK, window.explanation_url);
    }
    return st;
}

#endif /* ACME_ENABLE_ARI */
