/*
 * HTTPS exchanges over one kept-alive connection: resolve, connect, TLS
 * handshake, send, receive into the response parser.
 */
#include "acme/io/http_client.h"

#include <string.h>

#include "acme/codec/ip_addr.h"
#include "ascii.h"
#include "compiler.h"
#include "io/tls.h"

enum conn_state { CONN_NONE = 0, CONN_RESOLVING, CONN_HANDSHAKE, CONN_READY };

enum xfer_state { XFER_IDLE = 0, XFER_CONNECT, XFER_SEND, XFER_RECV, XFER_DONE };

/* Work per poll is bounded: at most this many send/recv steps. */
#define HTTP_STEPS_PER_POLL 64u
/* Plaintext read per step. */
#define HTTP_RECV_CHUNK 512u

void acme_http_client_init(acme_http_client_t *c, const acme_port_t *port,
                           struct acme_tls_config *tls_cfg, acme_dns_client_t *dns)
{
    memset(c, 0, sizeof(*c));
    c->port = port;
    c->tls_cfg = tls_cfg;
    c->dns = dns;
    c->handle = -1;
}

void acme_http_client_close(acme_http_client_t *c)
{
    acme_tls_free(&c->tls);
    if (c->handle >= 0) {
        c->port->net->close(c->port->net_ctx, c->handle);
        c->handle = -1;
    }
#if ACME_ENABLE_DNS_CLIENT
    if (c->dns != NULL && c->conn_state == CONN_RESOLVING) {
        acme_dns_client_close(c->dns);
    }
#endif
    c->conn_state = CONN_NONE;
}

static bool same_origin(const acme_http_client_t *c, const acme_url_t *url)
{
    return c->conn_state != CONN_NONE && c->port_number == url->port &&
           acme_ascii_eq_nocase(c->host, strlen(c->host), url->host, url->host_len);
}

/* Open the TCP connection to target (an IP literal, or the name when the
 * port resolves) and set up the TLS session for c->host. */
static acme_status_t open_connection(acme_http_client_t *c, const char *target)
{
    int32_t h = c->port->net->connect(c->port->net_ctx, target, c->port_number);
    if (h < 0) {
        return (acme_status_t)h;
    }
    c->handle = h;
    c->stats.connects++;
    c->conn_state = CONN_HANDSHAKE;
    return acme_tls_new(&c->tls, c->tls_cfg, c->host, c->host_is_ip ? &c->host_ip : NULL,
                        c->port->net, c->port->net_ctx, h);
}

/* Start a new connection to c->host and c->port_number (the old one, if
 * any, is closed). */
static acme_status_t start_connection(acme_http_client_t *c, uint64_t now_ms)
{
    acme_http_client_close(c);
    c->host_is_ip = acme_ip_parse(c->host, strlen(c->host), &c->host_ip) == ACME_OK;

    if (c->host_is_ip) {
        /* The literal passed the strict parser: the port can read it. */
        return open_connection(c, c->host);
    }
#if ACME_ENABLE_DNS_CLIENT
    if (c->dns == NULL) {
        return open_connection(c, c->host); /* the port resolves the name */
    }
    acme_status_t st = acme_dns_client_start(c->dns, c->host, ACME_DNS_TYPE_A, now_ms);
    if (st != ACME_OK) {
        return st;
    }
    c->stats.dns_queries++;
    c->conn_state = CONN_RESOLVING;
    return ACME_OK;
#else
    (void)now_ms;
    return open_connection(c, c->host); /* the port resolves the name */
#endif
}

/* The request goes out from its first byte and a new response is awaited.
 * Two callers (a new exchange, the retry): one copy is smaller. */
ACME_NOINLINE static void restart_exchange(acme_http_client_t *c)
{
    c->tx_sent = 0;
    acme_http_parser_init(&c->parser, &c->resp, c->body, sizeof(c->body), c->head_only);
}

acme_status_t acme_http_client_begin(acme_http_client_t *c, const acme_url_t *url,
                                     const uint8_t *tx, size_t tx_len, bool head_only,
                                     uint64_t now_ms)
{
    if (c->xfer_state != XFER_IDLE && c->xfer_state != XFER_DONE) {
        return ACME_ERR_BAD_STATE;
    }
    c->tx = tx;
    c->tx_len = tx_len;
    c->head_only = head_only;
    c->retried = false;
    c->response_started = false;
    c->deadline_ms = now_ms + ACME_IO_TIMEOUT_MS;
    restart_exchange(c);

    if (c->conn_state == CONN_READY && same_origin(c, url)) {
        c->conn_reused = true;
        c->xfer_state = XFER_SEND;
        return ACME_OK;
    }
    c->conn_reused = false;
    acme_status_t st = ACME_ERR_OVERSIZE;
    if (url->host_len <= ACME_DNS_NAME_MAX) {
        memmove(c->host, url->host, url->host_len);
        c->host[url->host_len] = '\0';
        c->port_number = url->port;
        st = start_connection(c, now_ms);
    }
    if (st != ACME_OK) {
        acme_http_client_close(c);
        c->xfer_state = XFER_IDLE;
        return st;
    }
    c->xfer_state = XFER_CONNECT;
    return ACME_OK;
}

