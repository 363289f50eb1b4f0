/*
 * Fake datagram seam for unit tests: records sends, replays queued
 * datagrams, injects errors (see fake_udp.h).
 */
#include "fake_udp.h"

#include <string.h>

void fake_udp_init(fake_udp_t *f)
{
    memset(f, 0, sizeof(*f));
    f->open_handle = -1;
    f->next_handle = 3; /* like a real fd: not 0, so a zeroed handle is caught */
    f->system_result = ACME_ERR_NOT_FOUND;
}

bool fake_udp_inject(fake_udp_t *f, const acme_ip_addr_t *ip, uint16_t port, const uint8_t *data,
                     size_t len)
{
    if (f->queue_len >= FAKE_UDP_QUEUE_MAX || len > FAKE_UDP_DATAGRAM_MAX) {
        return false;
    }
    fake_udp_datagram_t *d = &f->queue[(f->queue_head + f->queue_len) % FAKE_UDP_QUEUE_MAX];
    d->ip = *ip;
    d->port = port;
    d->len = len;
    memcpy(d->data, data, len);
    f->queue_len++;
    return true;
}

void fake_udp_script_send(fake_udp_t *f, int32_t result)
{
    if (f->send_results_n < sizeof(f->send_results) / sizeof(f->send_results[0])) {
        f->send_results[f->send_results_n++] = result;
    }
}

const fake_udp_datagram_t *fake_udp_last_sent(const fake_udp_t *f)
{
    if (f->sends == 0) {
        return NULL;
    }
    return &f->sent[(f->sends - 1u) % FAKE_UDP_SENT_MAX];
}

static int32_t fake_open(void *ctx, acme_ip_family_t family)
{
    fake_udp_t *f = ctx;
    f->opens++;
    if (f->open_result < 0) {
        return f->open_result;
    }
    f->open_handle = f->next_handle++;
    f->open_family = family;
    return f->open_handle;
}

static int32_t fake_send_to(void *ctx, int32_t handle, const acme_ip_addr_t *ip, uint16_t port,
                            const uint8_t *data, size_t len)
{
    fake_udp_t *f = ctx;
    f->send_calls++;
    if (handle != f->open_handle || handle < 0) {
        f->bad_handle_used = true;
        return ACME_ERR_TRANSPORT;
    }
    if (f->send_results_n > 0) {
        int32_t result = f->send_results[0];
        memmove(&f->send_results[0], &f->send_results[1],
                (f->send_results_n - 1u) * sizeof(f->send_results[0]));
        f->send_results_n--;
        return result;
    }
    if (len > FAKE_UDP_DATAGRAM_MAX) {
        return ACME_ERR_TRANSPORT;
    }
    fake_udp_datagram_t *d = &f->sent[f->sends % FAKE_UDP_SENT_MAX];
    d->ip = *ip;
    d->port = port;
    d->len = len;
    memcpy(d->data, data, len);
    f->sends++;
    return (int32_t)len;
}

static int32_t fake_recv_from(void *ctx, int32_t handle, acme_ip_addr_t *ip, uint16_t *port,
                              uint8_t *buf, size_t cap)
{
    fake_udp_t *f = ctx;
    f->recv_calls++;
    if (handle != f->open_handle || handle < 0) {
        f->bad_handle_used = true;
        return ACME_ERR_TRANSPORT;
    }
    if (f->recv_error < 0) {
        int32_t e = f->recv_error;
        f->recv_error = 0;
        return e;
    }
    if (f->queue_len == 0) {
        return ACME_WOULD_BLOCK;
    }
    const fake_udp_datagram_t *d = &f->queue[f->queue_head];
    f->queue_head = (f->queue_head + 1u) % FAKE_UDP_QUEUE_MAX;
    f->queue_len--;
    size_t n = d->len < cap ? d->len : cap; /* truncated to cap, like a real socket */
    memcpy(buf, d->data, n);
    *ip = d->ip;
    *port = d->port;
    return (int32_t)n;
}

static void fake_close(void *ctx, int32_t handle)
{
    fake_udp_t *f = ctx;
    if (handle != f->open_handle || handle < 0) {
        f->bad_handle_used = true;
        return;
    }
    f->closes++;
    f->open_handle = -1;
}

static int32_t fake_system_resolver(void *ctx, acme_ip_addr_t *ip, uint16_t *port)
{
    fake_udp_t *f = ctx;
    f->system_calls++;
    if (f->system_result != ACME_OK) {
        return f->system_result;
    }
    *ip = f->system_ip;
    *port = f->system_port;
    return ACME_OK;
}

const acme_udp_ops_t fake_udp_ops = {
    .open = fake_open,
    .send_to = fake_send_to,
    .recv_from = fake_recv_from,
    .close = fake_close,
    .system_resolver = fake_system_resolver,
};
