/*
 * Stream seam of the POSIX port: non-blocking TCP clients (IP literals at
 * once, DNS names through glibc's asynchronous getaddrinfo_a), listeners and
 * accept, all as slots of the shared socket table.
 */
#include "posix_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

/* Addresses of one lookup tried before giving up: a name with more
 * addresses than this is unusual, and each try may cost a connect timeout. */
#define MAX_ADDRESS_TRIES 16

/* Pending connections a listener queues; the http-01 responder serves a
 * validation server that opens a handful at most. */
#define LISTEN_BACKLOG 8

/* Largest single send/recv: the seam's return type is int32_t. */
#define MAX_IO_LEN ((size_t)INT32_MAX)

static void set_nodelay(int fd)
{
    /* The agent writes whole TLS records and then waits for the answer;
     * Nagle's delay would only add latency to that request/response flow. */
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void free_addresses(acme_posix_socket_t *s)
{
    if (s->addr_list != NULL) {
        freeaddrinfo((struct addrinfo *)s->addr_list);
        s->addr_list = NULL;
        s->addr_next = NULL;
    }
}

static void fail_stream(acme_posix_socket_t *s, int32_t status)
{
    if (s->fd >= 0) {
        (void)close(s->fd);
        s->fd = -1;
    }
    free_addresses(s);
    s->state = ACME_POSIX_STATE_FAILED;
    s->error = status;
}

/* Start one non-blocking connect. Returns 0 and sets the state (connecting
 * or connected), or an errno value with no descriptor left open. */
static int start_connect(acme_posix_socket_t *s, const struct sockaddr *sa, socklen_t len)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return errno;
    }
    set_nodelay(fd);
    int rc = connect(fd, sa, len);
    int err = rc == 0 ? 0 : errno;
    if (rc != 0 && err != EINPROGRESS && err != EINTR) {
        (void)close(fd);
        return err;
    }
    s->fd = fd;
    s->want_write = 0;
    s->state = rc == 0 ? ACME_POSIX_STATE_CONNECTED : ACME_POSIX_STATE_CONNECTING;
    return 0;
}

/* Try the remaining addresses of the lookup in order until one starts
 * connecting; fail the stream with ACME_ERR_CONNECT when none is left. */
static void connect_next_address(acme_posix_port_t *pp, acme_posix_socket_t *s)
{
    while (s->addr_next != NULL && s->addr_tries < MAX_ADDRESS_TRIES) {
        const struct addrinfo *ai = (const struct addrinfo *)s->addr_next;
        s->addr_next = ai->ai_next;
        s->addr_tries++;
        if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) || ai->ai_addr == NULL ||
            ai->ai_addrlen > sizeof(struct sockaddr_storage)) {
            continue;
        }
        struct sockaddr_storage ss;
        memset(&ss, 0, sizeof(ss));
        memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
        /* The lookup had no service: put the port in ourselves. */
        if (ai->ai_family == AF_INET) {
            ((struct sockaddr_in *)&ss)->sin_port = htons(s->remote_port);
        } else {
            ((struct sockaddr_in6 *)&ss)->sin6_port = htons(s->remote_port);
        }
        int err = start_connect(s, (const struct sockaddr *)&ss, ai->ai_addrlen);
        if (err == 0) {
            if (s->state == ACME_POSIX_STATE_CONNECTED) {
                free_addresses(s);
            }
            return;
        }
        acme_posix_logf(pp, ACME_LOG_DEBUG, "posix port: connect to %s (one address): %s", s->host,
                        strerror(err));
    }
    acme_posix_logf(pp, ACME_LOG_INFO, "posix port: cannot connect to %s port %u", s->host,
                    (unsigned)s->remote_port);
    fail_stream(s, ACME_ERR_CONNECT);
}

/* The lookup of a resolving stream ended: take its addresses and start. */
static void lookup_finished(acme_posix_port_t *pp, acme_posix_socket_t *s, int gai_status)
{
    acme_posix_resolver_t *r = acme_posix_resolver(s);
    if (gai_status != 0) {
        acme_posix_logf(pp, ACME_LOG_INFO, "posix port: cannot resolve %s: %s", s->host,
                        gai_strerror(gai_status));
        if (r->request.ar_result != NULL) {
            freeaddrinfo(r->request.ar_result);
            r->request.ar_result = NULL;
        }
        fail_stream(s, ACME_ERR_RESOLVE);
        return;
    }
    s->addr_list = r->request.ar_result;
    s->addr_next = r->request.ar_result;
    r->request.ar_result = NULL;
    s->state = ACME_POSIX_STATE_CONNECTING; /* no descriptor until one starts */
    connect_next_address(pp, s);
}

