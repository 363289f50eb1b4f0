/*
 * The embedded ACME agent: what an integrator includes.
 *
 * Memory: acme_agent_t is a plain struct the integrator allocates (static is
 * normal); its size is fixed by config_defaults.h. One caller-provided arena
 * serves every allocation made for the agent (mbedTLS, cJSON); the agent
 * itself never calls malloc. The arena is process-wide (see io/arena.h).
 *
 * Driving: acme_agent_poll() is the only function that does work. It never
 * blocks and returns how long the caller may sleep before calling it again
 * (earlier is always fine; a socket becoming ready is a reason to call it
 * early). acme_agent_run() is a blocking helper for RTOS tasks and Linux
 * programs that loops poll() and the port's wait seam.
 *
 * Ownership: the config, the port and everything they point to (names,
 * URLs, trust anchors) must stay valid and unchanged while the agent lives.
 * All fields of acme_agent_t are private.
 *
 * Errors: every function returns an acme_status_t (status.h). After a failed
 * issuance, acme_agent_problem() holds the CA's problem document (or the
 * agent's own explanation) and acme_agent_low_level() the TLS detail.
 * A failed or interrupted issuance never changes the stored certificate.
 */
#ifndef ACME_AGENT_H
#define ACME_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/codec/ari.h"
#include "acme/config_defaults.h"
#include "acme/engine/discovery.h"
#include "acme/engine/order.h"
#include "acme/engine/renewal.h"
#include "acme/io/arena.h"
#include "acme/io/dns_client.h"
#include "acme/io/http01_server.h"
#include "acme/io/http_client.h"
#include "acme/io/store.h"
#include "acme/port.h"
#include "acme/status.h"
#include "acme/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Events ---------------------------------------------------------------- */

typedef enum acme_event_type {
    ACME_EVENT_ACCOUNT_CREATED = 1, /* a new account was registered and stored */
    ACME_EVENT_ORDER_CREATED,       /* detail: the order URL */
    ACME_EVENT_CHALLENGE_SERVED,    /* detail: the token served */
    ACME_EVENT_CERT_INSTALLED,      /* a new certificate is stored */
    ACME_EVENT_ISSUE_FAILED,        /* status: why; see acme_agent_problem() */
    ACME_EVENT_CA_SELECTED,         /* discovery chose a CA; detail: "issuer directory" */
    ACME_EVENT_CA_FAILED,           /* a discovered CA failed (even if another then
                                       succeeds); status: why;
                                       detail: "<issuer> failed: <reason>" */
    ACME_EVENT_ARI_UPDATED,         /* an ARI check stored the CA's renewal window;
                                       detail: its explanationURL (an https URL
                                       to show an operator: the CA says why, e.g.
                                       an incident), or "" */
    ACME_EVENT_CERT_REVOKED,        /* the CA confirmed the revocation */
    ACME_EVENT_ACCOUNT_DEACTIVATED, /* the CA deactivated the account; detail: its URL */
    ACME_EVENT_ACCOUNT_KEY_CHANGED  /* the account now uses a new key; detail: its URL */
} acme_event_type_t;

typedef struct acme_event {
    acme_event_type_t type;
    acme_status_t status;
    const char *detail; /* valid during the callback only; never a secret */
} acme_event_t;

typedef void (*acme_event_fn)(void *ctx, const acme_event_t *event);

/* ---- Configuration -------------------------------------------------------------- */

/* What the integrator knows about a CA: its directory when the CA does not
 * serve /.well-known/acme (public CAs do not yet), and its EAB credentials.
 * Matched by issuer domain during discovery, or by directory URL when the
 * directory is configured directly. */
typedef struct acme_ca_entry {
    const char *issuer;        /* CAA issuer-domain-name, e.g. "letsencrypt.org" */
    const char *directory_url; /* NULL: https://<issuer>/.well-known/acme */
    const char *eab_kid;       /* NULL: no external account binding */
    const uint8_t *eab_key;    /* the MAC key, decoded */
    size_t eab_key_len;
    uint8_t eab_alg; /* acme_eab_alg_t: the MAC the CA asked for; 0 is HS256 */
} acme_ca_entry_t;

