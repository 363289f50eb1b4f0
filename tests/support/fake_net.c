/*
 * Fake stream seam for unit tests: records the connection and what was
 * sent, replays scripted bytes in chunks, injects errors (see fake_net.h).
 */
#include "fake_net.h"

#include <string.h>

void fake_net_init(fake_net_t *f)
{
    memset(f, 0, sizeof(*f));
    f->open_handle = -1;
    f->next_handle = 20; /* apart from fake_udp's handles, so mix-ups are caught */
}

bool fake_net_reply_raw(fake_net_t *f, const uint8_t *data, size_t len)
{
    if (len > sizeof(f->reply) - f->reply_len) {
        return false;
    }
    memcpy(f->reply + f->reply_len, data, len);
    f->reply_len += len;
    return true;
}

bool fake_net_reply_dns(fake_net_t *f, const uint8_t *msg, size_t len)
{
    const uint8_t prefix[2] = {(uint8_t)(len >> 8), (uint8_t)len};
    if (len > 0xffffu || len + 2u > sizeof(f->reply) - f->reply_len) {
        return false;
    }
    return fake_net_reply_raw(f, prefix, 2) && fake_net_reply_raw(f, msg, len);
}

static int32_t fake_connect(void *ctx, const char *host, uint16_t port)
{
    fake_net_t *f = ctx;
    f->connects++;
    if (f->connect_result < 0) {
        return f->connect_result;
    }
    size_t n = strlen(host);
    if (n >= sizeof(f->host)) {
        n = sizeof(f->host) - 1u;
    }
    memcpy(f->host, host, n);
    f->host[n] = '\0';
    f->port = port;
    f->open_handle = f->next_handle++;
    return f->open_handle;
}

/* Common to send and recv: the handle, the connecting phase, the error. */
static int32_t io_gate(fake_net_t *f, int32_t handle)
{
    if (handle != f->open_handle || handle < 0) {
        f->bad_handle_used = true;
        return ACME_ERR_TRANSPORT;
    }
    if (f->connecting_calls > 0) {
        f->connecting_calls--;
        return ACME_WOULD_BLOCK;
    }
    return f->io_error < 0 ? f->io_error : ACME_OK;
}

static int32_t fake_send(void *ctx, int32_t handle, const uint8_t *data, size_t len)
{
    fake_net_t *f = ctx;
    f->send_calls++;
    int32_t gate = io_gate(f, handle);
    if (gate != ACME_OK) {
        return gate;
    }
    if (f->send_chunk > 0 && len > f->send_chunk) {
        len = f->send_chunk;
    }
    if (len > sizeof(f->sent) - f->sent_len) {
        return ACME_ERR_TRANSPORT;
    }
    memcpy(f->sent + f->sent_len, data, len);
    f->sent_len += len;
    return (int32_t)len;
}

static int32_t fake_recv(void *ctx, int32_t handle, uint8_t *buf, size_t cap)
{
    fake_net_t *f = ctx;
    f->recv_calls++;
    int32_t gate = io_gate(f, handle);
    if (gate != ACME_OK) {
        return gate;
    }
    size_t left = f->reply_len - f->reply_pos;
    if (left == 0) {
        return f->close_after_reply ? 0 : ACME_WOULD_BLOCK;
    }
    size_t n = left < cap ? left : cap;
    if (f->recv_chunk > 0 && n > f->recv_chunk) {
        n = f->recv_chunk;
    }
    memcpy(buf, f->reply + f->reply_pos, n);
    f->reply_pos += n;
    return (int32_t)n;
}

static void fake_close(void *ctx, int32_t handle)
{
    fake_net_t *f = ctx;
    if (handle != f->open_handle || handle < 0) {
        f->bad_handle_used = true;
        return;
    }
    f->closes++;
    f->open_handle = -1;
}

const acme_net_ops_t fake_net_ops = {
    .connect = fake_connect,
    .send = fake_send,
    .recv = fake_recv,
    .close = fake_close,
};
