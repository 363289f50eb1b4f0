/*
 * The agent's own stub resolver: one lookup at a time to one recursive
 * server, over the datagram seam (acme_udp_ops_t) with a fallback to the
 * stream seam (acme_net_ops_t), polled, never blocking. The server is the
 * integrator's (--dns-server IP:PORT) or, without one, the platform's first
 * configured name server (acme_udp_ops_t.system_resolver). Used to find the
 * ACME server's address and for CAA lookups (RFC 8659).
 *
 * A lookup is one or more queries: a query goes out over UDP with EDNS0
 * (payload ACME_DNS_UDP_MAX), is retransmitted on timeout, and is repeated
 * once over TCP when the answer is truncated (TC=1, RFC 7766). An answer
 * that ends in a CNAME whose target's records it does not carry starts a
 * query for the target (RFC 1034 §3.6.2), up to ACME_DNS_CNAME_MAX links in
 * total.
 *
 * Defences against off-path spoofing (DESIGN §9): a fresh socket (random
 * source port, chosen by the port) and a random query id (from the
 * caller's random16, i.e. the agent's DRBG) per query, and an answer is
 * taken only when its source address and port are the server's, the id
 * matches, it is a response (QR=1, opcode QUERY) and its question is
 * exactly ours. Anything else over UDP is dropped and counted, and the
 * client keeps waiting for the real answer. Over TCP the connection itself
 * vouches for the source; an answer that does not match ends the lookup.
 *
 * Lifecycle: init once; start a lookup; poll until it returns something
 * other than ACME_WOULD_BLOCK; on ACME_OK read the records (addresses() or
 * the record iterator) and, if it matters, who owned them (owner()); close
 * (or start the next lookup, which closes the last). The client holds no
 * pointer to caller memory except the seam tables, their contexts and the
 * random16 context given to init.
 */
#ifndef ACME_IO_DNS_CLIENT_H
#define ACME_IO_DNS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/codec/dns_message.h"
#include "acme/config_defaults.h"
#include "acme/port.h"
#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Datagrams read (or stream reads and writes made) per poll at most, so
 * that a flood of junk or a peer trickling bytes cannot keep poll() from
 * returning. More are done on the next poll. */
#define ACME_DNS_CLIENT_RECV_PER_POLL 8u

typedef enum acme_dns_client_state {
    ACME_DNS_CLIENT_IDLE = 0,     /* no lookup: after init or close */
    ACME_DNS_CLIENT_SENDING,      /* the current attempt's datagram is not sent yet */
    ACME_DNS_CLIENT_WAITING,      /* sent; waiting for the answer or the attempt deadline */
    ACME_DNS_CLIENT_DONE,         /* finished; the result is kept until close/start */
    ACME_DNS_CLIENT_TCP_SENDING,  /* TC=1: connecting and sending the query over TCP */
    ACME_DNS_CLIENT_TCP_RECEIVING /* reading the length-prefixed answer over TCP */
} acme_dns_client_state_t;

/* Counters for one lookup (reset by start, summed over its queries). Every
 * datagram received is either an accepted answer or dropped for exactly
 * one reason. */
typedef struct acme_dns_client_stats {
    uint32_t queries;      /* queries begun: 1 + CNAME targets looked up */
    uint32_t sent;         /* datagrams handed to the port (1 per attempt) */
    uint32_t received;     /* datagrams read from the socket */
    uint32_t dropped;      /* received and not accepted: the sum of the three below */
    uint32_t wrong_source; /* from another address or port than the server's */
    uint32_t mismatched;   /* wrong id, not a response, wrong opcode or question
                            * (over TCP too, where it ends the lookup) */
    uint32_t malformed;    /* right id and question, but unreadable */
    uint32_t recv_errors;  /* errors from recv_from, ignored: ICMP errors are
                            * unauthenticated and must not end a lookup */
    uint32_t tcp;          /* queries repeated over TCP after TC=1 */
} acme_dns_client_stats_t;

