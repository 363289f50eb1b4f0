/*
 * CAA auto-discovery: relevant RRsets, record selection, the multi-name
 * compromise, and directory resolution through .well-known/acme. The rules
 * are listed in acme/engine/discovery.h.
 */
#include "acme/engine/discovery.h"

#if ACME_ENABLE_DISCOVERY

#include <string.h>

enum phase { PHASE_IDLE = 0, PHASE_CAA, PHASE_FETCH, PHASE_READY, PHASE_DONE, PHASE_FAILED };

#define WELL_KNOWN_PATH "/.well-known/acme"

static const char *const skip_names[] = {
    [ACME_CA_USABLE] = "usable",
    [ACME_CA_SKIP_DISCOVERY_FALSE] = "discovery-false",
    [ACME_CA_SKIP_BAD_PRIORITY] = "bad-priority",
    [ACME_CA_SKIP_MALFORMED] = "malformed",
    [ACME_CA_SKIP_ACCOUNTURI] = "accounturi",
    [ACME_CA_SKIP_VALIDATIONMETHODS] = "validationmethods",
    [ACME_CA_SKIP_NOT_ALL_NAMES] = "not-all-names",
    [ACME_CA_SKIP_EAB_REQUIRED] = "eab-required",
    [ACME_CA_SKIP_DIRECTORY_FAILED] = "directory-failed",
    [ACME_CA_SKIP_COOLDOWN] = "cooldown",
    [ACME_CA_SKIP_ISSUE_FAILED] = "issue-failed",
};

const char *acme_ca_skip_name(acme_ca_skip_t skip)
{
    return (size_t)skip < sizeof(skip_names) / sizeof(skip_names[0]) ? skip_names[skip] : "unknown";
}

/* ---- helpers ---------------------------------------------------------------- */

/* A DRBG seed is already uniform, but a test or an operator may pass 1, 2,
 * 3...: xorshift's first outputs for such seeds are correlated, so the seed
 * is mixed first (MurmurHash3's 32-bit finaliser). Never 0 (xorshift's fixed
 * point). */
static uint32_t mix_seed(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x85EBCA6Bu;
    x ^= x >> 13;
    x *= 0xC2B2AE35u;
    x ^= x >> 16;
    return x != 0 ? x : 0x9E3779B9u;
}

static uint32_t next_random(acme_discovery_t *d)
{
    /* xorshift32: the seed comes from the DRBG; this only spreads it. */
    uint32_t x = d->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    d->rng = x;
    return x;
}

static void set_detail(acme_discovery_t *d, const char *a, const char *b, const char *c)
{
    const char *parts[3] = {a, b, c};
    size_t n = 0;
    for (size_t i = 0; i < 3; i++) {
        for (const char *p = parts[i]; p != NULL && *p != '\0' && n + 1 < sizeof(d->detail); p++) {
            d->detail[n++] = *p;
        }
    }
    d->detail[n] = '\0';
}

