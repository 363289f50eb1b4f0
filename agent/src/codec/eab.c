/*
 * External account binding (RFC 8555 §7.3.4): the HS256/HS384/HS512 JWS
 * over the account's JWK that newAccount carries as
 * "externalAccountBinding".
 *
 * Everything happens inside the caller's buffer, so the stack holds only a
 * JSON writer and the MAC (64 bytes at most) whatever the kid, URL or JWK
 * size:
 *   1. the protected header JSON is written at the start of out (the JSON
 *      writer does the escaping), then moved flush against the end;
 *   2. it is base64url-encoded forwards into its final place, one 3-byte
 *      group at a time (see encode_tail_forward for why that is safe);
 *   3. "." and b64u(jwk) follow it, so the signing input
 *      b64u(header) "." b64u(jwk) lies contiguous in out and is MACed there;
 *   4. b64u(jwk) is moved right to make room for `","payload":"`, and the
 *      signature member closes the object.
 * The MAC key is only ever passed to acme_hmac_sha2; no copy is made.
 */
#include "acme/codec/eab.h"

#if ACME_ENABLE_EAB

#include <stdbool.h>
#include <string.h>

#include "acme/codec/base64.h"
#include "acme/codec/eab_text.h"
#include "acme/codec/json_writer.h"
#include "acme/config_defaults.h"
#include "crypto/crypto.h"

#define LIT_LEN(s) (sizeof(s) - 1u)
/* HS512's; HS256 and HS384 use the first 32 or 48 bytes. */
#define EAB_MAC_MAX 64u

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

/* Encodes the n bytes at out[cap - n..cap) to base64url at out[at..).
 * Each group's bytes are copied out before its characters are written.
 * Writing group g ends at at + 4g + 4 while the next group starts at
 * cap - n + 3g + 3, so nothing unread is overwritten as long as
 * at + ACME_BASE64URL_LEN(n) <= cap, which the caller has checked. */
static size_t encode_tail_forward(char *out, size_t cap, size_t at, size_t n)
{
    const uint8_t *src = (const uint8_t *)out + (cap - n);
    size_t w = at;
    for (size_t i = 0; i < n; i += 3u) {
        uint8_t group[3];
        size_t take = (n - i < 3u) ? n - i : 3u;
        memcpy(group, src + i, take);
        size_t written = 0;
        (void)acme_base64url_encode(group, take, out + w, cap - w, &written);
        w += written;
    }
    return w;
}

/* The protected header {"alg":"HS256","kid":..,"url":..} (members in
 * lexicographic order, like the other JWS headers we write) at out[0..). */
static acme_status_t write_header_json(const char *alg, const char *kid, size_t kid_len,
                                       const char *url, size_t url_len, char *out, size_t cap,
                                       size_t *len)
{
    acme_json_writer_t w;
    acme_jw_init(&w, out, cap);
    acme_jw_object_begin(&w);
    acme_jw_key(&w, "alg");
    acme_jw_string(&w, alg);
    acme_jw_key(&w, "kid");
    acme_jw_string_n(&w, kid, kid_len);
    acme_jw_key(&w, "url");
    acme_jw_string_n(&w, url, url_len);
    acme_jw_object_end(&w);
    return acme_jw_finish(&w, len);
}

