/*
 * Reading JSON from servers with cJSON, bounded: parse a body, then copy
 * fields into fixed buffers with explicit limits. Used by the ACME object
 * readers; nothing else in the agent touches cJSON.
 *
 * The field readers share a sticky status, like the writers do: each one
 * does nothing once *st is not ACME_OK, so a reader of an ACME object reads
 * its members one after another and checks once at the end. A reader given
 * a NULL object (an absent or failed member) finds nothing in it.
 *
 * cJSON allocates through hooks that this module installs to point at the
 * arena (acme_json_use_arena). A failed allocation is counted, so a parse
 * that failed for lack of memory is reported as ACME_ERR_NO_MEMORY and not
 * blamed on the server as ACME_ERR_MALFORMED.
 */
#ifndef ACME_CODEC_JSON_READ_H
#define ACME_CODEC_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cJSON;

/* Route cJSON allocations to mbedtls_calloc/mbedtls_free (the arena once
 * mbedtls_memory_buffer_alloc_init has run). */
void acme_json_use_arena(void);

/* A parsed body and the readers' sticky status. root comes first so that
 * st sits at an aligned offset: a reader passes &doc.st to every field
 * reader, and an aligned stack address is a shorter instruction on Thumb. */
typedef struct acme_json_doc {
    struct cJSON *root;
    acme_status_t st;
} acme_json_doc_t;

/* Parse text[0..len) (need not be NUL-terminated) into doc. doc->st is
 * ACME_OK, ACME_ERR_MALFORMED for bad JSON or a non-object root, or
 * ACME_ERR_NO_MEMORY when the arena ran out; doc->root is the object, NULL
 * on failure. The caller frees it with acme_json_free() (which takes NULL
 * too). */
void acme_json_parse_object(acme_json_doc_t *doc, const uint8_t *text, size_t len);
void acme_json_free(struct cJSON *root);

/* How a string is taken. Every form needs a JSON string when the value is
 * there (anything else is ACME_ERR_MALFORMED) and leaves dst
 * NUL-terminated. */
typedef enum acme_json_take {
    ACME_JSON_REQUIRED, /* absent: ACME_ERR_MALFORMED; longer than cap - 1:
                           ACME_ERR_OVERSIZE */
    ACME_JSON_OPTIONAL, /* absent: "" ; longer than cap - 1: ACME_ERR_OVERSIZE */
    ACME_JSON_TEXT,     /* absent: ""; cut to fit (human-readable text such as
                           problem details, shown, never acted upon) */
    ACME_JSON_HINT      /* absent or longer than cap - 1: "" (informational) */
} acme_json_take_t;

/* The string value item (NULL: absent) into dst[0..cap). */
void acme_json_copy(acme_status_t *st, const struct cJSON *item, char *dst, size_t cap,
                    acme_json_take_t take);

/* The string member `key` of obj into dst[0..cap). */
void acme_json_string(acme_status_t *st, const struct cJSON *obj, const char *key, char *dst,
                      size_t cap, acme_json_take_t take);

/* A boolean member: absent is false; present but not a boolean:
 * ACME_ERR_MALFORMED. */
void acme_json_bool(acme_status_t *st, const struct cJSON *obj, const char *key, bool *out);

/* The member `key` of obj when it has cJSON type `type` (cJSON_Object,
 * cJSON_Array); NULL when absent (ACME_ERR_MALFORMED if required) or of
 * another type (ACME_ERR_MALFORMED). */
const struct cJSON *acme_json_member(acme_status_t *st, const struct cJSON *obj, const char *key,
                                     int type, bool required);

#ifdef __cplusplus
}
#endif

#endif /* ACME_CODEC_JSON_READ_H */
