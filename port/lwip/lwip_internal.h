/*
 * Shared internals of the lwIP port: the socket table behind the stream and
 * datagram seams, address conversion, status mapping and the port's log.
 * Not installed; only the port's own sources include it.
 */
#ifndef ACME_LWIP_INTERNAL_H
#define ACME_LWIP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "acme/port_lwip.h"

#include "lwip/err.h"
#include "lwip/ip_addr.h"
#include "lwip/opt.h"
#include "lwip/pbuf.h"

#if !NO_SYS || !LWIP_TCP || !LWIP_UDP || !LWIP_IPV4
#error "port/lwip needs lwIP with NO_SYS=1, LWIP_TCP, LWIP_UDP and LWIP_IPV4"
#endif
#if LWIP_IPV6
/* acme_ip_addr_t carries IPv6, but the conversions and the pcb types here
 * are IPv4 only so far. */
#error "port/lwip supports IPv4 only (LWIP_IPV6=0)"
#endif
#if !LWIP_CALLBACK_API
#error "port/lwip uses lwIP's callback API (LWIP_CALLBACK_API=1)"
#endif
#if LWIP_WND_SCALE || TCP_WND > 0xFFFF
/* A stream's receive queue is one pbuf chain; its 16-bit tot_len holds the
 * whole window only without window scaling. */
#error "port/lwip needs TCP_WND <= 65535 without LWIP_WND_SCALE"
#endif
#if ACME_LWIP_MAX_SOCKETS < 4 || ACME_LWIP_MAX_SOCKETS > 32
#error "ACME_LWIP_MAX_SOCKETS must be 4..32"
#endif
#if ACME_LWIP_ACCEPT_QUEUE < 1 || ACME_LWIP_ACCEPT_QUEUE > 8
#error "ACME_LWIP_ACCEPT_QUEUE must be 1..8"
#endif
#if ACME_LWIP_UDP_QUEUE < 1 || ACME_LWIP_UDP_QUEUE > 8
#error "ACME_LWIP_UDP_QUEUE must be 1..8"
#endif

struct tcp_pcb;
struct udp_pcb;

/* acme_lwip_socket_t.kind */
enum {
    ACME_LWIP_KIND_FREE = 0,
    ACME_LWIP_KIND_STREAM,
    ACME_LWIP_KIND_LISTENER,
    ACME_LWIP_KIND_UDP
};

/* acme_lwip_socket_t.state for streams */
enum {
    ACME_LWIP_STATE_RESOLVING = 0,
    ACME_LWIP_STATE_CONNECTING,
    ACME_LWIP_STATE_CONNECTED,
    ACME_LWIP_STATE_FAILED
};

/* One received datagram, waiting for recv_from(). */
typedef struct acme_lwip_datagram {
    struct pbuf *p;
    ip_addr_t from;
    uint16_t from_port;
} acme_lwip_datagram_t;

typedef struct acme_lwip_socket {
    uint8_t kind;
    uint8_t state;       /* streams */
    uint8_t peer_closed; /* stream: the peer's FIN was received */
    /* Stream: 1 + index of the listener whose queue holds it while no
     * accept() has handed it out yet, else 0. */
    uint8_t pending_on;
    /* Bumped on every release: a late DNS answer for a closed socket
     * carries the old value and is ignored (lwIP cannot cancel a query). */
    uint16_t generation;
    uint16_t remote_port; /* stream: port to connect to once resolved */
    int32_t error;        /* stream in state failed: what send/recv return */
    union {
        struct tcp_pcb *tcp; /* NULL once lwIP freed it (error callback) */
        struct udp_pcb *udp;
    } pcb;
    union {
        /* Received, not yet read: one pbuf chain, at most one TCP window
         * (the window only reopens as recv() consumes, via tcp_recved). */
        struct pbuf *rx;
        struct {
            uint8_t slots[ACME_LWIP_ACCEPT_QUEUE];
            uint8_t head;
            uint8_t count;
        } accept;
        struct {
            acme_lwip_datagram_t queue[ACME_LWIP_UDP_QUEUE];
            uint8_t head;
            uint8_t count;
        } udp;
    } q;
} acme_lwip_socket_t;

struct acme_lwip_port {
    acme_lwip_socket_t sockets[ACME_LWIP_MAX_SOCKETS];
    acme_port_t *port; /* for port->log; set by init */
    int64_t (*wall_s)(void);
    uint32_t clock_last_raw; /* sys_now() at the last now_ms() */
    uint64_t clock_ms;       /* its 64-bit extension */
};

/* The one instance (port_lwip.c). */
extern acme_lwip_port_t acme_lwip_state;

/* ---- socket table (port_lwip.c) ---- */

/* Index of a free slot, or ACME_ERR_NO_MEMORY (logged) when the table is
 * full. The slot stays free until acme_lwip_slot_claim(). */
int32_t acme_lwip_slot_alloc(void);

/* Mark a free slot as used by kind. */
acme_lwip_socket_t *acme_lwip_slot_claim(int32_t handle, uint8_t kind);

/* The slot of handle if it is in use with this kind (and, for streams,
 * handed out to the caller), else NULL. */
acme_lwip_socket_t *acme_lwip_slot_get(int32_t handle, uint8_t kind);

int32_t acme_lwip_slot_index(const acme_lwip_socket_t *s);

/* Free the slot (bumping its generation); the owner has already let go of
 * its pcb and pbufs. */
void acme_lwip_slot_free(acme_lwip_socket_t *s);

/* ---- per-kind release (net_lwip.c, udp_lwip.c) ---- */

/* Close the stream or listener in s and free the slot. abort: reset instead
 * of an orderly close. */
void acme_lwip_stream_release(acme_lwip_socket_t *s, bool abort);
void acme_lwip_udp_release(acme_lwip_socket_t *s);

/* ---- randomness (rng_lwip.c) ---- */

/* Seed the DRBG behind LWIP_RAND and draw the ISN secret. ACME_OK or
 * ACME_ERR_RNG. */
acme_status_t acme_lwip_rng_seed(const acme_rng_ops_t *rng, void *rng_ctx);

/* ---- helpers ---- */

/* A random port of the dynamic range 49152..65535 (RFC 6335, RFC 6056). */
uint16_t acme_lwip_random_port(void);

/* How many random ports to try before leaving the choice to lwIP. */
#define ACME_LWIP_BIND_TRIES 16

bool acme_lwip_to_ip(const acme_ip_addr_t *in, ip_addr_t *out);
void acme_lwip_from_ip(const ip_addr_t *in, acme_ip_addr_t *out);

#if defined(__GNUC__) || defined(__clang__)
#define ACME_LWIP_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define ACME_LWIP_PRINTF(fmt_index, first_arg)
#endif

#if defined(ACME_LOG_LEVEL) && ACME_LOG_LEVEL > 0
/* The port's own messages through port->log, if the board installed one. */
void acme_lwip_logf(acme_log_level_t level, const char *fmt, ...) ACME_LWIP_PRINTF(2, 3);
#define ACME_LWIP_LOG(level, ...)                                                                  \
    do {                                                                                           \
        if ((int)(level) <= ACME_LOG_LEVEL) {                                                      \
            acme_lwip_logf((level), __VA_ARGS__);                                                  \
        }                                                                                          \
    } while (0)
#else
/* No log code on a device build without logging (ACME_LOG_LEVEL 0). */
#define ACME_LWIP_LOG(level, ...)                                                                  \
    do {                                                                                           \
    } while (0)
#endif

#endif /* ACME_LWIP_INTERNAL_H */
