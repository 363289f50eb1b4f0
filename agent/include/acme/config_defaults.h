/*
 * Every compile-time limit of the agent, with its default and its range.
 *
 * Override any of them in an `acme_config.h` found on the include path and
 * selected with -DACME_CONFIG_FILE="acme_config.h" (or by -D on the command
 * line). These limits fix sizeof(acme_agent_t); nothing grows at run time.
 * Impossible combinations stop the build with #error at the end of this file.
 */
#ifndef ACME_CONFIG_DEFAULTS_H
#define ACME_CONFIG_DEFAULTS_H

#ifdef ACME_CONFIG_FILE
#include ACME_CONFIG_FILE
#endif

/* ---- Features -------------------------------------------------------------
 * Each is 1 (compiled in) or 0 (compiled out, with its code and its state in
 * acme_agent_t). A device that is given its directory URL and resolves names
 * through its IP stack needs neither discovery nor the own DNS client; the
 * README's budget table is measured with the firmware's choice. The text
 * each one costs is measured on Cortex-M4 -Os with --gc-sections against
 * the device set (all six 0): tools/size_report.py on tests/size's probe. */

/* CAA auto-discovery of the CA (needs ACME_ENABLE_DNS_CLIENT). With the DNS
 * client: +12.0 KiB (the client alone: +4.3 KiB). */
#ifndef ACME_ENABLE_DISCOVERY
#define ACME_ENABLE_DISCOVERY 1
#endif
/* The agent's own stub resolver (CAA lookups, --dns-server). Without it the
 * port resolves host names (getaddrinfo, lwIP DNS). +4.3 KiB. */
#ifndef ACME_ENABLE_DNS_CLIENT
#define ACME_ENABLE_DNS_CLIENT 1
#endif
/* External account binding in newAccount, with HS256, HS384 or HS512
 * (acme_ca_entry_t.eab_alg); it is also what makes the agent read the CA
 * table (acme_agent_config_t.cas) when discovery is off. +1.9 KiB. */
#ifndef ACME_ENABLE_EAB
#define ACME_ENABLE_EAB 1
#endif
/* RSA-2048 device keys (P-256 is always available, and the account key is
 * always P-256). Without it key_type RSA2048 is ACME_ERR_CONFIG, and an RSA
 * key is neither generated nor loaded (ACME_ERR_UNSUPPORTED). The TLS client
 * still verifies RSA server chains. +0.6 KiB. */
#ifndef ACME_ENABLE_RSA_KEYS
#define ACME_ENABLE_RSA_KEYS 1
#endif
/* Private keys sealed at rest with AES-256-GCM when the port gives a
 * device secret (acme_port_t.secret); without the port's secret they are
 * stored in the clear either way. */
#ifndef ACME_ENABLE_KEY_SEAL
#define ACME_ENABLE_KEY_SEAL 1
#endif
/* ARI (RFC 9773): fetching the CA's suggested renewal window
 * (acme_agent_start_ari) and naming the certificate a renewal replaces in
 * newOrder ("replaces", which exempts ARI renewals from Let's Encrypt's rate
 * limits). Without it renewal follows the certificate's lifetime alone. */
#ifndef ACME_ENABLE_ARI
#define ACME_ENABLE_ARI 1
#endif
/* Account and certificate management: revoking the installed certificate
 * (with a reason code) and deactivating the account (RFC 8555 §7.6,
 * §7.3.6). */
#ifndef ACME_ENABLE_ACCOUNT_ADMIN
#define ACME_ENABLE_ACCOUNT_ADMIN 1
#endif
/* ACME profiles (draft-ietf-acme-profiles): cfg.profile is asked for when
 * the CA's directory lists it, and the profile the CA chose is recorded
 * with the certificate. */
#ifndef ACME_ENABLE_PROFILES
#define ACME_ENABLE_PROFILES 1
#endif
/* IPv6 literals in URLs and addresses. +0.6 KiB. */

