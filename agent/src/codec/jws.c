/*
 * ACME request bodies as flattened JWS (RFC 7515 §7.2.2, RFC 8555 §6.2).
 *
 * Everything is written straight into the caller's buffer: the protected
 * header is base64url-encoded as it is produced (no header copy), the
 * signing input b64u(header) "." b64u(payload) is hashed from where it lies
 * in the output, and the signer writes its raw signature into the unused
 * tail of the buffer, from where it is encoded in place. So the only stack
 * cost is a few small structs, whatever the key size.
 */
#include "acme/codec/jws.h"

#include <stdbool.h>
#include <string.h>

#include "acme/codec/base64.h"
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

/* An incremental base64url encoder writing into out[pos..cap): bytes are
 * gathered in groups of three and each full group becomes four characters.
 * A group's bytes are read before its characters are written, which is what
 * makes the in-place encoding of the signature safe (see sign_and_encode). */
typedef struct b64u_stream {
    char *out;
    size_t cap;
    size_t pos;
    uint8_t pending[3];
    size_t npending;
    bool overflow;
} b64u_stream_t;

static void stream_emit(b64u_stream_t *s)
{
    size_t written = 0;
    if (s->npending == 0) {
        return;
    }
    if (s->overflow || s->pos > s->cap ||
        acme_base64url_encode(s->pending, s->npending, s->out + s->pos, s->cap - s->pos,
                              &written) != ACME_OK) {
        s->overflow = true;
    } else {
        s->pos += written;
    }
    s->npending = 0;
}

static void stream_bytes(b64u_stream_t *s, const void *data, size_t n)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < n; i++) {
        s->pending[s->npending++] = p[i];
        if (s->npending == 3) {
            stream_emit(s);
        }
    }
}

static void stream_str(b64u_stream_t *s, const char *lit)
{
    stream_bytes(s, lit, strlen(lit));
}

/* A JSON string value with the escapes RFC 8259 §7 requires: the URL, kid
 * and nonce come from the server and must not be able to break out. */
static void stream_json_string(b64u_stream_t *s, const char *v, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    stream_bytes(s, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            stream_bytes(s, esc, 2);
        } else if (c < 0x20u) {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0x0Fu]};
            stream_bytes(s, esc, 6);
        } else {
            stream_bytes(s, &v[i], 1);
        }
    }
    stream_bytes(s, "\"", 1);
}

/* strlen bounded by max; returns max + 1 when s is longer. */
static size_t bounded_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n <= max && s[n] != '\0') {
        n++;
    }
    return n;
}

static bool put(char *out, size_t cap, size_t *pos, const char *s, size_t n)
{
    if (*pos > cap || n > cap - *pos) {
        return false;
    }
    memcpy(out + *pos, s, n);
    *pos += n;
    return true;
}

static const char *alg_name(acme_sig_alg_t alg)
{
    switch (alg) {
    case ACME_SIG_ES256:
        return "ES256";
    case ACME_SIG_RS256:
        return "RS256";
    default:
        return NULL;
    }
}

/* Writes b64u(protected header) at out[*pos..). */
static acme_status_t write_protected(const acme_jws_header_t *hdr, const char *alg, char *out,
                                     size_t cap, size_t *pos)
{
    size_t url_len = bounded_len(hdr->url, ACME_URL_MAX);
    size_t kid_len = 0;
    size_t jwk_len = 0;
    size_t nonce_len = 0;
    if (url_len == 0 || url_len > ACME_URL_MAX) {
        return ACME_ERR_INVALID_ARG;
    }
    if (hdr->kid != NULL) {
        kid_len = bounded_len(hdr->kid, ACME_URL_MAX);
        if (kid_len == 0 || kid_len > ACME_URL_MAX) {
            return ACME_ERR_INVALID_ARG;
        }
    } else {
        jwk_len = bounded_len(hdr->jwk, JWS_JWK_MAX);
        if (jwk_len == 0 || jwk_len > JWS_JWK_MAX || hdr->jwk[0] != '{') {
            return ACME_ERR_INVALID_ARG;
        }
    }
    if (hdr->nonce != NULL) {
        nonce_len = bounded_len(hdr->nonce, ACME_NONCE_MAX);
        if (nonce_len == 0 || nonce_len > ACME_NONCE_MAX) {
            return ACME_ERR_INVALID_ARG;
        }
    }

    /* Members in lexicographic order: alg, jwk|kid, nonce, url. */
    b64u_stream_t s = {out, cap, *pos, {0, 0, 0}, 0, false};
    stream_str(&s, "{\"alg\":\"");
    stream_str(&s, alg);
    if (hdr->kid != NULL) {
        stream_str(&s, "\",\"kid\":");
        stream_json_string(&s, hdr->kid, kid_len);
    } else {
        /* The canonical JWK is our own JSON: embedded as is. */
        stream_str(&s, "\",\"jwk\":");
        stream_bytes(&s, hdr->jwk, jwk_len);
    }
    if (hdr->nonce != NULL) {
        stream_str(&s, ",\"nonce\":");
        stream_json_string(&s, hdr->nonce, nonce_len);
    }
    stream_str(&s, ",\"url\":");
    stream_json_string(&s, hdr->url, url_len);
    stream_str(&s, "}");
    stream_emit(&s);
    if (s.overflow) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    *pos = s.pos;
    return ACME_OK;
}

