/*
 * Bounded field access over cJSON, and cJSON's allocation hooks.
 */
#include "acme/codec/json_read.h"

#include <string.h>

#include "cJSON.h"
#include "mbedtls/platform.h"

/* Allocation failures seen by the cJSON hooks; compared before and after a
 * parse to tell "out of memory" from "malformed". */
static uint32_t json_alloc_failures;

static void *json_alloc(size_t size)
{
    void *p = mbedtls_calloc(1, size);
    if (p == NULL) {
        json_alloc_failures++;
    }
    return p;
}

static void json_release(void *p)
{
    mbedtls_free(p);
}

void acme_json_use_arena(void)
{
    cJSON_Hooks hooks = {json_alloc, json_release};
    cJSON_InitHooks(&hooks);
}

void acme_json_parse_object(acme_json_doc_t *doc, const uint8_t *text, size_t len)
{
    doc->root = NULL;
    doc->st = ACME_ERR_MALFORMED;
    if (text == NULL || len == 0) {
        return;
    }
    uint32_t failures_before = json_alloc_failures;
    cJSON *parsed = cJSON_ParseWithLength((const char *)text, len);
    if (parsed == NULL) {
        if (json_alloc_failures != failures_before) {
            doc->st = ACME_ERR_NO_MEMORY;
        }
        return;
    }
    if (!cJSON_IsObject(parsed)) {
        cJSON_Delete(parsed);
        return;
    }
    doc->root = parsed;
    doc->st = ACME_OK;
}

void acme_json_free(cJSON *root)
{
    cJSON_Delete(root);
}

void acme_json_copy(acme_status_t *st, const cJSON *item, char *dst, size_t cap,
                    acme_json_take_t take)
{
    if (*st != ACME_OK) {
        return;
    }
    dst[0] = '\0';
    if (item == NULL) {
        if (take == ACME_JSON_REQUIRED) {
            *st = ACME_ERR_MALFORMED;
        }
        return;
    }
    if (!cJSON_IsString(item) || item->valuestring == NULL) {
        *st = ACME_ERR_MALFORMED;
        return;
    }
    size_t n = strlen(item->valuestring);
    if (n >= cap) {
        if (take == ACME_JSON_HINT) {
            return;
        }
        if (take != ACME_JSON_TEXT) {
            *st = ACME_ERR_OVERSIZE;
            return;
        }
        n = cap - 1;
    }
    memcpy(dst, item->valuestring, n);
    dst[n] = '\0';
}

void acme_json_string(acme_status_t *st, const cJSON *obj, const char *key, char *dst, size_t cap,
                      acme_json_take_t take)
{
    acme_json_copy(st, cJSON_GetObjectItemCaseSensitive(obj, key), dst, cap, take);
}

void acme_json_bool(acme_status_t *st, const cJSON *obj, const char *key, bool *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (*st != ACME_OK) {
        return;
    }
    *out = cJSON_IsTrue(item) != 0;
    if (item != NULL && !cJSON_IsBool(item)) {
        *st = ACME_ERR_MALFORMED;
    }
}

const cJSON *acme_json_member(acme_status_t *st, const cJSON *obj, const char *key, int type,
                              bool required)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (*st != ACME_OK) {
        return NULL;
    }
    if (item == NULL ? required : (item->type & 0xFF) != type) {
        *st = ACME_ERR_MALFORMED;
        return NULL;
    }
    return item;
}