#ifndef ACME_ENABLE_IPV6
#define ACME_ENABLE_IPV6 1
#endif
/* Sentences for acme_strerror() and the agent's own problem details. With 0,
 * acme_strerror() returns the status name (e.g. "ACME_ERR_TLS_VERIFY") and
 * the agent's own details are empty (a CA's problem document is still kept
 * whole): 3.3 KiB less text on a device. */
#ifndef ACME_ERROR_TEXT
#define ACME_ERROR_TEXT 1
#endif

/* A human sentence in the agent: kept with ACME_ERROR_TEXT, "" without. */
#if ACME_ERROR_TEXT
#define ACME_TEXT(s) s
#else
#define ACME_TEXT(s) ""
#endif

/* ---- ACME objects ------------------------------------------------------- */

/* Longest URL the agent stores (directory endpoints, account, order,
 * authorization, challenge, certificate). Let's Encrypt's are < 100 bytes.
 * Range 64..2048. */
#ifndef ACME_URL_MAX
#define ACME_URL_MAX 256
#endif
/* Longest profile name kept (a request's, the CA's choice), and the room
 * for the names a directory lists in meta.profiles (NUL-separated; names
 * beyond it are not offered). Let's Encrypt's are "classic", "tlsserver",
 * "shortlived". */
#ifndef ACME_PROFILE_MAX
#define ACME_PROFILE_MAX 32
#endif
#ifndef ACME_PROFILES_LIST_MAX
#define ACME_PROFILES_LIST_MAX 128
#endif

/* Longest Replay-Nonce value. RFC 8555 nonces are base64url; Boulder's are
 * 32-50 characters. Range 16..256. */
#ifndef ACME_NONCE_MAX
#define ACME_NONCE_MAX 128
#endif

/* Identifiers (DNS names) in one order. Range 1..100. */
#ifndef ACME_MAX_IDENTIFIERS
#define ACME_MAX_IDENTIFIERS 4
#endif

/* Longest DNS name (RFC 1035: 253 characters in text form). */
#ifndef ACME_DNS_NAME_MAX
#define ACME_DNS_NAME_MAX 253
#endif

/* Longest challenge token. RFC 8555 asks for >= 128 bits of entropy in
 * base64url (43 characters); Let's Encrypt sends 43. Range 32..256. */
#ifndef ACME_TOKEN_MAX
#define ACME_TOKEN_MAX 96
#endif

/* Longest contact URI ("mailto:..."). Range 16..512. */
#ifndef ACME_CONTACT_MAX
#define ACME_CONTACT_MAX 128
#endif

/* Problem documents kept for the caller (RFC 7807 / RFC 8555 §6.7). */
#ifndef ACME_PROBLEM_TYPE_MAX
#define ACME_PROBLEM_TYPE_MAX 80
#endif
#ifndef ACME_PROBLEM_DETAIL_MAX
#define ACME_PROBLEM_DETAIL_MAX 256
#endif
#ifndef ACME_PROBLEM_SUBPROBLEMS_MAX
#define ACME_PROBLEM_SUBPROBLEMS_MAX 4
#endif
#ifndef ACME_SUBPROBLEM_DETAIL_MAX
#define ACME_SUBPROBLEM_DETAIL_MAX 128
#endif

/* ---- HTTP ---------------------------------------------------------------- */

/* One request: request line, headers and the JWS body. The largest is
 * finalize with an RSA-2048 CSR (~2 KiB). Range 1024..16384. */
#ifndef ACME_HTTP_TX_MAX
#define ACME_HTTP_TX_MAX 4096
#endif

/* Largest response body accepted; a longer body is ACME_ERR_OVERSIZE, never
 * a reallocation. The certificate chain is the largest body (Let's Encrypt:
 * ~3.5 KiB for leaf + intermediate). Range 2048..65536. */
#ifndef ACME_HTTP_BODY_MAX
#define ACME_HTTP_BODY_MAX 8192
#endif

