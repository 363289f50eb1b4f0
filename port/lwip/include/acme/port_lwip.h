/*
 * The lwIP port (raw API, NO_SYS=1): the agent's stream, datagram and clock
 * seams on lwIP pcbs, for bare-metal super-loops.
 *
 * The board owns the rest: the netif (driver, DHCP or static address), the
 * flash seam, the entropy source, and the wall clock. It calls
 * acme_lwip_port_init() once after lwip_init(), then, in its loop, polls its
 * netif driver, sys_check_timeouts() and acme_agent_poll() — all from one
 * thread (lwIP's raw API is not thread-safe; NO_SYS has no locking).
 *
 * Contract details (port.h): handles are small integers; connect() takes an
 * IP literal (a DNS name is resolved with lwIP's DNS client when LWIP_DNS is
 * on, otherwise ACME_ERR_RESOLVE); send/recv/accept never block;
 * ACME_WOULD_BLOCK until data, space or a connection is there.
 *
 * RTOS integrations that use lwIP's socket API (NO_SYS=0) instead: see the
 * note at the top of port/lwip/net_lwip.c.
 */
#ifndef ACME_PORT_LWIP_H
#define ACME_PORT_LWIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/port.h"
#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Stream and datagram slots (ACME connection, http-01 listener and its
 * clients, DNS). Range 4..32. */
#ifndef ACME_LWIP_MAX_SOCKETS
#define ACME_LWIP_MAX_SOCKETS 8
#endif

struct acme_lwip_socket; /* internal; defined in port/lwip/lwip_internal.h */

typedef struct acme_lwip_port acme_lwip_port_t;

/* Fill port->net, port->udp and port->clock (monotonic from sys_now(), wall
 * time from wall_s, which may return ACME_TIME_UNKNOWN), and seed the
 * randomness lwIP uses (LWIP_RAND, RFC 6528 ISNs) from rng. The board
 * installs port->rng, port->flash and, optionally, port->wait and port->log
 * itself. Returns ACME_ERR_RNG when the entropy source fails. */
acme_status_t acme_lwip_port_init(acme_port_t *port, int64_t (*wall_s)(void),
                                  const acme_rng_ops_t *rng, void *rng_ctx);

/* Close every socket of the port (e.g. before a reboot). */
void acme_lwip_port_deinit(void);

#ifdef __cplusplus
}
#endif

#endif /* ACME_PORT_LWIP_H */
