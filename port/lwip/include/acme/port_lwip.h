/*
 * The lwIP port (raw API, NO_SYS=1): the agent's stream, datagram and clock
 * seams on lwIP pcbs, for bare-metal super-loops.
 *
 * The board owns the rest: the netif (driver, DHCP or static address), the
 * flash seam, the entropy source, and the wall clock. It calls
 * acme_lwip_port_init() once before lwip_init() (so that lwIP's first random
 * draws -- initial ports, DHCP transaction ids -- already come from the seeded
 * generator; boards/qemu-mps2 does so), then, in its loop, polls its
 * netif driver, sys_check_timeouts() and acme_agent_poll() — all from one
 * thread (lwIP's raw API is not thread-safe; NO_SYS has no locking). The
 * board also provides lwIP's sys_now() (milliseconds, 32 bits, may wrap).
 *
 * Contract details (port.h): handles are small integers; connect() takes an
 * IP literal (a DNS name is resolved with lwIP's DNS client when LWIP_DNS is
 * on, otherwise ACME_ERR_RESOLVE); send/recv/accept never block;
 * ACME_WOULD_BLOCK until data, space or a connection is there.
 * Status mapping:
 *   connect  a handle at once (negative only for bad arguments or a full
 *            socket table / no free pcb: ACME_ERR_NO_MEMORY). A failure
 *            later is sticky on the handle: ACME_ERR_RESOLVE (name not
 *            found, no DNS server), ACME_ERR_CONNECT (refused, no route,
 *            SYN timeout, an IPv6 literal on this IPv4-only stack).
 *   send     bytes queued (at most the free send buffer), ACME_WOULD_BLOCK
 *            when the send buffer or lwIP's memory is full, ACME_ERR_CLOSED
 *            after a reset.
 *   recv     bytes, 0 once the peer's FIN is reached, ACME_WOULD_BLOCK; data
 *            that arrived before a reset is still returned, then
 *            ACME_ERR_CLOSED.
 *   listen   ACME_ERR_ADDR_IN_USE; port 0 lets lwIP choose (see
 *            acme_lwip_local_port()). A connection that arrives while the
 *            listener's queue (ACME_LWIP_ACCEPT_QUEUE) or the socket table
 *            is full is reset, not kept half-open.
 *   udp      open binds a random port of 49152..65535 (RFC 6056);
 *            at most ACME_LWIP_UDP_QUEUE datagrams wait per socket, more are
 *            dropped. system_resolver answers lwIP's first DNS server
 *            (dns_getserver(0), set by DHCP or dns_setserver()), port 53.
 *   clock    now_ms extends sys_now() to 64 bits (never goes back, as long
 *            as it is read at least once per 49 days — the agent polls far
 *            more often).
 * Outgoing TCP connections also use a random local port; initial sequence
 * numbers follow RFC 6528 (LWIP_HOOK_TCP_ISN).
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

/* Accepted connections a listener holds until accept() takes them (each
 * also needs a free socket slot). Range 1..8. */
#ifndef ACME_LWIP_ACCEPT_QUEUE
#define ACME_LWIP_ACCEPT_QUEUE 4
#endif

/* Datagrams a UDP socket holds until recv_from() takes them; the DNS client
 * has one query in flight per socket. Range 1..8. */
#ifndef ACME_LWIP_UDP_QUEUE
#define ACME_LWIP_UDP_QUEUE 4
#endif

struct acme_lwip_socket; /* internal; defined in port/lwip/lwip_internal.h */

typedef struct acme_lwip_port acme_lwip_port_t; /* internal, one instance */

/* Fill port->net, port->udp and port->clock (monotonic from sys_now(), wall
 * time from wall_s, which may be NULL or return ACME_TIME_UNKNOWN), and seed
 * the randomness lwIP uses (LWIP_RAND, RFC 6528 ISNs) from rng, which must
 * stay valid (it is asked again for periodic reseeds). The board installs
 * port->rng, port->flash and, optionally, port->wait and port->log itself;
 * the port logs through port->log when it is set (port must then stay
 * valid). Calling it again closes every socket and reseeds.
 *
 * lwIP draws its first random numbers inside lwip_init() (the start of its
 * own port search); before this call they come from a fallback that is not
 * secret. The port does not rely on them: it picks its own random local
 * ports. ACME_ERR_INVALID_ARG, or ACME_ERR_RNG when the entropy source
 * fails (the port is then not usable). */
acme_status_t acme_lwip_port_init(acme_port_t *port, int64_t (*wall_s)(void),
                                  const acme_rng_ops_t *rng, void *rng_ctx);

/* Close every socket of the port (e.g. before a reboot). */
void acme_lwip_port_deinit(void);

/* The local port of a stream, listener or UDP handle (e.g. after listen on
 * port 0), or ACME_ERR_INVALID_ARG. */
int32_t acme_lwip_local_port(int32_t handle);

#ifdef __cplusplus
}
#endif

#endif /* ACME_PORT_LWIP_H */
