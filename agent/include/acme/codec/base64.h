/*
 * Base64 in two alphabets (RFC 4648): base64url without padding (§5, as JOSE
 * and ACME use it) and standard base64 with padding (§4, inside PEM).
 *
 * Pure functions. Output buffers are the caller's; nothing is written beyond
 * cap. Encoders NUL-terminate when there is room for it (cap > length) and
 * report the length without the NUL.
 */
#ifndef ACME_CODEC_BASE64_H
#define ACME_CODEC_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Characters needed to base64url-encode n bytes (no padding, no NUL). */
#define ACME_BASE64URL_LEN(n) ((((n) / 3u) * 4u) + (((n) % 3u) * 4u + 2u) / 3u)
/* Characters needed to base64-encode n bytes with padding (no NUL). */
#define ACME_BASE64_LEN(n) ((((n) + 2u) / 3u) * 4u)

/* ACME_OK, or ACME_ERR_BUFFER_TOO_SMALL when cap < ACME_BASE64URL_LEN(n)
 * (then nothing meaningful is in out). */
acme_status_t acme_base64url_encode(const uint8_t *in, size_t n, char *out, size_t cap,
                                    size_t *out_len);

/* Strict decoder for data from peers: rejects '=' padding, characters
 * outside the url alphabet, a length of 4k+1, and non-zero trailing bits
 * (non-canonical encodings) with ACME_ERR_MALFORMED;
 * ACME_ERR_BUFFER_TOO_SMALL when the result does not fit. */
acme_status_t acme_base64url_decode(const char *in, size_t n, uint8_t *out, size_t cap,
                                    size_t *out_len);

acme_status_t acme_base64_encode(const uint8_t *in, size_t n, char *out, size_t cap,
                                 size_t *out_len);

/* Standard alphabet, padding required (length a multiple of 4 after
 * whitespace is skipped); ASCII whitespace (space, \t, \r, \n) anywhere is
 * skipped so PEM bodies decode directly. Same errors as the url decoder. */
acme_status_t acme_base64_decode(const char *in, size_t n, uint8_t *out, size_t cap,
                                 size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif /* ACME_CODEC_BASE64_H */
