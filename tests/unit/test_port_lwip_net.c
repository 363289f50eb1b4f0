/*
 * Tests of the lwIP port's stream seam on lwIP's loopback interface (lwIP
 * runs in-process; no host network): connect by IP literal and by name,
 * listen/accept, a 64 KiB transfer each way through a 5.8 KiB window with
 * every byte checked, orderly close, refused and unroutable connects, reset
 * on close with unread data, a full accept queue, a full socket table, late
 * DNS answers for closed sockets, and the initial sequence numbers seen on
 * the wire. After every test lwIP's pools must be back where they started.
 */
#include "lwip_test_harness.h"

#include "lwip/dns.h"
#include "lwip/priv/tcp_priv.h" /* tcp_active_pcbs */
#include "lwip/udp.h"

#define SERVER_PORT 8080
#define MAX_ROUNDS 20000u

/* Pump until accept() returns a connection (bounded). */
static int32_t accept_one(int32_t listener)
{
    for (unsigned i = 0; i < 200; i++) {
        int32_t h = net_accept(listener);
        if (h != ACME_WOULD_BLOCK) {
            return h;
        }
        pump(1, 1);
    }
    return ACME_ERR_TIMEOUT;
}

/* Pump until recv() says something other than "would block" (bounded). */
static int32_t recv_wait(int32_t h, void *buf, size_t cap)
{
    for (unsigned i = 0; i < 500; i++) {
        int32_t n = net_recv(h, buf, cap);
        if (n != ACME_WOULD_BLOCK) {
            return n;
        }
        pump(1, 1);
    }
    return ACME_ERR_TIMEOUT;
}

/* A connected client/server pair over loopback. */
static void open_pair(int32_t *listener, int32_t *client, int32_t *server)
{
    *listener = net_listen(SERVER_PORT);
    assert_true(*listener >= 0);
    *client = net_connect("127.0.0.1", SERVER_PORT);
    assert_true(*client >= 0);
    *server = accept_one(*listener);
    assert_true(*server >= 0);
    /* the client's side is up once the SYN-ACK was delivered */
    pump(2, 1);
}

/* ---- connect, transfer, close ------------------------------------------ */

#define XFER_LEN (64u * 1024u)

static uint8_t pattern(uint32_t i, uint8_t salt)
{
    /* position-dependent, period not a multiple of any segment size */
    return (uint8_t)(i * 7u + (i >> 9) + salt);
}

typedef struct flow {
    int32_t from;
    int32_t to;
    uint8_t salt;
    uint32_t sent;
    uint32_t received;
    unsigned send_would_block;
} flow_t;

static void flow_send(flow_t *f)
{
    if (f->sent < XFER_LEN) {
        uint8_t chunk[4096];
        uint32_t len = XFER_LEN - f->sent < sizeof(chunk) ? XFER_LEN - f->sent : sizeof(chunk);
        for (uint32_t i = 0; i < len; i++) {
            chunk[i] = pattern(f->sent + i, f->salt);
        }
        int32_t n = net_send(f->from, chunk, len);
        if (n == ACME_WOULD_BLOCK) {
            f->send_would_block++;
        } else {
            assert_true(n > 0 && (uint32_t)n <= len);
            f->sent += (uint32_t)n;
        }
    }
}

static void flow_step(flow_t *f)
{
    flow_send(f);
    /* An odd read size, so reads split pbufs at arbitrary places. */
    for (int reads = 0; reads < 16; reads++) {
        uint8_t buf[1000];
        int32_t n = net_recv(f->to, buf, sizeof(buf));
        if (n == ACME_WOULD_BLOCK) {
            break;
        }
        assert_true(n > 0);
        for (int32_t i = 0; i < n; i++) {
            if (buf[i] != pattern(f->received + (uint32_t)i, f->salt)) {
                fail_msg("byte %u differs", (unsigned)(f->received + (uint32_t)i));
            }
        }
        f->received += (uint32_t)n;
        assert_true(f->received <= XFER_LEN);
    }
}