static void fail(acme_discovery_t *d, acme_status_t status, const char *a, const char *b,
                 const char *c)
{
    d->phase = PHASE_FAILED;
    d->status = status;
    set_detail(d, a, b, c);
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool same_issuer(const char *a, const char *b)
{
    for (; *a != '\0' && lower(*a) == lower(*b); a++, b++) {
    }
    return *a == '\0' && *b == '\0';
}

/* The CAA value as text for display (non-printable bytes as '?'). */
static void shown_value(char *dst, const uint8_t *value, size_t len)
{
    size_t n = len < ACME_CAA_SHOWN_MAX ? len : ACME_CAA_SHOWN_MAX;
    for (size_t i = 0; i < n; i++) {
        dst[i] = (value[i] >= 0x20 && value[i] < 0x7F) ? (char)value[i] : '?';
    }
    dst[n] = '\0';
}

static bool is_wildcard(const char *name)
{
    return name[0] == '*' && name[1] == '.';
}

/* Where the CAA walk for a name starts: "*.x" is looked up as "x". */
static const char *lookup_start(const char *name)
{
    return is_wildcard(name) ? name + 2 : name;
}

/* ---- one name's relevant RRset ------------------------------------------------- */

/* A valid record of the relevant kind. */
typedef struct entry {
    acme_caa_issue_t issue;
    const acme_caa_record_t *record;
    uint8_t rank;
} entry_t;

static void note_skipped(acme_discovery_t *d, const acme_caa_issue_t *issue,
                         const acme_caa_record_t *r, acme_ca_skip_t reason)
{
    if (d->skipped_count >= ACME_DISCOVERY_SKIPPED_MAX) {
        return; /* display only: the rest is not kept */
    }
    acme_caa_skipped_t *s = &d->skipped[d->skipped_count++];
    memset(s, 0, sizeof(*s));
    if (issue != NULL) {
        memcpy(s->issuer, issue->issuer, sizeof(s->issuer));
        s->priority = issue->has_priority && issue->priority_valid ? issue->priority : 0;
    }
    shown_value(s->record, r->value, r->value_len);
    s->reason = (uint8_t)reason;
}

/* Apply rule 3 to one record; true when it is usable. */
static bool record_usable(acme_discovery_t *d, const acme_caa_record_t *r, acme_caa_issue_t *issue)
{
    acme_status_t st = acme_caa_issue_parse(r->value, r->value_len, issue);
    if (st != ACME_OK) {
        note_skipped(d, NULL, r, ACME_CA_SKIP_MALFORMED);
        return false;
    }
    if (issue->issuer[0] == '\0') {
        return false; /* ";": authorizes no CA (not a skip, a refusal) */
    }
    if (!issue->discovery_valid) {
        note_skipped(d, issue, r, ACME_CA_SKIP_MALFORMED);
        return false;
    }
    if (!issue->discovery) {
        note_skipped(d, issue, r, ACME_CA_SKIP_DISCOVERY_FALSE);
        return false;
    }
    if (issue->has_priority && !issue->priority_valid) {
        note_skipped(d, issue, r, ACME_CA_SKIP_BAD_PRIORITY);
        return false;
    }
    if (issue->accounturi != NULL && d->params.issuer_account != NULL) {
        const char *ours = d->params.issuer_account(d->params.ctx, issue->issuer);
        if (ours != NULL && (strlen(ours) != issue->accounturi_len ||
                             memcmp(ours, issue->accounturi, issue->accounturi_len) != 0)) {
            note_skipped(d, issue, r, ACME_CA_SKIP_ACCOUNTURI);
            return false;
        }
    }
    if (issue->validationmethods != NULL &&
        !acme_caa_methods_allow(issue->validationmethods, issue->validationmethods_len,
                                "http-01")) {
        note_skipped(d, issue, r, ACME_CA_SKIP_VALIDATIONMETHODS);
        return false;
    }
    return true;
}

/* Rule 4: ordinal ranks from the distinct explicit priorities. */
static void assign_ranks(entry_t *e, size_t n)
{
    uint8_t explicit_levels = 0;
    for (size_t i = 0; i < n; i++) {
        if (!e[i].issue.has_priority) {
            continue;
        }
        bool first = true; /* first entry with this priority value */
        for (size_t j = 0; j < i; j++) {
            if (e[j].issue.has_priority && e[j].issue.priority == e[i].issue.priority) {
                first = false;
                break;
            }
        }
        explicit_levels += first ? 1u : 0u;
    }
    for (size_t i = 0; i < n; i++) {
        if (!e[i].issue.has_priority) {
            e[i].rank = (uint8_t)(explicit_levels + 1u);
            continue;
        }
        uint8_t better = 0;
        for (size_t j = 0; j < n; j++) {
            if (!e[j].issue.has_priority || e[j].issue.priority >= e[i].issue.priority) {
                continue;
            }
            bool first = true;
            for (size_t k = 0; k < j; k++) {
                if (e[k].issue.has_priority && e[k].issue.priority == e[j].issue.priority) {
                    first = false;
                    break;
                }
            }
            better += first ? 1u : 0u;
        }
        e[i].rank = (uint8_t)(better + 1u);
    }
}

/* Best (lowest) rank of issuer among the entries, 0 when absent. */
static uint8_t best_rank(const entry_t *e, size_t n, const char *issuer, size_t *which)
{
    uint8_t best = 0;
    for (size_t i = 0; i < n; i++) {
        if (same_issuer(e[i].issue.issuer, issuer) && (best == 0 || e[i].rank < best)) {
            best = e[i].rank;
            *which = i;
        }
    }
    return best;
}

static acme_ca_candidate_t *add_candidate(acme_discovery_t *d, const entry_t *e)
{
    if (d->candidate_count >= ACME_DISCOVERY_CANDIDATES_MAX) {
        return NULL; /* the best-ranked ones were added first */
    }
    acme_ca_candidate_t *c = &d->candidates[d->candidate_count++];
    memset(c, 0, sizeof(*c));
    memcpy(c->issuer, e->issue.issuer, sizeof(c->issuer));
    c->priority = e->issue.has_priority ? e->issue.priority : 0;
    shown_value(c->record, e->record->value, e->record->value_len);
    c->tiebreak = next_random(d);
    return c;
}

static bool is_candidate(const acme_discovery_t *d, const char *issuer)
{
    for (size_t k = 0; k < d->candidate_count; k++) {
        if (same_issuer(d->candidates[k].issuer, issuer)) {
            return true;
        }
    }
    return false;
}

/* Merge one name's valid entries into the candidate table (rule 5). */
static void merge_name(acme_discovery_t *d, entry_t *e, size_t n, bool first_constrained)
{
    if (first_constrained) {
        /* Add issuers best rank first, so that a full table keeps the best. */
        for (uint8_t rank = 1; rank <= ACME_CAA_RECORDS_MAX + 1u; rank++) {
            for (size_t i = 0; i < n; i++) {
                if (e[i].rank != rank) {
                    continue;
                }
                if (!is_candidate(d, e[i].issue.issuer)) {
                    acme_ca_candidate_t *c = add_candidate(d, &e[i]);
                    if (c != NULL) {
                        c->rank_sum = rank;
                        c->rank_worst = rank;
                    }
                }
            }
        }
        return;
    }
    for (size_t k = 0; k < d->candidate_count; k++) {
        acme_ca_candidate_t *c = &d->candidates[k];
        if (c->skip != ACME_CA_USABLE) {
            continue;
        }
        size_t which = 0;
        uint8_t rank = best_rank(e, n, c->issuer, &which);
        if (rank == 0) {
            c->skip = ACME_CA_SKIP_NOT_ALL_NAMES;
            continue;
        }
        c->rank_sum = (uint16_t)(c->rank_sum + rank);
        if (rank > c->rank_worst) {
            c->rank_worst = rank;
        }
        if (c->priority == 0 && e[which].issue.has_priority) {
            c->priority = e[which].issue.priority;
        }
    }
    /* Issuers this name allows but earlier names did not: shown as such. */
    for (size_t i = 0; i < n; i++) {
        if (!is_candidate(d, e[i].issue.issuer)) {
            acme_ca_candidate_t *c = add_candidate(d, &e[i]);
            if (c != NULL) {
                c->skip = ACME_CA_SKIP_NOT_ALL_NAMES;
            }
        }
    }
}

static void process_rrset(acme_discovery_t *d, const acme_caa_record_t *records, size_t count)
{
    const char *name = d->params.names[d->name_index];
    /* Rule 1: an unknown critical property forbids issuance outright. */
    for (size_t i = 0; i < count; i++) {
        if (acme_caa_is_critical(&records[i]) && records[i].tag_kind == ACME_CAA_TAG_OTHER) {
            fail(d, ACME_ERR_CAA_DENIED, "CAA for ", name,
                 " has a critical property the agent does not understand: issuance refused");
            return;
        }
    }
    /* Rule 2: which property applies. */
    bool wildcard = is_wildcard(name);
    bool has_issuewild = false;
    for (size_t i = 0; i < count; i++) {
        has_issuewild |= records[i].tag_kind == ACME_CAA_TAG_ISSUEWILD;
    }
    uint8_t kind = (wildcard && has_issuewild) ? ACME_CAA_TAG_ISSUEWILD : ACME_CAA_TAG_ISSUE;

    entry_t entries[ACME_CAA_RECORDS_MAX];
    size_t n = 0;
    size_t properties = 0;
    for (size_t i = 0; i < count && i < ACME_CAA_RECORDS_MAX; i++) {
        if (records[i].tag_kind != kind) {
            continue;
        }
        properties++;
        if (record_usable(d, &records[i], &entries[n].issue)) {
            entries[n].record = &records[i];
            n++;
        }
    }
    if (properties == 0) {
        /* No issue(wild) property: RFC 8659 puts no restriction on CAs, so
         * this name does not narrow the choice. */
        return;
    }
    bool first_constrained = !d->any_caa;
    d->any_caa = true;
    if (n == 0) {
        /* Every CA is refused for this name: nothing can be common. */
        for (size_t k = 0; k < d->candidate_count; k++) {
            if (d->candidates[k].skip == ACME_CA_USABLE) {
                d->candidates[k].skip = ACME_CA_SKIP_NOT_ALL_NAMES;
            }
        }
        if (d->detail[0] == '\0') {
            set_detail(d, "CAA for ", name, " authorizes no CA this agent can use");
        }
        return;
    }
    assign_ranks(entries, n);
    merge_name(d, entries, n, first_constrained);
}

/* ---- selection and directories -------------------------------------------------- */

static bool ranks_before(const acme_ca_candidate_t *a, const acme_ca_candidate_t *b)
{
    if (a->rank_sum != b->rank_sum) {
        return a->rank_sum < b->rank_sum;
    }
    if (a->rank_worst != b->rank_worst) {
        return a->rank_worst < b->rank_worst;
    }
    return a->tiebreak < b->tiebreak;
}

static bool start_fetch(acme_discovery_t *d, acme_ca_candidate_t *c);

/* No candidate left to fetch: done (fetch_all with some directory found) or
 * failed with the last CA's reason. */
static void candidates_exhausted(acme_discovery_t *d)
{
    bool any_resolved = false;
    for (size_t i = 0; i < d->order_count; i++) {
        const acme_ca_candidate_t *c = &d->candidates[d->order[i]];
        any_resolved |= c->skip == ACME_CA_USABLE && c->directory[0] != '\0';
    }
    if (d->params.fetch_all && any_resolved) {
        d->phase = PHASE_DONE;
        d->status = ACME_OK;
        return;
    }
    /* Report the last CA's failure: it says what went wrong last. */
    acme_status_t last = ACME_ERR_CAA_DENIED;
    for (size_t i = d->order_count; i-- > 0;) {
        const acme_ca_candidate_t *c = &d->candidates[d->order[i]];
        if (c->skip_status != ACME_OK) {
            last = c->skip_status;
            break;
        }
    }
    fail(d, last, "no authorized CA could be used", NULL, NULL);
}

/* Fetch the directory of the first usable candidate from d->current on. A
 * loop rather than a call back from start_fetch: the stack stays flat (and
 * statically bounded, tools/stack_report.py) whatever the candidate count. */
static void fetch_from_current(acme_discovery_t *d)
{
    for (; d->current < d->order_count; d->current++) {
        acme_ca_candidate_t *c = &d->candidates[d->order[d->current]];
        if (c->skip == ACME_CA_USABLE && start_fetch(d, c)) {
            return;
        }
    }
    candidates_exhausted(d);
}

static void advance(acme_discovery_t *d)
{
    d->current++;
    fetch_from_current(d);
}

static void finish_selection(acme_discovery_t *d)
{
    if (!d->any_caa) {
        if (d->params.default_directory == NULL) {
            fail(d, ACME_ERR_CONFIG,
                 "no CAA records for the names and no default directory "
                 "configured",
                 NULL, NULL);
            return;
        }
        acme_ca_candidate_t *c = &d->candidates[0];
        memset(c, 0, sizeof(*c));
        size_t n = strlen(d->params.default_directory);
        if (n > ACME_URL_MAX) {
            fail(d, ACME_ERR_CONFIG, "default directory URL too long", NULL, NULL);
            return;
        }
        memcpy(c->directory, d->params.default_directory, n + 1);
        d->candidate_count = 1;
        d->order[0] = 0;
        d->order_count = 1;
        d->current = 0;
        /* The order engine fetches this directory itself. */
        d->phase = d->params.fetch_all ? PHASE_DONE : PHASE_READY;
        d->status = ACME_OK;
        d->directory.new_nonce[0] = '\0';
        return;
    }
    /* Insertion sort of the usable candidates (at most a handful). */
    d->order_count = 0;
    for (size_t k = 0; k < d->candidate_count; k++) {
        acme_ca_candidate_t *c = &d->candidates[k];
        if (c->skip != ACME_CA_USABLE) {
            continue;
        }
        if (d->params.issuer_cooling != NULL &&
            d->params.issuer_cooling(d->params.ctx, c->issuer)) {
            c->skip = ACME_CA_SKIP_COOLDOWN;
            continue;
        }
        size_t pos = d->order_count;
        while (pos > 0 && ranks_before(c, &d->candidates[d->order[pos - 1]])) {
            d->order[pos] = d->order[pos - 1];
            pos--;
        }
        d->order[pos] = (uint8_t)k;
        d->order_count++;
    }
    if (d->order_count == 0) {
        if (d->detail[0] == '\0') {
            set_detail(d, "no CA is authorized by CAA for every name (or all are cooling down)",
                       NULL, NULL);
        }
        d->phase = PHASE_FAILED;
        d->status = ACME_ERR_CAA_DENIED;
        return;
    }
    d->detail[0] = '\0';
    d->current = 0;
    fetch_from_current(d);
}

static void name_done(acme_discovery_t *d)
{
    if (d->phase == PHASE_FAILED) {
        return;
    }
    d->name_index++;
    if (d->name_index < d->params.name_count) {
        d->query_name = lookup_start(d->params.names[d->name_index]);
        return;
    }
    finish_selection(d);
}

/* Begin fetching c's directory: its configured URL, else
 * https://<issuer>/.well-known/acme. False (and c skipped) when the configured
 * URL is unusable. */
static bool start_fetch(acme_discovery_t *d, acme_ca_candidate_t *c)
{
    const char *configured = d->params.issuer_directory != NULL
                                 ? d->params.issuer_directory(d->params.ctx, c->issuer)
                                 : NULL;
    d->redirects = 0;
    d->phase = PHASE_FETCH;
    if (configured != NULL) {
        size_t n = strlen(configured);
        if (n > ACME_URL_MAX) {
            c->skip = ACME_CA_SKIP_DIRECTORY_FAILED;
            c->skip_status = ACME_ERR_CONFIG;
            return false;
        }
        memcpy(d->fetch_url, configured, n + 1);
        return true;
    }
    size_t n = strlen(c->issuer);
    static const char scheme[] = "https://";
    memcpy(d->fetch_url, scheme, sizeof(scheme) - 1);
    memcpy(d->fetch_url + sizeof(scheme) - 1, c->issuer, n);
    memcpy(d->fetch_url + sizeof(scheme) - 1 + n, WELL_KNOWN_PATH, sizeof(WELL_KNOWN_PATH));
    return true;
}

static void skip_current_because(acme_discovery_t *d, acme_ca_skip_t why, acme_status_t status,
                                 const char *text)
{
    acme_ca_candidate_t *c = &d->candidates[d->order[d->current]];
    c->skip = (uint8_t)why;
    c->skip_status = status;
    c->skip_why = text;
    advance(d);
}

static void skip_current(acme_discovery_t *d, acme_ca_skip_t why, acme_status_t status)
{
    skip_current_because(d, why, status, NULL);
}

/* Resolve a Location against the URL fetched; false when it is not an
 * https URL we may follow. */
static bool resolve_location(acme_discovery_t *d, const char *location)
{
    static const char https[] = "https://";
    size_t n = strlen(location);
    bool absolute_https = n >= 8;
    for (size_t i = 0; i < 8 && absolute_https; i++) {
        absolute_https = lower(location[i]) == https[i];
    }
    if (absolute_https) {
        memcpy(d->fetch_url, location, n + 1);
        return true;
    }
    if (location[0] == '/' && location[1] != '/') {
        /* Path-absolute: keep scheme and authority of the current URL. */
        const char *authority = d->fetch_url + 8;
        const char *path = strchr(authority, '/');
        size_t keep = path != NULL ? (size_t)(path - d->fetch_url) : strlen(d->fetch_url);
        if (keep + n > ACME_URL_MAX) {
            return false;
        }
        memmove(d->fetch_url + keep, location, n + 1);
        return true;
    }
    return false; /* http://, relative paths, other schemes */
}

/* ---- public -------------------------------------------------------------------------- */

acme_status_t acme_discovery_start(acme_discovery_t *d, const acme_discovery_params_t *params)
{
    if (d == NULL || params == NULL || params->names == NULL || params->name_count == 0 ||
        params->name_count > ACME_MAX_IDENTIFIERS) {
        return ACME_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < params->name_count; i++) {
        const char *start = params->names[i] != NULL ? lookup_start(params->names[i]) : NULL;
        if (start == NULL || start[0] == '\0' || strlen(start) > ACME_DNS_NAME_MAX) {
            return ACME_ERR_INVALID_ARG;
        }
    }
    memset(d, 0, sizeof(*d));
    d->params = *params;
    d->rng = mix_seed(params->seed);
    d->phase = PHASE_CAA;
    d->status = ACME_WOULD_BLOCK;
    d->query_name = lookup_start(params->names[0]);
    return ACME_OK;
}

acme_discovery_action_t acme_discovery_next(acme_discovery_t *d)
{
    acme_discovery_action_t act = {ACME_DISC_FAILED};
    switch (d->phase) {
    case PHASE_CAA:
        act.kind = ACME_DISC_CAA;
        break;
    case PHASE_FETCH:
        act.kind = ACME_DISC_FETCH;
        break;
    case PHASE_READY:
        act.kind = ACME_DISC_READY;
        break;
    case PHASE_DONE:
        act.kind = ACME_DISC_DONE;
        break;
    default:
        break;
    }
    return act;
}

void acme_discovery_on_caa(acme_discovery_t *d, acme_status_t lookup,
                           const acme_caa_record_t *records, size_t count)
{
    if (d->phase != PHASE_CAA) {
        return;
    }
    bool empty = lookup == ACME_ERR_DNS_NXDOMAIN || lookup == ACME_ERR_DNS_NO_ANSWER ||
                 (lookup == ACME_OK && count == 0);
    if (!empty && lookup != ACME_OK) {
        fail(d, lookup, "CAA lookup failed for ", d->query_name, "");
        return;
    }
    if (empty) {
        /* Climb towards the root; the root itself is not consulted. */
        const char *dot = strchr(d->query_name, '.');
        if (dot != NULL && dot[1] != '\0') {
            d->query_name = dot + 1;
            return;
        }
        name_done(d); /* no CAA anywhere above this name */
        return;
    }
    if (count > ACME_CAA_RECORDS_MAX) {
        d->records_ignored += (uint32_t)(count - ACME_CAA_RECORDS_MAX);
    }
    process_rrset(d, records, count);
    name_done(d);
}

void acme_discovery_on_fetch(acme_discovery_t *d, const acme_http_response_t *resp)
{
    if (d->phase != PHASE_FETCH) {
        return;
    }
    uint16_t s = resp->status;
    if (s == 301 || s == 302 || s == 303 || s == 307 || s == 308) {
        if (++d->redirects > ACME_DISCOVERY_REDIRECTS_MAX) {
            skip_current_because(d, ACME_CA_SKIP_DIRECTORY_FAILED, ACME_ERR_MALFORMED,
                                 "more than 3 redirects from its well-known URL (a loop?)");
        } else if (resp->location[0] == '\0' || !resolve_location(d, resp->location)) {
            skip_current_because(d, ACME_CA_SKIP_DIRECTORY_FAILED, ACME_ERR_MALFORMED,
                                 "its well-known URL redirects to a non-https URL");
        }
        return;
    }
    if (s != 200) {
        skip_current_because(d, ACME_CA_SKIP_DIRECTORY_FAILED, ACME_ERR_HTTP_STATUS,
                             "no ACME directory at its well-known URL (HTTP error)");
        return;
    }
    acme_status_t st = acme_directory_read(resp->body, resp->body_len, &d->directory);
    if (st != ACME_OK) {
        skip_current_because(d, ACME_CA_SKIP_DIRECTORY_FAILED, st,
                             "its well-known URL does not serve an ACME directory");
        return;
    }
    acme_ca_candidate_t *c = &d->candidates[d->order[d->current]];
    if (d->directory.external_account_required &&
        (d->params.issuer_has_eab == NULL || !d->params.issuer_has_eab(d->params.ctx, c->issuer))) {
        skip_current(d, ACME_CA_SKIP_EAB_REQUIRED, ACME_ERR_UNSUPPORTED);
        return;
    }
    memcpy(c->directory, d->fetch_url, sizeof(c->directory));
    if (d->params.fetch_all) {
        advance(d);
        return;
    }
    d->phase = PHASE_READY;
    d->status = ACME_OK;
}

void acme_discovery_on_fetch_error(acme_discovery_t *d, acme_status_t status)
{
    if (d->phase == PHASE_FETCH) {
        skip_current(d, ACME_CA_SKIP_DIRECTORY_FAILED, status);
    }
}

void acme_discovery_issue_failed(acme_discovery_t *d, acme_status_t status)
{
    if (d->phase == PHASE_READY && d->current < d->order_count) {
        d->status = ACME_WOULD_BLOCK;
        skip_current(d, ACME_CA_SKIP_ISSUE_FAILED, status);
    }
}

const acme_ca_candidate_t *acme_discovery_current(const acme_discovery_t *d)
{
    if (d->phase != PHASE_READY || d->current >= d->order_count) {
        return NULL;
    }
    return &d->candidates[d->order[d->current]];
}

#endif /* ACME_ENABLE_DISCOVERY */
