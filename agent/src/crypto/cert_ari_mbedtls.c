/*
 * The RFC 9773 identifiers of a certificate: the keyIdentifier of its
 * Authority Key Identifier extension and the content bytes of its serial.
 * mbedTLS 2.28 does not keep the AKI, so its extension is found in the raw
 * extensions the parser leaves in crt.v3_ext.
 */
#include <string.h>

#include "crypto/crypto.h"
#include "mbedtls/asn1.h"
#include "mbedtls/x509_crt.h"

/* id-ce-authorityKeyIdentifier, 2.5.29.35 (RFC 5280 §4.2.1.1). */
static const uint8_t aki_oid[] = {0x55, 0x1D, 0x23};

/* The keyIdentifier inside an AKI extension value
 * (SEQUENCE { [0] IMPLICIT OCTET STRING, ... }). */
static acme_status_t key_id_of(uint8_t *p, const uint8_t *end, uint8_t *out, size_t *out_len)
{
    size_t len = 0;
    if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) !=
        0) {
        return ACME_ERR_BAD_CERT;
    }
    end = p + len;
    if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0) != 0) {
        return ACME_ERR_NOT_FOUND; /* only issuer and serial: no keyIdentifier */
    }
    if (len == 0 || len > ACME_ARI_KEY_ID_MAX) {
        return ACME_ERR_BAD_CERT;
    }
    memcpy(out, p, len);
    *out_len = len;
    return ACME_OK;
}

/* Walk Extensions ::= SEQUENCE OF Extension for the AKI. */
static acme_status_t find_aki(const mbedtls_x509_buf *ext, uint8_t *out, size_t *out_len)
{
    if (ext->p == NULL) {
        return ACME_ERR_NOT_FOUND; /* a v1/v2 certificate: no extensions */
    }
    uint8_t *p = ext->p;
    const uint8_t *end = ext->p + ext->len;
    size_t len = 0;
    if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) !=
        0) {
        return ACME_ERR_BAD_CERT;
    }
    end = p + len;
    while (p < end) {
        if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) !=
            0) {
            return ACME_ERR_BAD_CERT;
        }
        uint8_t *next = p + len;
        int critical = 0;
        if (mbedtls_asn1_get_tag(&p, next, &len, MBEDTLS_ASN1_OID) != 0) {
            return ACME_ERR_BAD_CERT;
        }
        bool is_aki = len == sizeof(aki_oid) && memcmp(p, aki_oid, len) == 0;
        p += len;
        if (p < next && *p == MBEDTLS_ASN1_BOOLEAN &&
            mbedtls_asn1_get_bool(&p, next, &critical) != 0) {
            return ACME_ERR_BAD_CERT;
        }
        if (mbedtls_asn1_get_tag(&p, next, &len, MBEDTLS_ASN1_OCTET_STRING) != 0 ||
            p + len != next) {
            return ACME_ERR_BAD_CERT;
        }
        if (is_aki) {
            return key_id_of(p, next, out, out_len);
        }
        p = next;
    }
    return ACME_ERR_NOT_FOUND;
}

acme_status_t acme_cert_ari_ids(const uint8_t *der, size_t len, uint8_t *key_id, size_t *key_id_len,
                                uint8_t *serial, size_t *serial_len)
{
    if (der == NULL || key_id == NULL || key_id_len == NULL || serial == NULL ||
        serial_len == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    int ret = mbedtls_x509_crt_parse_der_nocopy(&crt, der, len);
    acme_status_t st = ret == 0 ? ACME_OK : acme_mbedtls_status(ret, ACME_ERR_BAD_CERT);
    if (st == ACME_OK) {
        st = crt.serial.len == 0 || crt.serial.len > ACME_ARI_SERIAL_MAX ? ACME_ERR_BAD_CERT
                                                                         : ACME_OK;
    }
    if (st == ACME_OK) {
        memcpy(serial, crt.serial.p, crt.serial.len);
        *serial_len = crt.serial.len;
        st = find_aki(&crt.v3_ext, key_id, key_id_len);
    }
    mbedtls_x509_crt_free(&crt);
    return st;
}
