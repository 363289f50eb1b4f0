/*
 * A fake datagram seam (acme_udp_ops_t) for unit tests: it records what the
 * code under test opens, sends and closes, and hands back datagrams that the
 * test queued, with the source address and port the test chose. Errors can
 * be injected for open, send_to and recv_from. The system resolver answers
 * what the test sets (none by default). No sockets, no clock, no files.
 */
#ifndef ACME_TEST_FAKE_UDP_H
#define ACME_TEST_FAKE_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/port.h"

#define FAKE_UDP_DATAGRAM_MAX 4096u
#define FAKE_UDP_QUEUE_MAX 16u /* datagrams waiting to be received */
#define FAKE_UDP_SENT_MAX 8u   /* sends recorded (the latest ones kept) */

typedef struct fake_udp_datagram {
    acme_ip_addr_t ip; /* destination of a send, source of a receive */
    uint16_t port;
    size_t len;
    uint8_t data[FAKE_UDP_DATAGRAM_MAX];
} fake_udp_datagram_t;

typedef struct fake_udp {
    /* What the code did. */
    unsigned opens;
    unsigned closes;
    int32_t open_handle; /* the handle currently open, -1 if none */
    acme_ip_family_t open_family;
    unsigned sends;      /* send_to calls that succeeded */
    unsigned send_calls; /* all send_to calls */
    unsigned recv_calls;
    fake_udp_datagram_t sent[FAKE_UDP_SENT_MAX]; /* sent[(sends - 1) % MAX] is the last */
    bool bad_handle_used;                        /* send/recv/close with a handle not open */

    /* What the test scripts. */
    int32_t open_result;     /* < 0: open fails with it (once set, every time) */
    int32_t send_results[4]; /* consumed in order by send_to while nonzero */
    size_t send_results_n;
    int32_t recv_error;    /* < 0: the next recv_from returns it (once) */
    int32_t system_result; /* system_resolver: ACME_OK with the two below, or
                            * this error (ACME_ERR_NOT_FOUND after init) */
    acme_ip_addr_t system_ip;
    uint16_t system_port;
    unsigned system_calls;
    fake_udp_datagram_t queue[FAKE_UDP_QUEUE_MAX];
    size_t queue_head;
    size_t queue_len;
    int32_t next_handle;
} fake_udp_t;

extern const acme_udp_ops_t fake_udp_ops;

void fake_udp_init(fake_udp_t *f);

/* Queue one datagram for recv_from, as if sent from ip:port. Returns false
 * when the queue is full or the datagram too big. */
bool fake_udp_inject(fake_udp_t *f, const acme_ip_addr_t *ip, uint16_t port, const uint8_t *data,
                     size_t len);

/* Make the next send_to calls return these values instead of sending
 * (e.g. ACME_WOULD_BLOCK, ACME_ERR_TRANSPORT). */
void fake_udp_script_send(fake_udp_t *f, int32_t result);

/* The last datagram sent, or NULL when nothing was sent. */
const fake_udp_datagram_t *fake_udp_last_sent(const fake_udp_t *f);

#endif /* ACME_TEST_FAKE_UDP_H */
