/*
 * PEM blocks (RFC 7468): reading the certificate chain an ACME server sends
 * and writing DER as PEM for the store and the integrator.
 *
 * The reader is strict because the chain comes from a server that may be
 * hostile: BEGIN and END labels must be the one asked for, nothing but
 * whitespace may sit between blocks, and the body must be clean base64. Each
 * byte of the text is looked at a bounded number of times (one forward scan
 * plus the base64 decode), so a long input cannot cause quadratic work.
 */
#include "acme/codec/pem.h"

#include <stdbool.h>
#include <string.h>

#include "acme/codec/base64.h"

/* Longest label accepted ("ENCRYPTED PRIVATE KEY" is 21). */
#define PEM_LABEL_MAX 64u
/* Base64 characters per line when writing (RFC 7468 §2), and the bytes they carry. */
#define PEM_LINE_CHARS 64u
#define PEM_LINE_BYTES 48u

static const char begin_prefix[] = "-----BEGIN ";
static const char end_prefix[] = "-----END ";
static const char dashes[] = "-----";

#define LIT_LEN(s) (sizeof(s) - 1u)

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Length of a usable label (RFC 7468 §3: printable ASCII, no leading or
 * trailing space or hyphen), or 0 when it is not one. Labels come from the
 * agent, but checking keeps a stray "-----" out of the markers. */
static size_t label_length(const char *label)
{
    size_t n = 0;
    while (n <= PEM_LABEL_MAX && label[n] != '\0') {
        char c = label[n];
        if (c < 0x20 || c > 0x7E) {
            return 0;
        }
        n++;
    }
    if (n == 0 || n > PEM_LABEL_MAX) {
        return 0;
    }
    if (label[0] == ' ' || label[0] == '-' || label[n - 1] == ' ' || label[n - 1] == '-') {
        return 0;
    }
    return n;
}

/* The marker line "<prefix><label>-----" at text[at..len), at <= len: the
 * marker, optional trailing blanks, then LF or CRLF (or the end of the
 * text, where allowed: files often lack a final newline). Returns the
 * offset after the line, or 0 when there is none (a line that matches ends
 * past offset 0). One function for the BEGIN and the END line; the closing
 * dashes are the prefix's first five characters. */
static size_t marker_line(const char *text, size_t len, size_t at, const char *prefix,
                          size_t prefix_len, const char *label, size_t label_len, bool eof_ok)
{
    size_t need = prefix_len + label_len + LIT_LEN(dashes);
    const char *p = text + at;
    if (len - at < need || memcmp(p, prefix, prefix_len) != 0 ||
        memcmp(p + prefix_len, label, label_len) != 0 ||
        memcmp(p + prefix_len + label_len, prefix, LIT_LEN(dashes)) != 0) {
        return 0;
    }
    at += need;
    while (at < len && (text[at] == ' ' || text[at] == '\t')) {
        at++;
    }
    if (at == len) {
        return eof_ok ? at : 0;
    }
    if (text[at] == '\n') {
        return at + 1u;
    }
    if (text[at] == '\r' && at + 1u < len && text[at + 1u] == '\n') {
        return at + 2u;
    }
    return 0;
}

