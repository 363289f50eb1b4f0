/*
 * Datagram seam of the lwIP port: udp pcbs for the agent's DNS client, each
 * bound to its own random source port, with a small queue of received
 * datagrams per socket; and the system resolver from lwIP's DNS settings.
 */
#include "lwip_internal.h"

#include <string.h>

#include "lwip/dns.h"
#include "lwip/prot/dns.h" /* DNS_SERVER_PORT */
#include "lwip/udp.h"

/* Largest payload of one IPv4 datagram (65535 - 20 - 8). */
#define MAX_DATAGRAM 65507u

static void drop_queue(acme_lwip_socket_t *s)
{
    for (uint8_t i = 0; i < s->q.udp.count; i++) {
        acme_lwip_datagram_t *d = &s->q.udp.queue[(s->q.udp.head + i) % ACME_LWIP_UDP_QUEUE];
        if (d->p != NULL) {
            pbuf_free(d->p);
            d->p = NULL;
        }
    }
    s->q.udp.count = 0;
}

void acme_lwip_udp_release(acme_lwip_socket_t *s)
{
    if (s->pcb.udp != NULL) {
        udp_recv(s->pcb.udp, NULL, NULL);
        udp_remove(s->pcb.udp);
        s->pcb.udp = NULL;
    }
    drop_queue(s);
    acme_lwip_slot_free(s);
}

static void on_udp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                        u16_t port)
{
    acme_lwip_socket_t *s = arg;
    if (s == NULL || s->kind != ACME_LWIP_KIND_UDP || s->pcb.udp != pcb ||
        s->q.udp.count >= ACME_LWIP_UDP_QUEUE || addr == NULL) {
        /* Full: drop, as a kernel does when a socket buffer is full. The
         * DNS client has one query in flight; more is noise or an attack. */
        pbuf_free(p);
        return;
    }
    acme_lwip_datagram_t *d =
        &s->q.udp.queue[(s->q.udp.head + s->q.udp.count) % ACME_LWIP_UDP_QUEUE];
    d->p = p;
    ip_addr_copy(d->from, *addr);
    d->from_port = port;
    s->q.udp.count++;
}

static int32_t udp_open(void *ctx, acme_ip_family_t family)
{
    (void)ctx;
    if (family != ACME_IP_V4 && family != ACME_IP_V6) {
        return ACME_ERR_INVALID_ARG;
    }
    if (family == ACME_IP_V6) {
        ACME_LWIP_LOG(ACME_LOG_ERROR, "lwip port: no IPv6 (configure an IPv4 DNS server)");
        return ACME_ERR_CONFIG;
    }
    int32_t handle = acme_lwip_slot_alloc();
    if (handle < 0) {
        return handle;
    }
    struct udp_pcb *pcb = udp_new();
    if (pcb == NULL) {
        ACME_LWIP_LOG(ACME_LOG_ERROR, "lwip port: no udp pcb (raise MEMP_NUM_UDP_PCB)");
        return ACME_ERR_NO_MEMORY;
    }
    /* A random source port per socket (RFC 5452 §9.2, with the random query
     * id the DNS client's defence against off-path spoofing). lwIP's own
     * choice (port 0) counts up from one random start: the next socket's
     * port would be guessable. Retry a port in use; after a few misses let
     * lwIP search. */
    err_t err = ERR_USE;
    for (int i = 0; i < ACME_LWIP_BIND_TRIES && err == ERR_USE; i++) {
        err = udp_bind(pcb, IP4_ADDR_ANY, acme_lwip_random_port());
    }
    if (err == ERR_USE) {
        err = udp_bind(pcb, IP4_ADDR_ANY, 0);
    }
    if (err != ERR_OK) {
        udp_remove(pcb);
        ACME_LWIP_LOG(ACME_LOG_ERROR, "lwip port: no free UDP port (lwIP error %d)", (int)err);
        return ACME_ERR_TRANSPORT;
    }
    acme_lwip_socket_t *s = acme_lwip_slot_claim(handle, ACME_LWIP_KIND_UDP);
    s->pcb.udp = pcb;
    udp_recv(pcb, on_udp_recv, s);
    return handle;
}