typedef struct acme_dns_client {
    const acme_udp_ops_t *udp;
    void *udp_ctx;
    const acme_net_ops_t *net; /* NULL: a truncated answer fails (ACME_ERR_DNS) */
    void *net_ctx;
    uint16_t (*random16)(void *ctx); /* query ids */
    void *random_ctx;
    acme_ip_addr_t server; /* the server of the current lookup */
    uint16_t server_port;
    bool system_server; /* none configured: udp->system_resolver at each start */
    uint16_t qtype;
    uint16_t query_id;     /* of the current query */
    uint8_t state;         /* acme_dns_client_state_t */
    uint8_t attempt;       /* UDP attempts begun for the current query: 1..ACME_DNS_ATTEMPTS */
    uint8_t rcode;         /* of the accepted answer */
    bool truncated;        /* a UDP answer had TC=1, so the query went over TCP */
    bool cname_loop;       /* ACME_ERR_OVERSIZE because the chain came back to a name */
    uint8_t cname_links;   /* CNAME links followed, over all queries of the lookup */
    uint8_t seen_count;    /* names in seen[] */
    int32_t handle;        /* datagram socket, -1 when none is open */
    int32_t tcp_handle;    /* stream, -1 when none is open */
    int32_t tcp_error;     /* the stream seam's error when the TCP exchange failed */
    int32_t result;        /* acme_status_t once DONE */
    uint64_t deadline_ms;  /* end of the current attempt (UDP or TCP) */
    size_t answer_len;     /* bytes of the accepted answer in buf */
    size_t owner_off;      /* offset in buf of the name that owns the records
                            * (the question, or the last CNAME target) */
    size_t tcp_len;        /* TCP_SENDING: prefix + query; TCP_RECEIVING: the
                            * answer's length from its prefix */
    size_t tcp_done;       /* bytes of tcp_len sent, or received (prefix included) */
    uint8_t tcp_prefix[2]; /* the answer's length prefix as it arrives */
    /* Hashes of the names on the chain so far (the question and every CNAME
     * target), to stop a loop as soon as a name comes back. */
    uint64_t seen[ACME_DNS_CNAME_MAX + 1];
    acme_dns_client_stats_t stats;
    char name[ACME_DNS_NAME_MAX + 2]; /* the current query's name, no final dot */
    uint8_t buf[ACME_DNS_TCP_MAX];    /* the query while sending, then the answer */
} acme_dns_client_t;

/* Walks the records of an accepted answer (see acme_dns_client_records). */
typedef struct acme_dns_answer_iter {
    acme_dns_reader_t reader;
    char owner[ACME_DNS_NAME_MAX + 2];
} acme_dns_answer_iter_t;

/* Set up a client. From port it takes (copies) the datagram seam (udp,
 * udp_ctx: required) and the stream seam (net, net_ctx: for answers too big
 * for UDP; without it they fail); port itself may go away, the tables and
 * contexts must outlive the client. server is copied; NULL means the
 * platform's resolver (udp->system_resolver, asked at every start), and
 * server_port is then ignored. random16 gives the query ids: it must be
 * unpredictable (the agent's DRBG), since with the random source port it
 * is what makes off-path spoofing hard. Opens nothing. */
void acme_dns_client_init(acme_dns_client_t *c, const acme_port_t *port,
                          const acme_ip_addr_t *server, uint16_t server_port,
                          uint16_t (*random16)(void *ctx), void *random_ctx);

/* Begin a lookup for (name, qtype, IN). A lookup already running is closed
 * first. Opens a new socket; the first datagram goes out on the next poll.
 * Errors: ACME_ERR_CONFIG (no complete udp seam, no random16, a server
 * address of no family or port 0, or no server and no system_resolver),
 * the system_resolver's error (ACME_ERR_NOT_FOUND: the platform has no name
 * server), ACME_ERR_INVALID_ARG (bad name, qtype 0), or the port's error
 * from open. */
acme_status_t acme_dns_client_start(acme_dns_client_t *c, const char *name, uint16_t qtype,
                                    uint64_t now_ms);

