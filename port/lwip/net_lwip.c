/*
 * Stream seam of the lwIP port: TCP clients (IP literals at once, DNS names
 * through lwIP's asynchronous DNS client), listeners and accept, on raw-API
 * tcp pcbs (NO_SYS=1, one thread).
 *
 * How it works: lwIP calls back (connected, recv, err, accept) from inside
 * the board's netif polling and sys_check_timeouts(); the callbacks only
 * update the socket's slot. Received data stays in lwIP's pbufs, queued on
 * the slot until recv() copies it out; only then does tcp_recved() reopen
 * the window, so the queue is bounded by the TCP window (TCP_WND) and the
 * peer, not this port, is what waits when the agent reads slowly. Sending
 * copies into lwIP (TCP_WRITE_FLAG_COPY) up to the free send buffer.
 *
 * An RTOS integration with lwIP's socket API (NO_SYS=0) changes this:
 *   - lwIP's core runs in its own tcpip thread (tcpip_init); application
 *     threads talk to it through netconns and mailboxes. The seams are then
 *     nearly port/posix: lwip_socket() with O_NONBLOCK (lwip_fcntl),
 *     lwip_connect() answering EINPROGRESS and SO_ERROR telling the outcome,
 *     lwip_send/recv with EWOULDBLOCK, lwip_accept, lwip_sendto/recvfrom
 *     for the DNS client. Each socket costs a netconn and mailboxes
 *     (MEMP_NUM_NETCONN, sys_mbox sizes) on top of the pcb.
 *   - Name lookups: lwip_getaddrinfo() blocks the calling thread until the
 *     tcpip thread has an answer (there is no getaddrinfo_a); call it from a
 *     helper task, or let the agent's own DNS client resolve and pass IP
 *     literals to connect().
 *   - The wait seam becomes a real block: lwip_select() or lwip_poll() over
 *     the port's sockets with max_ms as the timeout, so acme_agent_run() can
 *     sleep in the agent's task instead of spinning.
 *   - Keeping this raw-API port under an RTOS instead is possible too: every
 *     seam call must then run under LOCK_TCPIP_CORE()/UNLOCK_TCPIP_CORE()
 *     (LWIP_TCPIP_CORE_LOCKING=1) or be marshalled with tcpip_callback(),
 *     because the callbacks here run in the tcpip thread and share the slots.
 *   - sys_now() comes from the RTOS tick; LWIP_RAND and the ISN hook stay
 *     as they are (they only run in the tcpip thread).
 */
#include "lwip_internal.h"

#include <string.h>

#include "lwip/dns.h"
#include "lwip/tcp.h"

/* Longest host name connect() takes: 253 characters of a DNS name plus an
 * optional trailing dot. */
#define HOST_MAX 254u

/* Largest single tcp_write / tcp_recved: their length is 16 bits. */
#define MAX_CHUNK 0xFFFFu

/* Status for an lwIP error on an established (or closing) connection. */
static int32_t stream_status(err_t err)
{
    switch (err) {
    case ERR_RST:
    case ERR_ABRT:
    case ERR_CLSD:
        return ACME_ERR_CLOSED;
    case ERR_CONN:
    case ERR_RTE:
        return ACME_ERR_CONNECT;
    case ERR_MEM:
    case ERR_BUF:
        return ACME_ERR_NO_MEMORY;
    default:
        return ACME_ERR_TRANSPORT;
    }
}

/* Remove every callback of pcb, so that nothing lwIP does later (err after a
 * reset, data for a closing connection) reaches a slot that may be reused. */
