/*
 * External account binding settings as people write them: the MAC key text
 * a CA hands out, and the MAC algorithm's name. Used by whoever turns
 * human input into an acme_ca_entry_t or a provisioning blob (the Linux
 * board's --eab option, acme-provision's spec); the agent itself only ever
 * sees decoded key bytes.
 *
 * Key text: an optional prefix chooses the encoding, because one string can
 * be valid in several (every hex string is also base64url):
 *   "hex:"        hex digits, either case, an even number of them
 *   "base64:"     standard base64 (RFC 4648 §4, "+/"), '=' padding optional
 *   "base64url:"  base64url (RFC 4648 §5, "-_"), '=' padding optional
 *   no prefix     base64url, the form CAs give out (RFC 8555 §7.3.4 examples,
 *                 Pebble, ZeroSSL, Google); '+' or '/' are refused with a
 *                 pointer to "base64:", and a text made of an even number of
 *                 hex digits is refused as ambiguous (say "hex:" or
 *                 "base64url:"), so a hex key is never silently read as
 *                 base64url bytes.
 * No whitespace anywhere; padding, when present, must be complete; the last
 * character's unused bits must be zero (one text, one key).
 *
 * Pure functions; nothing is kept. The key text and the decoded bytes are
 * secrets: neither is copied beyond the caller's out buffer (a 4-character
 * group at most, wiped), and out is wiped again when decoding fails.
 */
#ifndef ACME_CODEC_EAB_TEXT_H
#define ACME_CODEC_EAB_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum acme_eab_key_error {
    ACME_EAB_KEY_OK = 0,
    ACME_EAB_KEY_EMPTY,          /* nothing after the prefix (or at all) */
    ACME_EAB_KEY_TOO_LONG,       /* decodes to more than cap bytes */
    ACME_EAB_KEY_BAD_HEX,        /* "hex:" but not an even number of hex digits */
    ACME_EAB_KEY_BAD_BASE64,     /* "base64:" but not standard base64 */
    ACME_EAB_KEY_BAD_BASE64URL,  /* base64url (prefixed or not) that does not decode */
    ACME_EAB_KEY_STANDARD_CHARS, /* no prefix, but '+' or '/': standard base64 */
    ACME_EAB_KEY_AMBIGUOUS       /* no prefix, and only an even number of hex digits */
} acme_eab_key_error_t;

/* Decode the n characters of text (no NUL needed) into out[0..cap).
 * ACME_EAB_KEY_OK with *len bytes (>= 1); otherwise *len is 0 and out[0..cap)
 * is zeroised. cap is the caller's key limit: a longer key is
 * ACME_EAB_KEY_TOO_LONG. */
acme_eab_key_error_t acme_eab_key_decode(const char *text, size_t n, uint8_t *out, size_t cap,
                                         size_t *len);

/* What went wrong, for a message that names the field first ("--eab KEY ",
 * "cas[0].eab.hmac_key "): "is empty", "is not hex (...)", ... Never the
 * key. A code outside the enum gives "is not a usable key". */
const char *acme_eab_key_error_text(acme_eab_key_error_t e);

/* "HS256", "HS384", "HS512" (exactly, n characters) -> ACME_EAB_HS256.. in
 * *alg; false for anything else. */
bool acme_eab_alg_parse(const char *text, size_t n, uint8_t *alg);

/* The JWS "alg" of an acme_eab_alg_t: "HS256" for ACME_EAB_DEFAULT and
 * ACME_EAB_HS256, "HS384", "HS512"; NULL for a value outside the enum. */
const char *acme_eab_alg_name(uint8_t alg);

#ifdef __cplusplus
}
#endif

#endif /* ACME_CODEC_EAB_TEXT_H */