static void test_transfer_both_ways(void **state)
{
    (void)state;
    int32_t listener = net_listen(SERVER_PORT);
    assert_true(listener >= 0);
    assert_int_equal(net_accept(listener), ACME_WOULD_BLOCK);
    int32_t client = net_connect("127.0.0.1", SERVER_PORT);
    assert_true(client >= 0);
    /* Nothing delivered yet: the connection is still being set up. */
    uint8_t byte = 0;
    assert_int_equal(net_send(client, "x", 1), ACME_WOULD_BLOCK);
    assert_int_equal(net_recv(client, &byte, 1), ACME_WOULD_BLOCK);

    int32_t server = accept_one(listener);
    assert_true(server >= 0 && server != client && server != listener);
    /* A random ephemeral local port, not lwIP's counter. */
    assert_true(acme_lwip_local_port(client) >= 49152);
    assert_int_equal(acme_lwip_local_port(listener), SERVER_PORT);

    flow_t up = {.from = client, .to = server, .salt = 0x11};
    flow_t down = {.from = server, .to = client, .salt = 0xA5};
    /* While the server does not read, the client can queue only its send
     * buffer plus the server's window, then must be told to wait. */
    for (unsigned round = 0; round < 100 && up.send_would_block == 0; round++) {
        flow_send(&up);
        pump(1, 1);
    }
    assert_true(up.send_would_block > 0);
    assert_true(up.sent >= TCP_WND && up.sent <= TCP_WND + TCP_SND_BUF);
    for (unsigned round = 0; round < MAX_ROUNDS; round++) {
        if (up.received == XFER_LEN && down.received == XFER_LEN) {
            break;
        }
        flow_step(&up);
        flow_step(&down);
        pump(1, 1);
    }
    assert_int_equal(up.received, XFER_LEN);
    assert_int_equal(down.received, XFER_LEN);

    /* Orderly close by the client: the server reads 0, and keeps reading 0. */
    net_close(client);
    assert_int_equal(recv_wait(server, &byte, 1), 0);
    assert_int_equal(net_recv(server, &byte, 1), 0);
    net_close(server);
    net_close(listener);
}

static void test_peer_close_after_data(void **state)
{
    (void)state;
    int32_t listener, client, server;
    open_pair(&listener, &client, &server);
    static const char reply[] = "HTTP/1.1 200 OK\r\n\r\nbye";
    assert_int_equal(net_send(server, reply, sizeof(reply) - 1), (int32_t)(sizeof(reply) - 1));
    net_close(server);
    pump(5, 1);
    /* The data first, then end of stream — never 0 before the data. */
    char buf[64];
    int32_t n = recv_wait(client, buf, sizeof(buf));
    assert_int_equal(n, (int32_t)(sizeof(reply) - 1));
    assert_memory_equal(buf, reply, sizeof(reply) - 1);
    assert_int_equal(net_recv(client, buf, sizeof(buf)), 0);
    assert_int_equal(net_recv(client, buf, sizeof(buf)), 0);
    net_close(client);
    net_close(listener);
}

static void test_connect_refused(void **state)
{
    (void)state;
    int32_t h = net_connect("127.0.0.1", 9); /* nobody listens */
    assert_true(h >= 0);
    assert_int_equal(net_send(h, "x", 1), ACME_WOULD_BLOCK);
    pump(10, 1);
    /* The peer's RST to our SYN: a failed connect, for ever. */
    uint8_t b;
    assert_int_equal(net_send(h, "x", 1), ACME_ERR_CONNECT);
    assert_int_equal(net_recv(h, &b, 1), ACME_ERR_CONNECT);
    pump(10, 1);
    assert_int_equal(net_recv(h, &b, 1), ACME_ERR_CONNECT);
    net_close(h);
}