/* Signs digest and writes `","signature":"<b64u(sig)>"}` and a NUL at *pos.
 *
 * The signer writes into the free tail of out; the signature is then moved
 * flush against the end and encoded forwards from *pos. If the result fits,
 * the write position stays ahead-of-read safe: writing the characters of
 * group g ends at pos + 4g + 3, while the next unread byte is at
 * cap - sig_len + 3g + 3, and fitting means pos + 4*sig_len/3 + 3 <= cap. */
static acme_status_t sign_and_encode(const acme_signer_t *signer, const uint8_t digest[32],
                                     char *out, size_t cap, size_t *pos)
{
    size_t sig_len = 0;
    acme_status_t st = acme_signer_sign_to_end(signer, digest, (uint8_t *)out, *pos, cap, &sig_len);
    if (st != ACME_OK) {
        return st;
    }
    size_t need = LIT_LEN(prefix_signature) + ACME_BASE64URL_LEN(sig_len) + LIT_LEN(suffix) + 1;
    if (need > cap - *pos) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    const uint8_t *sig = (const uint8_t *)(out + cap - sig_len);

    size_t p = *pos;
    (void)put(out, cap, &p, prefix_signature, LIT_LEN(prefix_signature));
    b64u_stream_t s = {out, cap, p, {0, 0, 0}, 0, false};
    stream_bytes(&s, sig, sig_len);
    stream_emit(&s);
    if (s.overflow) {
        return ACME_ERR_BUFFER_TOO_SMALL; /* unreachable given the check above */
    }
    p = s.pos;
    (void)put(out, cap, &p, suffix, LIT_LEN(suffix));
    out[p] = '\0';
    *pos = p;
    return ACME_OK;
}

acme_status_t acme_jws_write(const acme_jws_header_t *hdr, const char *payload, size_t payload_len,
                             const acme_signer_t *signer, char *out, size_t cap, size_t *len)
{
    if (hdr == NULL || hdr->url == NULL || (hdr->kid == NULL && hdr->jwk == NULL) ||
        signer == NULL || signer->sign_digest == NULL || out == NULL || len == NULL ||
        (payload == NULL && payload_len != 0)) {
        return ACME_ERR_INVALID_ARG;
    }
    const char *alg = alg_name(signer->alg);
    if (alg == NULL) {
        return ACME_ERR_INVALID_ARG;
    }

    size_t pos = 0;
    if (!put(out, cap, &pos, prefix_protected, LIT_LEN(prefix_protected))) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    size_t protected_at = pos;
    acme_status_t st = write_protected(hdr, alg, out, cap, &pos);
    if (st != ACME_OK) {
        return st;
    }
    size_t protected_len = pos - protected_at;

    if (!put(out, cap, &pos, prefix_payload, LIT_LEN(prefix_payload))) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    size_t payload_at = pos;
    size_t payload_b64_len = 0;
    if (payload_len > 0) {
        st = acme_base64url_encode((const uint8_t *)payload, payload_len, out + pos, cap - pos,
                                   &payload_b64_len);
        if (st != ACME_OK) {
            return st;
        }
        pos += payload_b64_len;
    }

    /* Signing input (RFC 7515 §5.1): b64u(header) "." b64u(payload), hashed
     * where it lies rather than assembled in a copy. */
    uint8_t digest[32];
    acme_sha256_t h;
    acme_sha256_begin(&h);
    acme_sha256_update(&h, out + protected_at, protected_len);
    acme_sha256_update(&h, ".", 1);
    acme_sha256_update(&h, out + payload_at, payload_b64_len);
    acme_sha256_finish(&h, digest);

    st = sign_and_encode(signer, digest, out, cap, &pos);
    if (st != ACME_OK) {
        return st;
    }
    *len = pos;
    return ACME_OK;
}