typedef struct acme_agent_config {
    /* https://.../directory, or NULL to discover the CA from the names' CAA
     * records (draft-vanbrouwershaven-acme-auto-discovery-03). */
    const char *directory_url;
    const char *const *names;     /* DNS names for the certificate */
    size_t name_count;            /* 1..ACME_MAX_IDENTIFIERS */
    const char *contact;          /* "mailto:..." or NULL */
    acme_key_type_t key_type;     /* device key: ACME_KEY_P256 (default) or RSA2048 */
    bool terms_of_service_agreed; /* sent in newAccount; CAs require true */

    /* Preferred ACME profile (draft-ietf-acme-profiles), e.g. "shortlived":
     * asked for when the CA's directory lists it, else the CA's default.
     * NULL: the default. Needs ACME_ENABLE_PROFILES. */
    const char *profile;

    /* A device key made at the factory (private key DER, P-256, or RSA-2048
     * with ACME_ENABLE_RSA_KEYS): every order uses it instead of a key the
     * agent makes. NULL (the default): a new key per order, made on the
     * device. The bytes must stay valid while the agent runs. */
    const uint8_t *device_key_der;
    size_t device_key_der_len;

    /* Trust anchors for the ACME server's TLS certificate: PEM text of one
     * or more CA certificates. Verification cannot be turned off. */
    const char *trust_pem;
    size_t trust_pem_len;

    /* Built-in http-01 responder: port (0 = none; the integrator's own web
     * server then calls acme_agent_http01_lookup()) and bind address
     * (NULL = every local address). */
    uint16_t http01_port;
    const acme_ip_addr_t *http01_bind;

    /* Own DNS resolver for the ACME server's name (NULL: the port
     * resolves names). */
    const acme_ip_addr_t *dns_server;
    uint16_t dns_port;

    /* Discovery: the directory used when no name has CAA records (NULL:
     * fail instead), the CA table, how long a failed CA is kept out
     * (seconds; 0 = ACME_CA_COOLDOWN_S), and the tie-break seed (0: from the
     * DRBG; tests fix it). CAA is looked up through dns_server, or the
     * port's system resolver when that is NULL. */
    const char *default_directory;
    const acme_ca_entry_t *cas;
    size_t ca_count;
    uint32_t ca_cooldown_s;
    uint32_t discovery_seed;

    acme_event_fn on_event; /* optional */
    void *event_ctx;
} acme_agent_config_t;

/* ---- Statistics --------------------------------------------------------------------- */

typedef struct acme_agent_stats {
    uint32_t http_requests; /* of the last issuance */
    uint32_t tls_handshakes;
    uint32_t tcp_connects;
    uint32_t dns_queries;
    uint32_t badnonce_retries;
    uint32_t store_commits;
    uint32_t http01_served;
    uint32_t ca_failures; /* discovered CAs that failed (fallback taken) */
    uint32_t caa_lookups;
    size_t arena_peak; /* high-water mark of the arena, bytes */
    uint64_t issue_ms; /* duration of the last issuance */
} acme_agent_stats_t;

/* ---- The agent (fields are private) ---------------------------------------------- */

/* Largest CSR: RSA-2048 key and ACME_MAX_IDENTIFIERS long names. */
#ifndef ACME_CSR_MAX
#define ACME_CSR_MAX (700u + ACME_MAX_IDENTIFIERS * (ACME_DNS_NAME_MAX + 8u))
#endif

struct acme_agent_crypto; /* keys, DRBG, TLS configuration: in the arena */

