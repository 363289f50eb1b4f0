/*
 * External account binding (RFC 8555 §7.3.4): the JWS that goes into the
 * newAccount payload as "externalAccountBinding". Its protected header is
 * {"alg":<HS256|HS384|HS512>,"kid":<EAB key id>,"url":<newAccount URL>}, its
 * payload is the account's public JWK, and it is signed with HMAC-SHA-256,
 * -384 or -512 (RFC 7518 §3.2) under the key the CA issued. The MAC key
 * never leaves this call and is never logged.
 */
#ifndef ACME_CODEC_EAB_H
#define ACME_CODEC_EAB_H

#include <stddef.h>
#include <stdint.h>

#include "acme/config_defaults.h"
#include "acme/status.h"
#include "acme/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest EAB MAC key accepted (bytes, after decoding). */
#define ACME_EAB_KEY_MAX 128u
/* Longest EAB key id. */
#define ACME_EAB_KID_MAX 128u

/* Write {"protected":"..","payload":"..","signature":".."} and a NUL, MACed
 * with alg (acme_eab_alg_t; ACME_EAB_DEFAULT is HS256). The key's length is
 * not held against the hash's (RFC 7518 asks CAs for keys at least that
 * long; what a CA issued is what it verifies with). Errors:
 * ACME_ERR_INVALID_ARG (empty kid/key/url/jwk, key longer than
 * ACME_EAB_KEY_MAX, alg outside acme_eab_alg_t), ACME_ERR_BUFFER_TOO_SMALL
 * (out then holds "" when cap > 0). */
acme_status_t acme_eab_write(const char *kid, const uint8_t *mac_key, size_t key_len, uint8_t alg,
                             const char *url, const char *jwk, size_t jwk_len, char *out,
                             size_t cap, size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* ACME_CODEC_EAB_H */
