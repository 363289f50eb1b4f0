/*
 * Finding the CA from DNS: CAA auto-discovery (RFC 8659 relevant RRset,
 * draft-vanbrouwershaven-acme-auto-discovery-03 selection, RFC 8657
 * parameters) as a sans-I/O state machine.
 *
 * The engine asks for CAA lookups and HTTPS fetches and is told their
 * results; it never touches the network, the clock or the random source
 * (a seed is passed in). It produces an ordered list of candidate CAs, each
 * with its ACME directory, and walks down that list as issuance with one
 * CA fails.
 *
 * Selection rules (docs/discovery.md has the reasoning and examples):
 *  1. Per name, the relevant RRset is the CAA RRset of the name or of its
 *     closest ancestor that has one (the root excluded); a wildcard name
 *     "*.x" is looked up as "x". A critical record with an unknown tag makes
 *     the name unissuable.
 *  2. Wildcard names use the RRset's issuewild records when it has any,
 *     issue records otherwise; other names use issue records.
 *  3. A record is skipped when its value does not parse, when
 *     discovery=false, when priority is present but not an integer >= 1,
 *     when accounturi names another account than ours at that CA (once we
 *     know ours), or when validationmethods excludes http-01.
 *  4. Per name, a CA's rank is 1 + the number of distinct explicit
 *     priorities better than its best one; CAs without a priority rank after
 *     every explicit priority. Equal ranks are equal preference.
 *  5. Several names: only CAs authorized for every name that has CAA are
 *     eligible; they are ordered by the sum of their ranks, then by their
 *     worst rank, then at random (seeded). This is the "compromise based on
 *     the highest overall preference" of draft §6.1.
 *  6. No CAA for any name: the configured default directory, or an error.
 *  7. Each candidate's directory comes from the configured issuer table, or
 *     from https://<issuer>/.well-known/acme (up to 3 redirects, https
 *     only). A directory that requires external account binding is skipped
 *     unless EAB credentials exist for that issuer.
 */
#ifndef ACME_ENGINE_DISCOVERY_H
#define ACME_ENGINE_DISCOVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/codec/acme_objects.h"
#include "acme/codec/caa.h"
#include "acme/codec/http_response.h"
#include "acme/config_defaults.h"
#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Candidate CAs kept (usable or skipped after selection). Range 1..32. */
#ifndef ACME_DISCOVERY_CANDIDATES_MAX
#define ACME_DISCOVERY_CANDIDATES_MAX 8
#endif
/* Records skipped by rule 3, kept for display. */
#ifndef ACME_DISCOVERY_SKIPPED_MAX
#define ACME_DISCOVERY_SKIPPED_MAX 8
#endif
/* CAA records read per RRset; more are ignored (counted). */
#ifndef ACME_CAA_RECORDS_MAX
#define ACME_CAA_RECORDS_MAX 16
#endif
/* Characters of the originating CAA value kept for display. */
#ifndef ACME_CAA_SHOWN_MAX
#define ACME_CAA_SHOWN_MAX 96
#endif
/* Redirects followed from a .well-known/acme URL. */
#define ACME_DISCOVERY_REDIRECTS_MAX 3

typedef enum acme_ca_skip {
    ACME_CA_USABLE = 0,
    ACME_CA_SKIP_DISCOVERY_FALSE,
    ACME_CA_SKIP_BAD_PRIORITY,
    ACME_CA_SKIP_MALFORMED,
    ACME_CA_SKIP_ACCOUNTURI,
    ACME_CA_SKIP_VALIDATIONMETHODS,
    ACME_CA_SKIP_NOT_ALL_NAMES,
    ACME_CA_SKIP_EAB_REQUIRED,
    ACME_CA_SKIP_DIRECTORY_FAILED,
    ACME_CA_SKIP_COOLDOWN,
    ACME_CA_SKIP_ISSUE_FAILED
} acme_ca_skip_t;

/* "discovery-false", "eab-required", ... (stable strings for tools). */
const char *acme_ca_skip_name(acme_ca_skip_t skip);

typedef struct acme_ca_candidate {
    char issuer[ACME_CAA_ISSUER_MAX + 1]; /* "" for the default directory */
    uint32_t priority; /* best explicit priority (first name that has one); 0: none */
    uint16_t rank_sum;
    uint8_t rank_worst;
    uint8_t skip;              /* acme_ca_skip_t */
    acme_status_t skip_status; /* why a fetch or an issuance failed */
    const char *skip_why;      /* static text for a directory failure, or NULL */
    uint32_t tiebreak;
    char record[ACME_CAA_SHOWN_MAX + 1]; /* the CAA value it came from */
    char directory[ACME_URL_MAX + 1];    /* resolved directory URL */
} acme_ca_candidate_t;