static void test_connect_unroutable_and_ipv6(void **state)
{
    (void)state;
    /* Only the loopback netif exists: no route to 192.0.2.1. */
    int32_t h = net_connect("192.0.2.1", 443);
    assert_true(h >= 0);
    assert_int_equal(net_send(h, "x", 1), ACME_ERR_CONNECT);
    net_close(h);
    /* An IPv6 literal on this IPv4-only stack. */
    h = net_connect("::1", 443);
    assert_true(h >= 0);
    assert_int_equal(net_send(h, "x", 1), ACME_ERR_CONNECT);
    net_close(h);
}

static void test_reset_on_close_with_unread_data(void **state)
{
    (void)state;
    int32_t listener, client, server;
    open_pair(&listener, &client, &server);
    assert_int_equal(net_send(server, "last words", 10), 10);
    uint8_t data[3000];
    memset(data, 0x5A, sizeof(data));
    assert_int_equal(net_send(client, data, sizeof(data)), (int32_t)sizeof(data));
    pump(5, 1);
    mem_size_t heap_with_queue = lwip_stats.mem.used;

    /* The server never reads the 3000 bytes: closing resets (the client
     * must learn they were lost) and frees the queued pbufs. */
    net_close(server);
    pump(5, 1);
    assert_true(lwip_stats.mem.used < heap_with_queue);

    /* What arrived before the reset is still readable, then the reset. */
    char buf[32];
    assert_int_equal(net_recv(client, buf, sizeof(buf)), 10);
    assert_memory_equal(buf, "last words", 10);
    assert_int_equal(net_recv(client, buf, sizeof(buf)), ACME_ERR_CLOSED);
    assert_int_equal(net_send(client, "x", 1), ACME_ERR_CLOSED);
    net_close(client);
    net_close(listener);
}

/* ---- a full accept queue ------------------------------------------------ */

/* Clients made with lwIP directly, so that only the server side uses the
 * port's socket table. */
typedef struct raw_client {
    struct tcp_pcb *pcb;
    int connected;
    int failed;
    err_t error;
    uint32_t received;
} raw_client_t;

static err_t raw_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)pcb;
    (void)err;
    ((raw_client_t *)arg)->connected = 1;
    return ERR_OK;
}

static void raw_error(void *arg, err_t err)
{
    raw_client_t *c = arg;
    c->pcb = NULL; /* freed by lwIP */
    c->failed = 1;
    c->error = err;
}

static err_t raw_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)err;
    if (p != NULL) {
        ((raw_client_t *)arg)->received += p->tot_len;
        tcp_recved(pcb, p->tot_len);
        pbuf_free(p);
    }
    return ERR_OK;
}

static void raw_connect(raw_client_t *c, uint16_t port)
{
    memset(c, 0, sizeof(*c));
    c->pcb = tcp_new();
    assert_non_null(c->pcb);
    tcp_arg(c->pcb, c);
    tcp_err(c->pcb, raw_error);
    tcp_recv(c->pcb, raw_recv);
    ip_addr_t ip;
    IP_ADDR4(&ip, 127, 0, 0, 1);
    assert_int_equal(tcp_connect(c->pcb, &ip, port, raw_connected), ERR_OK);
}

static void raw_close(raw_client_t *c)
{
    if (c->pcb != NULL) {
        tcp_arg(c->pcb, NULL);
        tcp_err(c->pcb, NULL);
        tcp_recv(c->pcb, NULL);
        if (tcp_close(c->pcb) != ERR_OK) {
            tcp_abort(c->pcb);
        }
        c->pcb = NULL;
    }
}