typedef struct acme_agent {
    /* Scalars first, buffers last: fields at short offsets take shorter
     * instructions on Thumb-2, and the agent reads these all the time. */
    const acme_agent_config_t *cfg;
    const acme_port_t *port;
    struct acme_agent_crypto *crypto;
    uint8_t state;
    acme_status_t last_status;
    uint8_t exchange; /* what the HTTP client is doing */
    uint8_t badnonce_left;
    bool discover_only; /* resolve candidates, issue nothing */
    bool discovered;    /* this run chooses its CA by discovery */
    uint8_t run_op;     /* acme_order_op_t: what this run does */
#if ACME_ENABLE_ARI
    uint32_t cert_ca_crc;       /* CRC-32 of the installed certificate's CA directory */
    int64_t ari_retry_after_s;  /* of the renewalInfo answer; -1: none */
    int64_t cert_not_after_s;   /* the installed certificate's, read with cert_id */
#endif
    size_t csr_len;
    uint64_t issue_started_ms;
    uint64_t now_ms;
    acme_arena_t arena;
    acme_agent_stats_t stats;
    acme_store_t store;

    /* Then the small buffers the code names, ahead of the large blocks:
     * their offsets stay short too. */
    char nonce[ACME_NONCE_MAX + 1];
    char jwk[160];
    char thumbprint[48];
    char ca_issuer[ACME_CAA_ISSUER_MAX + 1]; /* CA in use ("" when configured) */
    char ca_directory[ACME_URL_MAX + 1];
#if ACME_ENABLE_ARI
    char cert_id[ACME_ARI_CERT_ID_MAX]; /* the installed certificate's; "" when none */
#endif
#if ACME_ENABLE_ACCOUNT_ADMIN
    char rollover_jwk[160]; /* the new account key's JWK during a key rollover */
#endif
    acme_problem_t problem; /* kept after the order is gone */
    acme_order_t order;
    acme_http_client_t http;
#if ACME_ENABLE_DNS_CLIENT
    acme_dns_client_t dns;
#endif
    acme_http01_server_t http01;

#if ACME_ENABLE_DISCOVERY
    acme_discovery_t discovery;
    char account_scratch[ACME_URL_MAX + 1]; /* answers discovery's account lookups */
    struct acme_agent_cooldown {
        char issuer[ACME_CAA_ISSUER_MAX + 1];
        int64_t until_wall_s; /* 0: unknown wall clock, RAM only */
        uint64_t until_ms;
    } cooldown[ACME_CA_COOLDOWN_MAX];
#endif

    uint8_t csr[ACME_CSR_MAX];
    uint8_t tx[ACME_HTTP_TX_MAX];
} acme_agent_t;

/* ---- API ------------------------------------------------------------------------- */

/* Set up the agent: take over the arena, seed the DRBG from the port's rng,
 * mount the store. Nothing is sent. A config without directory_url and
 * names opens the stored state read-only (status, export): issuing then
 * fails with ACME_ERR_CONFIG. Errors: ACME_ERR_INVALID_ARG /
 * ACME_ERR_CONFIG (unusable config: no names, a wildcard, no trust PEM, a
 * CA entry with an EAB kid but no key or an eab_alg outside acme_eab_alg_t),
 * ACME_ERR_RNG, ACME_ERR_NO_MEMORY, ACME_ERR_FLASH. Trust PEM that holds no
 * usable certificate is only found when a run starts (ACME_ERR_CONFIG with
 * a problem detail), because parsing it takes the arena. */
acme_status_t acme_agent_init(acme_agent_t *agent, const acme_agent_config_t *cfg,
                              const acme_port_t *port, uint8_t *arena, size_t arena_size);

/* Begin an issuance for cfg->names (keys are created and stored as needed).
 * ACME_ERR_BAD_STATE while one is running. */
acme_status_t acme_agent_start_issue(acme_agent_t *agent, uint64_t now_ms);

/* Do whatever can be done now. Returns ACME_WOULD_BLOCK while an issuance
 * runs (*sleep_ms: poll again within this long), ACME_OK when it ended with a
 * new certificate installed, or the error that ended it. With nothing
 * running it returns the last result again. */
acme_status_t acme_agent_poll(acme_agent_t *agent, uint64_t now_ms, uint32_t *sleep_ms);

/* Blocking helper: start an issuance and poll/wait until it ends. Needs the
 * port's clock and wait seams. */
acme_status_t acme_agent_run(acme_agent_t *agent);

/* For devices whose own web server handles port 80: give the request path
 * of GET /.well-known/acme-challenge/<token>. ACME_OK with the key
 * authorization in out (serve it as text/plain, status 200), or
 * ACME_ERR_NOT_FOUND (serve 404). Calling it also tells the agent that the
 * CA has fetched the token, which shortens polling. */
acme_status_t acme_agent_http01_lookup(acme_agent_t *agent, const char *path, size_t path_len,
                                       char *out, size_t cap, size_t *len);

/* The problem document (or the agent's explanation) of the last failure;
 * http_status 0 and empty strings when there is none. */
const acme_problem_t *acme_agent_problem(const acme_agent_t *agent);

