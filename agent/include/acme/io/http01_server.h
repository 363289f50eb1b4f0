/*
 * The built-in http-01 responder (RFC 8555 §8.3): a tiny HTTP server on the
 * listener seam that answers a CA's validation requests.
 *
 * It serves only GET/HEAD /.well-known/acme-challenge/<token> for tokens the
 * lookup callback knows, with the key authorization as text/plain; anything
 * else is 404 (unknown path) or 400 (bad request). Requests are bounded in
 * size (ACME_HTTP01_REQUEST_MAX) and time (ACME_HTTP01_TIMEOUT_MS); at most
 * ACME_HTTP01_MAX_CONN connections are served at once, further ones wait in
 * the port's accept queue. Each connection gets one answer and is closed.
 */
#ifndef ACME_IO_HTTP01_SERVER_H
#define ACME_IO_HTTP01_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/config_defaults.h"
#include "acme/port.h"
#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Find the response for a request path: writes the body (key
 * authorization) into out and returns ACME_OK, or ACME_ERR_NOT_FOUND.
 * This is acme_agent_http01_lookup() in the agent. */
typedef acme_status_t (*acme_http01_lookup_fn)(void *ctx, const char *path, size_t path_len,
                                               char *out, size_t cap, size_t *len);

typedef struct acme_http01_conn {
    int32_t handle; /* -1: free slot */
    uint8_t state;
    uint64_t deadline_ms;
    size_t rx_len;
    size_t tx_len;
    size_t tx_sent;
    uint8_t buf[ACME_HTTP01_REQUEST_MAX];
} acme_http01_conn_t;

typedef struct acme_http01_server {
    const acme_net_ops_t *net;
    void *net_ctx;
    int32_t listener; /* -1 when stopped */
    acme_http01_lookup_fn lookup;
    void *lookup_ctx;
    uint32_t served;  /* 200 answers */
    uint32_t refused; /* 4xx answers and dropped connections */
    acme_http01_conn_t conns[ACME_HTTP01_MAX_CONN];
} acme_http01_server_t;

/* A stopped server (poll and stop are no-ops until start). */
void acme_http01_server_init(acme_http01_server_t *s);

/* Listen on bind_ip (NULL: any):port. ACME_ERR_ADDR_IN_USE when taken,
 * ACME_ERR_UNSUPPORTED when the port has no listener seam. */
acme_status_t acme_http01_server_start(acme_http01_server_t *s, const acme_net_ops_t *net,
                                       void *net_ctx, const acme_ip_addr_t *bind_ip, uint16_t port,
                                       acme_http01_lookup_fn lookup, void *lookup_ctx);

/* Accept, read, answer, close: a bounded amount of work per call. */
void acme_http01_server_poll(acme_http01_server_t *s, uint64_t now_ms);

/* True while the server is listening. */
bool acme_http01_server_running(const acme_http01_server_t *s);

/* Close every connection and the listener. */
void acme_http01_server_stop(acme_http01_server_t *s);

#ifdef __cplusplus
}
#endif

#endif /* ACME_IO_HTTP01_SERVER_H */
