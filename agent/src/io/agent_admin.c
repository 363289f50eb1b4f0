/*
 * Management runs: revoking the installed certificate and deactivating
 * the account, each with the account stored at the CA concerned, and what
 * their success changes in the store.
 */
#include <string.h>

#include "io/agent_internal.h"

#if ACME_ENABLE_ACCOUNT_ADMIN

acme_status_t acme_ag_admin_begin(acme_agent_t *a, uint8_t op, uint8_t reason)
{
    acme_ca_info_t ca;
    size_t der_len = 0;
    a->run_op = op; /* a refused run is no failed issuance either */
    acme_status_t st = acme_ag_state_read_ca_info(a, &ca);
    const char *directory = st == ACME_OK ? ca.directory : NULL;
    if (directory == NULL && op == ACME_OP_DEACTIVATE) {
        directory = a->cfg->directory_url;
    }
    if (directory == NULL) {
        acme_ag_set_problem_detail(a, ACME_TEXT("no installed certificate"));
        return ACME_ERR_NOT_FOUND;
    }
    if (st == ACME_OK) {
        memcpy(a->ca_issuer, ca.issuer, sizeof(a->ca_issuer));
    }
    if (op == ACME_OP_REVOKE) {
        /* The CSR buffer is idle outside an issuance. */
        st = acme_ag_state_leaf_der(a, a->csr, sizeof(a->csr), &der_len);
        if (st != ACME_OK) {
            acme_ag_set_problem_detail(a, ACME_TEXT("cannot read the installed certificate"));
            return st;
        }
    }
    return acme_ag_order_begin_admin(a, directory, op, a->csr, der_len, reason);
}

acme_status_t acme_ag_admin_finish(acme_agent_t *a, acme_status_t st)
{
    if (st != ACME_OK) {
        return st;
    }
    if (a->run_op == ACME_OP_REVOKE) {
        ACME_LOGI(a->port, "certificate revoked");
        acme_ag_state_note_revoked(a);
        acme_ag_emit(a, ACME_EVENT_CERT_REVOKED, ACME_OK, ""); /* names: none when read-only */
        return ACME_OK;
    }
    ACME_LOGI(a->port, "account %s deactivated", a->order.account_url);
    acme_ag_emit(a, ACME_EVENT_ACCOUNT_DEACTIVATED, ACME_OK, a->order.account_url);
    st = acme_ag_state_forget_account(a, a->ca_directory);
    if (st != ACME_OK) {
        acme_ag_set_problem_detail(a, ACME_TEXT("deactivated, but the stored account remains"));
    }
    return st;
}

#endif /* ACME_ENABLE_ACCOUNT_ADMIN */