/* Longest single header line and total header section of a response. */
#ifndef ACME_HTTP_LINE_MAX
#define ACME_HTTP_LINE_MAX 1024
#endif
#ifndef ACME_HTTP_HEADER_MAX
#define ACME_HTTP_HEADER_MAX 8192
#endif

/* ---- Timing ---------------------------------------------------------------- */

/* Connect + TLS handshake + one response must complete within this. */
#ifndef ACME_IO_TIMEOUT_MS
#define ACME_IO_TIMEOUT_MS 30000u
#endif

/* A whole issuance (directory to certificate) gives up after this. */
#ifndef ACME_ISSUE_TIMEOUT_MS
#define ACME_ISSUE_TIMEOUT_MS 300000u
#endif

/* Polling of pending orders: first delay, growth x2 per poll, ceiling.
 * A server's Retry-After replaces the computed delay, clamped to
 * [ACME_RETRY_AFTER_MIN_MS, ACME_RETRY_AFTER_MAX_MS]. */
#ifndef ACME_POLL_FIRST_MS
#define ACME_POLL_FIRST_MS 250u
#endif
#ifndef ACME_POLL_MAX_MS
#define ACME_POLL_MAX_MS 30000u
#endif
#ifndef ACME_RETRY_AFTER_MIN_MS
#define ACME_RETRY_AFTER_MIN_MS 1000u
#endif
#ifndef ACME_RETRY_AFTER_MAX_MS
#define ACME_RETRY_AFTER_MAX_MS 600000u
#endif

/* When the http-01 responder has served every pending token, the validation
 * has happened: poll this long after the last fetch instead of waiting for
 * the backoff timer. */
#ifndef ACME_POLL_AFTER_SERVE_MS
#define ACME_POLL_AFTER_SERVE_MS 100u
#endif

/* Polls of one order before giving up (the issue timeout also applies). */
#ifndef ACME_POLL_MAX_COUNT
#define ACME_POLL_MAX_COUNT 40
#endif

/* badNonce retries of one request. Each retry uses the fresh nonce from the
 * error response (RFC 8555 §6.5). Generous because test CAs reject half of
 * all nonces on purpose; a real CA rarely rejects one. Range 1..64. */
#ifndef ACME_BADNONCE_RETRIES
#define ACME_BADNONCE_RETRIES 24
#endif

/* ---- http-01 responder ------------------------------------------------------ */

/* Concurrent validation connections (CAs validate from several vantage
 * points at once). Range 1..16. */
#ifndef ACME_HTTP01_MAX_CONN
#define ACME_HTTP01_MAX_CONN 4
#endif
/* Largest validation request accepted (request line + headers). */
#ifndef ACME_HTTP01_REQUEST_MAX
#define ACME_HTTP01_REQUEST_MAX 1024
#endif
/* A validation connection is dropped after this long. */
#ifndef ACME_HTTP01_TIMEOUT_MS
#define ACME_HTTP01_TIMEOUT_MS 5000u
#endif

/* ---- DNS client ------------------------------------------------------------- */

/* Largest DNS message over UDP (EDNS0 payload size, RFC 9715 / DNS flag day
 * 2020 recommendation). Range 512..4096. */
#ifndef ACME_DNS_UDP_MAX
#define ACME_DNS_UDP_MAX 1232
#endif
/* Per-attempt timeout and attempts per query. */
#ifndef ACME_DNS_TIMEOUT_MS
#define ACME_DNS_TIMEOUT_MS 2000u
#endif
#ifndef ACME_DNS_ATTEMPTS
#define ACME_DNS_ATTEMPTS 3
#endif
/* CNAME links followed before giving up, in total over the queries of one
 * lookup. */
#ifndef ACME_DNS_CNAME_MAX
#define ACME_DNS_CNAME_MAX 8
#endif
/* Largest DNS message taken over TCP, after a truncated UDP answer (RFC
 * 7766); it is also the size of the DNS client's one message buffer, so it
 * costs this much RAM in acme_agent_t. A longer answer fails the lookup
 * (ACME_ERR_OVERSIZE). Range ACME_DNS_UDP_MAX..65535. */