/* Low-level detail of the last TLS failure (mbedTLS code, X.509 verify
 * flags); zeros when none. */
void acme_agent_low_level(const acme_agent_t *agent, int32_t *tls_code, uint32_t *verify_flags);

void acme_agent_stats(const acme_agent_t *agent, acme_agent_stats_t *out);

/* ---- Stored state ---------------------------------------------------------------- */

/* Facts about the installed certificate. ACME_ERR_NOT_FOUND when none. */
acme_status_t acme_agent_cert_info(acme_agent_t *agent, acme_cert_info_t *info);

/* The installed certificate chain (PEM) and a NUL. */
acme_status_t acme_agent_read_chain(acme_agent_t *agent, char *out, size_t cap, size_t *len);

/* The installed certificate's private key as PEM and a NUL (for a local TLS
 * server). The caller must treat out as secret and zeroise it. */
acme_status_t acme_agent_read_device_key_pem(acme_agent_t *agent, char *out, size_t cap,
                                             size_t *len);

/* The account URL stored for the CA of the installed certificate (or, with
 * nothing installed, the first stored account), or ACME_ERR_NOT_FOUND. */
acme_status_t acme_agent_account_url(acme_agent_t *agent, char *out, size_t cap);

/* The CA that issued the installed certificate. ACME_ERR_NOT_FOUND when none. */
acme_status_t acme_agent_ca_info(acme_agent_t *agent, acme_ca_info_t *info);

/* Renewal bookkeeping, kept in the store so that a reboot does not reset
 * it: issuance runs that failed since the last certificate was installed,
 * the last failure (its status, and wall-clock seconds, 0 when the time was
 * unknown), the CA's ARI suggested renewal window (RFC 9773; 0/0 when
 * none was fetched) and when to check it next. All zero when there is
 * none. */
typedef struct acme_renewal_info {
    uint32_t failures;
    acme_status_t last_status;
    int64_t last_failure_s;
    int64_t ari_start_s;
    int64_t ari_end_s;
    int64_t ari_next_check_s; /* 0: not checked yet; ACME_ARI_NEVER: no more checks */
    bool replaced;            /* the CA said alreadyReplaced for this certificate */
    bool revoked;             /* revoked on request: renewal treats it as none */
} acme_renewal_info_t;

void acme_agent_renewal_info(acme_agent_t *agent, acme_renewal_info_t *info);

/* When the installed certificate is due for renewal and why
 * (acme/engine/renewal.h): from its validity, the stored ARI window and
 * failures. The random value of the schedule is derived from the
 * certificate's serial, so the answer is stable for a certificate and
 * differs across a fleet. No certificate: basis ACME_RENEW_NO_CERT. */
acme_status_t acme_agent_renewal_plan(acme_agent_t *agent, acme_renew_plan_t *plan);

/* The RFC 9773 certID of the installed certificate (what renewalInfo and a
 * newOrder's "replaces" name it by), NUL-terminated; ACME_ARI_CERT_ID_MAX
 * (acme/codec/ari.h) is always enough. ACME_ERR_NOT_FOUND when nothing is
 * installed or the certificate has no Authority Key Identifier. */
acme_status_t acme_agent_ari_cert_id(acme_agent_t *agent, char *out, size_t cap);

/* ---- The renewal lifecycle -------------------------------------------------------- */

/* What to do next and when (acme_renew_next in acme/engine/renewal.h) from
 * the stored state and the port's wall clock: ISSUE (acme_agent_start_issue),
 * ARI_CHECK (acme_agent_start_ari), or WAIT until next->at_s and ask again.
 * A loop that follows it keeps a certificate valid: it issues when none is
 * held, renews on the plan (ARI window, else a third of the lifetime, half
 * under 10 days), backs off after failures (1 min, 10 min, 100 min, 1 day,
 * kept across reboots), and checks ARI at the CA's pace. With
 * ACME_ENABLE_ACCOUNT_ADMIN it answers ROLLOVER (acme_agent_start_rollover)
 * first while a key rollover a restart cut short is unsettled. Never from an
 * unknown clock: ACME_ERR_BAD_STATE when the port has no wall time (see
 * docs/time.md for boards without an RTC). */
acme_status_t acme_agent_next(acme_agent_t *agent, acme_next_step_t *next);

