/*
 * ACME Renewal Information (RFC 9773) identifiers.
 *
 * The certID of a certificate names it in GET renewalInfo/<certID> and in a
 * newOrder's "replaces": base64url (no padding) of the keyIdentifier of its
 * Authority Key Identifier extension, ".", base64url of the DER contents of
 * its serial number (the integer's bytes as encoded, a leading 0x00 kept).
 */
#ifndef ACME_CODEC_ARI_H
#define ACME_CODEC_ARI_H

#include <stddef.h>
#include <stdint.h>

#include "acme/status.h"
#include "acme/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest inputs: ACME_ARI_KEY_ID_MAX and ACME_ARI_SERIAL_MAX (acme/types.h). */
/* ceil(4 * 64 / 3) + 1 + ceil(4 * 21 / 3) + NUL */
#define ACME_ARI_CERT_ID_MAX (86u + 1u + 28u + 1u)

/* certID of (key_id, serial) into out[0..cap), NUL-terminated; *len its
 * length. ACME_ERR_INVALID_ARG for an empty or overlong input,
 * ACME_ERR_BUFFER_TOO_SMALL when it does not fit. */
acme_status_t acme_ari_cert_id(const uint8_t *key_id, size_t key_id_len, const uint8_t *serial,
                               size_t serial_len, char *out, size_t cap, size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* ACME_CODEC_ARI_H */