int32_t acme_posix_stream_progress(acme_posix_port_t *pp, acme_posix_socket_t *s)
{
    /* Each pass either returns or moves to a later address (bounded by
     * MAX_ADDRESS_TRIES) or to a later state. */
    for (int pass = 0; pass < MAX_ADDRESS_TRIES + 3; pass++) {
        switch (s->state) {
        case ACME_POSIX_STATE_CONNECTED:
            return ACME_OK;
        case ACME_POSIX_STATE_FAILED:
            return s->error;
        case ACME_POSIX_STATE_RESOLVING: {
            int rc = gai_error(&acme_posix_resolver(s)->request);
            if (rc == EAI_INPROGRESS) {
                return ACME_WOULD_BLOCK;
            }
            lookup_finished(pp, s, rc);
            break;
        }
        case ACME_POSIX_STATE_CONNECTING: {
            if (s->fd < 0) {
                connect_next_address(pp, s);
                break;
            }
            /* Poll-free completion check: a failed connect leaves its errno
             * in SO_ERROR; a completed one has a peer. Neither yet means
             * still in progress. */
            int err = 0;
            socklen_t err_len = sizeof(err);
            if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0) {
                err = errno;
            }
            if (err == 0) {
                struct sockaddr_storage peer;
                socklen_t peer_len = sizeof(peer);
                if (getpeername(s->fd, (struct sockaddr *)&peer, &peer_len) == 0) {
                    s->state = ACME_POSIX_STATE_CONNECTED;
                    free_addresses(s);
                    return ACME_OK;
                }
                if (errno == ENOTCONN) {
                    return ACME_WOULD_BLOCK;
                }
                err = errno;
            }
            acme_posix_logf(pp, ACME_LOG_DEBUG, "posix port: connect to %s: %s", s->host,
                            strerror(err));
            (void)close(s->fd);
            s->fd = -1;
            connect_next_address(pp, s);
            break;
        }
        default:
            fail_stream(s, ACME_ERR_TRANSPORT);
            return s->error;
        }
    }
    return s->state == ACME_POSIX_STATE_FAILED ? s->error : ACME_WOULD_BLOCK;
}

static int32_t connect_literal(acme_posix_port_t *pp, int32_t handle, acme_posix_socket_t *s,
                               const struct sockaddr_storage *ss, socklen_t len)
{
    int err = start_connect(s, (const struct sockaddr *)ss, len);
    if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
        acme_posix_logf(pp, ACME_LOG_ERROR, "posix port: no socket for %s: %s", s->host,
                        strerror(err));
        acme_posix_slot_release(s);
        return ACME_ERR_NO_MEMORY;
    }
    if (err != 0) {
        /* Reported through send/recv like a connect that fails later, so
         * the caller has one path for it. */
        acme_posix_logf(pp, ACME_LOG_INFO, "posix port: connect to %s port %u: %s", s->host,
                        (unsigned)s->remote_port, strerror(err));
        fail_stream(s, ACME_ERR_CONNECT);
    }
    return handle;
}

static int32_t net_connect(void *ctx, const char *host, uint16_t port)
{
    acme_posix_port_t *pp = ctx;
    if (pp == NULL || host == NULL || port == 0) {
        return ACME_ERR_INVALID_ARG;
    }
    size_t host_len = strnlen(host, ACME_POSIX_HOST_MAX + 1);
    if (host_len == 0 || host_len > ACME_POSIX_HOST_MAX) {
        return ACME_ERR_INVALID_ARG;
    }
    int32_t handle = acme_posix_slot_alloc(pp);
    if (handle < 0) {
        return handle;
    }
    acme_posix_socket_t *s = acme_posix_slot_claim(pp, handle, ACME_POSIX_KIND_STREAM);
    memcpy(s->host, host, host_len + 1);
    s->remote_port = port;

    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        return connect_literal(pp, handle, s, &ss, sizeof(*sin));
    }
    if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        return connect_literal(pp, handle, s, &ss, sizeof(*sin6));
    }

    /* A name: resolve without blocking. No AI_ADDRCONFIG, because it hides
     * ::1 and 127.0.0.1 on hosts with only loopback configured; an address
     * of an unusable family simply fails and the next one is tried. */
    acme_posix_resolver_t *r = acme_posix_resolver(s);
    memset(r, 0, sizeof(*r));
    r->hints.ai_family = AF_UNSPEC;
    r->hints.ai_socktype = SOCK_STREAM;
    r->hints.ai_protocol = IPPROTO_TCP;
    r->request.ar_name = s->host;
    r->request.ar_service = NULL;
    r->request.ar_request = &r->hints;
    r->list[0] = &r->request;
    s->state = ACME_POSIX_STATE_RESOLVING;
    int rc = getaddrinfo_a(GAI_NOWAIT, r->list, 1, NULL);
    if (rc != 0) {
        acme_posix_logf(pp, ACME_LOG_ERROR, "posix port: cannot start resolving %s: %s", host,
                        gai_strerror(rc));
        s->state = ACME_POSIX_STATE_FAILED; /* nothing queued: free at once */
        acme_posix_slot_release(s);
        return ACME_ERR_RESOLVE;
    }
    return handle;
}