#ifndef ACME_DNS_TCP_MAX
#define ACME_DNS_TCP_MAX 4096
#endif

/* ---- Discovery --------------------------------------------------------------- */

/* Longest CAA issuer-domain-name kept. Longer ones are refused as
 * oversize: no real CA has one, and it bounds the discovery state. */
#ifndef ACME_CAA_ISSUER_MAX
#define ACME_CAA_ISSUER_MAX 64u
#endif

/* How long a CA that failed an issuance is kept out of discovery (seconds),
 * unless the configuration says otherwise. draft-03 §6 allows ignoring
 * unavailable CAs "for a limited period of time". */
#ifndef ACME_CA_COOLDOWN_S
#define ACME_CA_COOLDOWN_S 3600u
#endif
/* CAs remembered in the cool-down list. */
#ifndef ACME_CA_COOLDOWN_MAX
#define ACME_CA_COOLDOWN_MAX 4
#endif
/* Accounts kept in the store, one per CA directory, each with its own key
 * (two records each; ACME_STORE_MAX_RECORDS grows with it). Accounts are
 * never evicted (one bound by a single-use EAB key could not be made
 * again): an account at one CA more is ACME_ERR_STORE_FULL. Size it for the
 * CAs the device may use (its CA table, or the CAs its CAA records name). */
#ifndef ACME_STORE_ACCOUNTS_MAX
#define ACME_STORE_ACCOUNTS_MAX 4
#endif

/* ---- Storage ------------------------------------------------------------------ */

/* Largest certificate chain (PEM) stored. Range 2048..65536. */
#ifndef ACME_CHAIN_MAX
#define ACME_CHAIN_MAX ACME_HTTP_BODY_MAX
#endif

/* Largest private key (DER) stored: P-256 ~121 bytes, RSA-2048 ~1.2 KiB. */
#ifndef ACME_KEY_DER_MAX
#define ACME_KEY_DER_MAX 1280
#endif

/* ---- Provisioning blob (acme/codec/provision.h) ------------------------------ */

/* Trust anchors a provisioning blob may carry (tag 0x05). Each is a span
 * into the blob: 8 bytes of RAM per anchor in acme_provision_t on a 32-bit
 * device, no copy. Range 1..16. */
#ifndef ACME_PROVISION_TRUST_MAX
#define ACME_PROVISION_TRUST_MAX 4
#endif
/* CA entries a provisioning blob may carry (tag 0x07): ~520 bytes of RAM
 * each in acme_provision_t (issuer, directory URL, EAB kid and key copied).
 * Range 1..16. */
#ifndef ACME_PROVISION_CAS_MAX
#define ACME_PROVISION_CAS_MAX 4
#endif

/* Largest provisioning blob read back from the config partition by
 * acme/io/provisioned.h (one buffer of this size in acme_provisioned_t).
 * The Linux board's config slots hold 16 KiB. Range 512..65536. */
#ifndef ACME_PROVISIONED_BLOB_MAX
#define ACME_PROVISIONED_BLOB_MAX (16u * 1024u)
#endif

/* ---- Logging ------------------------------------------------------------------ */

/* Highest level compiled in: 0 = none (default), 1 error .. 4 debug. */
#ifndef ACME_LOG_LEVEL
#define ACME_LOG_LEVEL 0
#endif
#ifndef ACME_LOG_LINE_MAX
#define ACME_LOG_LINE_MAX 160
#endif

/* ---- Checks ------------------------------------------------------------------- */

