/*
 * Canonical JWKs (RFC 7638 §3: required members only, lexicographic order, no
 * whitespace), their thumbprints, and ACME key authorizations (RFC 8555 §8.1).
 */
#include "acme/codec/jwk.h"

#include <stdbool.h>
#include <string.h>

#include "acme/codec/base64.h"
#include "acme/codec/json_writer.h"
#include "acme/config_defaults.h"
#include "ascii.h"
#include "crypto/crypto.h"

/* The members in lexicographic order with no whitespace (RFC 7638 §3.3),
 * each value base64url without padding (RFC 7518 §6.2.1, §6.3.1). */

acme_status_t acme_jwk_write_ec_p256(const uint8_t x[32], const uint8_t y[32], char *out,
                                     size_t cap, size_t *len)
{
    if (x == NULL || y == NULL || out == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    acme_json_writer_t w;
    acme_jw_init(&w, out, cap);
    acme_jw_put_text(&w, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":");
    acme_jw_put_base64url(&w, x, 32);
    acme_jw_put_text(&w, ",\"y\":");
    acme_jw_put_base64url(&w, y, 32);
    acme_jw_put_text(&w, "}");
    return acme_jw_finish(&w, len);
}

acme_status_t acme_jwk_write_rsa(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
                                 char *out, size_t cap, size_t *len)
{
    if (n == NULL || e == NULL || out == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    /* RFC 7518 §6.3.1: the minimal big-endian octets, no sign padding. */
    while (n_len > 0 && n[0] == 0) {
        n++;
        n_len--;
    }
    while (e_len > 0 && e[0] == 0) {
        e++;
        e_len--;
    }
    if (n_len == 0 || e_len == 0) {
        return ACME_ERR_INVALID_ARG;
    }
    acme_json_writer_t w;
    acme_jw_init(&w, out, cap);
    acme_jw_put_text(&w, "{\"e\":");
    acme_jw_put_base64url(&w, e, e_len);
    acme_jw_put_text(&w, ",\"kty\":\"RSA\",\"n\":");
    acme_jw_put_base64url(&w, n, n_len);
    acme_jw_put_text(&w, "}");
    return acme_jw_finish(&w, len);
}

acme_status_t acme_jwk_thumbprint(const char *jwk, size_t len, char *out, size_t cap)
{
    uint8_t digest[32];
    size_t written = 0;
    if (jwk == NULL || out == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    if (cap < ACME_JWK_THUMBPRINT_LEN + 1u) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    acme_sha256(jwk, len, digest);
    acme_status_t st = acme_base64url_encode(digest, sizeof(digest), out, cap, &written);
    if (st != ACME_OK) {
        return st;
    }
    out[written] = '\0';
    return ACME_OK;
}

acme_status_t acme_key_authorization(const char *token, const char *thumbprint, char *out,
                                     size_t cap, size_t *len)
{
    if (token == NULL || thumbprint == NULL || out == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    /* The token comes from the server and ends up verbatim in an http-01
     * response body: only the base64url alphabet may pass (RFC 8555 §8.3). */
    size_t token_len = acme_ascii_b64u_length(token, ACME_TOKEN_MAX);
    if (token_len == 0) {
        return ACME_ERR_MALFORMED;
    }
    /* The thumbprint is ours; anything but 43 base64url characters is a bug. */
    if (acme_ascii_b64u_length(thumbprint, ACME_JWK_THUMBPRINT_LEN) != ACME_JWK_THUMBPRINT_LEN) {
        return ACME_ERR_INVALID_ARG;
    }
    size_t n = token_len + 1u + ACME_JWK_THUMBPRINT_LEN;
    if (cap <= n) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    memcpy(out, token, token_len);
    out[token_len] = '.';
    memcpy(out + token_len + 1u, thumbprint, ACME_JWK_THUMBPRINT_LEN + 1u); /* with its NUL */
    if (len != NULL) {
        *len = n;
    }
    return ACME_OK;
}

acme_status_t acme_jwk_write_key(const acme_public_key_t *pub, char *out, size_t cap, size_t *len)
{
    if (pub == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    if (pub->type == ACME_KEY_P256) {
        return acme_jwk_write_ec_p256(pub->x, pub->y, out, cap, len);
    }
#if ACME_ENABLE_RSA_KEYS
    if (pub->type == ACME_KEY_RSA2048) {
        return acme_jwk_write_rsa(pub->n, sizeof(pub->n), pub->e, pub->e_len, out, cap, len);
    }
#endif
    return ACME_ERR_INVALID_ARG;
}
