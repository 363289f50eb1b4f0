/*
 * Reading JSON from servers with cJSON, bounded: parse a body, then copy
 * fields into fixed buffers with explicit limits. Used by the ACME object
 * readers; nothing else in the agent touches cJSON.
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

/* Parse text[0..len) (need not be NUL-terminated). ACME_ERR_MALFORMED for
 * bad JSON or a non-object root, ACME_ERR_NO_MEMORY when the arena ran out.
 * On success the caller owns *root and frees it with acme_json_free(). */
acme_status_t acme_json_parse_object(const uint8_t *text, size_t len, struct cJSON **root);
void acme_json_free(struct cJSON *root);

/* Copy the string member `key` of obj into dst (NUL-terminated).
 * Absent: ACME_ERR_NOT_FOUND. Not a string: ACME_ERR_MALFORMED. Longer than
 * cap - 1: ACME_ERR_OVERSIZE (dst is then empty). */
acme_status_t acme_json_copy_string(const struct cJSON *obj, const char *key, char *dst,
                                    size_t cap);

/* As above, but truncating (for human-readable text such as problem
 * details, which are shown, never acted upon). */
acme_status_t acme_json_copy_text(const struct cJSON *obj, const char *key, char *dst, size_t cap);

/* A boolean member; absent gives dflt; present but not a boolean:
 * ACME_ERR_MALFORMED. */
acme_status_t acme_json_get_bool(const struct cJSON *obj, const char *key, bool dflt, bool *out);

#ifdef __cplusplus
}
#endif

#endif /* ACME_CODEC_JSON_READ_H */