static void test_accept_queue_full(void **state)
{
    (void)state;
    int32_t listener = net_listen(SERVER_PORT);
    assert_true(listener >= 0);
    raw_client_t clients[ACME_LWIP_ACCEPT_QUEUE + 1];
    for (int i = 0; i <= ACME_LWIP_ACCEPT_QUEUE; i++) {
        raw_connect(&clients[i], SERVER_PORT);
        pump(3, 1); /* one at a time, so the last one is the extra one */
    }
    pump(10, 1);
    /* The queue holds ACME_LWIP_ACCEPT_QUEUE; the extra connection was
     * reset, not left half-open. */
    for (int i = 0; i < ACME_LWIP_ACCEPT_QUEUE; i++) {
        assert_true(clients[i].connected);
        assert_false(clients[i].failed);
    }
    assert_true(clients[ACME_LWIP_ACCEPT_QUEUE].failed);
    assert_int_equal(clients[ACME_LWIP_ACCEPT_QUEUE].error, ERR_RST);

    int32_t accepted[ACME_LWIP_ACCEPT_QUEUE];
    for (int i = 0; i < ACME_LWIP_ACCEPT_QUEUE; i++) {
        accepted[i] = net_accept(listener);
        assert_true(accepted[i] >= 0);
        assert_int_equal(net_send(accepted[i], "hi", 2), 2);
    }
    assert_int_equal(net_accept(listener), ACME_WOULD_BLOCK);
    pump(5, 1);
    /* Accepted in arrival order, each one a working connection. */
    for (int i = 0; i < ACME_LWIP_ACCEPT_QUEUE; i++) {
        assert_int_equal(clients[i].received, 2);
        net_close(accepted[i]);
        raw_close(&clients[i]);
    }
    net_close(listener);
}

static void test_listener_close_resets_pending(void **state)
{
    (void)state;
    int32_t listener = net_listen(SERVER_PORT);
    assert_true(listener >= 0);
    raw_client_t c;
    raw_connect(&c, SERVER_PORT);
    pump(5, 1);
    assert_true(c.connected);
    /* Never accepted: closing the listener resets it and frees its slot. */
    net_close(listener);
    pump(5, 1);
    assert_true(c.failed);
    raw_close(&c);
    /* Same port again: nothing of the old listener is left. */
    listener = net_listen(SERVER_PORT);
    assert_true(listener >= 0);
    assert_int_equal(net_listen(SERVER_PORT), ACME_ERR_ADDR_IN_USE);
    net_close(listener);
}

/* A device that renews while it runs listens on the http-01 port again
 * while the last validation connection it closed first sits in TIME_WAIT
 * (2 * TCP_MSL, two minutes): the listen must not fail with ADDR_IN_USE. */
static void test_listen_again_over_time_wait(void **state)
{
    (void)state;
    int32_t listener, client, server;
    open_pair(&listener, &client, &server);
    static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    assert_int_equal(net_send(server, reply, sizeof(reply) - 1), (int32_t)(sizeof(reply) - 1));
    net_close(server); /* the board closes first: its end goes to TIME_WAIT */
    pump(5, 1);
    char buf[64];
    assert_true(recv_wait(client, buf, sizeof(buf)) > 0);
    net_close(client);
    pump(5, 1);
    net_close(listener);
    pump(5, 1);
    bool time_wait = false;
    for (struct tcp_pcb *p = tcp_tw_pcbs; p != NULL; p = p->next) {
        time_wait = time_wait || p->local_port == SERVER_PORT;
    }
    assert_true(time_wait); /* the case this test is about */
    listener = net_listen(SERVER_PORT);
    assert_true(listener >= 0);
    assert_int_equal(net_listen(SERVER_PORT), ACME_ERR_ADDR_IN_USE); /* one listener still */
    net_close(listener);
}

/* ---- limits and arguments ----------------------------------------------- */