#if ACME_PROVISIONED_BLOB_MAX < 512 || ACME_PROVISIONED_BLOB_MAX > 65536
#error "ACME_PROVISIONED_BLOB_MAX must be in 512..65536"
#endif
#if ACME_STORE_ACCOUNTS_MAX < 2 || ACME_STORE_ACCOUNTS_MAX > 8
#error "ACME_STORE_ACCOUNTS_MAX must be in 2..8"
#endif
#if ACME_URL_MAX < 64 || ACME_URL_MAX > 2048
#error "ACME_URL_MAX must be in 64..2048"
#endif
#if ACME_NONCE_MAX < 16 || ACME_NONCE_MAX > 256
#error "ACME_NONCE_MAX must be in 16..256"
#endif
#if ACME_MAX_IDENTIFIERS < 1 || ACME_MAX_IDENTIFIERS > 100
#error "ACME_MAX_IDENTIFIERS must be in 1..100"
#endif
#if ACME_TOKEN_MAX < 32 || ACME_TOKEN_MAX > 256
#error "ACME_TOKEN_MAX must be in 32..256"
#endif
#if ACME_HTTP_TX_MAX < 1024 || ACME_HTTP_TX_MAX > 16384
#error "ACME_HTTP_TX_MAX must be in 1024..16384"
#endif
#if ACME_HTTP_BODY_MAX < 2048 || ACME_HTTP_BODY_MAX > 65536
#error "ACME_HTTP_BODY_MAX must be in 2048..65536"
#endif
#if ACME_HTTP_LINE_MAX < 128 || ACME_HTTP_LINE_MAX > ACME_HTTP_HEADER_MAX
#error "ACME_HTTP_LINE_MAX must be >= 128 and <= ACME_HTTP_HEADER_MAX"
#endif
#if ACME_CHAIN_MAX > ACME_HTTP_BODY_MAX
#error "ACME_CHAIN_MAX cannot exceed ACME_HTTP_BODY_MAX: the chain arrives as one body"
#endif
#if ACME_POLL_FIRST_MS > ACME_POLL_MAX_MS
#error "ACME_POLL_FIRST_MS must not exceed ACME_POLL_MAX_MS"
#endif
#if ACME_RETRY_AFTER_MIN_MS > ACME_RETRY_AFTER_MAX_MS
#error "ACME_RETRY_AFTER_MIN_MS must not exceed ACME_RETRY_AFTER_MAX_MS"
#endif
#if ACME_BADNONCE_RETRIES < 1 || ACME_BADNONCE_RETRIES > 64
#error "ACME_BADNONCE_RETRIES must be in 1..64"
#endif
#if ACME_HTTP01_MAX_CONN < 1 || ACME_HTTP01_MAX_CONN > 16
#error "ACME_HTTP01_MAX_CONN must be in 1..16"
#endif
#if ACME_DNS_UDP_MAX < 512 || ACME_DNS_UDP_MAX > 4096
#error "ACME_DNS_UDP_MAX must be in 512..4096"
#endif
#if ACME_DNS_TCP_MAX < ACME_DNS_UDP_MAX || ACME_DNS_TCP_MAX > 65535
#error "ACME_DNS_TCP_MAX must be in ACME_DNS_UDP_MAX..65535"
#endif
#if ACME_DNS_CNAME_MAX < 0 || ACME_DNS_CNAME_MAX > 64
#error "ACME_DNS_CNAME_MAX must be in 0..64"
#endif
#if ACME_ENABLE_DISCOVERY && !ACME_ENABLE_DNS_CLIENT
#error "ACME_ENABLE_DISCOVERY needs ACME_ENABLE_DNS_CLIENT: CAA lookups use the own resolver"
#endif
#if ACME_PROVISION_TRUST_MAX < 1 || ACME_PROVISION_TRUST_MAX > 16
#error "ACME_PROVISION_TRUST_MAX must be in 1..16"
#endif
#if ACME_PROVISION_CAS_MAX < 1 || ACME_PROVISION_CAS_MAX > 16
#error "ACME_PROVISION_CAS_MAX must be in 1..16"
#endif
#if ACME_LOG_LEVEL < 0 || ACME_LOG_LEVEL > 4
#error "ACME_LOG_LEVEL must be in 0..4"
#endif

#endif /* ACME_CONFIG_DEFAULTS_H */
