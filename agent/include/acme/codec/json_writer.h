/*
 * Bounded JSON writer for request bodies (RFC 8259).
 *
 * Requests are written into a fixed buffer; there is no allocation and no
 * number formatting through printf (newlib-nano's float trap does not apply:
 * only integers are written). Errors are sticky: after the first overflow or
 * misuse every call is a no-op and acme_jw_finish() reports the error, so a
 * caller can write a whole object and check once.
 *
 * Commas and nesting are tracked by the writer; keys are only valid inside
 * objects, values only after a key or inside arrays.
 *
 * Documents of a fixed shape (a JWS protected header, an ACME request
 * payload) can instead be written as text: the caller's constant fragments
 * (punctuation and keys) with acme_jw_put_text(), and only the variable
 * values through the escaping acme_jw_put_string() and
 * acme_jw_put_base64url(). Nothing is tracked then (the fragments are the
 * caller's to get right, and its tests parse what it writes), which keeps
 * such a caller's image small: the structural calls are not linked. The
 * errors are sticky all the same, and acme_jw_finish() ends the text. One
 * writer is used one way or the other, not both.
 *
 * The text calls make a plain bounded text writer too (each piece all or
 * nothing, the first error sticky): the HTTP head writers use it, so the
 * image holds one.
 */
#ifndef ACME_CODEC_JSON_WRITER_H
#define ACME_CODEC_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ACME_JW_MAX_DEPTH 8

typedef struct acme_json_writer {
    char *buf;
    size_t cap;
    size_t len;
    acme_status_t status; /* sticky: first error */
    uint8_t depth;
    uint8_t after_key; /* a key was written, a value must follow */
    uint8_t is_array[ACME_JW_MAX_DEPTH];
    uint8_t has_items[ACME_JW_MAX_DEPTH];
} acme_json_writer_t;

void acme_jw_init(acme_json_writer_t *w, char *buf, size_t cap);
void acme_jw_object_begin(acme_json_writer_t *w);
void acme_jw_object_end(acme_json_writer_t *w);
void acme_jw_array_begin(acme_json_writer_t *w);
void acme_jw_array_end(acme_json_writer_t *w);
void acme_jw_key(acme_json_writer_t *w, const char *key);
/* Strings are escaped: quote, backslash and control characters (U+0000 to
 * U+001F as \uXXXX or the short forms). Bytes >= 0x80 are copied as they are
 * (the caller supplies UTF-8). */
void acme_jw_string(acme_json_writer_t *w, const char *s);
void acme_jw_string_n(acme_json_writer_t *w, const char *s, size_t n);
/* A string value holding base64url(data). */
void acme_jw_base64url(acme_json_writer_t *w, const uint8_t *data, size_t n);
void acme_jw_int(acme_json_writer_t *w, int64_t v);
void acme_jw_bool(acme_json_writer_t *w, bool v);
void acme_jw_null(acme_json_writer_t *w);
/* A value that is already JSON (e.g. a canonical JWK); copied verbatim. */
void acme_jw_raw(acme_json_writer_t *w, const char *json, size_t n);

/* Text (see the top): a NUL-terminated fragment, or n bytes, copied
 * verbatim (NULL is ACME_ERR_INVALID_ARG); a string value of n bytes, quoted
 * and escaped as by acme_jw_string_n(); a string value holding
 * base64url(data). */
void acme_jw_put_text(acme_json_writer_t *w, const char *text);
void acme_jw_put_text_n(acme_json_writer_t *w, const char *text, size_t n);
void acme_jw_put_string(acme_json_writer_t *w, const char *s, size_t n);
void acme_jw_put_base64url(acme_json_writer_t *w, const uint8_t *data, size_t n);

/* NUL-terminates and returns the sticky status: ACME_OK,
 * ACME_ERR_BUFFER_TOO_SMALL (overflow, including no room for the NUL) or
 * ACME_ERR_BAD_STATE (unbalanced nesting, key without value, depth > max). */
acme_status_t acme_jw_finish(acme_json_writer_t *w, size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* ACME_CODEC_JSON_WRITER_H */
