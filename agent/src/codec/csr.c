/*
 * PKCS#10 certificate signing requests (RFC 2986) for ACME finalize.
 *
 *   CertificationRequest ::= SEQUENCE {
 *     certificationRequestInfo SEQUENCE {
 *       version       INTEGER 0,
 *       subject       Name (CN=names[0], or empty when it exceeds 64 chars),
 *       subjectPKInfo (the caller's SPKI DER, verbatim),
 *       attributes [0] { extensionRequest { subjectAltName { dNSName... } } } },
 *     signatureAlgorithm AlgorithmIdentifier,
 *     signature          BIT STRING }
 *
 * Lengths are computed first so the DER is written front to back. The
 * request info is written at the start of out, hashed where it lies and
 * signed; the signer writes into the free tail of the buffer (no signature
 * buffer on the stack for RSA); once the signature's length fixes the outer
 * length, the info is slid up behind the outer header and the algorithm and
 * signature are appended. An exactly sized buffer is enough.
 */
#include "acme/codec/csr.h"

#include <stdbool.h>
#include <string.h>

#include "acme/config_defaults.h"
#include "crypto/crypto.h"
#include "der_writer.h"

/* X.520 ub-common-name: longer first names go into the SAN only. */
#define CSR_CN_MAX 64u
/* A DNS label (RFC 1035 §2.3.4). */
#define CSR_LABEL_MAX 63u

/* id-at-commonName 2.5.4.3 */
static const uint8_t oid_cn[] = {0x55, 0x04, 0x03};
/* pkcs-9-at-extensionRequest 1.2.840.113549.1.9.14 */
static const uint8_t oid_ext_request[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x0E};
/* id-ce-subjectAltName 2.5.29.17 */
static const uint8_t oid_san[] = {0x55, 0x1D, 0x11};
/* AlgorithmIdentifier ecdsa-with-SHA256 1.2.840.10045.4.3.2, parameters absent
 * (RFC 5758 §3.2). */
static const uint8_t alg_es256[] = {0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86,
                                    0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02};
/* AlgorithmIdentifier sha256WithRSAEncryption 1.2.840.113549.1.1.11, NULL
 * parameters (RFC 4055 §5). */
static const uint8_t alg_rs256[] = {0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86,
                                    0xF7, 0x0D, 0x01, 0x01, 0x0B, 0x05, 0x00};
/* version INTEGER 0 */
static const uint8_t version_v1[] = {0x02, 0x01, 0x00};

