/*
 * The signing callback the JWS and CSR codecs use. The codecs never see a
 * private key: they hash, hand the digest to the signer, and encode what
 * comes back. The type is defined in acme/signer.h, below the codec and
 * crypto layers, because the crypto layer's software signer implements it;
 * this header keeps the codecs' include path.
 */
#ifndef ACME_CODEC_SIGNER_H
#define ACME_CODEC_SIGNER_H

#include "acme/signer.h"

#endif /* ACME_CODEC_SIGNER_H */
