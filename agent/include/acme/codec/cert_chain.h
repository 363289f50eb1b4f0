/*
 * A certificate chain as ACME serves it (application/pem-certificate-chain,
 * RFC 8555 §9.1): the leaf's facts, and the check an issued chain must pass
 * before it may replace anything. Walks the CERTIFICATE blocks; each block's
 * DER goes to the crypto layer's one-certificate functions.
 *
 * Both take the caller's scratch for the DER of one certificate at a time
 * (the largest block must fit; it is zeroised before returning). The text
 * need not be NUL-terminated.
 */
#ifndef ACME_CODEC_CERT_CHAIN_H
#define ACME_CODEC_CERT_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "acme/status.h"
#include "acme/types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct acme_key;

/* Facts about the first (leaf) certificate, as acme_cert_der_info gives
 * them; later blocks must be clean CERTIFICATE blocks and are counted in
 * chain_certs, but not parsed. ACME_ERR_BAD_CERT (no or broken leaf, junk
 * around blocks), ACME_ERR_OVERSIZE (a block whose DER does not fit scratch),
 * ACME_ERR_NO_MEMORY, ACME_ERR_INVALID_ARG; on error *info is zeroed. */
acme_status_t acme_cert_chain_info(const char *chain_pem, size_t len, uint8_t *scratch,
                                   size_t scratch_cap, acme_cert_info_t *info);

/* Check an issued chain (DESIGN §9): every block parses, and the leaf passes
 * acme_cert_der_matches (its public key is key's, its DNS SANs are exactly
 * names). ACME_ERR_KEY_MISMATCH, ACME_ERR_BAD_CERT (also for no block, junk
 * around blocks), ACME_ERR_OVERSIZE (a block whose DER does not fit scratch),
 * ACME_ERR_NO_MEMORY, ACME_ERR_INVALID_ARG (names as acme_cert_der_matches
 * wants them). Signatures and validity are not checked here. */
acme_status_t acme_cert_chain_check_issued(const char *chain_pem, size_t len, uint8_t *scratch,
                                           size_t scratch_cap, const struct acme_key *key,
                                           const char *const *names, size_t name_count);

#ifdef __cplusplus
}
#endif

#endif /* ACME_CODEC_CERT_CHAIN_H */
