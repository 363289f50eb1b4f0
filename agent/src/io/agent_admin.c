/*
 * Management runs: revoking the installed certificate, deactivating the
 * account and rolling it over to a new key, each with the account stored
 * at the CA concerned, and what their success changes in the store.
 *
 * A key rollover is safe against power loss at any instant: the new key is
 * stored (with the account's directory and URL) before keyChange is sent,
 * and becomes the account's key, in the same commit that drops it, only
 * once the CA confirmed. A restart in between cannot tell whether the CA
 * changed the key, so the next rollover run asks: newAccount with
 * onlyReturnExisting, signed with the stored new key. Until then the
 * account is not used (acme_ag_state_load_account), and acme_agent_next()
 * says to run the rollover.
 */
#include <string.h>

#include "acme/codec/jwk.h"
#include "io/agent_internal.h"

#if ACME_ENABLE_ACCOUNT_ADMIN

/* The rollover's new key: the stored one of an interrupted rollover
 * (*resume; at the directory it was for), else a new one for the account
 * at directory, stored now with that account. a->ca_directory is where the
 * account is; the new key's signer and JWK are set up. */
static acme_status_t prepare_rollover(acme_agent_t *a, const char *directory, bool *resume)
{
    struct acme_agent_crypto *c = a->crypto;
    acme_status_t st;
    *resume = acme_ag_state_rollover_directory(a, a->ca_directory, sizeof(a->ca_directory)) ==
              ACME_OK;
    if (*resume) {
        st = acme_ag_state_load_rollover_key(a);
        if (st != ACME_OK) {
            acme_ag_set_problem_detail(a, ACME_TEXT("cannot read the stored new account key"));
            return st;
        }
    } else {
        char account_url[ACME_URL_MAX + 1];
        if (directory == NULL || strlen(directory) > ACME_URL_MAX ||
            acme_ag_state_account_url(a, ACME_AG_ACCOUNT_DIRECTORY, directory, account_url,
                                      sizeof(account_url)) != ACME_OK) {
            acme_ag_set_problem_detail(a, ACME_TEXT("no account is stored for this CA"));
            return ACME_ERR_NOT_FOUND;
        }
        memmove(a->ca_directory, directory, strlen(directory) + 1);
        acme_key_free(&c->rollover_key);
        st = acme_key_generate(&c->rollover_key, ACME_KEY_P256, c->drbg);
        if (st == ACME_OK) {
            /* Stored before keyChange is sent: if the CA takes it and the
             * answer is lost, this key is the account's only key. */
            st = acme_ag_state_save_rollover(a, a->ca_directory, account_url);
            if (st != ACME_OK) {
                acme_ag_set_problem_detail(a, ACME_TEXT("cannot store the new account key"));
                return st;
            }
        }
    }
    acme_public_key_t pub;
    size_t jwk_len = 0;
    if (st == ACME_OK) {
        acme_soft_signer_init(&c->rollover_signer, &c->rollover_state, c->rollover_key, c->drbg);
        st = acme_key_public(c->rollover_key, &pub);
    }
    if (st == ACME_OK) {
        st = acme_jwk_write_key(&pub, a->rollover_jwk, sizeof(a->rollover_jwk), &jwk_len);
    }
    return st;
}

acme_status_t acme_ag_admin_begin(acme_agent_t *a, uint8_t op, uint8_t reason)
{
    acme_ca_info_t ca;
    size_t der_len = 0;
    bool resume = false;
    a->run_op = op; /* a refused run is no failed issuance either */
    bool installed = acme_ag_state_read_ca_info(a, &ca) == ACME_OK;
    const char *directory = installed              ? ca.directory
                            : op != ACME_OP_REVOKE ? a->cfg->directory_url
                                                   : NULL;
    acme_status_t st;
    if (op == ACME_OP_KEY_CHANGE) {
        /* An interrupted rollover is finished first, wherever it was. */
        st = prepare_rollover(a, directory, &resume);
        if (st != ACME_OK) {
            return st;
        }
        directory = a->ca_directory;
    }
    if (directory == NULL) {
        acme_ag_set_problem_detail(a, ACME_TEXT("no installed certificate"));
        return ACME_ERR_NOT_FOUND;
    }
    if (installed && strcmp(directory, ca.directory) == 0) {
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
    return acme_ag_order_begin_admin(a, directory, op, a->csr, der_len, reason, resume);
}

/* Keep the new key when the CA holds the account under it, drop it when the
 * CA refused it; anything else (no answer) leaves the rollover to finish. */
static acme_status_t rollover_finish(acme_agent_t *a, acme_status_t st)
{
    if (st == ACME_OK) {
        st = acme_ag_state_commit_rollover(a, a->ca_directory);
        if (st != ACME_OK) {
            acme_ag_set_problem_detail(a, ACME_TEXT("the CA changed the key, but storing it "
                                                    "failed: the next rollover run finishes it"));
            return st;
        }
        ACME_LOGI(a->port, "account %s now uses its new key%s", a->order.account_url,
                  a->order.key_already_changed ? " (the change had reached the CA before)" : "");
        acme_ag_emit(a, ACME_EVENT_ACCOUNT_KEY_CHANGED, ACME_OK, a->order.account_url);
        return ACME_OK;
    }
    if (a->order.key_change_refused && acme_ag_state_drop_rollover(a) == ACME_OK) {
        ACME_LOGW(a->port, "the CA refused the key change: the account keeps its key");
    }
    return st;
}

acme_status_t acme_ag_admin_finish(acme_agent_t *a, acme_status_t st)
{
    if (a->run_op == ACME_OP_KEY_CHANGE) {
        return rollover_finish(a, st);
    }
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
