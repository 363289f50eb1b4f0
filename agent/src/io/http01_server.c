/*
 * http-01 responder: accept, read one request head, answer, close.
 */
#include "acme/io/http01_server.h"

#include <string.h>

#include "acme/codec/http_request.h"

enum conn_state { CONN_FREE = 0, CONN_READING, CONN_WRITING };

/* Accepts and reads per poll are bounded so that a flood of connections
 * cannot keep the agent from its own work. */
#define HTTP01_ACCEPTS_PER_POLL 4u

static void conn_close(acme_http01_server_t *s, acme_http01_conn_t *c)
{
    if (c->handle >= 0) {
        s->net->close(s->net_ctx, c->handle);
    }
    c->handle = -1;
    c->state = CONN_FREE;
}

void acme_http01_server_init(acme_http01_server_t *s)
{
    memset(s, 0, sizeof(*s));
    s->listener = -1;
    for (size_t i = 0; i < ACME_HTTP01_MAX_CONN; i++) {
        s->conns[i].handle = -1;
    }
}

acme_status_t acme_http01_server_start(acme_http01_server_t *s, const acme_net_ops_t *net,
                                       void *net_ctx, const acme_ip_addr_t *bind_ip, uint16_t port,
                                       acme_http01_lookup_fn lookup, void *lookup_ctx)
{
    acme_http01_server_init(s);
    if (net == NULL || net->listen == NULL || net->accept == NULL) {
        return ACME_ERR_UNSUPPORTED;
    }
    if (lookup == NULL || port == 0) {
        return ACME_ERR_INVALID_ARG;
    }
    int32_t h = net->listen(net_ctx, bind_ip, port);
    if (h < 0) {
        return (acme_status_t)h;
    }
    s->net = net;
    s->net_ctx = net_ctx;
    s->listener = h;
    s->lookup = lookup;
    s->lookup_ctx = lookup_ctx;
    return ACME_OK;
}

bool acme_http01_server_running(const acme_http01_server_t *s)
{
    return s->listener >= 0;
}

/* Answer the request in c->buf (parsed with status st into req) in c->buf:
 * the key authorization for a known token, else an empty 4xx. The lookup
 * reads the path from c->buf before the answer overwrites it. */
static void prepare_answer(acme_http01_server_t *s, acme_http01_conn_t *c, acme_status_t st,
                           const acme_http_request_t *req)
{
    char body[ACME_TOKEN_MAX + 64];
    size_t body_len = 0;
    int status = 400;
    bool head_only = false;
    if (st == ACME_OK) {
        status = 405;
        if (req->method == ACME_METHOD_GET || req->method == ACME_METHOD_HEAD) {
            head_only = req->method == ACME_METHOD_HEAD;
            status = s->lookup(s->lookup_ctx, req->path, req->path_len, body, sizeof(body),
                               &body_len) == ACME_OK
                         ? 200
                         : 404;
        }
    }
    if (status == 200) {
        s->served++;
    } else {
        s->refused++;
        body_len = 0;
    }
    size_t len;
    /* Status and content type are ours: the writer need not check them. It
     * sets len to 0 when the answer does not fit (nothing is sent then). */
    (void)acme_http_response_write_unchecked((char *)c->buf, sizeof(c->buf), &len, status,
                                             "text/plain", body, body_len, head_only);
    c->tx_len = len;
    c->tx_sent = 0;
    c->state = CONN_WRITING;
}

static void conn_step(acme_http01_server_t *s, acme_http01_conn_t *c, uint64_t now_ms)
{
    if (now_ms >= c->deadline_ms) {
        s->refused++;
        conn_close(s, c);
        return;
    }
    if (c->state == CONN_READING) {
        acme_http_request_t req;
        acme_status_t st = ACME_ERR_OVERSIZE; /* a full buffer without a whole head */
        if (c->rx_len < sizeof(c->buf)) {
            int32_t n = s->net->recv(s->net_ctx, c->handle, c->buf + c->rx_len,
                                     sizeof(c->buf) - c->rx_len);
            if (n == ACME_WOULD_BLOCK) {
                return;
            }
            if (n <= 0) {
                conn_close(s, c);
                return;
            }
            c->rx_len += (size_t)n;
            st = acme_http_request_parse(c->buf, c->rx_len, &req);
        }
        if (st != ACME_WOULD_BLOCK) {
            prepare_answer(s, c, st, &req);
        }
    }
    if (c->state == CONN_WRITING) {
        if (c->tx_sent < c->tx_len) {
            int32_t n =
                s->net->send(s->net_ctx, c->handle, c->buf + c->tx_sent, c->tx_len - c->tx_sent);
            if (n == ACME_WOULD_BLOCK) {
                return;
            }
            if (n < 0) {
                conn_close(s, c);
                return;
            }
            c->tx_sent += (size_t)n;
        }
        if (c->tx_sent >= c->tx_len) {
            conn_close(s, c);
        }
    }
}

void acme_http01_server_poll(acme_http01_server_t *s, uint64_t now_ms)
{
    if (s->listener < 0 || s->net == NULL) {
        return;
    }
    for (unsigned i = 0; i < HTTP01_ACCEPTS_PER_POLL; i++) {
        acme_http01_conn_t *slot = NULL;
        for (size_t k = 0; k < ACME_HTTP01_MAX_CONN; k++) {
            if (s->conns[k].state == CONN_FREE) {
                slot = &s->conns[k];
                break;
            }
        }
        if (slot == NULL) {
            break; /* all busy: new connections wait in the accept queue */
        }
        int32_t h = s->net->accept(s->net_ctx, s->listener);
        if (h < 0) {
            break;
        }
        slot->handle = h;
        slot->state = CONN_READING;
        slot->rx_len = 0;
        slot->deadline_ms = now_ms + ACME_HTTP01_TIMEOUT_MS;
    }
    for (size_t k = 0; k < ACME_HTTP01_MAX_CONN; k++) {
        if (s->conns[k].state != CONN_FREE) {
            conn_step(s, &s->conns[k], now_ms);
        }
    }
}

void acme_http01_server_stop(acme_http01_server_t *s)
{
    for (size_t k = 0; k < ACME_HTTP01_MAX_CONN; k++) {
        if (s->conns[k].state != CONN_FREE) {
            conn_close(s, &s->conns[k]);
        }
    }
    if (s->listener >= 0 && s->net != NULL) {
        s->net->close(s->net_ctx, s->listener);
    }
    s->listener = -1;
}
