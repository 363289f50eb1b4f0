/*
 * Shared internals of the POSIX port: the socket table used by the stream,
 * datagram and wait seams, the glibc resolver state behind the opaque
 * storage in acme_posix_socket_t, address conversion and the port's own log.
 * Not installed; only the port's own sources include it (built with _GNU_SOURCE).
 */
#ifndef ACME_POSIX_INTERNAL_H
#define ACME_POSIX_INTERNAL_H

#include <netdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "acme/port_posix.h"

/* acme_posix_socket_t.kind */
enum {
    ACME_POSIX_KIND_FREE = 0,
    ACME_POSIX_KIND_STREAM,
    ACME_POSIX_KIND_LISTENER,
    ACME_POSIX_KIND_UDP,
    /* Closed while glibc could not cancel its name lookup: the slot is not
     * reusable until the lookup ends, because glibc writes into it. */
    ACME_POSIX_KIND_DRAINING
};

/* acme_posix_socket_t.state for streams */
enum {
    ACME_POSIX_STATE_RESOLVING = 0,
    ACME_POSIX_STATE_CONNECTING,
    ACME_POSIX_STATE_CONNECTED,
    ACME_POSIX_STATE_FAILED
};

/* One getaddrinfo_a request. glibc keeps pointers to all of it (and to
 * socket.host, the name) until the request ends. */
typedef struct acme_posix_resolver {
    struct gaicb request;
    struct addrinfo hints;
    struct gaicb *list[1];
} acme_posix_resolver_t;

/* Compile-time check (C99 has no static_assert) that the opaque storage in
 * the public header holds the resolver. */
typedef char acme_posix_resolver_fits
    [(sizeof(acme_posix_resolver_t) <= sizeof(((acme_posix_socket_t *)0)->resolver)) ? 1 : -1];

static inline acme_posix_resolver_t *acme_posix_resolver(acme_posix_socket_t *s)
{
    return (acme_posix_resolver_t *)(void *)s->resolver.bytes;
}

/* ---- socket table (socket_table_posix.c) ---- */

/* Index of a free slot, or ACME_ERR_NO_MEMORY (logged) when the table is
 * full. The slot stays free until acme_posix_slot_claim(). */
int32_t acme_posix_slot_alloc(acme_posix_port_t *pp);

/* Mark a free slot as used by kind, with no descriptor yet. */
acme_posix_socket_t *acme_posix_slot_claim(acme_posix_port_t *pp, int32_t handle, int kind);

/* The slot of handle if it is in use with this kind, else NULL. */
acme_posix_socket_t *acme_posix_slot_get(acme_posix_port_t *pp, int32_t handle, int kind);

/* Close the descriptor, cancel or drain a pending lookup, free the address
 * list and free the slot (or leave it draining). */
void acme_posix_slot_release(acme_posix_socket_t *s);

/* Free draining slots whose lookup has ended. */
void acme_posix_slots_reap(acme_posix_port_t *pp);

/* Release every slot and wait (bounded) for draining lookups. */
acme_status_t acme_posix_slots_close_all(acme_posix_port_t *pp);

/* Address conversion. to_sockaddr: ACME_OK or ACME_ERR_INVALID_ARG. */
acme_status_t acme_posix_to_sockaddr(const acme_ip_addr_t *ip, uint16_t port,
                                     struct sockaddr_storage *ss, socklen_t *len);
bool acme_posix_from_sockaddr(const struct sockaddr_storage *ss, socklen_t len, acme_ip_addr_t *ip,
                              uint16_t *port);

/* Status for an errno of send/recv/sendto/recvfrom. */
int32_t acme_posix_io_status(int err);

/* ---- streams (net_posix.c) ---- */

/* Advance a stream through resolving and connecting: ACME_OK once
 * connected, ACME_WOULD_BLOCK, or its sticky failure. */
int32_t acme_posix_stream_progress(acme_posix_port_t *pp, acme_posix_socket_t *s);

/* ---- log (log_posix.c) ---- */

#if defined(__GNUC__) || defined(__clang__)
#define ACME_POSIX_PRINTF(fmt_index, first_arg)                                                    \
    __attribute__((format(printf, fmt_index, first_arg)))
#else
#define ACME_POSIX_PRINTF(fmt_index, first_arg)
#endif

/* The port's own messages (what failed and what to do), through the same
 * threshold and sink as the agent's lines. pp may be NULL. */
void acme_posix_logf(const acme_posix_port_t *pp, acme_log_level_t level, const char *fmt, ...)
    ACME_POSIX_PRINTF(3, 4);

#endif /* ACME_POSIX_INTERNAL_H */
