/*
 * Canonical JWKs (RFC 7638 §3: required members only, lexicographic order, no
 * whitespace), their thumbprints, and ACME key authorizations (RFC 8555 §8.1).
 */
#include "acme/codec/jwk.h"

#include <stdbool.h>
#include <string.h>

#include "acme/codec/base64.h"
#include "acme/config_defaults.h"
#include "ascii.h"
#include "crypto/crypto.h"

#define LIT_LEN(s) (sizeof(s) - 1u)

/* Appends n bytes at *pos when they fit (leaving room for a NUL is the
 * caller's final check); returns false otherwise. */
static bool put(char *out, size_t cap, size_t *pos, const char *s, size_t n)
{
    if (n > cap || *pos > cap - n) {
        return false;
    }
    memcpy(out + *pos, s, n);
    *pos += n;
    return true;
}

static bool put_b64u(char *out, size_t cap, size_t *pos, const uint8_t *in, size_t n)
{
    size_t written = 0;
    if (*pos > cap || acme_base64url_encode(in, n, out + *pos, cap - *pos, &written) != ACME_OK) {
        return false;
    }
    *pos += written;
    return true;
}

/* Terminates out at pos when there is room for the NUL. */
static acme_status_t finish(char *out, size_t cap, size_t pos, size_t *len)
{
    if (pos >= cap) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    out[pos] = '\0';
    if (len != NULL) {
        *len = pos;
    }
    return ACME_OK;
}

acme_status_t acme_jwk_write_ec_p256(const uint8_t x[32], const uint8_t y[32], char *out,
                                     size_t cap, size_t *len)
{
    /* A fixed length (ACME_JWK_EC_P256_LEN): one check, then no more. */
    static const char head[] = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"";
    static const char mid[] = "\",\"y\":\"";
    if (x == NULL || y == NULL || out == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    if (cap <= ACME_JWK_EC_P256_LEN) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    size_t written = 0;
    char *p = out;
    memcpy(p, head, LIT_LEN(head));
    p += LIT_LEN(head);
    (void)acme_base64url_encode(x, 32, p, ACME_BASE64URL_LEN(32), &written);
    p += ACME_BASE64URL_LEN(32);
    memcpy(p, mid, LIT_LEN(mid));
    p += LIT_LEN(mid);
    (void)acme_base64url_encode(y, 32, p, ACME_BASE64URL_LEN(32), &written);
    p += ACME_BASE64URL_LEN(32);
    memcpy(p, "\"}", 3);
    if (len != NULL) {
        *len = ACME_JWK_EC_P256_LEN;
    }
    return ACME_OK;
}

acme_status_t acme_jwk_write_rsa(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
                                 char *out, size_t cap, size_t *len)
{
    static const char head[] = "{\"e\":\"";
    static const char mid[] = "\",\"kty\":\"RSA\",\"n\":\"";
    static const char tail[] = "\"}";
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
    size_t pos = 0;
    bool ok = put(out, cap, &pos, head, LIT_LEN(head)) && put_b64u(out, cap, &pos, e, e_len) &&
              put(out, cap, &pos, mid, LIT_LEN(mid)) && put_b64u(out, cap, &pos, n, n_len) &&
              put(out, cap, &pos, tail, LIT_LEN(tail));
    if (!ok) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    return finish(out, cap, pos, len);
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

/* Length of a base64url string of at most max characters; 0 when s holds
 * any other character or is longer than max. Scans at most max + 1 bytes. */
static size_t b64u_length(const char *s, size_t max)
{
    size_t n = 0;
    while (n <= max && s[n] != '\0') {
        if (!acme_ascii_is_b64u((uint8_t)s[n])) {
            return 0;
        }
        n++;
    }
    return n > max ? 0 : n;
}

acme_status_t acme_key_authorization(const char *token, const char *thumbprint, char *out,
                                     size_t cap, size_t *len)
{
    if (token == NULL || thumbprint == NULL || out == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    /* The token comes from the server and ends up verbatim in an http-01
     * response body: only the base64url alphabet may pass (RFC 8555 §8.3). */
    size_t token_len = b64u_length(token, ACME_TOKEN_MAX);
    if (token_len == 0) {
        return ACME_ERR_MALFORMED;
    }
    /* The thumbprint is ours; anything but 43 base64url characters is a bug. */
    if (b64u_length(thumbprint, ACME_JWK_THUMBPRINT_LEN) != ACME_JWK_THUMBPRINT_LEN) {
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