#if ACME_ENABLE_ARI
/* Check the installed certificate's renewalInfo at the CA that issued it
 * (RFC 9773 §4: GET directory, GET renewalInfo/<certID>, nothing signed).
 * Poll like an issuance. The window is stored (an answer with end <= start
 * is no answer: the old one is kept), the next check is planned from the
 * answer's Retry-After (1 min .. 1 day; 6 h without one or after an error),
 * and ACME_EVENT_ARI_UPDATED carries the explanationURL. A failed check is
 * not an issuance failure: it does not count towards the backoff.
 * ACME_ERR_NOT_FOUND when no certificate (with an Authority Key Identifier)
 * is installed; ACME_ERR_UNSUPPORTED when the CA offers no renewalInfo. */
acme_status_t acme_agent_start_ari(acme_agent_t *agent, uint64_t now_ms);
/* Blocking helper for the ARI check (like acme_agent_run). */
acme_status_t acme_agent_run_ari(acme_agent_t *agent);
#endif

#if ACME_ENABLE_ACCOUNT_ADMIN
/* Revoke the installed certificate at the CA that issued it, with the
 * account stored there (RFC 8555 §7.6) and an RFC 5280 reason code (0
 * unspecified, 1 keyCompromise, 4 superseded, 5 cessationOfOperation, ...;
 * 7 and > 10 are ACME_ERR_INVALID_ARG). alreadyRevoked counts as done.
 * Afterwards acme_agent_next() treats the certificate as none (issue now);
 * it stays readable until a new one replaces it. ACME_ERR_NOT_FOUND
 * without a certificate or an account at its CA. Poll like an issuance. */
acme_status_t acme_agent_start_revoke(acme_agent_t *agent, uint64_t now_ms, uint8_t reason);
/* Deactivate the account at the installed certificate's CA (or, with none
 * installed, at cfg.directory_url) (RFC 8555 §7.3.6); the stored account
 * and its key are then dropped, so a later issuance registers anew. */
acme_status_t acme_agent_start_deactivate(acme_agent_t *agent, uint64_t now_ms);
/* Roll the account at the installed certificate's CA (or, with none
 * installed, at cfg.directory_url) over to a new P-256 key (RFC 8555
 * §7.3.5, keyChange). Safe against power loss at any instant: the new key
 * is stored before keyChange is sent and replaces the old one only once
 * the CA confirmed. After a restart in between, the account is not used
 * (ACME_ERR_BAD_STATE) and acme_agent_next() answers ACME_NEXT_ROLLOVER
 * until this is called again: it then finishes that rollover (asking the
 * CA which key holds the account: newAccount onlyReturnExisting with the
 * new key) instead of starting another. A CA that refuses the change
 * leaves the old key in place. ACME_EVENT_ACCOUNT_KEY_CHANGED on success. */
acme_status_t acme_agent_start_rollover(acme_agent_t *agent, uint64_t now_ms);
/* Blocking helpers (like acme_agent_run). */
acme_status_t acme_agent_run_revoke(acme_agent_t *agent, uint8_t reason);
acme_status_t acme_agent_run_deactivate(acme_agent_t *agent);
acme_status_t acme_agent_run_rollover(acme_agent_t *agent);
#endif

/* The flash store, for wear and space reports (acme_store_block_erases,
 * acme_store_live_bytes); read-only. */
const acme_store_t *acme_agent_store(const acme_agent_t *agent);

#if ACME_ENABLE_DISCOVERY
/* ---- Discovery only ----------------------------------------------------------------- */

/* Find and rank the CAs for cfg->names without issuing: CAA lookups and
 * every candidate's directory. Poll until it ends; then read the result with
 * acme_agent_discovery(). */
acme_status_t acme_agent_start_discover(acme_agent_t *agent, uint64_t now_ms);
const acme_discovery_t *acme_agent_discovery(const acme_agent_t *agent);
/* Blocking helper for discovery only (like acme_agent_run). */
acme_status_t acme_agent_run_discover(acme_agent_t *agent);
#endif /* ACME_ENABLE_DISCOVERY */

/* Release everything the agent holds in the arena and close connections. */
void acme_agent_deinit(acme_agent_t *agent);

#ifdef __cplusplus
}
#endif

#endif /* ACME_AGENT_H */
