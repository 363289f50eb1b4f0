/*
 * ACME resource readers: JSON body -> fixed structs, every field checked.
 */
#include "acme/codec/acme_objects.h"

#include <string.h>

#include "acme/codec/json_read.h"
#include "acme/codec/rfc3339.h"
#include "acme/codec/url.h"
#include "cJSON.h"
#include "compiler.h"

#define ACME_ERROR_NS "urn:ietf:params:acme:error:"

/* The names of acme_object_status_t from ACME_OBJ_UNKNOWN on, packed. */
static const char status_names[] = "unknown\0pending\0ready\0processing\0valid\0invalid\0"
                                   "expired\0deactivated\0revoked\0";

acme_object_status_t acme_object_status_parse(const char *s)
{
    /* The first name is "unknown", which is not a status a server sends. */
    const char *name = status_names;
    for (int i = 0; *name != '\0'; i++) {
        if (i > 0 && strcmp(s, name) == 0) {
            return (acme_object_status_t)i;
        }
        name += strlen(name) + 1u;
    }
    return ACME_OBJ_UNKNOWN;
}

const char *acme_object_status_name(acme_object_status_t st)
{
    const char *name = status_names;
    for (int i = 0; *name != '\0'; i++) {
        if (i == (int)st) {
            return name;
        }
        name += strlen(name) + 1u;
    }
    return status_names;
}

/* The "status" member: one of the names above. */
static void read_status(acme_status_t *st, const cJSON *obj, acme_object_status_t *out)
{
    char text[16];
    acme_json_string(st, obj, "status", text, sizeof(text), ACME_JSON_REQUIRED);
    if (*st == ACME_ERR_OVERSIZE) {
        *st = ACME_ERR_MALFORMED; /* no valid status is that long */
    }
    if (*st == ACME_OK) {
        *out = acme_object_status_parse(text);
        if (*out == ACME_OBJ_UNKNOWN) {
            *st = ACME_ERR_MALFORMED;
        }
    }
}

/* "type" and "detail" of a problem or a subproblem: text, cut to fit. One
 * copy for both. */
ACME_NOINLINE static void type_and_detail(acme_status_t *st, const cJSON *obj, char *type,
                                          char *detail, size_t detail_cap)
{
    acme_json_string(st, obj, "type", type, ACME_PROBLEM_TYPE_MAX + 1, ACME_JSON_TEXT);
    acme_json_string(st, obj, "detail", detail, detail_cap, ACME_JSON_TEXT);
}

/* Fill a problem from a JSON object already parsed (or, after a failed
 * parse, only clear it). */
static void problem_from(acme_status_t *st, const cJSON *obj, uint16_t http_status,
                         acme_problem_t *out)
{
    memset(out, 0, sizeof(*out));
    out->http_status = http_status;
    type_and_detail(st, obj, out->type, out->detail, sizeof(out->detail));
    const cJSON *subs = acme_json_member(st, obj, "subproblems", cJSON_Array, false);
    const cJSON *sub = NULL;
    cJSON_ArrayForEach(sub, subs)
    {
        /* Beyond the limit the rest is not kept; the caller sees the first
         * ones. */
        if (*st != ACME_OK || out->subproblem_count >= ACME_PROBLEM_SUBPROBLEMS_MAX) {
            break;
        }
        if (!cJSON_IsObject(sub)) {
            *st = ACME_ERR_MALFORMED;
            break;
        }
        acme_subproblem_t *dst = &out->subproblems[out->subproblem_count];
        type_and_detail(st, sub, dst->type, dst->detail, sizeof(dst->detail));
        const cJSON *ident = cJSON_GetObjectItemCaseSensitive(sub, "identifier");
        if (cJSON_IsObject(ident)) {
            acme_json_string(st, ident, "value", dst->identifier, sizeof(dst->identifier),
                             ACME_JSON_TEXT);
        }
        if (*st == ACME_OK) {
            out->subproblem_count++;
        }
    }
}

/* The optional "error" member of an order or challenge, into error (which
 * may be NULL: not wanted). */
static void optional_error(acme_status_t *st, const cJSON *obj, acme_problem_t *error)
{
    if (error != NULL) {
        const cJSON *err = acme_json_member(st, obj, "error", cJSON_Object, false);
        if (err != NULL) {
            problem_from(st, err, 0, error);
        }
    }
}

#if ACME_ENABLE_PROFILES
/* meta.profiles: an object whose member names are the profiles (the values
 * describe them for people). Names that do not fit are not offered, and
 * neither is anything when it is not an object: profiles are an optional
 * extension, and the CA stays usable without them. */
