/*
 * What the agent's files share. The agent is split by job:
 *   agent.c            public API, the poll loop, results and stored-state readers
 *   agent_order.c      driving the order engine: signed requests, nonces,
 *                      badNonce, installing the certificate
 *   agent_discovery.c  driving discovery: CAA lookups, directory fetches,
 *                      fallback across CAs and cool-down
 *   agent_ari.c        ARI: the certificate a renewal replaces, the ARI
 *                      check run and what its answer leaves in the store
 *   agent_admin.c      management runs: revocation, account deactivation
 *   agent_state.c      what the agent keeps in the store: account key, accounts
 *                      per CA, the installed chain with its key and CA, cool-downs
 *   agent_common.c     helpers all of them use (events, clock, problem details,
 *                      exchanges, the CA table)
 * Calls go down that list only: agent.c -> agent_discovery.c -> agent_ari.c
 * -> agent_admin.c -> agent_order.c -> agent_state.c -> agent_common.c.
 *
 * Functions shared between these files carry the prefix acme_ag_: exported
 * from the library (every exported symbol starts with acme_), but not part
 * of the public API (acme_agent_*).
 */
#ifndef ACME_IO_AGENT_INTERNAL_H
#define ACME_IO_AGENT_INTERNAL_H

#include "acme/agent.h"
#include "crypto/crypto.h"
#include "io/log.h"
#include "io/tls.h"

enum agent_state {
    AGENT_IDLE = 0,
    AGENT_DISCOVERING, /* the discovery engine is choosing a CA */
    AGENT_ISSUING,     /* the order engine runs against one CA */
    AGENT_FINISHED
};

enum agent_exchange {
    XCHG_NONE = 0,
    XCHG_NONCE, /* HEAD newNonce, then the order engine's request */
    XCHG_ORDER, /* the order engine's request */
    XCHG_FETCH, /* a discovery directory fetch */
    XCHG_CAA    /* a discovery CAA lookup (DNS client, not HTTP) */
};

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
#if ACME_ENABLE_ACCOUNT_ADMIN
    acme_key_t *rollover_key; /* the account's new key during a key rollover */
    acme_soft_signer_t rollover_state;
    acme_signer_t rollover_signer;
#endif
    bool account_key_unsaved;
};

/* ---- agent_common.c ------------------------------------------------------------ */

void acme_ag_emit(acme_agent_t *a, acme_event_type_t type, acme_status_t status,
                  const char *detail);
int64_t acme_ag_wall_now(const acme_agent_t *a);
/* Clear the problem (one copy of the large memset for every caller), and
 * clear it and set the agent's own detail. Without ACME_ERROR_TEXT the
 * detail stays empty and is not even passed. */
void acme_ag_clear_problem(acme_agent_t *a);
#if ACME_ERROR_TEXT
void acme_ag_set_problem_detail(acme_agent_t *a, const char *detail);
#else
#define acme_ag_set_problem_detail(a, detail) acme_ag_clear_problem(a)
#endif
/* Start an HTTPS exchange of a->tx[0..len) for url; `which` says who gets
 * the response. */
acme_status_t acme_ag_begin_exchange(acme_agent_t *a, uint8_t which, const acme_url_t *url,
                                     size_t len, bool head_only);
/* Turn a TLS failure under arena pressure into ACME_ERR_NO_MEMORY. */
acme_status_t acme_ag_exchange_status(acme_agent_t *a, acme_status_t st);
/* The configured CA entry for an issuer or a directory URL (NULL: none).
 * Only discovery and EAB read the CA table. */
#if ACME_ENABLE_DISCOVERY || ACME_ENABLE_EAB
const acme_ca_entry_t *acme_ag_ca_entry(const acme_agent_t *a, const char *issuer,
                                        const char *directory_url);
#endif

/* ---- agent_ari.c -------------------------------------------------------------- */

#if ACME_ENABLE_ARI
/* The installed certificate's certID into a->cert_id, its notAfter into
 * a->cert_not_after_s, its CA into ca and that directory's CRC into
 * a->cert_ca_crc, so that an order at that CA names it in "replaces" (and
 * the check's answer is planned without parsing it again);
 * ACME_ERR_NOT_FOUND (cert_id "") when there is no certificate, it has no
 * certID, or the CA said it was already replaced. */
acme_status_t acme_ag_ari_prepare(acme_agent_t *a, acme_ca_info_t *ca);
/* Start the ARI check of the installed certificate at its CA. */
acme_status_t acme_ag_ari_begin(acme_agent_t *a);
/* The ARI check ended with st: store the window and the next check. Returns
 * the run's final status. */