static int32_t net_send(void *ctx, int32_t handle, const uint8_t *data, size_t len)
{
    acme_posix_port_t *pp = ctx;
    acme_posix_socket_t *s = acme_posix_slot_get(pp, handle, ACME_POSIX_KIND_STREAM);
    if (s == NULL || data == NULL || len == 0) {
        return ACME_ERR_INVALID_ARG;
    }
    int32_t rc = acme_posix_stream_progress(pp, s);
    if (rc != ACME_OK) {
        if (rc == ACME_WOULD_BLOCK) {
            s->want_write = 1;
        }
        return rc;
    }
    if (len > MAX_IO_LEN) {
        len = MAX_IO_LEN;
    }
    /* MSG_NOSIGNAL: a peer that went away is EPIPE, not a SIGPIPE that
     * kills the daemon. */
    ssize_t n = send(s->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) {
        s->want_write = 0;
        return (int32_t)n;
    }
    int err = errno;
    rc = acme_posix_io_status(err);
    if (rc == ACME_WOULD_BLOCK) {
        s->want_write = 1;
    } else {
        acme_posix_logf(pp, ACME_LOG_DEBUG, "posix port: send to %s: %s", s->host, strerror(err));
    }
    return rc;
}

static int32_t net_recv(void *ctx, int32_t handle, uint8_t *buf, size_t cap)
{
    acme_posix_port_t *pp = ctx;
    acme_posix_socket_t *s = acme_posix_slot_get(pp, handle, ACME_POSIX_KIND_STREAM);
    if (s == NULL || buf == NULL || cap == 0) {
        return ACME_ERR_INVALID_ARG;
    }
    int32_t rc = acme_posix_stream_progress(pp, s);
    if (rc != ACME_OK) {
        return rc;
    }
    if (cap > MAX_IO_LEN) {
        cap = MAX_IO_LEN;
    }
    ssize_t n = recv(s->fd, buf, cap, MSG_DONTWAIT);
    if (n >= 0) {
        return (int32_t)n; /* 0: the peer closed its side in order */
    }
    int err = errno;
    rc = acme_posix_io_status(err);
    if (rc != ACME_WOULD_BLOCK) {
        acme_posix_logf(pp, ACME_LOG_DEBUG, "posix port: recv from %s: %s", s->host, strerror(err));
    }
    return rc;
}

static void net_close(void *ctx, int32_t handle)
{
    acme_posix_port_t *pp = ctx;
    acme_posix_socket_t *s = acme_posix_slot_get(pp, handle, ACME_POSIX_KIND_STREAM);
    if (s == NULL) {
        s = acme_posix_slot_get(pp, handle, ACME_POSIX_KIND_LISTENER);
    }
    if (s == NULL) {
        acme_posix_logf(pp, ACME_LOG_WARN, "posix port: close of handle %d: not a stream",
                        (int)handle);
        return;
    }
    acme_posix_slot_release(s);
}

static int32_t bind_status(acme_posix_port_t *pp, int err, uint16_t port)
{
    switch (err) {
    case EADDRINUSE:
        acme_posix_logf(pp, ACME_LOG_ERROR, "posix port: port %u is in use by another program",
                        (unsigned)port);
        return ACME_ERR_ADDR_IN_USE;
    case EACCES:
    case EPERM:
        acme_posix_logf(pp, ACME_LOG_ERROR,
                        "posix port: no permission to listen on port %u; run with "
                        "CAP_NET_BIND_SERVICE or lower net.ipv4.ip_unprivileged_port_start",
                        (unsigned)port);
        return ACME_ERR_CONFIG;
    case EADDRNOTAVAIL:
        acme_posix_logf(pp, ACME_LOG_ERROR,
                        "posix port: the listen address is not an address of this host");
        return ACME_ERR_CONFIG;
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM:
        return ACME_ERR_NO_MEMORY;
    default:
        acme_posix_logf(pp, ACME_LOG_ERROR, "posix port: listen on port %u: %s", (unsigned)port,
                        strerror(err));
        return ACME_ERR_TRANSPORT;
    }
}