acme_status_t acme_pem_next(const char *text, size_t len, size_t *pos, const char *label,
                            uint8_t *der, size_t cap, size_t *der_len)
{
    if ((text == NULL && len > 0) || pos == NULL || label == NULL || der_len == NULL ||
        (der == NULL && cap > 0) || *pos > len) {
        return ACME_ERR_INVALID_ARG;
    }
    size_t label_len = label_length(label);
    if (label_len == 0) {
        return ACME_ERR_INVALID_ARG;
    }

    size_t p = *pos;
    while (p < len && is_space(text[p])) {
        p++;
    }
    if (p == len) {
        return ACME_ERR_NOT_FOUND;
    }
    /* Anything but the asked-for BEGIN line here is junk or a foreign block. */
    size_t body = marker_line(text, len, p, begin_prefix, LIT_LEN(begin_prefix), label, label_len,
                              false);
    if (body == 0) {
        return ACME_ERR_MALFORMED;
    }

    /* The standard base64 alphabet has no '-', so the first one after the
     * BEGIN line must open the END line; no rescanning is needed. */
    size_t end = body;
    while (end < len && text[end] != '-') {
        end++;
    }
    /* No END line, an empty body, or END not at the start of its line. */
    if (end == len || end == body || text[end - 1u] != '\n') {
        return ACME_ERR_MALFORMED;
    }
    size_t next =
        marker_line(text, len, end, end_prefix, LIT_LEN(end_prefix), label, label_len, true);
    if (next == 0) {
        return ACME_ERR_MALFORMED;
    }

    size_t n = 0;
    acme_status_t st = acme_base64_decode(text + body, end - body, der, cap, &n);
    if (st == ACME_ERR_BUFFER_TOO_SMALL) {
        return st;
    }
    if (st != ACME_OK || n == 0) {
        return ACME_ERR_MALFORMED; /* bad base64, or whitespace only */
    }
    *der_len = n;
    *pos = next;
    return ACME_OK;
}

acme_status_t acme_pem_chain_check(const char *text, size_t len, uint8_t *scratch,
                                   size_t scratch_cap, size_t *count)
{
    if ((text == NULL && len > 0) || (scratch == NULL && scratch_cap > 0) || count == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    size_t pos = 0;
    size_t blocks = 0;
    /* Each block consumes at least its BEGIN line, so len bounds the loop. */
    for (size_t guard = 0; guard <= len; guard++) {
        size_t der_len = 0;
        acme_status_t st =
            acme_pem_next(text, len, &pos, "CERTIFICATE", scratch, scratch_cap, &der_len);
        if (st == ACME_ERR_NOT_FOUND) {
            break;
        }
        if (st != ACME_OK) {
            return st;
        }
        blocks++;
    }
    if (blocks == 0) {
        return ACME_ERR_MALFORMED; /* a chain without a certificate */
    }
    *count = blocks;
    return ACME_OK;
}

static size_t put(char *out, size_t o, const char *s, size_t n)
{
    memcpy(out + o, s, n);
    return o + n;
}

acme_status_t acme_pem_write(const char *label, const uint8_t *der, size_t der_len, char *out,
                             size_t cap, size_t *len)
{
    if (label == NULL || der == NULL || der_len == 0 || out == NULL || len == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    if (cap > 0) {
        out[0] = '\0';
    }
    size_t label_len = label_length(label);
    if (label_len == 0) {
        return ACME_ERR_INVALID_ARG;
    }
    /* The encoding is longer than the input: this keeps the sums below from
     * overflowing. */
    if (der_len > cap) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    size_t b64_len = ACME_BASE64_LEN(der_len);
    size_t lines = (b64_len + PEM_LINE_CHARS - 1u) / PEM_LINE_CHARS;
    size_t markers =
        LIT_LEN(begin_prefix) + LIT_LEN(end_prefix) + 2u * (label_len + LIT_LEN(dashes) + 1u);
    size_t need = markers + b64_len + lines + 1u; /* + NUL */
    if (need > cap) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }

    size_t o = 0;
    o = put(out, o, begin_prefix, LIT_LEN(begin_prefix));
    o = put(out, o, label, label_len);
    o = put(out, o, dashes, LIT_LEN(dashes));
    out[o++] = '\n';
    for (size_t off = 0; off < der_len; off += PEM_LINE_BYTES) {
        size_t chunk = der_len - off < PEM_LINE_BYTES ? der_len - off : PEM_LINE_BYTES;
        size_t written = 0;
        if (acme_base64_encode(der + off, chunk, out + o, cap - o, &written) != ACME_OK) {
            out[0] = '\0';
            return ACME_ERR_BUFFER_TOO_SMALL; /* cannot happen: need was checked */
        }
        o += written;
        out[o++] = '\n';
    }
    o = put(out, o, end_prefix, LIT_LEN(end_prefix));
    o = put(out, o, label, label_len);
    o = put(out, o, dashes, LIT_LEN(dashes));
    out[o++] = '\n';
    out[o] = '\0';
    *len = o;
    return ACME_OK;
}