acme_status_t acme_ag_ari_finish(acme_agent_t *a, acme_status_t st);
#endif

/* ---- agent_admin.c ------------------------------------------------------------ */

#if ACME_ENABLE_ACCOUNT_ADMIN
/* Start revoking the installed certificate, or deactivating the account at
 * its CA (without one: at the configured directory), or rolling that
 * account over to a new key (or finishing the rollover a restart cut
 * short). */
acme_status_t acme_ag_admin_begin(acme_agent_t *a, uint8_t op, uint8_t reason);
/* The management run ended with st: keep what it changed. */
acme_status_t acme_ag_admin_finish(acme_agent_t *a, acme_status_t st);
#endif

/* ---- agent_order.c ------------------------------------------------------------ */

/* Start the order engine against directory_url (prefetched: already
 * fetched by discovery, or NULL). */
acme_status_t acme_ag_order_begin(acme_agent_t *a, const char *directory_url,
                                  const acme_directory_t *prefetched);
#if ACME_ENABLE_ACCOUNT_ADMIN
/* Start a management run (ACME_OP_REVOKE, ACME_OP_DEACTIVATE,
 * ACME_OP_KEY_CHANGE) with the account stored for directory_url;
 * ACME_ERR_NOT_FOUND when there is none. A key change signs with
 * crypto->rollover_key, whose JWK is a->rollover_jwk, and asks first
 * whether that key already holds the account when probe is set. */
acme_status_t acme_ag_order_begin_admin(acme_agent_t *a, const char *directory_url, uint8_t op,
                                        const uint8_t *cert_der, size_t cert_der_len,
                                        uint8_t reason, bool probe);
#endif
/* One engine action. ACME_WOULD_BLOCK to go on (*waiting set with
 * *wait_until when the engine waits); anything else ends the order. */
acme_status_t acme_ag_order_step(acme_agent_t *a, uint64_t *wait_until, bool *waiting);
void acme_ag_order_exchange_done(acme_agent_t *a, uint8_t which, acme_status_t st);

/* ---- agent_discovery.c -------------------------------------------------------- */

acme_status_t acme_ag_discovery_begin(acme_agent_t *a, bool fetch_all);
/* One discovery action (may begin an order). Same return convention. */
acme_status_t acme_ag_discovery_step(acme_agent_t *a);
void acme_ag_discovery_exchange_done(acme_agent_t *a, acme_status_t st);
/* Advance a running CAA lookup. */
void acme_ag_discovery_dns_poll(acme_agent_t *a, uint64_t now_ms);
/* The order with the current CA ended with st (not OK). Returns
 * ACME_WOULD_BLOCK when another CA will be tried, else the final status. */
acme_status_t acme_ag_discovery_order_failed(acme_agent_t *a, acme_status_t st);

/* ---- agent_state.c ------------------------------------------------------------- */

/* A private key record: DER, sealed under the port's device secret when
 * there is one (crypto/seal.h). */
#if ACME_ENABLE_KEY_SEAL
#define ACME_AG_KEY_RECORD_MAX (ACME_KEY_DER_MAX + 30u)
#else
#define ACME_AG_KEY_RECORD_MAX ACME_KEY_DER_MAX
#endif
/* Read the key record of type into der (opened when sealed): its DER.
 * ACME_ERR_KEY_SEALED when it is sealed and the port has no secret, or not
 * this device's. */
acme_status_t acme_ag_state_read_key(acme_agent_t *a, uint16_t type,
                                     uint8_t der[ACME_AG_KEY_RECORD_MAX], size_t *len);

/* Accounts, one per CA (directory), each with its own key. */
typedef enum acme_ag_account_field {
    ACME_AG_ACCOUNT_DIRECTORY = 0,
    ACME_AG_ACCOUNT_URL,
    ACME_AG_ACCOUNT_ISSUER
} acme_ag_account_field_t;
/* The account at directory into crypto->account_key and url ("" when the
 * server has not answered newAccount yet); without one a new key is
 * generated (account_key_unsaved: stored just before its first use). */
acme_status_t acme_ag_state_load_account(acme_agent_t *a, const char *directory, char *url,
                                         size_t cap);
/* The URL of the first account whose field (directory or issuer) equals
 * value, or (value NULL) of any account; ACME_ERR_NOT_FOUND when none. */
acme_status_t acme_ag_state_account_url(acme_agent_t *a, acme_ag_account_field_t field,
                                        const char *value, char *url, size_t cap);
