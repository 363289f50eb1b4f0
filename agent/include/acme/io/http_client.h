/*
 * One HTTPS exchange at a time over one kept-alive connection.
 *
 * The client owns the connection to the current origin (host, port): it
 * connects through the stream seam (after resolving the host through the
 * agent's own DNS client when one is configured), runs the TLS handshake,
 * sends a prepared request and parses the response into fixed buffers. A
 * request to the same origin reuses the connection; one to another origin
 * replaces it. If a reused connection turns out to be closed by the server
 * before any byte of the response arrived (idle timeout), the request is
 * sent again once on a fresh connection.
 *
 * Non-blocking: acme_http_client_poll() does a bounded amount of work and
 * returns ACME_WOULD_BLOCK until the response is complete.
 */
#ifndef ACME_IO_HTTP_CLIENT_H
#define ACME_IO_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/codec/http_response.h"
#include "acme/codec/url.h"
#include "acme/config_defaults.h"
#if ACME_ENABLE_DNS_CLIENT
#include "acme/io/dns_client.h"
#else
typedef struct acme_dns_client acme_dns_client_t; /* not compiled in */
#endif
#include "acme/port.h"
#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

struct acme_tls;
struct acme_tls_config;

typedef struct acme_http_stats {
    uint32_t requests;    /* requests whose response was received */
    uint32_t handshakes;  /* completed TLS handshakes */
    uint32_t connects;    /* TCP connections started */
    uint32_t dns_queries; /* own-resolver lookups */
} acme_http_stats_t;

typedef struct acme_http_client {
    /* Scalars first, buffers last: fields at short offsets take shorter
     * instructions on Thumb-2. */
    const acme_port_t *port;
    struct acme_tls_config *tls_cfg;
    acme_dns_client_t *dns; /* NULL: names are resolved by the port */

    /* connection */
    uint8_t conn_state;
    int32_t handle;
    struct acme_tls *tls;
    uint16_t port_number;
    bool host_is_ip;

    /* exchange */
    uint8_t xfer_state;
    bool head_only;
    bool conn_reused;
    bool retried;
    bool response_started;
    const uint8_t *tx;
    size_t tx_len;
    size_t tx_sent;
    uint64_t deadline_ms;

    acme_http_stats_t stats;
    int32_t tls_error; /* low-level detail of the last TLS failure */
    uint32_t verify_flags;

    acme_http_response_t resp;
    acme_http_parser_t parser;
    acme_ip_addr_t host_ip;
    char host[ACME_DNS_NAME_MAX + 1];
    char connect_host[48]; /* the own resolver's answer as text (an IP literal
                              host is connected to as written) */
    uint8_t body[ACME_HTTP_BODY_MAX];
} acme_http_client_t;

/* port and tls_cfg must outlive the client; dns may be NULL. */
void acme_http_client_init(acme_http_client_t *c, const acme_port_t *port,
                           struct acme_tls_config *tls_cfg, acme_dns_client_t *dns);

/* Start an exchange: tx[0..tx_len) is the complete request (head and body)
 * for url; it must stay valid until the exchange ends. head_only: the
 * response has no body (HEAD). */
acme_status_t acme_http_client_begin(acme_http_client_t *c, const acme_url_t *url,
                                     const uint8_t *tx, size_t tx_len, bool head_only,
                                     uint64_t now_ms);

/* Advance. ACME_OK: c->resp holds the response. ACME_WOULD_BLOCK: call again
 * when the network may have progressed. Errors end the exchange and drop the
 * connection. */
acme_status_t acme_http_client_poll(acme_http_client_t *c, uint64_t now_ms);

/* Drop the connection (e.g. at the end of an issuance). */
void acme_http_client_close(acme_http_client_t *c);

#ifdef __cplusplus
}
#endif

#endif /* ACME_IO_HTTP_CLIENT_H */