static int32_t udp_send_to(void *ctx, int32_t handle, const acme_ip_addr_t *ip, uint16_t port,
                           const uint8_t *data, size_t len)
{
    (void)ctx;
    acme_lwip_socket_t *s = acme_lwip_slot_get(handle, ACME_LWIP_KIND_UDP);
    ip_addr_t dst;
    if (s == NULL || port == 0 || (data == NULL && len > 0) || len > MAX_DATAGRAM ||
        !acme_lwip_to_ip(ip, &dst)) {
        return ACME_ERR_INVALID_ARG;
    }
    /* PBUF_TRANSPORT leaves room for the UDP, IP and link headers in front,
     * so lwIP builds the packet in this one buffer. */
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
    if (p == NULL) {
        return ACME_WOULD_BLOCK; /* lwIP's heap is full for now */
    }
    if (len > 0 && pbuf_take(p, data, (u16_t)len) != ERR_OK) {
        pbuf_free(p);
        return ACME_ERR_TRANSPORT;
    }
    err_t err = udp_sendto(s->pcb.udp, p, &dst, port);
    pbuf_free(p);
    switch (err) {
    case ERR_OK:
        return (int32_t)len;
    case ERR_MEM:
    case ERR_BUF:
        return ACME_WOULD_BLOCK;
    default:
        /* ERR_RTE (no route), ERR_VAL, ...: "closed" means nothing for a
         * datagram socket. */
        ACME_LWIP_LOG(ACME_LOG_DEBUG, "lwip port: UDP send failed (lwIP error %d)", (int)err);
        return ACME_ERR_TRANSPORT;
    }
}

static int32_t udp_recv_from(void *ctx, int32_t handle, acme_ip_addr_t *ip, uint16_t *port,
                             uint8_t *buf, size_t cap)
{
    (void)ctx;
    acme_lwip_socket_t *s = acme_lwip_slot_get(handle, ACME_LWIP_KIND_UDP);
    if (s == NULL || (buf == NULL && cap > 0)) {
        return ACME_ERR_INVALID_ARG;
    }
    if (s->q.udp.count == 0) {
        return ACME_WOULD_BLOCK;
    }
    acme_lwip_datagram_t *d = &s->q.udp.queue[s->q.udp.head];
    s->q.udp.head = (uint8_t)((s->q.udp.head + 1u) % ACME_LWIP_UDP_QUEUE);
    s->q.udp.count--;
    /* A datagram longer than cap is cut to cap, as the seam says. */
    u16_t n = d->p->tot_len;
    if (cap < n) {
        n = (u16_t)cap;
    }
    u16_t copied = n > 0 ? pbuf_copy_partial(d->p, buf, n, 0) : 0;
    pbuf_free(d->p);
    d->p = NULL;
    if (ip != NULL) {
        acme_lwip_from_ip(&d->from, ip);
    }
    if (port != NULL) {
        *port = d->from_port;
    }
    return (int32_t)copied;
}

static void udp_close(void *ctx, int32_t handle)
{
    (void)ctx;
    acme_lwip_socket_t *s = acme_lwip_slot_get(handle, ACME_LWIP_KIND_UDP);
    if (s == NULL) {
        ACME_LWIP_LOG(ACME_LOG_WARN, "lwip port: UDP close of handle %d: not UDP", (int)handle);
        return;
    }
    acme_lwip_udp_release(s);
}

#if LWIP_DNS
static int32_t udp_system_resolver(void *ctx, acme_ip_addr_t *ip, uint16_t *port)
{
    (void)ctx;
    if (ip == NULL || port == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    /* Set by DHCP (LWIP_DHCP_PROVIDE_DNS_SERVERS) or by dns_setserver();
     * asked on every lookup, so a new DHCP lease counts. */
    const ip_addr_t *server = dns_getserver(0);
    if (server == NULL || ip_addr_isany(server)) {
        return ACME_ERR_NOT_FOUND;
    }
    acme_lwip_from_ip(server, ip);
    *port = DNS_SERVER_PORT;
    return ACME_OK;
}
#endif

const acme_udp_ops_t acme_lwip_udp_ops = {
    .open = udp_open,
    .send_to = udp_send_to,
    .recv_from = udp_recv_from,
    .close = udp_close,
#if LWIP_DNS
    .system_resolver = udp_system_resolver,
#else
    .system_resolver = NULL, /* no DNS settings in this lwIP */
#endif
};
