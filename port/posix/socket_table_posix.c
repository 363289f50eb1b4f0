/*
 * The socket table of the POSIX port: one fixed array of slots shared by
 * streams, listeners and UDP sockets, so that one handle space and one
 * poll(2) in wait cover them all. Also owns the end of a slot's life,
 * including a glibc name lookup that may outlive close().
 */
#include "posix_internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Longest single gai_suspend() while draining, so the overall bound is
 * checked often. */
#define DRAIN_STEP_MS 100

static void slot_reset(acme_posix_socket_t *s)
{
    memset(s, 0, sizeof(*s));
    s->fd = -1;
    s->kind = ACME_POSIX_KIND_FREE;
}

int32_t acme_posix_slot_alloc(acme_posix_port_t *pp)
{
    acme_posix_slots_reap(pp);
    for (int32_t i = 0; i < ACME_POSIX_MAX_SOCKETS; i++) {
        if (pp->sockets[i].kind == ACME_POSIX_KIND_FREE) {
            return i;
        }
    }
    acme_posix_logf(pp, ACME_LOG_ERROR,
                    "posix port: socket table full (%d in use); close handles or raise "
                    "ACME_POSIX_MAX_SOCKETS",
                    ACME_POSIX_MAX_SOCKETS);
    return ACME_ERR_NO_MEMORY;
}

acme_posix_socket_t *acme_posix_slot_claim(acme_posix_port_t *pp, int32_t handle, int kind)
{
    acme_posix_socket_t *s = &pp->sockets[handle];
    slot_reset(s);
    s->kind = (uint8_t)kind;
    return s;
}

acme_posix_socket_t *acme_posix_slot_get(acme_posix_port_t *pp, int32_t handle, int kind)
{
    if (pp == NULL || handle < 0 || handle >= ACME_POSIX_MAX_SOCKETS) {
        return NULL;
    }
    acme_posix_socket_t *s = &pp->sockets[handle];
    return s->kind == kind ? s : NULL;
}

/* A finished request's result belongs to us: free it. */
static void free_lookup_result(acme_posix_resolver_t *r)
{
    if (r->request.ar_result != NULL) {
        freeaddrinfo(r->request.ar_result);
        r->request.ar_result = NULL;
    }
}

void acme_posix_slot_release(acme_posix_socket_t *s)
{
    if (s->kind == ACME_POSIX_KIND_FREE || s->kind == ACME_POSIX_KIND_DRAINING) {
        return;
    }
    if (s->fd >= 0) {
        /* close(2) releases the descriptor even when it reports an error
         * (Linux); retrying could close a descriptor reused by now. */
        (void)close(s->fd);
        s->fd = -1;
    }
    if (s->addr_list != NULL) {
        freeaddrinfo((struct addrinfo *)s->addr_list);
        s->addr_list = NULL;
        s->addr_next = NULL;
    }
    if (s->kind == ACME_POSIX_KIND_STREAM && s->state == ACME_POSIX_STATE_RESOLVING) {
        acme_posix_resolver_t *r = acme_posix_resolver(s);
        int rc = gai_cancel(&r->request);
        if (rc == EAI_NOTCANCELED) {
            /* A resolver thread is working on it and will write the result
             * here: keep the slot until it is done. */
            s->kind = ACME_POSIX_KIND_DRAINING;
            return;
        }
        if (rc == EAI_ALLDONE && gai_error(&r->request) == 0) {
            free_lookup_result(r);
        }
    }
    slot_reset(s);
}

void acme_posix_slots_reap(acme_posix_port_t *pp)
{
    for (int i = 0; i < ACME_POSIX_MAX_SOCKETS; i++) {
        acme_posix_socket_t *s = &pp->sockets[i];
        if (s->kind != ACME_POSIX_KIND_DRAINING) {
            continue;
        }
        acme_posix_resolver_t *r = acme_posix_resolver(s);
        int rc = gai_error(&r->request);
        if (rc == EAI_INPROGRESS) {
            continue;
        }
        if (rc == 0) {
            free_lookup_result(r);
        }
        slot_reset(s);
    }
}

static uint64_t monotonic_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        return 0;
    }
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