/* Advance resolution and handshake. OK when the connection is ready. */
static acme_status_t step_connect(acme_http_client_t *c, uint64_t now_ms)
{
    (void)now_ms; /* only the own resolver needs the time */
#if ACME_ENABLE_DNS_CLIENT
    if (c->conn_state == CONN_RESOLVING) {
        acme_status_t st = acme_dns_client_poll(c->dns, now_ms, NULL);
        if (st != ACME_OK) {
            return st == ACME_ERR_DNS_NO_ANSWER || st == ACME_ERR_DNS_NXDOMAIN ? ACME_ERR_RESOLVE
                                                                               : st;
        }
        acme_ip_addr_t addr;
        size_t count = 0;
        st = acme_dns_client_addresses(c->dns, &addr, 1, &count);
        acme_dns_client_close(c->dns);
        c->conn_state = CONN_NONE;
        if (st != ACME_OK || count == 0) {
            return ACME_ERR_RESOLVE;
        }
        st = acme_ip_format(&addr, c->connect_host, sizeof(c->connect_host), NULL);
        if (st == ACME_OK) {
            st = open_connection(c, c->connect_host);
        }
        if (st != ACME_OK) {
            return st;
        }
    }
#endif
    if (c->conn_state == CONN_HANDSHAKE) {
        acme_status_t st = acme_tls_handshake(c->tls);
        if (st != ACME_OK) {
            if (st != ACME_WOULD_BLOCK) {
                acme_tls_last_error(c->tls, &c->tls_error, &c->verify_flags);
            }
            return st;
        }
        c->stats.handshakes++;
        c->conn_state = CONN_READY;
    }
    return c->conn_state == CONN_READY ? ACME_OK : ACME_ERR_BAD_STATE;
}

/* The server closed a reused connection before answering (its idle timer
 * fired while the request was in flight): send once more on a new one. */
static bool retry_on_fresh_connection(acme_http_client_t *c, acme_status_t st, uint64_t now_ms)
{
    bool connection_lost =
        st == ACME_ERR_CLOSED || st == ACME_ERR_TRANSPORT || st == ACME_ERR_TRUNCATED;
    if (!c->conn_reused || c->retried || c->response_started || !connection_lost) {
        return false;
    }
    c->retried = true;
    c->conn_reused = false;
    restart_exchange(c);
    if (start_connection(c, now_ms) != ACME_OK) {
        return false;
    }
    c->xfer_state = XFER_CONNECT;
    return true;
}

static acme_status_t finish(acme_http_client_t *c, acme_status_t st)
{
    if (st == ACME_OK) {
        c->stats.requests++;
        if (!c->resp.keep_alive) {
            acme_http_client_close(c);
        }
    } else {
        acme_http_client_close(c);
    }
    c->xfer_state = XFER_DONE;
    return st;
}

acme_status_t acme_http_client_poll(acme_http_client_t *c, uint64_t now_ms)
{
    if (c->xfer_state == XFER_IDLE || c->xfer_state == XFER_DONE) {
        return ACME_ERR_BAD_STATE;
    }
    if (now_ms >= c->deadline_ms) {
        return finish(c, ACME_ERR_TIMEOUT);
    }
    for (unsigned step = 0; step < HTTP_STEPS_PER_POLL; step++) {
        acme_status_t st = ACME_OK;
        if (c->xfer_state == XFER_CONNECT) {
            st = step_connect(c, now_ms);
            if (st == ACME_OK) {
                c->xfer_state = XFER_SEND;
                continue;
            }
        } else if (c->xfer_state == XFER_SEND) {
            int32_t n = acme_tls_send(c->tls, c->tx + c->tx_sent, c->tx_len - c->tx_sent);
            if (n > 0) {
                c->tx_sent += (size_t)n;
                if (c->tx_sent == c->tx_len) {
                    c->xfer_state = XFER_RECV;
                }
                continue;
            }
            st = (acme_status_t)n;
        } else { /* XFER_RECV */
            uint8_t chunk[HTTP_RECV_CHUNK];
            int32_t n = acme_tls_recv(c->tls, chunk, sizeof(chunk));
            if (n > 0) {
                c->response_started = true;
                size_t used = 0;
                st = acme_http_parser_feed(&c->parser, chunk, (size_t)n, &used);
                if (st == ACME_OK) {
                    if (used != (size_t)n) {
                        /* Bytes after the response: we never pipeline, so
                         * the connection is out of step. Keep the response,
                         * drop the connection. */
                        c->resp.keep_alive = false;
                    }
                    return finish(c, ACME_OK);
                }
                if (st == ACME_WOULD_BLOCK) {
                    continue;
                }
                return finish(c, st);
            }
            if (n == 0) {
                st = acme_http_parser_eof(&c->parser);
                if (st == ACME_OK) {
                    /* Only a body delimited by the close ends here (a
                     * complete response ended the exchange when it was
                     * fed), and the parser has set keep_alive false for
                     * it. */
                    return finish(c, ACME_OK);
                }
                st = c->response_started ? st : ACME_ERR_CLOSED;
            } else {
                st = (acme_status_t)n;
            }
        }
        if (st == ACME_WOULD_BLOCK) {
            return ACME_WOULD_BLOCK;
        }
        if (retry_on_fresh_connection(c, st, now_ms)) {
            continue;
        }
        return finish(c, st);
    }
    return ACME_WOULD_BLOCK;
}
