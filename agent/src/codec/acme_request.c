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
    const char *method = req->method == ACME_WIRE_HEAD ? "HEAD" : "GET";
    size_t head_cap = cap;
    size_t body_len = 0;
    if (req->method == ACME_WIRE_POST) {
        if (cap <= HEAD_RESERVE) {
            return ACME_ERR_BUFFER_TOO_SMALL;
        }
        acme_jws_header_t hdr = {req->nonce, req->url, req->kid, req->jwk};
        st = acme_jws_write(&hdr, req->payload != NULL ? req->payload : "", req->payload_len,
                            req->signer, text + HEAD_RESERVE, cap - HEAD_RESERVE, &body_len);
        if (st != ACME_OK) {
            return st;
        }
        method = "POST";
        head_cap = HEAD_RESERVE;
    }
    size_t head_len = 0;
    /* url_out comes from the URL parser above and the method is ours; the
     * user agent and content type are the writer's fixed ones. */
    st = acme_http_acme_head_write(text, head_cap, &head_len, method, url_out, body_len);
    if (st != ACME_OK) {
        return st;
    }
    if (body_len > 0) {
        memmove(out + head_len, out + HEAD_RESERVE, body_len);
        if (head_len + body_len < cap) {
            out[head_len + body_len] = '\0';
        }
    }
    *len = head_len + body_len;
    return ACME_OK;
}
