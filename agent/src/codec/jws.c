/*
 * ACME request bodies as flattened JWS (RFC 7515 §7.2.2, RFC 8555 §6.2).
 *
 * Everything is written straight into the caller's buffer: the protected
 * header is written as JSON where its base64url form will go and encoded in
 * place, the signing input b64u(header) "." b64u(payload) is hashed from
 * where it lies in the output, and the signer writes its raw signature into
 * the unused tail of the buffer, from where it is encoded in place too. So
 * the only stack cost is a few small structs, whatever the key size.
 *
 * In-place encoding is safe when the n input bytes lie at or after the last
 * n bytes of the LEN(n) characters they become: the encoder reads each group
 * of three bytes before it writes the group's four characters, and the
 * characters of group g end at or before the first byte of group g + 1.
 */
#include "acme/codec/jws.h"

#include <stdbool.h>
#include <string.h>

#include "acme/codec/base64.h"
#include "acme/codec/json_writer.h"
#include "acme/config_defaults.h"
#include "crypto/crypto.h"

#define LIT_LEN(s) (sizeof(s) - 1u)

/* Bounds on the header inputs: ours (jwk) or limited by config (the rest).
 * A canonical RSA-4096 JWK is ~730 characters. */
#define JWS_JWK_MAX 1024u

static const char prefix_protected[] = "{\"protected\":\"";
static const char prefix_payload[] = "\",\"payload\":\"";
static const char prefix_signature[] = "\",\"signature\":\"";
static const char suffix[] = "\"}";

/* strlen bounded by max; returns max + 1 when s is longer. */
static size_t bounded_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n <= max && s[n] != '\0') {
        n++;
    }
    return n;
}

/* A header value of 1..max characters (its length), or 0. */
static size_t value_len(const char *s, size_t max)
{
    size_t n = bounded_len(s, max);
    return n > max ? 0 : n;
}

static bool put(char *out, size_t cap, size_t *pos, const char *s, size_t n)
{
    if (n > cap - *pos) {
        return false;
    }
    memcpy(out + *pos, s, n);
    *pos += n;
    return true;
}

/* Encodes the n bytes at src as base64url at out + *pos. src is elsewhere,
 * or inside out at or after out + *pos + LEN(n) - n (see the top). */
static bool encode_at(char *out, size_t cap, size_t *pos, const char *src, size_t n)
{
    size_t enc = ACME_BASE64URL_LEN(n);
    size_t written = 0;
    if (enc > cap - *pos) {
        return false;
    }
    (void)acme_base64url_encode((const uint8_t *)src, n, out + *pos, enc, &written);
    *pos += enc;
    return true;
}

acme_status_t acme_jws_write(const acme_jws_header_t *hdr, const char *payload, size_t payload_len,
                             const acme_signer_t *signer, char *out, size_t cap, size_t *len)
{
    if (hdr == NULL || hdr->url == NULL || (hdr->kid == NULL && hdr->jwk == NULL) ||
        signer == NULL || signer->sign_digest == NULL || out == NULL || len == NULL ||
        (payload == NULL && payload_len != 0)) {
        return ACME_ERR_INVALID_ARG;
    }
    const char *alg = signer->alg == ACME_SIG_ES256 ? "ES256" : NULL;
#if ACME_ENABLE_RSA_KEYS
    if (signer->alg == ACME_SIG_RS256) {
        alg = "RS256";
    }
#endif
    size_t url_len = value_len(hdr->url, ACME_URL_MAX);
    size_t kid_len = hdr->kid != NULL ? value_len(hdr->kid, ACME_URL_MAX) : 1u;
    size_t jwk_len = hdr->kid == NULL ? value_len(hdr->jwk, JWS_JWK_MAX) : 1u;
    size_t nonce_len = hdr->nonce != NULL ? value_len(hdr->nonce, ACME_NONCE_MAX) : 1u;
    if (alg == NULL || url_len == 0 || kid_len == 0 || jwk_len == 0 || nonce_len == 0 ||
        (hdr->kid == NULL && hdr->jwk[0] != '{')) {
        return ACME_ERR_INVALID_ARG;
    }

    size_t pos = 0;
    if (!put(out, cap, &pos, prefix_protected, LIT_LEN(prefix_protected))) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    size_t protected_at = pos;

    /* The header JSON, members in lexicographic order: alg, jwk|kid, nonce,
     * url. URL, kid and nonce come from the server and are escaped; the
     * canonical JWK is our own JSON and embedded as it is. */
    acme_json_writer_t w;
    acme_jw_init(&w, out + pos, cap - pos);
    acme_jw_object_begin(&w);
    acme_jw_key(&w, "alg");
    acme_jw_string(&w, alg);
    if (hdr->kid != NULL) {
        acme_jw_key(&w, "kid");
        acme_jw_string_n(&w, hdr->kid, kid_len);
    } else {
        acme_jw_key(&w, "jwk");
        acme_jw_raw(&w, hdr->jwk, jwk_len);
    }
    if (hdr->nonce != NULL) {
        acme_jw_key(&w, "nonce");
        acme_jw_string_n(&w, hdr->nonce, nonce_len);
    }
    acme_jw_key(&w, "url");
    acme_jw_string_n(&w, hdr->url, url_len);
    acme_jw_object_end(&w);
    size_t json_len = 0;
    acme_status_t st = acme_jw_finish(&w, &json_len);
    if (st != ACME_OK) {
        return st;
    }
    /* Slide the JSON flush against the end of its encoding, then encode. */
    size_t shift = ACME_BASE64URL_LEN(json_len) - json_len;
    if (shift > cap - pos - json_len) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    memmove(out + pos + shift, out + pos, json_len);
    (void)encode_at(out, cap, &pos, out + pos + shift, json_len);

    /* The signing input (RFC 7515 §5.1) b64u(header) "." b64u(payload) is
     * written in place and hashed in one piece; then the '.' makes way for
     * the payload's JSON prefix. */
    if (!put(out, cap, &pos, ".", 1)) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    size_t payload_at = pos;
    if (!encode_at(out, cap, &pos, payload != NULL ? payload : "", payload_len)) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    uint8_t digest[32];
    acme_sha256(out + protected_at, pos - protected_at, digest);
    size_t grow = LIT_LEN(prefix_payload) - 1u;
    if (grow > cap - pos) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    memmove(out + payload_at + grow, out + payload_at, pos - payload_at);
    memcpy(out + payload_at - 1u, prefix_payload, LIT_LEN(prefix_payload));
    pos += grow;

    /* The signer writes into the free tail of out and leaves the signature
     * flush against the end; it is encoded from there (see the top). */
    size_t sig_len = 0;
    st = acme_signer_sign_to_end(signer, digest, (uint8_t *)out, pos, cap, &sig_len);
    if (st != ACME_OK) {
        return st;
    }
    size_t need = LIT_LEN(prefix_signature) + ACME_BASE64URL_LEN(sig_len) + LIT_LEN(suffix) + 1;
    if (need > cap - pos) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    (void)put(out, cap, &pos, prefix_signature, LIT_LEN(prefix_signature));
    (void)encode_at(out, cap, &pos, out + cap - sig_len, sig_len);
    (void)put(out, cap, &pos, suffix, LIT_LEN(suffix));
    out[pos] = '\0';
    *len = pos;
    return ACME_OK;
}
