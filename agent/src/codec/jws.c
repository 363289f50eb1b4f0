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

/* Written over the '.' of the signing input (see below). */
static const char prefix_payload[] = "\",\"payload\":\"";

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

/* Encodes the n bytes at src as base64url at out + *pos. src is elsewhere,
 * or inside out at or after out + *pos + LEN(n) - n (see the top), or at
 * out + *pos itself: then the bytes are first slid flush against the end of
 * their encoding. */
static bool encode_at(char *out, size_t cap, size_t *pos, const char *src, size_t n)
{
    size_t enc = ACME_BASE64URL_LEN(n);
    size_t written = 0;
    if (enc > cap - *pos) {
        return false;
    }
    if (src == out + *pos) {
        src = memmove(out + *pos + enc - n, src, n);
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
    const char *alg = signer->alg == ACME_SIG_ES256 ? "{\"alg\":\"ES256\"" : NULL;
#if ACME_ENABLE_RSA_KEYS
    if (signer->alg == ACME_SIG_RS256) {
        alg = "{\"alg\":\"RS256\"";
    }
#endif
    /* The account key: its URL (kid), or else the JWK itself. */
    bool by_kid = hdr->kid != NULL;
    const char *key = by_kid ? hdr->kid : hdr->jwk;
    size_t key_len = value_len(key, by_kid ? ACME_URL_MAX : JWS_JWK_MAX);
    size_t url_len = value_len(hdr->url, ACME_URL_MAX);
    size_t nonce_len = hdr->nonce != NULL ? value_len(hdr->nonce, ACME_NONCE_MAX) : 1u;
    if (alg == NULL || url_len == 0 || key_len == 0 || nonce_len == 0 ||
        (!by_kid && key[0] != '{')) {
        return ACME_ERR_INVALID_ARG;
    }

    /* The JWS object is written as text (json_writer.h); the encodings in
     * place move its length on as they go. */
    acme_json_writer_t o;
    acme_jw_init(&o, out, cap);
    acme_jw_put_text(&o, "{\"protected\":\"");
    size_t protected_at = o.len;
    if (o.status != ACME_OK) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }

    /* The header JSON, members in lexicographic order: alg, jwk|kid, nonce,
     * url. URL, kid and nonce come from the server and are escaped; the
     * canonical JWK is our own JSON and embedded as it is. */
    acme_json_writer_t w;
    acme_jw_init(&w, out + o.len, cap - o.len);
    acme_jw_put_text(&w, alg);
    acme_jw_put_text(&w, by_kid ? ",\"kid\":" : ",\"jwk\":");
    (by_kid ? acme_jw_put_string : acme_jw_put_text_n)(&w, key, key_len);
    if (hdr->nonce != NULL) {
        acme_jw_put_text(&w, ",\"nonce\":");
        acme_jw_put_string(&w, hdr->nonce, nonce_len);
    }
    acme_jw_put_text(&w, ",\"url\":");
    acme_jw_put_string(&w, hdr->url, url_len);
    acme_jw_put_text(&w, "}");
    /* Only room can run out here (every fragment is a literal); no NUL is
     * needed, the encoding replaces the JSON. */
    if (w.status != ACME_OK || !encode_at(out, cap, &o.len, out + o.len, w.len)) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }

    /* The signing input (RFC 7515 §5.1) b64u(header) "." b64u(payload) is
     * written in place and hashed in one piece; then the '.' makes way for
     * the payload's JSON prefix. */
    acme_jw_put_text(&o, ".");
    size_t payload_at = o.len;
    if (o.status != ACME_OK ||
        !encode_at(out, cap, &o.len, payload != NULL ? payload : "", payload_len)) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    uint8_t digest[32];
    acme_sha256(out + protected_at, o.len - protected_at, digest);
    size_t grow = LIT_LEN(prefix_payload) - 1u;
    if (grow > cap - o.len) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    memmove(out + payload_at + grow, out + payload_at, o.len - payload_at);
    memcpy(out + payload_at - 1u, prefix_payload, LIT_LEN(prefix_payload));
    o.len += grow;

    /* The signer writes into the free tail of out and leaves the signature
     * flush against the end; it is encoded from there (see the top). */
    size_t sig_len = 0;
    acme_status_t st = acme_signer_sign_to_end(signer, digest, (uint8_t *)out, o.len, cap, &sig_len);
    if (st != ACME_OK) {
        return st;
    }
    /* A prefix reaching into the signature leaves less room than its
     * encoding needs, and an encoding that fits ends at or before cap, so it
     * is safe in place (see the top). */
    acme_jw_put_text(&o, "\",\"signature\":\"");
    if (o.status != ACME_OK || !encode_at(out, cap, &o.len, out + cap - sig_len, sig_len)) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    acme_jw_put_text(&o, "\"}");
    return acme_jw_finish(&o, len); /* the NUL, or BUFFER_TOO_SMALL */
}