typedef struct acme_caa_skipped {
    char issuer[ACME_CAA_ISSUER_MAX + 1];
    char record[ACME_CAA_SHOWN_MAX + 1];
    uint32_t priority; /* 0: none or invalid */
    uint8_t reason;    /* acme_ca_skip_t */
} acme_caa_skipped_t;

/* What the engine needs from the agent's configuration and state. The
 * callbacks may be NULL (no table / no EAB / no accounts / no cool-down). */
typedef struct acme_discovery_params {
    const char *const *names;
    size_t name_count;
    const char *default_directory; /* NULL: none */
    /* Configured directory for an issuer, overriding .well-known (NULL: none). */
    const char *(*issuer_directory)(void *ctx, const char *issuer);
    /* True when EAB credentials exist for the issuer. */
    bool (*issuer_has_eab)(void *ctx, const char *issuer);
    /* Our account URL at the issuer, if known (NULL: not known). */
    const char *(*issuer_account)(void *ctx, const char *issuer);
    /* True while the issuer is in its failure cool-down. */
    bool (*issuer_cooling)(void *ctx, const char *issuer);
    void *ctx;
    uint32_t seed;  /* tie-break randomness (from the DRBG; tests fix it) */
    bool fetch_all; /* resolve every candidate's directory (discover) */
} acme_discovery_params_t;

typedef enum acme_discovery_action_kind {
    ACME_DISC_CAA = 1, /* look up CAA for d->query_name, then on_caa() */
    ACME_DISC_FETCH,   /* GET d->fetch_url, then on_fetch()/on_fetch_error() */
    ACME_DISC_READY,   /* issue with candidate d->current (directory known) */
    ACME_DISC_DONE,    /* fetch_all: every candidate resolved */
    ACME_DISC_FAILED   /* no usable CA: d->status, d->detail */
} acme_discovery_action_kind_t;

typedef struct acme_discovery {
    acme_discovery_params_t params;
    uint8_t phase;
    acme_status_t status;
    char detail[128];

    /* CAA walk */
    size_t name_index;
    const char *query_name; /* points into params.names[] */
    bool any_caa;           /* some name had a relevant RRset */
    uint32_t rng;
    uint32_t records_ignored; /* beyond ACME_CAA_RECORDS_MAX */

    acme_ca_candidate_t candidates[ACME_DISCOVERY_CANDIDATES_MAX];
    size_t candidate_count;
    acme_caa_skipped_t skipped[ACME_DISCOVERY_SKIPPED_MAX];
    size_t skipped_count;
    uint8_t order[ACME_DISCOVERY_CANDIDATES_MAX]; /* try order (indices) */
    size_t order_count;
    size_t current; /* position in order[] */

    /* directory fetch */
    char fetch_url[ACME_URL_MAX + 1];
    uint8_t redirects;
    acme_directory_t directory; /* of the READY candidate */
} acme_discovery_t;

/* A CAA record as the driver hands it over (parsed RDATA). */
acme_status_t acme_discovery_start(acme_discovery_t *d, const acme_discovery_params_t *params);

typedef struct acme_discovery_action {
    uint8_t kind; /* acme_discovery_action_kind_t */
} acme_discovery_action_t;

acme_discovery_action_t acme_discovery_next(acme_discovery_t *d);

/* Result of the CAA lookup for d->query_name: ACME_OK with the records of
 * the RRset (CNAMEs already followed), or the lookup's error
 * (ACME_ERR_DNS_NXDOMAIN and ACME_ERR_DNS_NO_ANSWER mean "empty"). */
void acme_discovery_on_caa(acme_discovery_t *d, acme_status_t lookup,
                           const acme_caa_record_t *records, size_t count);

/* Result of GET d->fetch_url. */
void acme_discovery_on_fetch(acme_discovery_t *d, const acme_http_response_t *resp);
void acme_discovery_on_fetch_error(acme_discovery_t *d, acme_status_t status);

/* Issuance with the READY candidate failed with status: skip it and move on. */
void acme_discovery_issue_failed(acme_discovery_t *d, acme_status_t status);

/* The READY candidate (NULL otherwise). */
const acme_ca_candidate_t *acme_discovery_current(const acme_discovery_t *d);

#ifdef __cplusplus
}
#endif

#endif /* ACME_ENGINE_DISCOVERY_H */
