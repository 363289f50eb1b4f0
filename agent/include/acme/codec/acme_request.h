/*
 * Turns one ACME request into the bytes sent on the wire: the HTTP/1.1 head
 * and, for POSTs, the JWS body (application/jose+json) signed with the
 * account key through the signer. Pure: the nonce, the account URL or JWK,
 * and the signer are passed in.
 */
#ifndef ACME_CODEC_ACME_REQUEST_H
#define ACME_CODEC_ACME_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/codec/signer.h"
#include "acme/codec/url.h"
#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 8555 §6.1: clients must send a User-Agent. */
#define ACME_USER_AGENT "acme-agent/0.1 (embedded; mbedTLS 2.28)"

typedef enum acme_wire_method {
    ACME_WIRE_GET = 1,
    ACME_WIRE_HEAD,
    ACME_WIRE_POST
} acme_wire_method_t;

typedef struct acme_wire_request {
    uint8_t method;      /* acme_wire_method_t */
    const char *url;     /* absolute https URL (also the JWS "url") */
    const char *payload; /* POST: JSON text; length 0 = POST-as-GET */
    size_t payload_len;
    const char *nonce;           /* POST: the Replay-Nonce to use */
    const char *kid;             /* POST: account URL, or NULL to embed jwk */
    const char *jwk;             /* POST: canonical JWK when kid is NULL */
    const acme_signer_t *signer; /* POST */
} acme_wire_request_t;

/* Write the request into out[0..cap). The URL is parsed into *url_out (its
 * pointers refer to req->url). Errors: ACME_ERR_MALFORMED for a URL that is
 * not https, ACME_ERR_BUFFER_TOO_SMALL, or the signer's error. */
acme_status_t acme_wire_request_write(const acme_wire_request_t *req, uint8_t *out, size_t cap,
                                      size_t *len, acme_url_t *url_out);

#ifdef __cplusplus
}
#endif

#endif /* ACME_CODEC_ACME_REQUEST_H */
