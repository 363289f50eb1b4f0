/*
 * Certificate chains in PEM: walks the CERTIFICATE blocks and hands each
 * block's DER to the crypto layer, which only ever sees one DER certificate.
 * Keeping the PEM walk here keeps crypto free of codec code (layers point
 * down: codec -> crypto).
 */
#include "acme/codec/cert_chain.h"

#include <stdbool.h>
#include <string.h>

#include "acme/codec/pem.h"
#include "acme/config_defaults.h"
#include "crypto/crypto.h"

/* The next CERTIFICATE block decoded into scratch: ACME_OK, ACME_ERR_NOT_FOUND
 * at the end, or what hostile input means to a certificate reader. */
static acme_status_t next_block(const char *pem, size_t len, size_t *pos, uint8_t *scratch,
                                size_t scratch_cap, size_t *der_len)
{
    acme_status_t st = acme_pem_next(pem, len, pos, "CERTIFICATE", scratch, scratch_cap, der_len);
    switch (st) {
    case ACME_OK:
    case ACME_ERR_NOT_FOUND:
        return st;
    case ACME_ERR_BUFFER_TOO_SMALL:
        return ACME_ERR_OVERSIZE; /* a certificate larger than the caller can hold */
    default:
        return ACME_ERR_BAD_CERT;
    }
}

/* Counts the blocks after pos (each must be a clean CERTIFICATE block; they
 * are decoded but not parsed). */
static acme_status_t count_rest(const char *pem, size_t len, size_t pos, uint8_t *scratch,
                                size_t scratch_cap, size_t *count)
{
    /* Every successful block moves pos forward by at least one byte. */
    for (size_t guard = 0; guard < len; guard++) {
        size_t der_len = 0;
        acme_status_t st = next_block(pem, len, &pos, scratch, scratch_cap, &der_len);
        if (st == ACME_ERR_NOT_FOUND) {
            return ACME_OK;
        }
        if (st != ACME_OK) {
            return st;
        }
        (*count)++;
    }
    return ACME_OK;
}

acme_status_t acme_cert_chain_info(const char *chain_pem, size_t len, uint8_t *scratch,
                                   size_t scratch_cap, acme_cert_info_t *info)
{
    if (chain_pem == NULL || scratch == NULL || scratch_cap == 0 || info == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    memset(info, 0, sizeof(*info));
    if (len == 0) {
        return ACME_ERR_BAD_CERT;
    }
    size_t pos = 0;
    size_t der_len = 0;
    acme_status_t st = next_block(chain_pem, len, &pos, scratch, scratch_cap, &der_len);
    if (st == ACME_ERR_NOT_FOUND) {
        st = ACME_ERR_BAD_CERT; /* no certificate at all */
    }
    if (st == ACME_OK) {
        st = acme_cert_der_info(scratch, der_len, info);
    }
    if (st == ACME_OK) {
        info->chain_certs = 1;
        st = count_rest(chain_pem, len, pos, scratch, scratch_cap, &info->chain_certs);
    }
    acme_zeroize(scratch, scratch_cap);
    if (st != ACME_OK) {
        memset(info, 0, sizeof(*info));
    }
    return st;
}

/* The names are what acme_cert_der_matches accepts. Checked before the walk
 * so that a caller's mistake is reported as such whatever the chain holds. */
static bool names_usable(const char *const *names, size_t name_count)
{
    if (names == NULL || name_count == 0 || name_count > ACME_MAX_IDENTIFIERS) {
        return false;
    }
    for (size_t i = 0; i < name_count; i++) {
        if (names[i] == NULL) {
            return false;
        }
        size_t n = 0;
        while (n <= ACME_DNS_NAME_MAX && names[i][n] != '\0') {
            n++;
        }
        if (n == 0 || n > ACME_DNS_NAME_MAX) {
            return false;
        }
    }
    return true;
}

acme_status_t acme_cert_chain_check_issued(const char *chain_pem, size_t len, uint8_t *scratch,
                                           size_t scratch_cap, const struct acme_key *key,
                                           const char *const *names, size_t name_count)
{
    if (chain_pem == NULL || scratch == NULL || scratch_cap == 0 || key == NULL ||
        !names_usable(names, name_count)) {
        return ACME_ERR_INVALID_ARG;
    }
    if (len == 0) {
        return ACME_ERR_BAD_CERT;
    }
    acme_status_t st = ACME_OK;
    size_t pos = 0;
    size_t blocks = 0;
    /* Every successful block moves pos forward by at least one byte. */
    for (size_t guard = 0; guard < len && st == ACME_OK; guard++) {
        size_t der_len = 0;
        st = next_block(chain_pem, len, &pos, scratch, scratch_cap, &der_len);
        if (st == ACME_ERR_NOT_FOUND) {
            st = (blocks == 0) ? ACME_ERR_BAD_CERT : ACME_OK;
            break;
        }
        if (st != ACME_OK) {
            break;
        }
        /* The leaf is the first block; the rest must at least be certificates. */
        if (blocks == 0) {
            st = acme_cert_der_matches(scratch, der_len, key, names, name_count);
        } else {
            st = acme_cert_der_parse_check(scratch, der_len);
        }
        blocks++;
    }
    acme_zeroize(scratch, scratch_cap);
    return st;
}