/* A listening socket on ss, or a negative errno value. */
static int open_listener(const struct sockaddr_storage *ss, socklen_t len, int v6_only)
{
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    int one = 1;
    /* Restart while old connections sit in TIME_WAIT (the responder is
     * stopped and started per order); Linux still refuses a second live
     * listener on the same address and port. */
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ss->ss_family == AF_INET6) {
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6_only, sizeof(v6_only));
    }
    if (bind(fd, (const struct sockaddr *)ss, len) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
        int err = errno;
        (void)close(fd);
        return -err;
    }
    return fd;
}

static int32_t net_listen(void *ctx, const acme_ip_addr_t *bind_ip, uint16_t port)
{
    acme_posix_port_t *pp = ctx;
    if (pp == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    struct sockaddr_storage ss;
    socklen_t len = 0;
    if (bind_ip != NULL && acme_posix_to_sockaddr(bind_ip, port, &ss, &len) != ACME_OK) {
        return ACME_ERR_INVALID_ARG;
    }
    int32_t handle = acme_posix_slot_alloc(pp);
    if (handle < 0) {
        return handle;
    }
    int fd;
    if (bind_ip != NULL) {
        /* An explicit IPv6 address means IPv6 only. */
        fd = open_listener(&ss, len, 1);
    } else {
        /* Every local address: dual-stack [::], or 0.0.0.0 on a host
         * without IPv6. */
        acme_ip_addr_t any6 = {.family = ACME_IP_V6};
        (void)acme_posix_to_sockaddr(&any6, port, &ss, &len);
        fd = open_listener(&ss, len, 0);
        if (fd == -EAFNOSUPPORT || fd == -EADDRNOTAVAIL) {
            acme_ip_addr_t any4 = {.family = ACME_IP_V4};
            (void)acme_posix_to_sockaddr(&any4, port, &ss, &len);
            fd = open_listener(&ss, len, 0);
        }
    }
    if (fd < 0) {
        return bind_status(pp, -fd, port);
    }
    acme_posix_socket_t *s = acme_posix_slot_claim(pp, handle, ACME_POSIX_KIND_LISTENER);
    s->fd = fd;
    s->state = ACME_POSIX_STATE_CONNECTED;
    return handle;
}

static int32_t net_accept(void *ctx, int32_t listener)
{
    acme_posix_port_t *pp = ctx;
    acme_posix_socket_t *ls = acme_posix_slot_get(pp, listener, ACME_POSIX_KIND_LISTENER);
    if (ls == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    /* A slot first: with the table full the connection waits in the
     * kernel's backlog instead of being accepted and dropped. */
    int32_t handle = acme_posix_slot_alloc(pp);
    if (handle < 0) {
        return handle;
    }
    struct sockaddr_storage peer;
    socklen_t peer_len = sizeof(peer);
    int fd = accept4(ls->fd, (struct sockaddr *)&peer, &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        switch (errno) {
        case EMFILE:
        case ENFILE:
        case ENOBUFS:
        case ENOMEM:
            acme_posix_logf(pp, ACME_LOG_ERROR, "posix port: accept: %s", strerror(errno));
            return ACME_ERR_NO_MEMORY;
        case EBADF:
        case EINVAL:
        case ENOTSOCK:
        case EFAULT:
            return ACME_ERR_TRANSPORT;
        default:
            /* EAGAIN, and the errors accept(2) says to treat like it: a
             * connection that died in the queue (ECONNABORTED, EPROTO,
             * network errors passed on from the new socket). */
            return ACME_WOULD_BLOCK;
        }
    }
    set_nodelay(fd);
    acme_posix_socket_t *s = acme_posix_slot_claim(pp, handle, ACME_POSIX_KIND_STREAM);
    s->fd = fd;
    s->state = ACME_POSIX_STATE_CONNECTED;
    acme_ip_addr_t ip;
    uint16_t port = 0;
    if (acme_posix_from_sockaddr(&peer, peer_len, &ip, &port)) {
        int af = ip.family == ACME_IP_V4 ? AF_INET : AF_INET6;
        /* host names the peer in log lines */
        if (inet_ntop(af, ip.bytes, s->host, sizeof(s->host)) == NULL) {
            s->host[0] = '\0';
        }
        s->remote_port = port;
    }
    return handle;
}

const acme_net_ops_t acme_posix_net_ops = {
    .connect = net_connect,
    .send = net_send,
    .recv = net_recv,
    .close = net_close,
    .listen = net_listen,
    .accept = net_accept,
};
