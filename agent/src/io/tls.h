/*
 * TLS 1.2 client sessions over the port's stream seam (mbedTLS behind this
 * header only). Verification is always on: the server chain must lead to one
 * of the configured trust anchors and name the host — a DNS name checked by
 * mbedTLS, or an IP literal checked here against iPAddress SANs (mbedTLS 2.28
 * only knows dNSName). There is no switch to turn it off.
 *
 * Objects live in the arena. Non-blocking: every call may return
 * ACME_WOULD_BLOCK and is simply repeated later.
 */
#ifndef ACME_IO_TLS_H
#define ACME_IO_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "acme/port.h"
#include "acme/status.h"
#include "crypto/crypto.h"

typedef struct acme_tls_config acme_tls_config_t;
typedef struct acme_tls acme_tls_t;

/* Trust anchors: one or more PEM certificates (trust_len bytes; need not be
 * NUL-terminated). ACME_ERR_CONFIG when none parses. Certificate validity is
 * checked against clock->wall_s (mbedTLS has one time source per program,
 * like the arena); with the date unknown every certificate counts as not yet
 * valid, so verification fails instead of passing unchecked. */
acme_status_t acme_tls_config_new(acme_tls_config_t **cfg, const char *trust_pem, size_t trust_len,
                                  acme_drbg_t *drbg, const acme_clock_ops_t *clock,
                                  void *clock_ctx);
void acme_tls_config_free(acme_tls_config_t **cfg);

/* A session on an already started connection `handle`. For a DNS name, host
 * is both the SNI and the identity checked; for an IP literal (host_ip not
 * NULL) no SNI is sent (RFC 6066 §3) and the leaf must carry that address as
 * an iPAddress SAN. */
acme_status_t acme_tls_new(acme_tls_t **tls, acme_tls_config_t *cfg, const char *host,
                           const acme_ip_addr_t *host_ip, const acme_net_ops_t *net, void *net_ctx,
                           int32_t handle);

/* ACME_OK when done, ACME_WOULD_BLOCK, ACME_ERR_TLS_VERIFY (untrusted chain
 * or wrong identity), ACME_ERR_TLS, or the transport's error. */
acme_status_t acme_tls_handshake(acme_tls_t *tls);

/* Bytes written (> 0), ACME_WOULD_BLOCK, or an error. */
int32_t acme_tls_send(acme_tls_t *tls, const uint8_t *data, size_t len);

/* Bytes read (> 0), 0 when the peer closed (close_notify or EOF),
 * ACME_WOULD_BLOCK, or an error. */
int32_t acme_tls_recv(acme_tls_t *tls, uint8_t *buf, size_t cap);

/* Low-level detail of the last failure: the mbedTLS error code and the
 * certificate verification flags (0 when none). */
void acme_tls_last_error(const acme_tls_t *tls, int32_t *mbedtls_code, uint32_t *verify_flags);

/* Free the session (after a best-effort close_notify). The connection handle
 * stays open: the caller closes it. */
void acme_tls_free(acme_tls_t **tls);

#endif /* ACME_IO_TLS_H */