/* Store crypto->account_key as the account at directory (account_url ""
 * before newAccount answered). */
acme_status_t acme_ag_state_save_account(acme_agent_t *a, const char *issuer, const char *directory,
                                         const char *account_url);
/* Store the checked chain with the device key and the CA that issued it. */
acme_status_t acme_ag_state_install(acme_agent_t *a, const char *chain, size_t len);
/* The order in progress: its directory and URL with the new device key
 * (one commit, when the CA has created it); after a restart the key back
 * into crypto->device_key (ACME_ERR_NOT_FOUND when there is none), and the
 * order's URL when it was created at directory ("" otherwise). */
acme_status_t acme_ag_state_save_pending(acme_agent_t *a, const char *directory,
                                         const char *order_url);
acme_status_t acme_ag_state_load_pending_key(acme_agent_t *a);
void acme_ag_state_pending_order(acme_agent_t *a, const char *directory, char *order_url,
                                 size_t cap);
/* Renewal bookkeeping (ACME_REC_RENEWAL): read (zeros when absent or not
 * ours), a failed run counted with its time and status, the result of an
 * ARI check (the window when end > start, else the old one kept; the time
 * of the next check), and alreadyReplaced seen. Each keeps the rest.
 * Install drops the record. */
void acme_ag_state_renewal(acme_agent_t *a, acme_renewal_info_t *r);
void acme_ag_state_note_failure(acme_agent_t *a, acme_status_t status);
void acme_ag_state_set_ari(acme_agent_t *a, int64_t start_s, int64_t end_s, int64_t next_check_s);
void acme_ag_state_note_replaced(acme_agent_t *a);
/* The installed certificate was revoked: renewal then treats it as none. */
void acme_ag_state_note_revoked(acme_agent_t *a);
/* Drop the account (URL and key) stored for directory, in one commit. */
acme_status_t acme_ag_state_forget_account(acme_agent_t *a, const char *directory);
#if ACME_ENABLE_ACCOUNT_ADMIN
/* Key rollover (ACME_REC_ROLLOVER_KEY, ACME_REC_ROLLOVER): the new key in
 * crypto->rollover_key stored with the account's directory and URL before
 * keyChange is sent; the directory of a stored one (ACME_ERR_NOT_FOUND
 * when none), and its key back into crypto->rollover_key; the change
 * confirmed: the new key becomes the account's and the rollover goes (one
 * commit); or refused: the rollover goes. */
acme_status_t acme_ag_state_save_rollover(acme_agent_t *a, const char *directory,
                                          const char *account_url);
acme_status_t acme_ag_state_rollover_directory(acme_agent_t *a, char *directory, size_t cap);
acme_status_t acme_ag_state_load_rollover_key(acme_agent_t *a);
acme_status_t acme_ag_state_commit_rollover(acme_agent_t *a, const char *directory);
acme_status_t acme_ag_state_drop_rollover(acme_agent_t *a);
#endif
/* The installed leaf certificate as DER into out[0..cap). */
acme_status_t acme_ag_state_leaf_der(acme_agent_t *a, uint8_t *out, size_t cap, size_t *len);
/* The installed certificate, read through the idle HTTP body and request
 * buffers (so never while an exchange is in flight): its RFC 9773 certID
 * (ACME_ERR_NOT_FOUND without a certificate or an AKI), and what the
 * renewal plan needs (ACME_ERR_NOT_FOUND when none is installed). */
typedef struct acme_ag_cert_facts {
    int64_t not_before_s;
    int64_t not_after_s;
    uint32_t serial_crc; /* the plan's random value */
#if ACME_ENABLE_ARI
    char cert_id[ACME_ARI_CERT_ID_MAX]; /* "" when it has no certID */
#endif
} acme_ag_cert_facts_t;
acme_status_t acme_ag_state_cert_id(acme_agent_t *a, char *out, size_t cap);
acme_status_t acme_ag_state_cert_facts(acme_agent_t *a, acme_ag_cert_facts_t *f);
/* Cool-downs: load at init, add after a CA failure (persisted when the
 * wall clock is known), query. */
void acme_ag_state_load_cooldowns(acme_agent_t *a);
void acme_ag_state_add_cooldown(acme_agent_t *a, const char *issuer);
bool acme_ag_state_cooling(const acme_agent_t *a, const char *issuer);
acme_status_t acme_ag_state_read_ca_info(acme_agent_t *a, acme_ca_info_t *out);

#endif /* ACME_IO_AGENT_INTERNAL_H */
