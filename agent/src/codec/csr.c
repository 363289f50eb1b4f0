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
 * DER is written backwards (der_writer.h), innermost first, so no lengths
 * are computed beforehand. In one buffer, an exactly sized one being enough:
 *   1. the request info is written at the end of out, moved to the start,
 *      and hashed there;
 *   2. the signer writes into the free tail (no signature buffer on the
 *      stack for RSA), leaving the signature flush against the end;
 *   3. the BIT STRING and the algorithm are written backwards in front of
 *      an RSA signature (which is their last part already) or, for ES256,
 *      from r||s copied out (its DER form differs in length from r||s);
 *   4. the info is moved up against the tail, the outer header written in
 *      front of it, and the whole moved down to the start of out.
 */
#include "acme/codec/csr.h"

#include <stdbool.h>
#include <string.h>

#include "acme/codec/dns_message.h"
#include "acme/config_defaults.h"
#include "crypto/crypto.h"
#include "der_writer.h"

/* X.520 ub-common-name: longer first names go into the SAN only. */
#define CSR_CN_MAX 64u

/* Fixed parts of the request info as steps for put_steps(), innermost
 * first: a tag and a length, then that many content bytes (a TLV); length 0
 * wraps everything written since the step list's base instead. */
/* pkcs-9-at-extensionRequest 1.2.840.113549.1.9.14 */
#define OID_EXTENSION_REQUEST 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x0E
/* id-ce-subjectAltName 2.5.29.17 */
#define OID_SUBJECT_ALT_NAME 0x55, 0x1D, 0x11
/* id-at-commonName 2.5.4.3 */
#define OID_COMMON_NAME 0x55, 0x04, 0x03
/* clang-format off */
/* The attribute around the dNSNames. */
static const uint8_t attribute_steps[] = {
    ACME_DER_SEQUENCE, 0,                   /* GeneralNames */
    ACME_DER_OCTET_STRING, 0,               /* extnValue */
    ACME_DER_OID, 3, OID_SUBJECT_ALT_NAME,  /* extnID */
    ACME_DER_SEQUENCE, 0,                   /* Extension */
    ACME_DER_SEQUENCE, 0,                   /* Extensions */
    ACME_DER_SET, 0,                        /* the attribute's values */
    ACME_DER_OID, 9, OID_EXTENSION_REQUEST, /* the attribute's type */
    ACME_DER_SEQUENCE, 0,                   /* Attribute */
    ACME_DER_CONTEXT_CONSTRUCTED(0), 0,     /* attributes */
};
/* The subject around the CN value; a subject without a CN is the last
 * step alone (NAME_ONLY bytes). */
static const uint8_t subject_steps[] = {
    ACME_DER_OID, 3, OID_COMMON_NAME,       /* the attribute's type */
    ACME_DER_SEQUENCE, 0,                   /* AttributeTypeAndValue */
    ACME_DER_SET, 0,                        /* RelativeDistinguishedName */
    ACME_DER_SEQUENCE, 0,                   /* Name */
};
#define NAME_ONLY 2u
static const uint8_t info_steps[] = {
    ACME_DER_INTEGER, 1, 0x00,              /* version 0 */
    ACME_DER_SEQUENCE, 0,                   /* CertificationRequestInfo */
};
/* clang-format on */
/* AlgorithmIdentifier ecdsa-with-SHA256 1.2.840.10045.4.3.2, parameters absent
 * (RFC 5758 §3.2). */
static const uint8_t alg_es256[] = {0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86,
                                    0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02};
#if ACME_ENABLE_RSA_KEYS
/* AlgorithmIdentifier sha256WithRSAEncryption 1.2.840.113549.1.1.11, NULL
 * parameters (RFC 4055 §5). */
static const uint8_t alg_rs256[] = {0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86,
                                    0xF7, 0x0D, 0x01, 0x01, 0x0B, 0x05, 0x00};
#endif
/* Writes n bytes of steps (see above) in order, each in front of what is
 * written already; a wrap covers what was written since base. */
static void put_steps(acme_der_writer_t *w, const uint8_t *steps, size_t n, size_t base)
{
    const uint8_t *end = steps + n;
    while (steps < end) {
        uint8_t tag = steps[0];
        uint8_t len = steps[1];
        steps += 2u + len;
        if (len == 0) {
            acme_der_put_header(w, tag, w->len - base);
        } else {
            acme_der_put_tlv(w, tag, steps - len, len);
        }
    }
}

