/*
 * Fuzz target for DNS answers: the message reader over arbitrary bytes
 * (header, question, every answer, names inside CNAME RDATA, names at any
 * offset), then the same bytes as a reply to the stub resolver, over UDP
 * and, when they say TC=1, over TCP with a length prefix, which exercises
 * its answer checks, the TCP reader and CNAME following.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "acme/codec/dns_message.h"
#include "acme/io/dns_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A datagram seam that delivers the fuzz input once, from the server, and
 * a stream seam that delivers it once more with its two-octet length. */
typedef struct one_reply {
    const uint8_t *data;
    size_t size;
    int delivered;
    size_t streamed; /* bytes of prefix + data handed to recv */
    uint16_t id;
} one_reply_t;

static const acme_ip_addr_t server = {ACME_IP_V4, {127, 0, 0, 1}};

static int32_t reply_open(void *ctx, acme_ip_family_t family)
{
    (void)ctx;
    (void)family;
    return 3;
}

static int32_t reply_send_to(void *ctx, int32_t handle, const acme_ip_addr_t *ip, uint16_t port,
                             const uint8_t *data, size_t len)
{
    (void)ctx;
    (void)handle;
    (void)ip;
    (void)port;
    (void)data;
    return (int32_t)len;
}

static int32_t reply_recv_from(void *ctx, int32_t handle, acme_ip_addr_t *ip, uint16_t *port,
                               uint8_t *buf, size_t cap)
{
    one_reply_t *r = ctx;
    (void)handle;
    if (r->delivered) {
        return ACME_WOULD_BLOCK;
    }
    r->delivered = 1;
    size_t n = r->size < cap ? r->size : cap;
    memcpy(buf, r->data, n);
    *ip = server;
    *port = 53;
    return (int32_t)n;
}

static void reply_close(void *ctx, int32_t handle)
{
    (void)ctx;
    (void)handle;
}

static const acme_udp_ops_t reply_ops = {reply_open, reply_send_to, reply_recv_from, reply_close,
                                         NULL};

static int32_t stream_connect(void *ctx, const char *host, uint16_t port)
{
    (void)ctx;
    (void)host;
    (void)port;
    return 4;
}

static int32_t stream_send(void *ctx, int32_t handle, const uint8_t *data, size_t len)
{
    (void)ctx;
    (void)handle;
    (void)data;
    return (int32_t)len;
}

/* The input in pieces of at most 7 bytes, to exercise partial reads, and
 * with TC cleared, so that a truncated UDP answer is taken whole over TCP. */
static int32_t stream_recv(void *ctx, int32_t handle, uint8_t *buf, size_t cap)
{
    one_reply_t *r = ctx;
    (void)handle;
    size_t total = r->size + 2u;
    if (r->size > 0xffffu || r->streamed >= total) {
        return 0;
    }
    size_t n = 0;
    while (n < cap && n < 7u && r->streamed < total) {
        size_t at = r->streamed++;
        uint8_t b;
        if (at < 2u) {
            b = (uint8_t)(at == 0 ? r->size >> 8 : r->size);
        } else if (at == 4u) {
            b = (uint8_t)(r->data[2] & ~0x02u); /* QR, opcode, AA, TC, RD: TC off */
        } else {
            b = r->data[at - 2u];
        }
        buf[n++] = b;
    }
    return (int32_t)n;
}

static const acme_net_ops_t stream_ops = {stream_connect, stream_send, stream_recv,
                                          reply_close,    NULL,        NULL};

static uint16_t reply_id(void *ctx)
{
    return ((const one_reply_t *)ctx)->id;
}

static acme_dns_client_t client;

static void read_message(const uint8_t *data, size_t size, char *qname, uint16_t *qtype)
{
    acme_dns_reader_t r;
    acme_dns_rr_t rr;
    char name[ACME_DNS_NAME_MAX + 2];
    size_t next;
    qname[0] = '\0';
    *qtype = 0;
    if (acme_dns_reader_init(&r, data, size) != ACME_OK) {
        return;
    }
    if (acme_dns_read_name(data, size, r.question_off, qname, ACME_DNS_NAME_MAX + 2, &next) ==
            ACME_OK &&
        size - next >= 4) {
        *qtype = (uint16_t)((data[next] << 8) | data[next + 1]);
    }
    (void)acme_dns_question_matches(&r, qname, *qtype);
    (void)acme_dns_question_matches(&r, "example.com", ACME_DNS_TYPE_A);
    (void)acme_dns_rcode(&r);
    (void)acme_dns_truncated(&r);
    /* Bounded by ancount; each record consumes >= 11 octets or fails. */
    while (acme_dns_next_answer(&r, &rr) == ACME_OK) {
        if (rr.rdata_off + rr.rdlen > size) {
            __builtin_trap(); /* the reader promised bounds */
        }
        if (rr.type == ACME_DNS_TYPE_CNAME &&
            acme_dns_read_name(data, size, rr.rdata_off, name, sizeof(name), &next) == ACME_OK) {
            (void)acme_dns_name_equal(name, rr.name);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char qname[ACME_DNS_NAME_MAX + 2];
    char name[ACME_DNS_NAME_MAX + 2];
    size_t next;
    uint16_t qtype;

    read_message(data, size, qname, &qtype);

    /* Names at every offset of the first bytes: pointers from anywhere. */
    for (size_t off = 0; off < size && off < 300; off++) {
        if (acme_dns_read_name(data, size, off, name, sizeof(name), &next) == ACME_OK &&
            (next <= off || next > size || strlen(name) > ACME_DNS_NAME_MAX)) {
            __builtin_trap();
        }
    }

    /* The input as the server's reply to a query for its own question, so
     * that matching inputs reach the client's checks and CNAME following. */
    if (qname[0] != '\0' && qtype != 0 && size >= 2) {
        one_reply_t reply = {data, size, 0, 0, (uint16_t)((data[0] << 8) | data[1])};
        uint64_t deadline;
        acme_port_t port;
        memset(&port, 0, sizeof(port));
        port.udp = &reply_ops;
        port.udp_ctx = &reply;
        port.net = &stream_ops;
        port.net_ctx = &reply;
        acme_dns_client_init(&client, &port, &server, 53, reply_id, &reply);
        if (acme_dns_client_start(&client, qname, qtype, 0) == ACME_OK) {
            acme_status_t st = ACME_WOULD_BLOCK;
            /* Bounded: the input is delivered once per seam; a poll makes
             * up to 8 stream reads of 7 bytes, so 160 polls take a whole
             * ACME_DNS_TCP_MAX answer. */
            for (uint64_t t = 0; t < 160u && st == ACME_WOULD_BLOCK; t++) {
                st = acme_dns_client_poll(&client, t, &deadline);
            }
            if (st == ACME_OK) {
                char owner[ACME_DNS_NAME_MAX + 2];
                (void)acme_dns_client_owner(&client, owner, sizeof(owner));
                acme_ip_addr_t addrs[4];
                size_t count;
                acme_dns_answer_iter_t it;
                acme_dns_rr_t rr;
                (void)acme_dns_client_addresses(&client, addrs, 4, &count);
                if (acme_dns_client_records(&client, &it) == ACME_OK) {
                    while (acme_dns_client_next_record(&client, &it, &rr) == ACME_OK) {
                    }
                }
            }
            acme_dns_client_close(&client);
        }
    }
    return 0;
}