static void detach(struct tcp_pcb *pcb)
{
    tcp_arg(pcb, NULL);
    if (pcb->state == LISTEN) {
        tcp_accept(pcb, NULL); /* a listener has no other callbacks */
        return;
    }
    tcp_err(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_recv(pcb, NULL); /* lwIP then frees late data and answers a FIN */
}

static void free_rx(acme_lwip_socket_t *s)
{
    if (s->kind == ACME_LWIP_KIND_STREAM && s->q.rx != NULL) {
        pbuf_free(s->q.rx);
        s->q.rx = NULL;
    }
}

/* A failure that send/recv report from now on. The pcb may be gone already
 * (err callback) or is aborted here. */
static void fail_stream(acme_lwip_socket_t *s, int32_t status)
{
    if (s->pcb.tcp != NULL) {
        struct tcp_pcb *pcb = s->pcb.tcp;
        s->pcb.tcp = NULL;
        detach(pcb);
        tcp_abort(pcb);
    }
    s->state = ACME_LWIP_STATE_FAILED;
    s->error = status;
}

void acme_lwip_stream_release(acme_lwip_socket_t *s, bool abort)
{
    if (s->kind == ACME_LWIP_KIND_LISTENER) {
        /* Connections lwIP completed but nobody accepted: reset them. */
        for (uint8_t i = 0; i < s->q.accept.count; i++) {
            uint8_t child = s->q.accept.slots[(s->q.accept.head + i) % ACME_LWIP_ACCEPT_QUEUE];
            acme_lwip_socket_t *c = &acme_lwip_state.sockets[child];
            if (c->kind == ACME_LWIP_KIND_STREAM && c->pending_on != 0) {
                acme_lwip_stream_release(c, true);
            }
        }
        if (s->pcb.tcp != NULL) {
            detach(s->pcb.tcp);
            (void)tcp_close(s->pcb.tcp); /* cannot fail for a listener */
        }
        acme_lwip_slot_free(s);
        return;
    }
    struct tcp_pcb *pcb = s->pcb.tcp;
    s->pcb.tcp = NULL;
    free_rx(s);
    if (pcb != NULL) {
        detach(pcb);
        /* tcp_close resets by itself when received data was left unread
         * (the peer learns it was lost). It fails only when lwIP has no
         * memory for the FIN; a reset then still frees the pcb. */
        if (abort || tcp_close(pcb) != ERR_OK) {
            tcp_abort(pcb);
        }
    }
    acme_lwip_slot_free(s);
}

/* ---- lwIP callbacks ---------------------------------------------------- */

static void on_error(void *arg, err_t err)
{
    /* lwIP has freed the pcb already: forget it, never touch it again. */
    acme_lwip_socket_t *s = arg;
    if (s == NULL || s->kind != ACME_LWIP_KIND_STREAM) {
        return;
    }
    s->pcb.tcp = NULL;
    /* A reset or timeout before the connection was up is a failed connect
     * (refused, unreachable, SYN retries exhausted). */
    int32_t status = s->state == ACME_LWIP_STATE_CONNECTING ? ACME_ERR_CONNECT : stream_status(err);
    if (s->state != ACME_LWIP_STATE_FAILED) {
        s->state = ACME_LWIP_STATE_FAILED;
        s->error = status;
    }
    ACME_LWIP_LOG(ACME_LOG_DEBUG, "lwip port: connection %d failed (lwIP error %d)",
                  (int)acme_lwip_slot_index(s), (int)err);
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    acme_lwip_socket_t *s = arg;
    if (s == NULL || s->kind != ACME_LWIP_KIND_STREAM || s->pcb.tcp != pcb) {
        /* Not ours (cannot happen: callbacks are removed on close). */
        if (p != NULL) {
            pbuf_free(p);
        }
        return ERR_OK;
    }
    if (p == NULL) {
        s->peer_closed = 1;
        return ERR_OK;
    }
    if (err != ERR_OK) {
        pbuf_free(p);
        return ERR_OK;
    }
    if (s->q.rx == NULL) {
        s->q.rx = p;
        return ERR_OK;
    }
    if ((uint32_t)s->q.rx->tot_len + p->tot_len > MAX_CHUNK) {
        /* Cannot happen within one window; if it did, lwIP keeps the data
         * (refused_data) and offers it again later. */
        return ERR_MEM;
    }
    pbuf_cat(s->q.rx, p);
    return ERR_OK;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    acme_lwip_socket_t *s = arg;
    if (s == NULL || s->kind != ACME_LWIP_KIND_STREAM || s->pcb.tcp != pcb) {
        return ERR_OK;
    }
    if (err != ERR_OK) {
        /* lwIP 2.1 always passes ERR_OK; be safe if that changes. */
        s->pcb.tcp = NULL;
        detach(pcb);
        tcp_abort(pcb);
        s->state = ACME_LWIP_STATE_FAILED;
        s->error = ACME_ERR_CONNECT;
        return ERR_ABRT;
    }
    s->state = ACME_LWIP_STATE_CONNECTED;
    return ERR_OK;
}

static void attach(acme_lwip_socket_t *s, struct tcp_pcb *pcb)
{
    s->pcb.tcp = pcb;
    tcp_arg(pcb, s);
    tcp_err(pcb, on_error);
    tcp_recv(pcb, on_recv);
    /* The agent writes whole TLS records and then waits for the answer;
     * Nagle's delay would only add latency to that request/response flow. */
    tcp_nagle_disable(pcb);
}

static err_t on_accept(void *arg, struct tcp_pcb *newpcb, err_t err)
{
    acme_lwip_socket_t *ls = arg;
    if (newpcb == NULL || err != ERR_OK) {
        return ERR_VAL; /* lwIP had no pcb for it; the peer retries */
    }
    bool queue_full = ls == NULL || ls->kind != ACME_LWIP_KIND_LISTENER ||
                      ls->q.accept.count >= ACME_LWIP_ACCEPT_QUEUE;
    int32_t handle = queue_full ? ACME_ERR_NO_MEMORY : acme_lwip_slot_alloc();
    if (handle < 0) {
        /* Nowhere to keep it: a reset tells the client at once, instead of
         * a connection that hangs half-open. */
        ACME_LWIP_LOG(ACME_LOG_WARN, "lwip port: incoming connection reset (%s full)",
                      queue_full ? "accept queue" : "socket table");
        tcp_abort(newpcb);
        return ERR_ABRT;
    }
    acme_lwip_socket_t *s = acme_lwip_slot_claim(handle, ACME_LWIP_KIND_STREAM);
    s->state = ACME_LWIP_STATE_CONNECTED;
    s->remote_port = newpcb->remote_port;
    s->pending_on = (uint8_t)(acme_lwip_slot_index(ls) + 1);
    attach(s, newpcb);
    uint8_t tail = (uint8_t)((ls->q.accept.head + ls->q.accept.count) % ACME_LWIP_ACCEPT_QUEUE);
    ls->q.accept.slots[tail] = (uint8_t)handle;
    ls->q.accept.count++;
    return ERR_OK;
}

/* ---- connecting ------------------------------------------------------ */

/* Bind pcb to a random ephemeral port (RFC 6056): lwIP's own choice counts
 * up from one random start, which makes the next port guessable. A port in
 * use (or in TIME_WAIT) is retried; after a few misses lwIP chooses. */
static void bind_random_port(struct tcp_pcb *pcb)
{
    for (int i = 0; i < ACME_LWIP_BIND_TRIES; i++) {
        if (tcp_bind(pcb, IP4_ADDR_ANY, acme_lwip_random_port()) == ERR_OK) {
            return;
        }
    }
}

/* Open a pcb and send the SYN to ip. Returns ACME_OK, or a status with the
 * pcb gone (ACME_ERR_NO_MEMORY: no pcb; ACME_ERR_CONNECT: no route). */
static int32_t start_connect(acme_lwip_socket_t *s, const ip_addr_t *ip)
{
    struct tcp_pcb *pcb = tcp_new();
    if (pcb == NULL) {
        ACME_LWIP_LOG(ACME_LOG_ERROR, "lwip port: no tcp pcb (raise MEMP_NUM_TCP_PCB)");
        return ACME_ERR_NO_MEMORY;
    }
    bind_random_port(pcb);
    attach(s, pcb);
    s->state = ACME_LWIP_STATE_CONNECTING;
    err_t err = tcp_connect(pcb, ip, s->remote_port, on_connected);
    if (err != ERR_OK) {
        s->pcb.tcp = NULL;
        detach(pcb);
        tcp_abort(pcb);
        ACME_LWIP_LOG(ACME_LOG_INFO, "lwip port: connect failed (lwIP error %d)", (int)err);
        return err == ERR_MEM ? ACME_ERR_NO_MEMORY : ACME_ERR_CONNECT;
    }
    return ACME_OK;
}

#if LWIP_DNS
/* The DNS callback's argument names the slot and its generation, not a
 * pointer: lwIP cannot cancel a query, so the answer may come after the
 * socket was closed and its slot reused. */
static void *dns_token(const acme_lwip_socket_t *s)
{
    uintptr_t token = ((uintptr_t)s->generation << 8) | (uintptr_t)acme_lwip_slot_index(s);
    return (void *)token;
}

static void on_dns_found(const char *name, const ip_addr_t *ipaddr, void *arg)
{
    (void)name;
    uintptr_t token = (uintptr_t)arg;
    uintptr_t index = token & 0xFFu;
    if (index >= ACME_LWIP_MAX_SOCKETS) {
        return;
    }
    acme_lwip_socket_t *s = &acme_lwip_state.sockets[index];
    if (s->kind != ACME_LWIP_KIND_STREAM || s->state != ACME_LWIP_STATE_RESOLVING ||
        s->generation != (uint16_t)(token >> 8)) {
        return; /* closed while resolving */
    }
    if (ipaddr == NULL) {
        ACME_LWIP_LOG(ACME_LOG_INFO, "lwip port: cannot resolve %s", name);
        fail_stream(s, ACME_ERR_RESOLVE);
        return;
    }
    int32_t rc = start_connect(s, ipaddr);
    if (rc != ACME_OK) {
        fail_stream(s, rc);
    }
}
#endif

enum host_kind { HOST_NAME, HOST_IPV4_LITERAL, HOST_IPV6_LITERAL, HOST_LOOSE_IPV4 };

/* What connect() was given. IPv4 literals count only in canonical
 * dotted-quad form (what the agent passes): lwIP's inet_aton would also read
 * "127.1" or "0x7f.1" as an address, and such text is neither a literal nor a
 * name. A colon only occurs in an IPv6 literal. */
static enum host_kind host_kind(const char *host, ip_addr_t *ip)
{
    if (strchr(host, ':') != NULL) {
        return HOST_IPV6_LITERAL;
    }
    ip4_addr_t a;
    if (!ip4addr_aton(host, &a)) {
        return HOST_NAME;
    }
    char canonical[IP4ADDR_STRLEN_MAX];
    if (ip4addr_ntoa_r(&a, canonical, sizeof(canonical)) == NULL ||
        strcmp(canonical, host) != 0) {
        return HOST_LOOSE_IPV4;
    }
    ip_addr_copy_from_ip4(*ip, a);
    return HOST_IPV4_LITERAL;
}

static int32_t net_connect(void *ctx, const char *host, uint16_t port)
{
    (void)ctx;
    if (host == NULL || port == 0) {
        return ACME_ERR_INVALID_ARG;
    }
    size_t host_len = 0;
    while (host_len <= HOST_MAX && host[host_len] != '\0') {
        host_len++;
    }
    if (host_len == 0 || host_len > HOST_MAX) {
        return ACME_ERR_INVALID_ARG;
    }
    int32_t handle = acme_lwip_slot_alloc();
    if (handle < 0) {
        return handle;
    }
    acme_lwip_socket_t *s = acme_lwip_slot_claim(handle, ACME_LWIP_KIND_STREAM);
    s->remote_port = port;

    ip_addr_t ip;
    switch (host_kind(host, &ip)) {
    case HOST_IPV6_LITERAL:
        /* Unreachable on an IPv4-only stack: reported like any failed
         * connect. */
        fail_stream(s, ACME_ERR_CONNECT);
        return handle;
    case HOST_LOOSE_IPV4:
        fail_stream(s, ACME_ERR_RESOLVE);
        return handle;
    case HOST_IPV4_LITERAL: {
        int32_t rc = start_connect(s, &ip);
        if (rc == ACME_ERR_NO_MEMORY) {
            acme_lwip_slot_free(s);
            return rc;
        }
        if (rc != ACME_OK) {
            fail_stream(s, rc);
        }
        return handle;
    }
    default: /* HOST_NAME */
        break;
    }
#if LWIP_DNS
    s->state = ACME_LWIP_STATE_RESOLVING;
    err_t err = dns_gethostbyname(host, &ip, on_dns_found, dns_token(s));
    if (err == ERR_OK) { /* cached */
        int32_t rc = start_connect(s, &ip);
        if (rc == ACME_ERR_NO_MEMORY) {
            acme_lwip_slot_free(s);
            return rc;
        }
        if (rc != ACME_OK) {
            fail_stream(s, rc);
        }
    } else if (err != ERR_INPROGRESS) {
        /* No DNS server configured (ERR_VAL), lwIP's DNS table full
         * (ERR_MEM), or a name lwIP refuses (ERR_ARG). */
        ACME_LWIP_LOG(ACME_LOG_INFO, "lwip port: cannot resolve %s (lwIP error %d)", host,
                      (int)err);
        fail_stream(s, ACME_ERR_RESOLVE);
    }
    return handle;
#else
    fail_stream(s, ACME_ERR_RESOLVE); /* no DNS client in this lwIP */
    return handle;
#endif
}

/* ACME_OK when the stream is connected, else what send/recv return. */
static int32_t stream_ready(const acme_lwip_socket_t *s)
{
    switch (s->state) {
    case ACME_LWIP_STATE_CONNECTED:
        return s->pcb.tcp != NULL ? ACME_OK : ACME_ERR_CLOSED;
    case ACME_LWIP_STATE_FAILED:
        return s->error;
    default:
        return ACME_WOULD_BLOCK; /* resolving or connecting */
    }
}

static int32_t net_send(void *ctx, int32_t handle, const uint8_t *data, size_t len)
{
    (void)ctx;
    acme_lwip_socket_t *s = acme_lwip_slot_get(handle, ACME_LWIP_KIND_STREAM);
    if (s == NULL || data == NULL || len == 0) {
        return ACME_ERR_INVALID_ARG;
    }
    int32_t rc = stream_ready(s);
    if (rc != ACME_OK) {
        return rc;
    }
    struct tcp_pcb *pcb = s->pcb.tcp;
    size_t space = tcp_sndbuf(pcb);
    if (tcp_sndqueuelen(pcb) >= TCP_SND_QUEUELEN) {
        space = 0; /* out of segments even if bytes are free */
    }
    if (space == 0) {
        (void)tcp_output(pcb);
        return ACME_WOULD_BLOCK;
    }
    size_t n = len < space ? len : space;
    if (n > MAX_CHUNK) {
        n = MAX_CHUNK;
    }
    err_t err = tcp_write(pcb, data, (u16_t)n, TCP_WRITE_FLAG_COPY);
    if (err == ERR_MEM && n > TCP_MSS) {
        /* lwIP's heap may hold one segment where it cannot hold several. */
        n = TCP_MSS;
        err = tcp_write(pcb, data, (u16_t)n, TCP_WRITE_FLAG_COPY);
    }
    if (err == ERR_MEM) {
        (void)tcp_output(pcb); /* what is queued frees memory as it is acked */
        return ACME_WOULD_BLOCK;
    }
    if (err != ERR_OK) {
        /* ERR_CONN: the connection is closing; others are lwIP bugs. */
        return err == ERR_CONN ? ACME_ERR_CLOSED : stream_status(err);
    }
    /* Failing to send now (ERR_MEM, no route) is not an error: the data is
     * queued and lwIP's timers retransmit it. */
    (void)tcp_output(pcb);
    return (int32_t)n;
}

static int32_t net_recv(void *ctx, int32_t handle, uint8_t *buf, size_t cap)
{
    (void)ctx;
    acme_lwip_socket_t *s = acme_lwip_slot_get(handle, ACME_LWIP_KIND_STREAM);
    if (s == NULL || buf == NULL || cap == 0) {
        return ACME_ERR_INVALID_ARG;
    }
    if (s->q.rx != NULL && s->q.rx->tot_len == 0) {
        pbuf_free(s->q.rx); /* empty leftovers of a chain */
        s->q.rx = NULL;
    }
    if (s->q.rx != NULL) {
        u16_t n = s->q.rx->tot_len;
        if (cap < n) {
            n = (u16_t)cap;
        }
        u16_t copied = pbuf_copy_partial(s->q.rx, buf, n, 0);
        s->q.rx = pbuf_free_header(s->q.rx, copied);
        if (s->pcb.tcp != NULL) {
            tcp_recved(s->pcb.tcp, copied); /* reopen the window */
        }
        return (int32_t)copied;
    }
    /* Everything before the FIN has been read. */
    if (s->peer_closed) {
        return 0;
    }
    return stream_ready(s) == ACME_OK ? ACME_WOULD_BLOCK : stream_ready(s);
}

static void net_close(void *ctx, int32_t handle)
{
    (void)ctx;
    acme_lwip_socket_t *s = acme_lwip_slot_get(handle, ACME_LWIP_KIND_STREAM);
    if (s == NULL) {
        s = acme_lwip_slot_get(handle, ACME_LWIP_KIND_LISTENER);
    }
    if (s == NULL) {
        ACME_LWIP_LOG(ACME_LOG_WARN, "lwip port: close of handle %d: not a stream", (int)handle);
        return;
    }
    acme_lwip_stream_release(s, false);
}

static int32_t net_listen(void *ctx, const acme_ip_addr_t *bind_ip, uint16_t port)
{
    (void)ctx;
    ip_addr_t ip;
    ip_addr_set_any(0, &ip);
    if (bind_ip != NULL && !acme_lwip_to_ip(bind_ip, &ip)) {
        ACME_LWIP_LOG(ACME_LOG_ERROR, "lwip port: cannot listen on an IPv6 address (IPv4 only)");
        return bind_ip->family == ACME_IP_V6 ? ACME_ERR_CONFIG : ACME_ERR_INVALID_ARG;
    }
    int32_t handle = acme_lwip_slot_alloc();
    if (handle < 0) {
        return handle;
    }
    struct tcp_pcb *pcb = tcp_new();
    if (pcb == NULL) {
        ACME_LWIP_LOG(ACME_LOG_ERROR, "lwip port: no tcp pcb (raise MEMP_NUM_TCP_PCB)");
        return ACME_ERR_NO_MEMORY;
    }
    /* A device that renews while it runs listens on the http-01 port again
     * while the last issuance's validation connections may still sit in
     * TIME_WAIT (2 * TCP_MSL): without this, tcp_bind says ERR_USE for up to
     * two minutes. SO_REUSEADDR on the POSIX port does the same. */
    ip_set_option(pcb, SOF_REUSEADDR);
    err_t err = tcp_bind(pcb, &ip, port);
    if (err != ERR_OK) {
        (void)tcp_close(pcb); /* a pcb that never connected: freed at once */
        ACME_LWIP_LOG(ACME_LOG_ERROR, "lwip port: port %u is in use", (unsigned)port);
        return err == ERR_USE ? ACME_ERR_ADDR_IN_USE : ACME_ERR_TRANSPORT;
    }
    struct tcp_pcb *lpcb = tcp_listen_with_backlog_and_err(pcb, ACME_LWIP_ACCEPT_QUEUE, &err);
    if (lpcb == NULL) {
        (void)tcp_close(pcb); /* on failure lwIP leaves the original to us */
        ACME_LWIP_LOG(ACME_LOG_ERROR, "lwip port: no listen pcb (raise MEMP_NUM_TCP_PCB_LISTEN)");
        return err == ERR_USE ? ACME_ERR_ADDR_IN_USE : ACME_ERR_NO_MEMORY;
    }
    acme_lwip_socket_t *s = acme_lwip_slot_claim(handle, ACME_LWIP_KIND_LISTENER);
    s->state = ACME_LWIP_STATE_CONNECTED;
    s->pcb.tcp = lpcb;
    tcp_arg(lpcb, s);
    tcp_accept(lpcb, on_accept);
    return handle;
}

static int32_t net_accept(void *ctx, int32_t listener)
{
    (void)ctx;
    acme_lwip_socket_t *ls = acme_lwip_slot_get(listener, ACME_LWIP_KIND_LISTENER);
    if (ls == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    /* Each pass takes one entry off the bounded queue. */
    while (ls->q.accept.count > 0) {
        uint8_t child = ls->q.accept.slots[ls->q.accept.head];
        ls->q.accept.head = (uint8_t)((ls->q.accept.head + 1u) % ACME_LWIP_ACCEPT_QUEUE);
        ls->q.accept.count--;
        acme_lwip_socket_t *s = &acme_lwip_state.sockets[child];
        if (s->kind != ACME_LWIP_KIND_STREAM || s->pending_on == 0) {
            continue; /* cannot happen: queued slots stay pending */
        }
        s->pending_on = 0;
        if (s->state == ACME_LWIP_STATE_FAILED && s->q.rx == NULL) {
            /* Reset before anyone took it, with nothing to read: as
             * accept(2), skip it. */
            acme_lwip_stream_release(s, true);
            continue;
        }
        return child;
    }
    return ACME_WOULD_BLOCK;
}

const acme_net_ops_t acme_lwip_net_ops = {
    .connect = net_connect,
    .send = net_send,
    .recv = net_recv,
    .close = net_close,
    .listen = net_listen,
    .accept = net_accept,
};
