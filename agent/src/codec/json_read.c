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

acme_status_t acme_json_parse_object(const uint8_t *text, size_t len, cJSON **root)
{
    *root = NULL;
    if (text == NULL || len == 0) {
        return ACME_ERR_MALFORMED;
    }
    uint32_t failures_before = json_alloc_failures;
    cJSON *parsed = cJSON_ParseWithLength((const char *)text, len);
    if (parsed == NULL) {
        return json_alloc_failures != failures_before ? ACME_ERR_NO_MEMORY : ACME_ERR_MALFORMED;
    }
    if (!cJSON_IsObject(parsed)) {
        cJSON_Delete(parsed);
        return ACME_ERR_MALFORMED;
    }
    *root = parsed;
    return ACME_OK;
}

void acme_json_free(cJSON *root)
{
    cJSON_Delete(root);
}

static acme_status_t get_string(const cJSON *obj, const char *key, const char **value)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (item == NULL) {
        return ACME_ERR_NOT_FOUND;
    }
    if (!cJSON_IsString(item) || item->valuestring == NULL) {
        return ACME_ERR_MALFORMED;
    }
    *value = item->valuestring;
    return ACME_OK;
}

/* Copy a string member; a value too long for dst is an error, or cut to
 * fit when truncate is set. */
static acme_status_t copy_member(const cJSON *obj, const char *key, char *dst, size_t cap,
                                 bool truncate)
{
    if (cap == 0) {
        return ACME_ERR_INVALID_ARG;
    }
    dst[0] = '\0';
    const char *value = NULL;
    acme_status_t st = get_string(obj, key, &value);
    if (st != ACME_OK) {
        return st;
    }
    size_t n = strlen(value);
    if (n >= cap) {
        if (!truncate) {
            return ACME_ERR_OVERSIZE;
        }
        n = cap - 1;
    }
    memcpy(dst, value, n);
    dst[n] = '\0';
    return ACME_OK;
}

acme_status_t acme_json_copy_string(const cJSON *obj, const char *key, char *dst, size_t cap)
{
    return copy_member(obj, key, dst, cap, false);
}

acme_status_t acme_json_copy_text(const cJSON *obj, const char *key, char *dst, size_t cap)
{
    return copy_member(obj, key, dst, cap, true);
}

acme_status_t acme_json_get_bool(const cJSON *obj, const char *key, bool dflt, bool *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (item == NULL) {
        *out = dflt;
        return ACME_OK;
    }
    if (!cJSON_IsBool(item)) {
        return ACME_ERR_MALFORMED;
    }
    *out = cJSON_IsTrue(item) != 0;
    return ACME_OK;
}
