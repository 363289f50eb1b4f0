/*
 * A fake stream seam (acme_net_ops_t) for unit tests of clients: one
 * outgoing connection at a time. It records what the code under test
 * connects to and sends, and hands back the bytes the test scripted, in
 * chunks of a chosen size, after a chosen number of "still connecting"
 * calls. Connect and I/O errors can be injected. No sockets, no clock.
 */
#ifndef ACME_TEST_FAKE_NET_H
#define ACME_TEST_FAKE_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/port.h"

#define FAKE_NET_DATA_MAX 8192u
#define FAKE_NET_HOST_MAX 64u

typedef struct fake_net {
    /* What the code did. */
    unsigned connects;
    unsigned closes;
    int32_t open_handle; /* the connection open now, -1 if none */
    char host[FAKE_NET_HOST_MAX];
    uint16_t port;
    unsigned send_calls;
    unsigned recv_calls;
    size_t sent_len; /* bytes accepted by send, over the connection */
    uint8_t sent[FAKE_NET_DATA_MAX];
    bool bad_handle_used; /* send/recv/close with a handle not open */

    /* What the test scripts (all zero after init: connect works at once,
     * whole sends, whole replies, then WOULD_BLOCK). */
    int32_t connect_result;    /* < 0: connect fails at once with it */
    unsigned connecting_calls; /* send/recv return WOULD_BLOCK this many times first */
    int32_t io_error;          /* < 0: send/recv fail with it after connecting
                                * (like a refused connection) */
    size_t send_chunk;         /* most bytes one send takes (0: all) */
    size_t recv_chunk;         /* most bytes one recv returns (0: all it can) */
    bool close_after_reply;    /* once the reply is out: recv 0 (else WOULD_BLOCK) */
    uint8_t reply[FAKE_NET_DATA_MAX];
    size_t reply_len;
    size_t reply_pos;
    int32_t next_handle;
} fake_net_t;

extern const acme_net_ops_t fake_net_ops;

void fake_net_init(fake_net_t *f);

/* Script the server's bytes: raw, or one DNS message with its two-octet
 * length prefix (RFC 1035 §4.2.2). Appended to what is scripted already;
 * false when it does not fit. */
bool fake_net_reply_raw(fake_net_t *f, const uint8_t *data, size_t len);
bool fake_net_reply_dns(fake_net_t *f, const uint8_t *msg, size_t len);

#endif /* ACME_TEST_FAKE_NET_H */
