/*
 * The signing callback the JWS and CSR codecs use. The codecs never see a
 * private key: they hash, hand the digest to the signer, and encode what
 * comes back. The type is defined in acme/signer.h, below the codec and
 * crypto layers, because the crypto layer's software signer implements it;
 * this header keeps the codecs' include path.
 */
#ifndef ACME_CODEC_SIGNER_H
#define ACME_CODEC_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include "acme/signer.h"
#include "acme/status.h"

/* Sign digest into the unused end of buf (bytes used..cap are free) and
 * leave the signature flush against buf + cap: *sig_len bytes ending there.
 * The JWS and CSR writers encode it from that place, so no stack buffer of
 * ACME_SIG_MAX bytes is needed. ACME_ERR_CRYPTO when the signer returns an
 * impossible length, or the signer's own error. */
acme_status_t acme_signer_sign_to_end(const acme_signer_t *signer, const uint8_t digest[32],
                                      uint8_t *buf, size_t used, size_t cap, size_t *sig_len);

#endif /* ACME_CODEC_SIGNER_H */