static void read_profile_names(const cJSON *meta, char list[ACME_PROFILES_LIST_MAX])
{
    const cJSON *profiles = cJSON_GetObjectItemCaseSensitive(meta, "profiles");
    size_t used = 0;
    const cJSON *item = NULL;
    if (!cJSON_IsObject(profiles)) {
        profiles = NULL;
    }
    cJSON_ArrayForEach(item, profiles)
    {
        size_t n = item->string != NULL ? strlen(item->string) : 0;
        /* The name, its NUL and the list's final NUL must fit. */
        if (n == 0 || n > ACME_PROFILE_MAX || used + n + 2u > ACME_PROFILES_LIST_MAX) {
            continue;
        }
        memcpy(list + used, item->string, n + 1u);
        used += n + 1u;
    }
    list[used] = '\0';
}
#endif

acme_status_t acme_directory_read(const uint8_t *json, size_t len, acme_directory_t *out)
{
    memset(out, 0, sizeof(*out));
    acme_json_doc_t doc;
    acme_json_parse_object(&doc, json, len);
    acme_json_string(&doc.st, doc.root, "newNonce", out->new_nonce, sizeof(out->new_nonce),
                     ACME_JSON_REQUIRED);
    acme_json_string(&doc.st, doc.root, "newAccount", out->new_account, sizeof(out->new_account),
                     ACME_JSON_REQUIRED);
    acme_json_string(&doc.st, doc.root, "newOrder", out->new_order, sizeof(out->new_order),
                     ACME_JSON_REQUIRED);
    const cJSON *meta = acme_json_member(&doc.st, doc.root, "meta", cJSON_Object, false);
    acme_json_string(&doc.st, meta, "termsOfService", out->terms_of_service,
                     sizeof(out->terms_of_service), ACME_JSON_HINT);
    acme_json_bool(&doc.st, meta, "externalAccountRequired", &out->external_account_required);
#if ACME_ENABLE_ARI
    acme_json_string(&doc.st, doc.root, "renewalInfo", out->renewal_info,
                     sizeof(out->renewal_info), ACME_JSON_HINT);
#endif
#if ACME_ENABLE_ACCOUNT_ADMIN
    acme_json_string(&doc.st, doc.root, "revokeCert", out->revoke_cert, sizeof(out->revoke_cert),
                     ACME_JSON_HINT);
    acme_json_string(&doc.st, doc.root, "keyChange", out->key_change, sizeof(out->key_change),
                     ACME_JSON_HINT);
#endif
#if ACME_ENABLE_PROFILES
    read_profile_names(meta, out->profiles);
#endif
    acme_json_free(doc.root);
    return doc.st;
}

#if ACME_ENABLE_PROFILES
bool acme_directory_offers_profile(const acme_directory_t *dir, const char *name)
{
    for (const char *p = dir->profiles; *p != '\0'; p += strlen(p) + 1u) {
        if (strcmp(p, name) == 0) {
            return true;
        }
    }
    return false;
}
#endif

acme_status_t acme_account_read(const uint8_t *json, size_t len, acme_object_status_t *status)
{
    acme_json_doc_t doc;
    acme_json_parse_object(&doc, json, len);
    read_status(&doc.st, doc.root, status);
    acme_json_free(doc.root);
    return doc.st;
}

acme_status_t acme_order_object_read(const uint8_t *json, size_t len, acme_order_object_t *out,
                                     acme_problem_t *error)
{
    memset(out, 0, sizeof(*out));
    acme_json_doc_t doc;
    acme_json_parse_object(&doc, json, len);
    read_status(&doc.st, doc.root, &out->status);
    acme_json_string(&doc.st, doc.root, "finalize", out->finalize, sizeof(out->finalize),
                     ACME_JSON_REQUIRED);
    acme_json_string(&doc.st, doc.root, "certificate", out->certificate, sizeof(out->certificate),
                     ACME_JSON_OPTIONAL);
#if ACME_ENABLE_PROFILES
    acme_json_string(&doc.st, doc.root, "profile", out->profile, sizeof(out->profile),
                     ACME_JSON_HINT);
#endif
    const cJSON *list = acme_json_member(&doc.st, doc.root, "authorizations", cJSON_Array, true);
    const cJSON *item = NULL;
    cJSON_ArrayForEach(item, list)
    {
        if (out->authz_count >= ACME_MAX_IDENTIFIERS) {
            doc.st = ACME_ERR_OVERSIZE;
        }
        if (doc.st != ACME_OK) {
            break;
        }
        acme_json_copy(&doc.st, item, out->authorizations[out->authz_count++],
                       sizeof(out->authorizations[0]), ACME_JSON_REQUIRED);
    }
    optional_error(&doc.st, doc.root, error);
    acme_json_free(doc.root);
    return doc.st;
}