static acme_status_t write_eab(const char *kid, size_t kid_len, const uint8_t *mac_key,
                               size_t key_len, uint8_t alg, const char *url, size_t url_len,
                               const char *jwk, size_t jwk_len, char *out, size_t cap, size_t *len)
{
    /* RFC 7518 §3.2: HS256, HS384, HS512 give 32, 48, 64 bytes. */
    size_t mac_len = alg == ACME_EAB_HS384 ? 48u : alg == ACME_EAB_HS512 ? 64u : 32u;
    size_t header_len = 0;
    acme_status_t st = write_header_json(acme_eab_alg_name(alg), kid, kid_len, url, url_len, out,
                                         cap, &header_len);
    if (st != ACME_OK) {
        return st;
    }

    /* The whole result must fit before anything is moved. jwk_len <= cap
     * here (checked by the caller), so none of these sums can wrap. */
    size_t header_b64 = ACME_BASE64URL_LEN(header_len);
    size_t jwk_b64 = ACME_BASE64URL_LEN(jwk_len);
    size_t total = LIT_LEN(prefix_protected) + header_b64 + LIT_LEN(prefix_payload) + jwk_b64 +
                   LIT_LEN(prefix_signature) + ACME_BASE64URL_LEN(mac_len) + LIT_LEN(suffix);
    if (total >= cap) {
        return ACME_ERR_BUFFER_TOO_SMALL; /* also no room for the NUL */
    }

    memmove(out + (cap - header_len), out, header_len);
    memcpy(out, prefix_protected, LIT_LEN(prefix_protected));
    size_t input_at = LIT_LEN(prefix_protected);
    size_t pos = encode_tail_forward(out, cap, input_at, header_len);

    /* Signing input (RFC 7515 §5.1): b64u(header) "." b64u(payload). */
    size_t dot_at = pos;
    out[pos++] = '.';
    size_t written = 0;
    st = acme_base64url_encode((const uint8_t *)jwk, jwk_len, out + pos, cap - pos, &written);
    if (st != ACME_OK) {
        return st; /* unreachable given the size check */
    }
    pos += written;

    uint8_t mac[EAB_MAC_MAX];
    st = acme_hmac_sha2(mac_len, mac_key, key_len, out + input_at, pos - input_at, mac);
    if (st != ACME_OK) {
        acme_zeroize(mac, sizeof(mac));
        return st;
    }

    /* Replace "." by the payload member's prefix. */
    memmove(out + dot_at + LIT_LEN(prefix_payload), out + dot_at + 1u, jwk_b64);
    memcpy(out + dot_at, prefix_payload, LIT_LEN(prefix_payload));
    pos = dot_at + LIT_LEN(prefix_payload) + jwk_b64;

    memcpy(out + pos, prefix_signature, LIT_LEN(prefix_signature));
    pos += LIT_LEN(prefix_signature);
    st = acme_base64url_encode(mac, mac_len, out + pos, cap - pos, &written);
    /* The MAC is public once written, but nothing derived from the key is
     * left behind on the stack either way. */
    acme_zeroize(mac, sizeof(mac));
    if (st != ACME_OK) {
        return st; /* unreachable given the size check */
    }
    pos += written;
    memcpy(out + pos, suffix, LIT_LEN(suffix));
    pos += LIT_LEN(suffix);
    out[pos] = '\0';
    *len = pos;
    return ACME_OK;
}

acme_status_t acme_eab_write(const char *kid, const uint8_t *mac_key, size_t key_len, uint8_t alg,
                             const char *url, const char *jwk, size_t jwk_len, char *out,
                             size_t cap, size_t *len)
{
    if (kid == NULL || mac_key == NULL || url == NULL || jwk == NULL || out == NULL ||
        len == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    size_t kid_len = bounded_len(kid, ACME_EAB_KID_MAX);
    size_t url_len = bounded_len(url, ACME_URL_MAX);
    if (kid_len == 0 || kid_len > ACME_EAB_KID_MAX || url_len == 0 || url_len > ACME_URL_MAX ||
        key_len == 0 || key_len > ACME_EAB_KEY_MAX || alg > ACME_EAB_HS512 || jwk_len == 0 ||
        jwk[0] != '{') {
        return ACME_ERR_INVALID_ARG;
    }
    *len = 0;
    /* Its encoding is longer still; this also keeps the size sums small. */
    if (jwk_len >= cap) {
        if (cap > 0) {
            out[0] = '\0';
        }
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    acme_status_t st =
        write_eab(kid, kid_len, mac_key, key_len, alg, url, url_len, jwk, jwk_len, out, cap, len);
    if (st != ACME_OK) {
        out[0] = '\0'; /* no half-written JWS that looks usable */
    }
    return st;
}

#endif /* ACME_ENABLE_EAB */