static void test_socket_table_full(void **state)
{
    (void)state;
    int32_t handles[ACME_LWIP_MAX_SOCKETS];
    handles[0] = g_port.udp->open(g_port.udp_ctx, ACME_IP_V4);
    handles[1] = g_port.udp->open(g_port.udp_ctx, ACME_IP_V4);
    for (int i = 2; i < ACME_LWIP_MAX_SOCKETS; i++) {
        handles[i] = net_connect("127.0.0.1", 9);
    }
    for (int i = 0; i < ACME_LWIP_MAX_SOCKETS; i++) {
        assert_true(handles[i] >= 0);
    }
    /* Every kind of open says so clearly, and the log says what to do. */
    assert_int_equal(net_connect("127.0.0.1", 9), ACME_ERR_NO_MEMORY);
    assert_non_null(strstr(g_last_log, "ACME_LWIP_MAX_SOCKETS"));
    assert_int_equal(g_port.udp->open(g_port.udp_ctx, ACME_IP_V4), ACME_ERR_NO_MEMORY);
    assert_int_equal(net_listen(SERVER_PORT), ACME_ERR_NO_MEMORY);
    /* One closed: room again. */
    net_close(handles[5]);
    handles[5] = net_connect("127.0.0.1", 9);
    assert_true(handles[5] >= 0);
    for (int i = 0; i < 2; i++) {
        g_port.udp->close(g_port.udp_ctx, handles[i]);
    }
    for (int i = 2; i < ACME_LWIP_MAX_SOCKETS; i++) {
        net_close(handles[i]);
    }
}

static void test_invalid_arguments(void **state)
{
    (void)state;
    char long_name[300];
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    assert_int_equal(net_connect(NULL, 80), ACME_ERR_INVALID_ARG);
    assert_int_equal(net_connect("", 80), ACME_ERR_INVALID_ARG);
    assert_int_equal(net_connect("127.0.0.1", 0), ACME_ERR_INVALID_ARG);
    assert_int_equal(net_connect(long_name, 80), ACME_ERR_INVALID_ARG);
    uint8_t b;
    assert_int_equal(net_send(3, "x", 1), ACME_ERR_INVALID_ARG); /* not open */
    assert_int_equal(net_recv(-1, &b, 1), ACME_ERR_INVALID_ARG);
    assert_int_equal(net_recv(ACME_LWIP_MAX_SOCKETS, &b, 1), ACME_ERR_INVALID_ARG);
    assert_int_equal(net_accept(0), ACME_ERR_INVALID_ARG);
    const acme_ip_addr_t v6 = {.family = ACME_IP_V6, .bytes = {0xfe, 0x80}};
    assert_int_equal(g_port.net->listen(g_port.net_ctx, &v6, SERVER_PORT), ACME_ERR_CONFIG);
    /* A handle of another kind is not a stream. */
    int32_t u = g_port.udp->open(g_port.udp_ctx, ACME_IP_V4);
    assert_true(u >= 0);
    assert_int_equal(net_send(u, "x", 1), ACME_ERR_INVALID_ARG);
    net_close(u); /* ignored: not a stream */
    assert_true(acme_lwip_local_port(u) > 0);
    g_port.udp->close(g_port.udp_ctx, u);
    assert_int_equal(acme_lwip_local_port(u), ACME_ERR_INVALID_ARG);
}

/* ---- names through lwIP's DNS client -------------------------------------- */

/* A DNS server on 127.0.0.1:53 inside the same lwIP, answering on demand. */
#define MAX_QUERIES 4
typedef struct dns_query {
    uint8_t msg[512];
    u16_t len;
    ip_addr_t from;
    u16_t port;
} dns_query_t;
static struct udp_pcb *g_dns_server;
static dns_query_t g_dns_queries[MAX_QUERIES];
static int g_queries;

static void dns_server_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                            u16_t port)
{
    (void)arg;
    (void)pcb;
    if (g_queries < MAX_QUERIES) {
        dns_query_t *q = &g_dns_queries[g_queries++];
        q->len = pbuf_copy_partial(p, q->msg, sizeof(q->msg), 0);
        ip_addr_copy(q->from, *addr);
        q->port = port;
    }
    pbuf_free(p);
}

static void dns_server_start(void)
{
    g_queries = 0;
    g_dns_server = udp_new();
    assert_non_null(g_dns_server);
    assert_int_equal(udp_bind(g_dns_server, IP4_ADDR_ANY, 53), ERR_OK);
    udp_recv(g_dns_server, dns_server_recv, NULL);
    ip_addr_t server;
    IP_ADDR4(&server, 127, 0, 0, 1);
    dns_setserver(0, &server);
}

