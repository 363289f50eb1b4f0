/*
 * Running the signer callback into the free end of an output buffer.
 */
#include "acme/codec/signer.h"

#include <string.h>

acme_status_t acme_signer_sign_to_end(const acme_signer_t *signer, const uint8_t digest[32],
                                      uint8_t *buf, size_t used, size_t cap, size_t *sig_len)
{
    if (used > cap) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    size_t tail = cap - used;
    if (tail > ACME_SIG_MAX) {
        tail = ACME_SIG_MAX;
    }
    uint8_t *area = buf + cap - tail;
    size_t n = 0;
    acme_status_t st = (acme_status_t)signer->sign_digest(signer->ctx, digest, area, tail, &n);
    if (st != ACME_OK) {
        return st;
    }
    if (n == 0 || n > tail || (signer->alg == ACME_SIG_ES256 && n != 64u)) {
        return ACME_ERR_CRYPTO;
    }
    memmove(buf + cap - n, area, n);
    *sig_len = n;
    return ACME_OK;
}
