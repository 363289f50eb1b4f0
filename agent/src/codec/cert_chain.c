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

/* What the leaf of an issued chain must be: key's certificate for exactly
 * names (checked usable, their lengths in name_len). One pointer for walk()
 * rather than four arguments. */
typedef struct leaf_want {
    const struct acme_key *key;
    const char *const *names;
    size_t name_count;
    size_t name_len[ACME_MAX_IDENTIFIERS];
} leaf_want_t;

/* Walk the chain's CERTIFICATE blocks, each decoded into scratch (which is
 * wiped at the end). With info, the first block is described there and the
 * rest are counted; else the first must be what want asks for and the rest
 * must parse. A chain without a block is ACME_ERR_BAD_CERT. */
static acme_status_t walk(const char *pem, size_t len, uint8_t *scratch, size_t scratch_cap,
                          acme_cert_info_t *info, const leaf_want_t *want)
{
    acme_status_t st = ACME_OK;
    size_t pos = 0;
    size_t blocks = 0;
    /* Every successful block moves pos forward by at least one byte. */
    for (size_t guard = 0; guard < len && st == ACME_OK; guard++) {
        size_t der_len = 0;
        st = next_block(pem, len, &pos, scratch, scratch_cap, &der_len);
        if (st == ACME_ERR_NOT_FOUND) {
            break;
        }
        if (info != NULL) {
            if (st == ACME_OK && blocks == 0) {
                st = acme_cert_der_info(scratch, der_len, info);
            }
        } else if (st == ACME_OK) {
            /* The leaf is the first block; the rest must at least be
             * certificates. */
            st = blocks == 0 ? acme_cert_der_matches_len(scratch, der_len, want->key, want->names,
                                                         want->name_len, want->name_count)
                             : acme_cert_der_parse_check(scratch, der_len);
        }
        blocks++;
    }
    if (st == ACME_ERR_NOT_FOUND) {
        st = ACME_OK; /* the end of the chain */
    }
    if (st == ACME_OK && blocks == 0) {
        st = ACME_ERR_BAD_CERT;
    }
    if (info != NULL) {
        info->chain_certs = blocks;
    }
    acme_zeroize(scratch, scratch_cap);
    return st;
}

acme_status_t acme_cert_chain_info(const char *chain_pem, size_t len, uint8_t *scratch,
                                   size_t scratch_cap, acme_cert_info_t *info)
{
    if (chain_pem == NULL || scratch == NULL || scratch_cap == 0 || info == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    memset(info, 0, sizeof(*info));
    acme_status_t st = walk(chain_pem, len, scratch, scratch_cap, info, NULL);
    if (st != ACME_OK) {
        memset(info, 0, sizeof(*info));
    }
    return st;
}

acme_status_t acme_cert_chain_check_issued(const char *chain_pem, size_t len, uint8_t *scratch,
                                           size_t scratch_cap, const struct acme_key *key,
                                           const char *const *names, size_t name_count)
{
    /* The names are checked before the walk so that a caller's mistake is
     * reported as such whatever the chain holds. */
    leaf_want_t want;
    want.key = key;
    want.names = names;
    want.name_count = name_count;
    if (chain_pem == NULL || scratch == NULL || scratch_cap == 0 || key == NULL ||
        !acme_cert_names_usable(names, name_count, want.name_len)) {
        return ACME_ERR_INVALID_ARG;
    }
    return walk(chain_pem, len, scratch, scratch_cap, NULL, &want);
}