acme_status_t acme_authz_object_read(const uint8_t *json, size_t len, acme_authz_object_t *out,
                                     acme_problem_t *error)
{
    memset(out, 0, sizeof(*out));
    acme_json_doc_t doc;
    acme_json_parse_object(&doc, json, len);
    read_status(&doc.st, doc.root, &out->status);
    const cJSON *ident = acme_json_member(&doc.st, doc.root, "identifier", cJSON_Object, true);
    char type[8];
    acme_json_string(&doc.st, ident, "type", type, sizeof(type), ACME_JSON_REQUIRED);
    if (doc.st == ACME_ERR_OVERSIZE || (doc.st == ACME_OK && strcmp(type, "dns") != 0)) {
        doc.st = ACME_ERR_UNSUPPORTED; /* an identifier type we do not use */
    }
    acme_json_string(&doc.st, ident, "value", out->identifier, sizeof(out->identifier),
                     ACME_JSON_REQUIRED);
    acme_json_bool(&doc.st, doc.root, "wildcard", &out->wildcard);
    const cJSON *challenges = acme_json_member(&doc.st, doc.root, "challenges", cJSON_Array, true);
    bool error_kept = false;
    const cJSON *ch = NULL;
    cJSON_ArrayForEach(ch, challenges)
    {
        if (doc.st != ACME_OK) {
            break;
        }
        if (!cJSON_IsObject(ch)) {
            doc.st = ACME_ERR_MALFORMED;
            break;
        }
        char ch_type[16];
        acme_status_t t = ACME_OK;
        acme_json_string(&t, ch, "type", ch_type, sizeof(ch_type), ACME_JSON_REQUIRED);
        if (t == ACME_ERR_OVERSIZE) {
            continue; /* a challenge type we do not know */
        }
        doc.st = t;
        bool is_http01 = strcmp(ch_type, "http-01") == 0;
        if (is_http01 && !out->has_http01) {
            read_status(&doc.st, ch, &out->http01_status);
            acme_json_string(&doc.st, ch, "url", out->http01_url, sizeof(out->http01_url),
                             ACME_JSON_REQUIRED);
            acme_json_string(&doc.st, ch, "token", out->http01_token, sizeof(out->http01_token),
                             ACME_JSON_REQUIRED);
            out->has_http01 = doc.st == ACME_OK;
        }
        /* Keep the http-01 error if there is one, else the first. */
        if (cJSON_GetObjectItemCaseSensitive(ch, "error") != NULL && (!error_kept || is_http01)) {
            optional_error(&doc.st, ch, error);
            error_kept = true;
        }
    }
    acme_json_free(doc.root);
    return doc.st;
}

acme_status_t acme_challenge_object_read(const uint8_t *json, size_t len,
                                         acme_object_status_t *status, acme_problem_t *error)
{
    acme_json_doc_t doc;
    acme_json_parse_object(&doc, json, len);
    read_status(&doc.st, doc.root, status);
    optional_error(&doc.st, doc.root, error);
    acme_json_free(doc.root);
    return doc.st;
}

acme_status_t acme_problem_read(const uint8_t *json, size_t len, uint16_t http_status,
                                acme_problem_t *out)
{
    acme_json_doc_t doc;
    acme_json_parse_object(&doc, json, len);
    problem_from(&doc.st, doc.root, http_status, out);
    acme_json_free(doc.root);
    return doc.st;
}

bool acme_problem_is(const acme_problem_t *problem, const char *name)
{
    size_t ns = sizeof(ACME_ERROR_NS) - 1;
    return strncmp(problem->type, ACME_ERROR_NS, ns) == 0 && strcmp(problem->type + ns, name) == 0;
}

/* A required RFC 3339 member of obj. */
static void read_time(acme_status_t *st, const cJSON *obj, const char *key, int64_t *out)
{
    char text[40];
    acme_json_string(st, obj, key, text, sizeof(text), ACME_JSON_REQUIRED);
    if (*st == ACME_OK && acme_rfc3339_parse(text, strlen(text), out) != ACME_OK) {
        *st = ACME_ERR_MALFORMED;
    }
}

acme_status_t acme_renewal_window_read(const uint8_t *json, size_t len,
                                       acme_renewal_window_t *out)
{
    memset(out, 0, sizeof(*out));
    acme_json_doc_t doc;
    acme_json_parse_object(&doc, json, len);
    const cJSON *w = acme_json_member(&doc.st, doc.root, "suggestedWindow", cJSON_Object, true);
    read_time(&doc.st, w, "start", &out->start_s);
    read_time(&doc.st, w, "end", &out->end_s);
    acme_json_string(&doc.st, doc.root, "explanationURL", out->explanation_url,
                     sizeof(out->explanation_url), ACME_JSON_HINT);
    acme_json_free(doc.root);
    /* Shown to people and in logs: only a well-formed https URL. */
    acme_url_t url;
    if (acme_url_parse_https(out->explanation_url, strlen(out->explanation_url), &url) !=
        ACME_OK) {
        out->explanation_url[0] = '\0';
    }
    if (doc.st == ACME_OK && out->end_s <= out->start_s) {
        doc.st = ACME_ERR_MALFORMED;
    }
    if (doc.st != ACME_OK) {
        memset(out, 0, sizeof(*out));
    }
    return doc.st;
}
