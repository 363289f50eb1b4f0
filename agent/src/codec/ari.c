/*
 * RFC 9773 certID. See acme/codec/ari.h.
 */
#include "acme/codec/ari.h"

#include "acme/codec/base64.h"

acme_status_t acme_ari_cert_id(const uint8_t *key_id, size_t key_id_len, const uint8_t *serial,
                               size_t serial_len, char *out, size_t cap, size_t *len)
{
    if (key_id == NULL || serial == NULL || out == NULL || len == NULL || key_id_len == 0 ||
        serial_len == 0 || key_id_len > ACME_ARI_KEY_ID_MAX || serial_len > ACME_ARI_SERIAL_MAX) {
        return ACME_ERR_INVALID_ARG;
    }
    size_t a = ACME_BASE64URL_LEN(key_id_len);
    size_t b = ACME_BASE64URL_LEN(serial_len);
    if (cap < a + 1u + b + 1u) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    size_t n = 0;
    (void)acme_base64url_encode(key_id, key_id_len, out, a, &n);
    out[a] = '.';
    (void)acme_base64url_encode(serial, serial_len, out + a + 1u, b, &n);
    out[a + 1u + b] = '\0';
    *len = a + 1u + b;
    return ACME_OK;
}