acme_status_t acme_csr_write(const uint8_t *spki_der, size_t spki_len, const char *const *names,
                             size_t name_count, const acme_signer_t *signer, uint8_t *out,
                             size_t cap, size_t *len)
{
    size_t name_len[ACME_MAX_IDENTIFIERS];
    if (spki_der == NULL || spki_len < 2 || spki_der[0] != ACME_DER_SEQUENCE || names == NULL ||
        name_count == 0 || name_count > ACME_MAX_IDENTIFIERS || signer == NULL ||
        signer->sign_digest == NULL || out == NULL || len == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    if (signer->alg != ACME_SIG_ES256 && (signer->alg != ACME_SIG_RS256 || !ACME_ENABLE_RSA_KEYS)) {
        return ACME_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < name_count; i++) {
        name_len[i] = acme_dns_name_length(names[i]);
        if (name_len[i] == 0) {
            return ACME_ERR_INVALID_ARG;
        }
    }

    /* 1. certificationRequestInfo, innermost first. Every constructed part
     * of the attribute wraps everything written before it. */
    acme_der_writer_t w;
    acme_der_init(&w, out, cap);
    for (size_t i = name_count; i > 0; i--) {
        /* dNSName [2] IA5String */
        acme_der_put_tlv(&w, ACME_DER_CONTEXT(2), names[i - 1], name_len[i - 1]);
    }
    put_steps(&w, attribute_steps, sizeof(attribute_steps), 0);
    acme_der_put_bytes(&w, spki_der, spki_len);
    size_t mark = w.len;
    size_t subject_from = sizeof(subject_steps) - NAME_ONLY;
    if (name_len[0] <= CSR_CN_MAX) {
        acme_der_put_tlv(&w, ACME_DER_UTF8_STRING, names[0], name_len[0]);
        subject_from = 0;
    }
    put_steps(&w, subject_steps + subject_from, sizeof(subject_steps) - subject_from, mark);
    put_steps(&w, info_steps, sizeof(info_steps), 0);
    if (acme_der_status(&w) != ACME_OK) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    size_t info_len = w.len;
    memmove(out, acme_der_start(&w), info_len);
    uint8_t digest[32];
    acme_sha256(out, info_len, digest);

    /* 2. The signature, flush against the end of out. */
    size_t sig_len = 0;
    acme_status_t st = acme_signer_sign_to_end(signer, digest, out, info_len, cap, &sig_len);
    if (st != ACME_OK) {
        return st;
    }

    /* 3. signatureAlgorithm and the signature BIT STRING, backwards into
     * the space behind the info. */
    acme_der_init(&w, out + info_len, cap - info_len);
    if (signer->alg == ACME_SIG_ES256) {
        /* SEQUENCE { INTEGER r, INTEGER s } (RFC 5480 §2.2 / X9.62) */
        uint8_t rs[64];
        memcpy(rs, out + cap - sizeof(rs), sizeof(rs));
        acme_der_put_uint(&w, rs + 32, 32);
        acme_der_put_uint(&w, rs, 32);
        acme_der_put_header(&w, ACME_DER_SEQUENCE, w.len);
    } else {
        w.len = sig_len; /* the RSA signature is in place already */
    }
    static const uint8_t no_unused_bits = 0;
    acme_der_put_bytes(&w, &no_unused_bits, 1);
    acme_der_put_header(&w, ACME_DER_BIT_STRING, w.len);
#if ACME_ENABLE_RSA_KEYS
    if (signer->alg != ACME_SIG_ES256) {
        acme_der_put_bytes(&w, alg_rs256, sizeof(alg_rs256));
    } else
#endif
    {
        acme_der_put_bytes(&w, alg_es256, sizeof(alg_es256));
    }

    /* 4. The outer SEQUENCE around info and tail. The tail writer ends at
     * out + cap, so widened to the whole of out it continues in front of the
     * tail: the info moves up against the tail (memmove, within out), the
     * header goes in front of it, and the whole slides down to out[0]. Room
     * is checked as for any write, so an exactly sized buffer is enough. */
    w.buf = out;
    w.cap = cap;
    acme_der_put_bytes(&w, out, info_len);
    acme_der_put_header(&w, ACME_DER_SEQUENCE, w.len);
    if (acme_der_status(&w) != ACME_OK) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    memmove(out, acme_der_start(&w), w.len);
    *len = w.len;
    return ACME_OK;
}