static bool is_ldh(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

/* Length of a usable DNS name (LDH labels of 1..63 characters separated by
 * dots, at most 253 characters, an optional leading "*." wildcard label), or
 * 0 when name is not one. Scans at most ACME_DNS_NAME_MAX + 1 bytes. */
static size_t dns_name_length(const char *name)
{
    size_t n = 0;
    size_t label = 0;
    if (name == NULL) {
        return 0;
    }
    if (name[0] == '*' && name[1] == '.') {
        n = 2;
    }
    while (n <= ACME_DNS_NAME_MAX && name[n] != '\0') {
        char c = name[n];
        if (c == '.') {
            if (label == 0 || name[n - 1] == '-') {
                return 0; /* empty label or trailing hyphen */
            }
            label = 0;
        } else if (is_ldh(c)) {
            if (label == 0 && c == '-') {
                return 0; /* leading hyphen */
            }
            if (++label > CSR_LABEL_MAX) {
                return 0;
            }
        } else {
            return 0;
        }
        n++;
    }
    if (n == 0 || n > ACME_DNS_NAME_MAX || label == 0 || name[n - 1] == '-') {
        return 0;
    }
    return n;
}

/* The sizes of every nested part of the request info. */
typedef struct csr_layout {
    size_t name_len[ACME_MAX_IDENTIFIERS];
    size_t cn_len;          /* 0: empty subject */
    size_t rdn_seq_content; /* SEQUENCE { OID, UTF8String } */
    size_t rdn_set_content; /* SET { that } */
    size_t subject_content; /* SEQUENCE { SET } or nothing */
    size_t general_names;   /* content of GeneralNames */
    size_t san_octets;      /* content of the extnValue OCTET STRING */
    size_t ext_content;     /* Extension SEQUENCE content */
    size_t exts_content;    /* Extensions SEQUENCE content */
    size_t attr_set_content;
    size_t attr_content;  /* Attribute SEQUENCE content */
    size_t attrs_content; /* [0] content */
    size_t info_content;  /* certificationRequestInfo content */
} csr_layout_t;

static void compute_layout(csr_layout_t *l, size_t spki_len, size_t name_count)
{
    size_t gn = 0;
    for (size_t i = 0; i < name_count; i++) {
        gn += acme_der_tlv_size(l->name_len[i]);
    }
    l->cn_len = (l->name_len[0] <= CSR_CN_MAX) ? l->name_len[0] : 0;
    l->subject_content = 0;
    if (l->cn_len > 0) {
        l->rdn_seq_content = acme_der_tlv_size(sizeof(oid_cn)) + acme_der_tlv_size(l->cn_len);
        l->rdn_set_content = acme_der_tlv_size(l->rdn_seq_content);
        l->subject_content = acme_der_tlv_size(l->rdn_set_content);
    }
    l->general_names = gn;
    l->san_octets = acme_der_tlv_size(gn);
    l->ext_content = acme_der_tlv_size(sizeof(oid_san)) + acme_der_tlv_size(l->san_octets);
    l->exts_content = acme_der_tlv_size(l->ext_content);
    l->attr_set_content = acme_der_tlv_size(l->exts_content);
    l->attr_content =
        acme_der_tlv_size(sizeof(oid_ext_request)) + acme_der_tlv_size(l->attr_set_content);
    l->attrs_content = acme_der_tlv_size(l->attr_content);
    l->info_content = sizeof(version_v1) + acme_der_tlv_size(l->subject_content) + spki_len +
                      acme_der_tlv_size(l->attrs_content);
}

static void write_info(acme_der_writer_t *w, const csr_layout_t *l, const uint8_t *spki,
                       size_t spki_len, const char *const *names, size_t name_count)
{
    acme_der_put_header(w, ACME_DER_SEQUENCE, l->info_content);
    acme_der_put_bytes(w, version_v1, sizeof(version_v1));

    acme_der_put_header(w, ACME_DER_SEQUENCE, l->subject_content);
    if (l->cn_len > 0) {
        acme_der_put_header(w, ACME_DER_SET, l->rdn_set_content);
        acme_der_put_header(w, ACME_DER_SEQUENCE, l->rdn_seq_content);
        acme_der_put_tlv(w, ACME_DER_OID, oid_cn, sizeof(oid_cn));
        acme_der_put_tlv(w, ACME_DER_UTF8_STRING, names[0], l->cn_len);
    }

    acme_der_put_bytes(w, spki, spki_len);

    acme_der_put_header(w, ACME_DER_CONTEXT_CONSTRUCTED(0), l->attrs_content);
    acme_der_put_header(w, ACME_DER_SEQUENCE, l->attr_content);
    acme_der_put_tlv(w, ACME_DER_OID, oid_ext_request, sizeof(oid_ext_request));
    acme_der_put_header(w, ACME_DER_SET, l->attr_set_content);
    acme_der_put_header(w, ACME_DER_SEQUENCE, l->exts_content);
    acme_der_put_header(w, ACME_DER_SEQUENCE, l->ext_content);
    acme_der_put_tlv(w, ACME_DER_OID, oid_san, sizeof(oid_san));
    acme_der_put_header(w, ACME_DER_OCTET_STRING, l->san_octets);
    acme_der_put_header(w, ACME_DER_SEQUENCE, l->general_names);
    for (size_t i = 0; i < name_count; i++) {
        /* dNSName [2] IA5String */
        acme_der_put_tlv(w, ACME_DER_CONTEXT(2), names[i], l->name_len[i]);
    }
}

/* Content length of the signature BIT STRING (unused-bits octet included). */
static size_t bit_string_content(acme_sig_alg_t alg, const uint8_t *sig, size_t sig_len)
{
    if (alg == ACME_SIG_ES256) {
        /* SEQUENCE { INTEGER r, INTEGER s } (RFC 5480 §2.2 / X9.62) */
        size_t seq = acme_der_tlv_size(acme_der_uint_content_size(sig, 32)) +
                     acme_der_tlv_size(acme_der_uint_content_size(sig + 32, 32));
        return 1 + acme_der_tlv_size(seq);
    }
    return 1 + sig_len;
}

/* Writes signatureAlgorithm and the signature BIT STRING. An RSA sig may lie
 * in the same buffer at or after its final position (memmove); an ES256 sig
 * must not alias the buffer. */
static void write_signature(acme_der_writer_t *w, acme_sig_alg_t alg, const uint8_t *sig,
                            size_t sig_len)
{
    static const uint8_t no_unused_bits = 0;
    if (alg == ACME_SIG_ES256) {
        size_t r_len = acme_der_tlv_size(acme_der_uint_content_size(sig, 32));
        size_t s_len = acme_der_tlv_size(acme_der_uint_content_size(sig + 32, 32));
        acme_der_put_bytes(w, alg_es256, sizeof(alg_es256));
        acme_der_put_header(w, ACME_DER_BIT_STRING, 1 + acme_der_tlv_size(r_len + s_len));
        acme_der_put_bytes(w, &no_unused_bits, 1);
        acme_der_put_header(w, ACME_DER_SEQUENCE, r_len + s_len);
        acme_der_put_uint(w, sig, 32);
        acme_der_put_uint(w, sig + 32, 32);
        return;
    }
    acme_der_put_bytes(w, alg_rs256, sizeof(alg_rs256));
    acme_der_put_header(w, ACME_DER_BIT_STRING, 1 + sig_len);
    acme_der_put_bytes(w, &no_unused_bits, 1);
    if (w->overflow || sig_len > w->cap - w->len) {
        w->overflow = true;
        return;
    }
    memmove(w->buf + w->len, sig, sig_len);
    w->len += sig_len;
}

acme_status_t acme_csr_write(const uint8_t *spki_der, size_t spki_len, const char *const *names,
                             size_t name_count, const acme_signer_t *signer, uint8_t *out,
                             size_t cap, size_t *len)
{
    csr_layout_t l = {0};
    if (spki_der == NULL || spki_len < 2 || spki_der[0] != ACME_DER_SEQUENCE || names == NULL ||
        name_count == 0 || name_count > ACME_MAX_IDENTIFIERS || signer == NULL ||
        signer->sign_digest == NULL || out == NULL || len == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    if (signer->alg != ACME_SIG_ES256 && signer->alg != ACME_SIG_RS256) {
        return ACME_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < name_count; i++) {
        l.name_len[i] = dns_name_length(names[i]);
        if (l.name_len[i] == 0) {
            return ACME_ERR_INVALID_ARG;
        }
    }
    compute_layout(&l, spki_len, name_count);

    /* 1. certificationRequestInfo at the start of out, hashed in place. */
    acme_der_writer_t w;
    acme_der_init(&w, out, cap);
    write_info(&w, &l, spki_der, spki_len, names, name_count);
    if (acme_der_status(&w) != ACME_OK) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    size_t info_len = w.len;
    uint8_t digest[32];
    acme_sha256(out, info_len, digest);

    /* 2. The signer writes into the free tail; the signature is then moved
     * flush against the end. ES256's r||s is copied out (64 bytes) because its
     * DER form can be shorter than the raw one; an RSA signature is copied
     * verbatim into a longer TLV, so reading it from the end stays ahead of
     * the writes. */
    size_t sig_len = 0;
    acme_status_t st = acme_signer_sign_to_end(signer, digest, out, info_len, cap, &sig_len);
    if (st != ACME_OK) {
        return st;
    }
    uint8_t rs[64];
    const uint8_t *sig = out + cap - sig_len;
    if (signer->alg == ACME_SIG_ES256) {
        memcpy(rs, sig, sizeof(rs));
        sig = rs;
    }

    /* 3. Now the outer length is known: check the whole fits, slide the info
     * up behind the outer header, and append algorithm and signature. */
    size_t alg_len = (signer->alg == ACME_SIG_ES256) ? sizeof(alg_es256) : sizeof(alg_rs256);
    size_t body_len =
        info_len + alg_len + acme_der_tlv_size(bit_string_content(signer->alg, sig, sig_len));
    size_t outer_hdr = 1 + acme_der_len_size(body_len);
    if (body_len > cap || outer_hdr > cap - body_len) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    memmove(out + outer_hdr, out, info_len);
    acme_der_init(&w, out, cap);
    acme_der_put_header(&w, ACME_DER_SEQUENCE, body_len);
    w.len = outer_hdr + info_len;
    write_signature(&w, signer->alg, sig, sig_len);
    if (acme_der_status(&w) != ACME_OK) {
        return ACME_ERR_BUFFER_TOO_SMALL; /* unreachable given the check above */
    }
    *len = w.len;
    return ACME_OK;
}