acme_status_t acme_posix_slots_close_all(acme_posix_port_t *pp)
{
    for (int i = 0; i < ACME_POSIX_MAX_SOCKETS; i++) {
        acme_posix_slot_release(&pp->sockets[i]);
    }
    uint64_t start = monotonic_ms();
    /* Bounded twice: by time, and by a step count in case the clock fails. */
    const uint32_t max_steps = ACME_POSIX_RESOLVE_DRAIN_MS / DRAIN_STEP_MS + 1;
    for (uint32_t step = 0; step <= max_steps; step++) {
        acme_posix_slots_reap(pp);
        const struct gaicb *pending[ACME_POSIX_MAX_SOCKETS];
        int n = 0;
        for (int i = 0; i < ACME_POSIX_MAX_SOCKETS; i++) {
            if (pp->sockets[i].kind == ACME_POSIX_KIND_DRAINING) {
                pending[n++] = &acme_posix_resolver(&pp->sockets[i])->request;
            }
        }
        if (n == 0) {
            return ACME_OK;
        }
        if (monotonic_ms() - start >= ACME_POSIX_RESOLVE_DRAIN_MS) {
            break;
        }
        struct timespec step_ts = {0, DRAIN_STEP_MS * 1000000L};
        (void)gai_suspend(pending, n, &step_ts);
    }
    acme_posix_logf(pp, ACME_LOG_ERROR,
                    "posix port: a name lookup is still running after %d ms; keep the port "
                    "struct alive and call deinit again",
                    ACME_POSIX_RESOLVE_DRAIN_MS);
    return ACME_ERR_TIMEOUT;
}

int32_t acme_posix_local_port(const acme_posix_port_t *pp, int32_t handle)
{
    if (pp == NULL || handle < 0 || handle >= ACME_POSIX_MAX_SOCKETS) {
        return ACME_ERR_INVALID_ARG;
    }
    const acme_posix_socket_t *s = &pp->sockets[handle];
    if (s->fd < 0 || (s->kind != ACME_POSIX_KIND_STREAM && s->kind != ACME_POSIX_KIND_LISTENER &&
                      s->kind != ACME_POSIX_KIND_UDP)) {
        return ACME_ERR_INVALID_ARG;
    }
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(s->fd, (struct sockaddr *)&ss, &len) != 0) {
        return ACME_ERR_TRANSPORT;
    }
    acme_ip_addr_t ip;
    uint16_t port = 0;
    if (!acme_posix_from_sockaddr(&ss, len, &ip, &port)) {
        return ACME_ERR_TRANSPORT;
    }
    return port;
}

acme_status_t acme_posix_to_sockaddr(const acme_ip_addr_t *ip, uint16_t port,
                                     struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof(*ss));
    if (ip->family == ACME_IP_V4) {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        memcpy(&sin->sin_addr, ip->bytes, 4);
        *len = sizeof(*sin);
        return ACME_OK;
    }
    if (ip->family == ACME_IP_V6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        memcpy(&sin6->sin6_addr, ip->bytes, 16);
        *len = sizeof(*sin6);
        return ACME_OK;
    }
    return ACME_ERR_INVALID_ARG;
}

bool acme_posix_from_sockaddr(const struct sockaddr_storage *ss, socklen_t len, acme_ip_addr_t *ip,
                              uint16_t *port)
{
    memset(ip, 0, sizeof(*ip));
    if (ss->ss_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
        ip->family = ACME_IP_V4;
        memcpy(ip->bytes, &sin->sin_addr, 4);
        *port = ntohs(sin->sin_port);
        return true;
    }
    if (ss->ss_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
        ip->family = ACME_IP_V6;
        memcpy(ip->bytes, &sin6->sin6_addr, 16);
        *port = ntohs(sin6->sin6_port);
        return true;
    }
    return false;
}

int32_t acme_posix_io_status(int err)
{
    switch (err) {
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
    case EINTR:
    case ENOBUFS: /* a full queue (UDP): retry later, as the socket drains */
        return ACME_WOULD_BLOCK;
    case EPIPE:
    case ECONNRESET:
    case ENOTCONN:
    case ESHUTDOWN:
    case ECONNABORTED:
        return ACME_ERR_CLOSED;
    default:
        return ACME_ERR_TRANSPORT;
    }
}
