/*
 * Small helpers every part of the agent uses: events, the wall clock,
 * problem details, starting an HTTPS exchange, and the configured CA table.
 * The bottom of the agent's files: it calls none of them.
 */
#include <string.h>

#include "ascii.h"
#include "io/agent_internal.h"

void acme_ag_emit(acme_agent_t *a, acme_event_type_t type, acme_status_t status, const char *detail)
{
    if (a->cfg->on_event != NULL) {
        acme_event_t ev = {type, status, detail};
        a->cfg->on_event(a->cfg->event_ctx, &ev);
    }
}

int64_t acme_ag_wall_now(const acme_agent_t *a)
{
    return a->port->clock->wall_s(a->port->clock_ctx);
}

void acme_ag_clear_problem(acme_agent_t *a)
{
    memset(&a->problem, 0, sizeof(a->problem));
}

#if ACME_ERROR_TEXT
void acme_ag_set_problem_detail(acme_agent_t *a, const char *detail)
{
    acme_ag_clear_problem(a);
    size_t n = strlen(detail);
    if (n >= sizeof(a->problem.detail)) {
        n = sizeof(a->problem.detail) - 1;
    }
    memcpy(a->problem.detail, detail, n);
}
#endif

acme_status_t acme_ag_begin_exchange(acme_agent_t *a, uint8_t which, const acme_url_t *url,
                                     size_t len, bool head_only)
{
    acme_status_t st = acme_http_client_begin(&a->http, url, a->tx, len, head_only, a->now_ms);
    a->exchange = st == ACME_OK ? which : XCHG_NONE;
    return st;
}

acme_status_t acme_ag_exchange_status(acme_agent_t *a, acme_status_t st)
{
    if ((st == ACME_ERR_TLS_VERIFY || st == ACME_ERR_TLS) &&
        acme_arena_headroom(&a->arena) < AGENT_TLS_HEADROOM) {
        /* mbedTLS reports a signature check that ran out of memory as an
         * untrusted chain. With the arena full to (nearly) the top that is
         * the likelier cause; with room left it cannot be. */
        acme_ag_set_problem_detail(a, ACME_TEXT("the arena ran out during the TLS handshake"));
        return ACME_ERR_NO_MEMORY;
    }
    return st;
}

/* ---- the configured CA table ------------------------------------------------------ */

#if ACME_ENABLE_DISCOVERY || ACME_ENABLE_EAB
const acme_ca_entry_t *acme_ag_ca_entry(const acme_agent_t *a, const char *issuer,
                                        const char *directory_url)
{
    for (size_t i = 0; i < a->cfg->ca_count; i++) {
        const acme_ca_entry_t *e = &a->cfg->cas[i];
        if (issuer != NULL && issuer[0] != '\0' && e->issuer != NULL &&
            acme_ascii_eq_nocase(e->issuer, strlen(e->issuer), issuer, strlen(issuer))) {
            return e;
        }
        if (directory_url != NULL && e->directory_url != NULL &&
            strcmp(e->directory_url, directory_url) == 0) {
            return e;
        }
    }
    return NULL;
}
#endif /* ACME_ENABLE_DISCOVERY || ACME_ENABLE_EAB */
