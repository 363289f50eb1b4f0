/*
 * ACME resource readers: JSON body -> fixed structs, every field checked.
 */
#include "acme/codec/acme_objects.h"

#include <string.h>

#include "acme/codec/json_read.h"
#include "cJSON.h"

#define ACME_ERROR_NS "urn:ietf:params:acme:error:"

static const char *const status_names[] = {
    [ACME_OBJ_UNKNOWN] = "unknown", [ACME_OBJ_PENDING] = "pending",
    [ACME_OBJ_READY] = "ready",     [ACME_OBJ_PROCESSING] = "processing",
    [ACME_OBJ_VALID] = "valid",     [ACME_OBJ_INVALID] = "invalid",
    [ACME_OBJ_EXPIRED] = "expired", [ACME_OBJ_DEACTIVATED] = "deactivated",
    [ACME_OBJ_REVOKED] = "revoked",
};

#define STATUS_COUNT (sizeof(status_names) / sizeof(status_names[0]))

acme_object_status_t acme_object_status_parse(const char *s)
{
    for (size_t i = 1; i < STATUS_COUNT; i++) {
        if (strcmp(s, status_names[i]) == 0) {
            return (acme_object_status_t)i;
        }
    }
    return ACME_OBJ_UNKNOWN;
}

const char *acme_object_status_name(acme_object_status_t st)
{
    return (size_t)st < STATUS_COUNT ? status_names[st] : status_names[0];
}

/* Required members: absent is malformed. */
static acme_status_t require(acme_status_t st)
{
    return st == ACME_ERR_NOT_FOUND ? ACME_ERR_MALFORMED : st;
}

static acme_status_t read_status(const cJSON *obj, acme_object_status_t *out)
{
    char text[16];
    acme_status_t st = require(acme_json_copy_string(obj, "status", text, sizeof(text)));
    if (st == ACME_ERR_OVERSIZE) {
        return ACME_ERR_MALFORMED; /* no valid status is that long */
    }
    if (st != ACME_OK) {
        return st;
    }
    *out = acme_object_status_parse(text);
    return *out == ACME_OBJ_UNKNOWN ? ACME_ERR_MALFORMED : ACME_OK;
}

/* Fill a problem from a JSON object already parsed. */
static acme_status_t problem_from(const cJSON *obj, uint16_t http_status, acme_problem_t *out)
{
    memset(out, 0, sizeof(*out));
    out->http_status = http_status;
    acme_status_t st = acme_json_copy_text(obj, "type", out->type, sizeof(out->type));
    if (st != ACME_OK && st != ACME_ERR_NOT_FOUND) {
        return st;
    }
    st = acme_json_copy_text(obj, "detail", out->detail, sizeof(out->detail));
    if (st != ACME_OK && st != ACME_ERR_NOT_FOUND) {
        return st;
    }
    const cJSON *subs = cJSON_GetObjectItemCaseSensitive(obj, "subproblems");
    if (subs == NULL) {
        return ACME_OK;
    }
    if (!cJSON_IsArray(subs)) {
        return ACME_ERR_MALFORMED;
    }
    const cJSON *sub = NULL;
    cJSON_ArrayForEach(sub, subs)
    {
        if (out->subproblem_count >= ACME_PROBLEM_SUBPROBLEMS_MAX) {
            break; /* the rest is not kept; the caller sees the first ones */
        }
        if (!cJSON_IsObject(sub)) {
            return ACME_ERR_MALFORMED;
        }
        acme_subproblem_t *dst = &out->subproblems[out->subproblem_count];
        st = acme_json_copy_text(sub, "type", dst->type, sizeof(dst->type));
        if (st != ACME_OK && st != ACME_ERR_NOT_FOUND) {
            return st;
        }
        st = acme_json_copy_text(sub, "detail", dst->detail, sizeof(dst->detail));
        if (st != ACME_OK && st != ACME_ERR_NOT_FOUND) {
            return st;
        }
        const cJSON *ident = cJSON_GetObjectItemCaseSensitive(sub, "identifier");
        if (cJSON_IsObject(ident)) {
            st = acme_json_copy_text(ident, "value", dst->identifier, sizeof(dst->identifier));
            if (st != ACME_OK && st != ACME_ERR_NOT_FOUND) {
                return st;
            }
        }
        out->subproblem_count++;
    }
    return ACME_OK;
}