static void dns_server_stop(void)
{
    udp_remove(g_dns_server);
    g_dns_server = NULL;
    dns_setserver(0, NULL);
}

/* Answer query number index: rcode 0 with one A record 127.0.0.1, or the
 * error rcode. */
static void dns_server_answer(int index, uint8_t rcode)
{
    assert_true(index < g_queries);
    const dns_query_t *q = &g_dns_queries[index];
    assert_true(q->len > 12 && q->len < sizeof(q->msg) - 16);
    uint8_t msg[sizeof(q->msg)];
    memcpy(msg, q->msg, q->len);      /* id and question */
    msg[2] = 0x81;                    /* QR, RD */
    msg[3] = (uint8_t)(0x80 | rcode); /* RA, rcode */
    msg[7] = rcode == 0 ? 1 : 0;      /* ANCOUNT */
    size_t len = q->len;
    if (rcode == 0) {
        static const uint8_t answer[] = {0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1};
        memcpy(msg + len, answer, sizeof(answer));
        len += sizeof(answer);
    }
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
    assert_non_null(p);
    assert_int_equal(pbuf_take(p, msg, (u16_t)len), ERR_OK);
    assert_int_equal(udp_sendto(g_dns_server, p, &q->from, q->port), ERR_OK);
    pbuf_free(p);
}

static void test_connect_by_name(void **state)
{
    (void)state;
    dns_server_start();
    int32_t listener = net_listen(SERVER_PORT);
    assert_true(listener >= 0);
    int32_t client = net_connect("acme.test", SERVER_PORT);
    assert_true(client >= 0);
    pump(3, 1);
    assert_int_equal(g_queries, 1);
    /* Resolving: would block, not an error. */
    assert_int_equal(net_send(client, "x", 1), ACME_WOULD_BLOCK);
    dns_server_answer(0, 0);
    int32_t server = accept_one(listener);
    assert_true(server >= 0);
    pump(2, 1);
    assert_int_equal(net_send(client, "ping", 4), 4);
    char buf[8];
    assert_int_equal(recv_wait(server, buf, sizeof(buf)), 4);
    assert_memory_equal(buf, "ping", 4);
    net_close(client);
    net_close(server);
    net_close(listener);
    dns_server_stop();
}

static void test_resolve_failures(void **state)
{
    (void)state;
    uint8_t b;
    /* No DNS server configured. */
    int32_t h = net_connect("acme.test", SERVER_PORT);
    assert_true(h >= 0);
    assert_int_equal(net_send(h, "x", 1), ACME_ERR_RESOLVE);
    net_close(h);
    /* Not a strict literal, but lwIP's inet_aton would read it as one. */
    h = net_connect("127.1", SERVER_PORT);
    assert_true(h >= 0);
    assert_int_equal(net_recv(h, &b, 1), ACME_ERR_RESOLVE);
    net_close(h);

    dns_server_start();
    h = net_connect("missing.test", SERVER_PORT);
    assert_true(h >= 0);
    pump(3, 1);
    assert_int_equal(g_queries, 1);
    dns_server_answer(0, 3); /* NXDOMAIN */
    assert_int_equal(recv_wait(h, &b, 1), ACME_ERR_RESOLVE);
    assert_int_equal(net_send(h, "x", 1), ACME_ERR_RESOLVE);
    net_close(h);
    dns_server_stop();
}

static void test_late_dns_answer_after_close(void **state)
{
    (void)state;
    dns_server_start();
    int32_t listener = net_listen(SERVER_PORT);
    assert_true(listener >= 0);
    int32_t stale = net_connect("late.test", SERVER_PORT);
    assert_true(stale >= 0);
    pump(3, 1);
    assert_int_equal(g_queries, 1);
    net_close(stale);
    /* The slot is reused at once, by another socket that is resolving. */
    int32_t fresh = net_connect("other.test", SERVER_PORT);
    assert_int_equal(fresh, stale);
    pump(3, 1);
    assert_int_equal(g_queries, 2);
    /* The answer for the closed socket arrives now (an address); the
     * fresh socket's own name does not exist. The stale answer must not
     * connect the fresh socket. */
    dns_server_answer(0, 0);
    pump(5, 1);
    dns_server_answer(1, 3);
    uint8_t b;
    assert_int_equal(recv_wait(fresh, &b, 1), ACME_ERR_RESOLVE);
    pump(10, 1);
    assert_int_equal(net_accept(listener), ACME_WOULD_BLOCK);
    net_close(fresh);
    net_close(listener);
    dns_server_stop();
}

