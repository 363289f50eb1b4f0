/*
 * Datagram seam of the POSIX port: non-blocking UDP sockets for the agent's
 * DNS client, each bound to a kernel-chosen ephemeral port.
 */
#include "posix_internal.h"
#include "resolv_conf_posix.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

/* Largest UDP payload over IPv6 without jumbograms (65535 - 8); IPv4's is
 * smaller and the kernel says EMSGSIZE. */
#define MAX_DATAGRAM 65527u

static int32_t udp_open(void *ctx, acme_ip_family_t family)
{
    acme_posix_port_t *pp = ctx;
    if (pp == NULL || (family != ACME_IP_V4 && family != ACME_IP_V6)) {
        return ACME_ERR_INVALID_ARG;
    }
    int32_t handle = acme_posix_slot_alloc(pp);
    if (handle < 0) {
        return handle;
    }
    int fd = socket(family == ACME_IP_V4 ? AF_INET : AF_INET6,
                    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        int err = errno;
        acme_posix_logf(pp, ACME_LOG_ERROR, "posix port: UDP socket: %s", strerror(err));
        return (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM)
                   ? ACME_ERR_NO_MEMORY
                   : ACME_ERR_TRANSPORT;
    }
    if (family == ACME_IP_V6) {
        /* Only real IPv6 peers: no v4-mapped sources to confuse the DNS
         * client's source check. */
        int one = 1;
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    }
    /* Port 0: the kernel picks a random free ephemeral port (Linux
     * randomises UDP source ports), which with the random query id is the
     * DNS client's defence against off-path spoofing (DESIGN §9). Binding
     * now rather than on the first send makes the port known at once. */
    acme_ip_addr_t any = {.family = (uint8_t)family};
    struct sockaddr_storage ss;
    socklen_t len;
    (void)acme_posix_to_sockaddr(&any, 0, &ss, &len);
    if (bind(fd, (const struct sockaddr *)&ss, len) != 0) {
        acme_posix_logf(pp, ACME_LOG_ERROR, "posix port: UDP bind: %s", strerror(errno));
        (void)close(fd);
        return ACME_ERR_TRANSPORT;
    }
    acme_posix_socket_t *s = acme_posix_slot_claim(pp, handle, ACME_POSIX_KIND_UDP);
    s->fd = fd;
    s->family = (uint8_t)family;
    return handle;
}

static int32_t udp_send_to(void *ctx, int32_t handle, const acme_ip_addr_t *ip, uint16_t port,
                           const uint8_t *data, size_t len)
{
    acme_posix_port_t *pp = ctx;
    acme_posix_socket_t *s = acme_posix_slot_get(pp, handle, ACME_POSIX_KIND_UDP);
    if (s == NULL || ip == NULL || ip->family != s->family || port == 0 ||
        (data == NULL && len > 0) || len > MAX_DATAGRAM) {
        return ACME_ERR_INVALID_ARG;
    }
    struct sockaddr_storage ss;
    socklen_t ss_len;
    if (acme_posix_to_sockaddr(ip, port, &ss, &ss_len) != ACME_OK) {
        return ACME_ERR_INVALID_ARG;
    }
    ssize_t n =
        sendto(s->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)&ss, ss_len);
    if (n >= 0) {
        s->want_write = 0;
        return (int32_t)n;
    }
    int err = errno;
    if (err == EMSGSIZE) {
        return ACME_ERR_INVALID_ARG;
    }
    int32_t rc = acme_posix_io_status(err);
    if (rc == ACME_WOULD_BLOCK) {
        s->want_write = 1;
        return rc;
    }
    acme_posix_logf(pp, ACME_LOG_DEBUG, "posix port: UDP send: %s", strerror(err));
    /* "Closed" means nothing for a datagram socket: unreachable networks and
     * the like are transport errors. */
    return ACME_ERR_TRANSPORT;
}

static int32_t udp_recv_from(void *ctx, int32_t handle, acme_ip_addr_t *ip, uint16_t *port,
                             uint8_t *buf, size_t cap)
{
    acme_posix_port_t *pp = ctx;
    acme_posix_socket_t *s = acme_posix_slot_get(pp, handle, ACME_POSIX_KIND_UDP);
    if (s == NULL || (buf == NULL && cap > 0)) {
        return ACME_ERR_INVALID_ARG;
    }
    if (cap > MAX_DATAGRAM) {
        cap = MAX_DATAGRAM;
    }
    struct sockaddr_storage ss;
    socklen_t ss_len = sizeof(ss);
    /* Without MSG_TRUNC the count is what was copied: a longer datagram is
     * cut to cap, as the seam says. */
    ssize_t n = recvfrom(s->fd, buf, cap, MSG_DONTWAIT, (struct sockaddr *)&ss, &ss_len);
    if (n < 0) {
        int err = errno;
        int32_t rc = acme_posix_io_status(err);
        if (rc != ACME_WOULD_BLOCK) {
            acme_posix_logf(pp, ACME_LOG_DEBUG, "posix port: UDP recv: %s", strerror(err));
            rc = ACME_ERR_TRANSPORT;
        }
        return rc;
    }
    acme_ip_addr_t src;
    uint16_t src_port = 0;
    if (!acme_posix_from_sockaddr(&ss, ss_len, &src, &src_port)) {
        return ACME_WOULD_BLOCK; /* not an IP datagram: nothing for the caller */
    }
    if (ip != NULL) {
        *ip = src;
    }
    if (port != NULL) {
        *port = src_port;
    }
    return (int32_t)n;
}

static void udp_close(void *ctx, int32_t handle)
{
    acme_posix_port_t *pp = ctx;
    acme_posix_socket_t *s = acme_posix_slot_get(pp, handle, ACME_POSIX_KIND_UDP);
    if (s == NULL) {
        acme_posix_logf(pp, ACME_LOG_WARN, "posix port: UDP close of handle %d: not UDP",
                        (int)handle);
        return;
    }
    acme_posix_slot_release(s);
}

const acme_udp_ops_t acme_posix_udp_ops = {
    .open = udp_open,
    .send_to = udp_send_to,
    .recv_from = udp_recv_from,
    .close = udp_close,
    .system_resolver = acme_posix_system_resolver,
};
