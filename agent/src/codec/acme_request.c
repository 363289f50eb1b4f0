/*
 * ACME request -> wire bytes. For a POST the JWS is written first, into the
 * tail of the buffer, so the head can state its Content-Length; the body is
 * then moved up behind the head. One buffer, one TLS write.
 */
#include "acme/codec/acme_request.h"

#include <string.h>

#include "acme/codec/http_request.h"
#include "acme/codec/jws.h"

/* Room reserved in front of the JWS for the request head. */
#define HEAD_RESERVE 512u

acme_status_t acme_wire_request_write(const acme_wire_request_t *req, uint8_t *out, size_t cap,
                                      size_t *len, acme_url_t *url_out)
{
    if (req == NULL || req->url == NULL || out == NULL || len == NULL || url_out == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    acme_status_t st = acme_url_parse_https(req->url, strlen(req->url), url_out);
    if (st != ACME_OK) {
        return st;
    }
    char *text = (char *)out;
    if (req->method != ACME_WIRE_POST) {
        const char *method = req->method == ACME_WIRE_HEAD ? "HEAD" : "GET";
        return acme_http_request_write(text, cap, len, method, url_out, ACME_USER_AGENT, NULL, 0);
    }
    if (cap <= HEAD_RESERVE) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    acme_jws_header_t hdr = {req->nonce, req->url, req->kid, req->jwk};
    size_t body_len = 0;
    st = acme_jws_write(&hdr, req->payload != NULL ? req->payload : "", req->payload_len,
                        req->signer, text + HEAD_RESERVE, cap - HEAD_RESERVE, &body_len);
    if (st != ACME_OK) {
        return st;
    }
    size_t head_len = 0;
    st = acme_http_request_write(text, HEAD_RESERVE, &head_len, "POST", url_out, ACME_USER_AGENT,
                                 "application/jose+json", body_len);
    if (st != ACME_OK) {
        return st;
    }
    memmove(out + head_len, out + HEAD_RESERVE, body_len);
    *len = head_len + body_len;
    if (*len < cap) {
        out[*len] = '\0';
    }
    return ACME_OK;
}