/* The optional "error" member of an order or challenge. */
static acme_status_t optional_error(const cJSON *obj, acme_problem_t *error)
{
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(obj, "error");
    if (err == NULL || error == NULL) {
        return ACME_OK;
    }
    if (!cJSON_IsObject(err)) {
        return ACME_ERR_MALFORMED;
    }
    return problem_from(err, 0, error);
}

acme_status_t acme_directory_read(const uint8_t *json, size_t len, acme_directory_t *out)
{
    memset(out, 0, sizeof(*out));
    cJSON *root = NULL;
    acme_status_t st = acme_json_parse_object(json, len, &root);
    if (st != ACME_OK) {
        return st;
    }
    st = require(acme_json_copy_string(root, "newNonce", out->new_nonce, sizeof(out->new_nonce)));
    if (st == ACME_OK) {
        st = require(
            acme_json_copy_string(root, "newAccount", out->new_account, sizeof(out->new_account)));
    }
    if (st == ACME_OK) {
        st = require(
            acme_json_copy_string(root, "newOrder", out->new_order, sizeof(out->new_order)));
    }
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "meta");
    if (st == ACME_OK && meta != NULL) {
        if (!cJSON_IsObject(meta)) {
            st = ACME_ERR_MALFORMED;
        } else {
            acme_status_t tos = acme_json_copy_string(meta, "termsOfService", out->terms_of_service,
                                                      sizeof(out->terms_of_service));
            if (tos == ACME_ERR_MALFORMED || tos == ACME_ERR_NO_MEMORY) {
                st = tos;
            }
            if (st == ACME_OK) {
                st = acme_json_get_bool(meta, "externalAccountRequired", false,
                                        &out->external_account_required);
            }
        }
    }
    acme_json_free(root);
    return st;
}

acme_status_t acme_account_read(const uint8_t *json, size_t len, acme_object_status_t *status)
{
    cJSON *root = NULL;
    acme_status_t st = acme_json_parse_object(json, len, &root);
    if (st != ACME_OK) {
        return st;
    }
    st = read_status(root, status);
    acme_json_free(root);
    return st;
}

acme_status_t acme_order_object_read(const uint8_t *json, size_t len, acme_order_object_t *out,
                                     acme_problem_t *error)
{
    memset(out, 0, sizeof(*out));
    cJSON *root = NULL;
    acme_status_t st = acme_json_parse_object(json, len, &root);
    if (st != ACME_OK) {
        return st;
    }
    st = read_status(root, &out->status);
    if (st == ACME_OK) {
        st = require(acme_json_copy_string(root, "finalize", out->finalize, sizeof(out->finalize)));
    }
    if (st == ACME_OK) {
        acme_status_t cert =
            acme_json_copy_string(root, "certificate", out->certificate, sizeof(out->certificate));
        if (cert != ACME_OK && cert != ACME_ERR_NOT_FOUND) {
            st = cert;
        }
    }
    if (st == ACME_OK) {
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "authorizations");
        const cJSON *item = NULL;
        if (!cJSON_IsArray(list)) {
            st = ACME_ERR_MALFORMED;
        } else {
            cJSON_ArrayForEach(item, list)
            {
                if (out->authz_count >= ACME_MAX_IDENTIFIERS) {
                    st = ACME_ERR_OVERSIZE;
                    break;
                }
                if (!cJSON_IsString(item) || item->valuestring == NULL) {
                    st = ACME_ERR_MALFORMED;
                    break;
                }
                size_t n = strlen(item->valuestring);
                if (n > ACME_URL_MAX) {
                    st = ACME_ERR_OVERSIZE;
                    break;
                }
                memcpy(out->authorizations[out->authz_count++], item->valuestring, n + 1);
            }
        }
    }
    if (st == ACME_OK) {
        st = optional_error(root, error);
    }
    acme_json_free(root);
    return st;
}