/* Advance the lookup: read up to ACME_DNS_CLIENT_RECV_PER_POLL datagrams,
 * retransmit when an attempt's ACME_DNS_TIMEOUT_MS has passed, send at most
 * one datagram; or move the TCP exchange on. Returns
 *   ACME_WOULD_BLOCK       waiting; poll again by *next_deadline_ms (that is
 *                          now_ms when a send must be retried) or when a
 *                          socket is readable or writable;
 *   ACME_OK                an answer with at least one record of qtype for
 *                          the name or, after CNAMEs, the chain's last
 *                          target (see acme_dns_client_owner);
 *   ACME_ERR_DNS_NXDOMAIN  the name (or a CNAME target) does not exist;
 *   ACME_ERR_DNS_NO_ANSWER the name exists but has no record of qtype;
 *   ACME_ERR_DNS           SERVFAIL, REFUSED, FORMERR or another rcode
 *                          (see c->rcode); or the answer was truncated and
 *                          the TCP exchange failed: no stream seam, connect
 *                          or transfer failed (c->tcp_error), the peer
 *                          closed early, the TCP answer did not match the
 *                          query (id, QR, opcode, question) or was itself
 *                          truncated;
 *   ACME_ERR_MALFORMED     a TCP answer that matches but is unreadable, or a
 *                          CNAME target that cannot be queried (over UDP an
 *                          unreadable datagram is dropped instead);
 *   ACME_ERR_OVERSIZE      a CNAME chain longer than ACME_DNS_CNAME_MAX
 *                          links, or a loop (c->cname_loop: a name came back,
 *                          reported as soon as it is seen), or a TCP answer
 *                          longer than ACME_DNS_TCP_MAX;
 *   ACME_ERR_TIMEOUT       no acceptable answer after ACME_DNS_ATTEMPTS
 *                          attempts of ACME_DNS_TIMEOUT_MS each, or no TCP
 *                          answer within ACME_DNS_TIMEOUT_MS;
 *   the port's error       when send_to or a follow-up query's open fails;
 *   ACME_ERR_BAD_STATE     no lookup was started.
 * A lookup takes at most (ACME_DNS_CNAME_MAX + 1) queries of at most
 * (ACME_DNS_ATTEMPTS + 1) * ACME_DNS_TIMEOUT_MS each.
 * Once finished, poll returns the same result again with *next_deadline_ms
 * UINT64_MAX, and every socket is already closed. next_deadline_ms may be
 * NULL. */
acme_status_t acme_dns_client_poll(acme_dns_client_t *c, uint64_t now_ms,
                                   uint64_t *next_deadline_ms);

/* Start walking the records that answer the question: type qtype, class IN,
 * owned by the name acme_dns_client_owner() gives. ACME_ERR_BAD_STATE unless
 * poll returned ACME_OK. The iterator reads c's buffer: use it before the
 * next start/close. */
acme_status_t acme_dns_client_records(const acme_dns_client_t *c, acme_dns_answer_iter_t *it);

/* Next such record: ACME_OK, or ACME_ERR_NOT_FOUND after the last. */
acme_status_t acme_dns_client_next_record(const acme_dns_client_t *c, acme_dns_answer_iter_t *it,
                                          acme_dns_rr_t *rr);

/* The name that holds the records (text, no final dot): the looked-up name,
 * or the last target when the answer came through CNAMEs (then
 * c->cname_links > 0). A cap of ACME_DNS_NAME_MAX + 2 always suffices.
 * ACME_ERR_BAD_STATE unless poll returned ACME_OK, ACME_ERR_BUFFER_TOO_SMALL
 * when cap is short. */
acme_status_t acme_dns_client_owner(const acme_dns_client_t *c, char *out, size_t cap);

/* The addresses of an A or AAAA query, in answer order: at most cap are
 * stored, *count says how many. ACME_ERR_BAD_STATE unless poll returned
 * ACME_OK, ACME_ERR_INVALID_ARG for another qtype. */
acme_status_t acme_dns_client_addresses(const acme_dns_client_t *c, acme_ip_addr_t *out, size_t cap,
                                        size_t *count);

/* Close the sockets if any are open and forget the lookup (back to IDLE).
 * The configuration stays. Safe to call at any time, also twice. */
void acme_dns_client_close(acme_dns_client_t *c);

#ifdef __cplusplus
}
#endif

#endif /* ACME_IO_DNS_CLIENT_H */