/* ---- initial sequence numbers on the wire --------------------------------- */

/* The pcb of the connection local_port -> remote_port. */
static struct tcp_pcb *find_pcb(uint16_t local_port, uint16_t remote_port)
{
    struct tcp_pcb *pcb = tcp_active_pcbs;
    for (int i = 0; pcb != NULL && i < MEMP_NUM_TCP_PCB; i++, pcb = pcb->next) {
        if (pcb->local_port == local_port && pcb->remote_port == remote_port) {
            return pcb;
        }
    }
    return NULL;
}

static void test_isn_on_the_wire(void **state)
{
    (void)state;
    /* Each side's rcv_nxt right after the handshake is the other side's
     * ISN + 1, as its SYN carried it over the (loopback) wire. */
    uint32_t isn[8];
    int count = 0;
    int32_t listener = net_listen(SERVER_PORT);
    assert_true(listener >= 0);
    for (int i = 0; i < 4; i++) {
        int32_t client = net_connect("127.0.0.1", SERVER_PORT);
        assert_true(client >= 0);
        int32_t server = accept_one(listener);
        assert_true(server >= 0);
        pump(2, 1);
        uint16_t client_port = (uint16_t)acme_lwip_local_port(client);
        struct tcp_pcb *c = find_pcb(client_port, SERVER_PORT);
        struct tcp_pcb *s = find_pcb(SERVER_PORT, client_port);
        assert_non_null(c);
        assert_non_null(s);
        isn[count++] = s->rcv_nxt - 1u; /* the client's SYN */
        isn[count++] = c->rcv_nxt - 1u; /* the server's SYN-ACK */
        net_close(client);
        net_close(server);
        pump(5, 1);
    }
    net_close(listener);

    /* All different. lwIP's own generator starts at 6510 and adds its tick
     * count: small numbers a few ticks apart. RFC 6528's F differs per
     * 4-tuple (and each client port is random): no two close together. */
    int small = 0;
    for (int i = 0; i < count; i++) {
        if (isn[i] < 1000000u) {
            small++;
        }
        for (int j = i + 1; j < count; j++) {
            uint32_t d = isn[i] - isn[j];
            assert_true(d > 100000u && d < 0u - 100000u);
        }
    }
    assert_true(small <= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_transfer_both_ways, harness_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_peer_close_after_data, harness_setup,
                                        harness_teardown),
        cmocka_unit_test_setup_teardown(test_connect_refused, harness_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_connect_unroutable_and_ipv6, harness_setup,
                                        harness_teardown),
        cmocka_unit_test_setup_teardown(test_reset_on_close_with_unread_data, harness_setup,
                                        harness_teardown),
        cmocka_unit_test_setup_teardown(test_accept_queue_full, harness_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_listener_close_resets_pending, harness_setup,
                                        harness_teardown),
        cmocka_unit_test_setup_teardown(test_listen_again_over_time_wait, harness_setup,
                                        harness_teardown),
        cmocka_unit_test_setup_teardown(test_socket_table_full, harness_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_invalid_arguments, harness_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_connect_by_name, harness_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_resolve_failures, harness_setup, harness_teardown),
        cmocka_unit_test_setup_teardown(test_late_dns_answer_after_close, harness_setup,
                                        harness_teardown),
        cmocka_unit_test_setup_teardown(test_isn_on_the_wire, harness_setup, harness_teardown),
    };
    return cmocka_run_group_tests(tests, harness_group_setup, NULL);
}