acme_status_t acme_authz_object_read(const uint8_t *json, size_t len, acme_authz_object_t *out,
                                     acme_problem_t *error)
{
    memset(out, 0, sizeof(*out));
    cJSON *root = NULL;
    acme_status_t st = acme_json_parse_object(json, len, &root);
    if (st != ACME_OK) {
        return st;
    }
    st = read_status(root, &out->status);
    const cJSON *ident = cJSON_GetObjectItemCaseSensitive(root, "identifier");
    if (st == ACME_OK && !cJSON_IsObject(ident)) {
        st = ACME_ERR_MALFORMED;
    }
    if (st == ACME_OK) {
        char type[8];
        st = require(acme_json_copy_string(ident, "type", type, sizeof(type)));
        if (st == ACME_OK && strcmp(type, "dns") != 0) {
            st = ACME_ERR_UNSUPPORTED;
        } else if (st == ACME_ERR_OVERSIZE) {
            st = ACME_ERR_UNSUPPORTED; /* some longer type name we do not use */
        }
    }
    if (st == ACME_OK) {
        st = require(
            acme_json_copy_string(ident, "value", out->identifier, sizeof(out->identifier)));
    }
    if (st == ACME_OK) {
        st = acme_json_get_bool(root, "wildcard", false, &out->wildcard);
    }
    const cJSON *challenges = cJSON_GetObjectItemCaseSensitive(root, "challenges");
    if (st == ACME_OK && !cJSON_IsArray(challenges)) {
        st = ACME_ERR_MALFORMED;
    }
    bool error_kept = false;
    const cJSON *ch = NULL;
    if (st == ACME_OK) {
        cJSON_ArrayForEach(ch, challenges)
        {
            if (!cJSON_IsObject(ch)) {
                st = ACME_ERR_MALFORMED;
                break;
            }
            char type[16];
            acme_status_t t = acme_json_copy_string(ch, "type", type, sizeof(type));
            if (t == ACME_ERR_OVERSIZE) {
                continue; /* a challenge type we do not know */
            }
            if (t != ACME_OK) {
                st = require(t);
                break;
            }
            bool is_http01 = strcmp(type, "http-01") == 0;
            if (is_http01 && !out->has_http01) {
                st = read_status(ch, &out->http01_status);
                if (st == ACME_OK) {
                    st = require(
                        acme_json_copy_string(ch, "url", out->http01_url, sizeof(out->http01_url)));
                }
                if (st == ACME_OK) {
                    st = require(acme_json_copy_string(ch, "token", out->http01_token,
                                                       sizeof(out->http01_token)));
                }
                if (st != ACME_OK) {
                    break;
                }
                out->has_http01 = true;
            }
            /* Keep the http-01 error if there is one, else the first. */
            if (error != NULL && cJSON_GetObjectItemCaseSensitive(ch, "error") != NULL &&
                (!error_kept || is_http01)) {
                st = optional_error(ch, error);
                if (st != ACME_OK) {
                    break;
                }
                error_kept = true;
            }
        }
    }
    acme_json_free(root);
    return st;
}

acme_status_t acme_challenge_object_read(const uint8_t *json, size_t len,
                                         acme_object_status_t *status, acme_problem_t *error)
{
    cJSON *root = NULL;
    acme_status_t st = acme_json_parse_object(json, len, &root);
    if (st != ACME_OK) {
        return st;
    }
    st = read_status(root, status);
    if (st == ACME_OK) {
        st = optional_error(root, error);
    }
    acme_json_free(root);
    return st;
}

acme_status_t acme_problem_read(const uint8_t *json, size_t len, uint16_t http_status,
                                acme_problem_t *out)
{
    memset(out, 0, sizeof(*out));
    out->http_status = http_status;
    cJSON *root = NULL;
    acme_status_t st = acme_json_parse_object(json, len, &root);
    if (st != ACME_OK) {
        return st;
    }
    st = problem_from(root, http_status, out);
    acme_json_free(root);
    return st;
}

bool acme_problem_is(const acme_problem_t *problem, const char *name)
{
    size_t ns = sizeof(ACME_ERROR_NS) - 1;
    return strncmp(problem->type, ACME_ERROR_NS, ns) == 0 && strcmp(problem->type + ns, name) == 0;
}
