/*
 * The agent's own stub resolver: one query at a time to one configured
 * recursive server over the datagram seam (acme_udp_ops_t), polled, never
 * blocking. Used when the integrator sets a resolver (--dns-server IP:PORT)
 * to find the ACME server's address; the query type is generic so that CAA
 * lookups use the same client.
 *
 * Defences against off-path spoofing (DESIGN §9): a fresh socket (random
 * source port, chosen by the port) per query, a random query id supplied by
 * the caller, and an answer is taken only when its source address and port
 * are the server's, the id matches, it is a response (QR=1, opcode QUERY)
 * and its question is exactly ours. Anything else is dropped and counted,
 * and the client keeps waiting for the real answer.
 *
 * Lifecycle: init once; start a query; poll until it returns something other
 * than ACME_WOULD_BLOCK; on ACME_OK read the records (addresses() or the
 * record iterator); close (or start the next query, which closes the last).
 * The client holds no pointer to caller memory except the udp table and
 * context given to init.
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

/* Datagrams read per poll at most, so that a flood of junk cannot keep
 * poll() from returning. More are read on the next poll. */
#define ACME_DNS_CLIENT_RECV_PER_POLL 8u

typedef enum acme_dns_client_state {
    ACME_DNS_CLIENT_IDLE = 0, /* no query: after init or close */
    ACME_DNS_CLIENT_SENDING,  /* the current attempt's datagram is not sent yet */
    ACME_DNS_CLIENT_WAITING,  /* sent; waiting for the answer or the attempt deadline */
    ACME_DNS_CLIENT_DONE      /* finished; the result is kept until close/start */
} acme_dns_client_state_t;

/* Counters for one query (reset by start). Every datagram received is
 * either the accepted answer or dropped for exactly one reason. */
typedef struct acme_dns_client_stats {
    uint32_t sent;         /* datagrams handed to the port (1 per attempt) */
    uint32_t received;     /* datagrams read from the socket */
    uint32_t dropped;      /* received and not accepted: the sum of the three below */
    uint32_t wrong_source; /* from another address or port than the server's */
    uint32_t mismatched;   /* wrong id, not a response, wrong opcode or question */
    uint32_t malformed;    /* right id and question, but unreadable */
    uint32_t recv_errors;  /* errors from recv_from, ignored: ICMP errors are
                            * unauthenticated and must not end a lookup */
} acme_dns_client_stats_t;

typedef struct acme_dns_client {
    const acme_udp_ops_t *udp;
    void *udp_ctx;
    acme_ip_addr_t server;
    uint16_t server_port;
    uint16_t qtype;
    uint16_t query_id;
    uint8_t state;        /* acme_dns_client_state_t */
    uint8_t attempt;      /* attempts begun: 1..ACME_DNS_ATTEMPTS */
    uint8_t rcode;        /* of the accepted answer */
    bool truncated;       /* the accepted answer had TC=1 (result ACME_ERR_DNS) */
    int32_t handle;       /* datagram socket, -1 when none is open */
    int32_t result;       /* acme_status_t once DONE */
    uint64_t deadline_ms; /* end of the current attempt */
    size_t answer_len;    /* bytes of the accepted answer in buf */
    size_t owner_off;     /* offset in buf of the name that owns the records
                           * (the question, or the last CNAME target) */
    acme_dns_client_stats_t stats;
    char name[ACME_DNS_NAME_MAX + 2]; /* the question name, no final dot */
    uint8_t buf[ACME_DNS_UDP_MAX];    /* the query while sending, then the answer */
} acme_dns_client_t;

/* Walks the records of an accepted answer (see acme_dns_client_records). */
typedef struct acme_dns_answer_iter {
    acme_dns_reader_t reader;
    char owner[ACME_DNS_NAME_MAX + 2];
} acme_dns_answer_iter_t;

/* Set up a client for one server. udp and udp_ctx must outlive the client;
 * server is copied. Opens nothing. */
void acme_dns_client_init(acme_dns_client_t *c, const acme_udp_ops_t *udp, void *udp_ctx,
                          const acme_ip_addr_t *server, uint16_t server_port);

/* Begin a query for (name, qtype, IN) with EDNS0 (payload ACME_DNS_UDP_MAX).
 * query_id must be random (from the agent's DRBG): with the random source
 * port it is what makes off-path spoofing hard. A query already running is
 * closed first. Opens a new socket; the first datagram goes out on the next
 * poll. Errors: ACME_ERR_CONFIG (no udp seam, no server address or port 0),
 * ACME_ERR_INVALID_ARG (bad name, qtype 0), or the port's error from open. */
acme_status_t acme_dns_client_start(acme_dns_client_t *c, const char *name, uint16_t qtype,
                                    uint16_t query_id, uint64_t now_ms);

/* Advance the query: read up to ACME_DNS_CLIENT_RECV_PER_POLL datagrams,
 * retransmit when an attempt's ACME_DNS_TIMEOUT_MS has passed, send at most
 * one datagram. Returns
 *   ACME_WOULD_BLOCK       waiting; poll again by *next_deadline_ms (that is
 *                          now_ms when a send must be retried) or when the
 *                          socket is readable;
 *   ACME_OK                an answer with at least one record of qtype for
 *                          the name (after CNAMEs inside the answer);
 *   ACME_ERR_DNS_NXDOMAIN  the name does not exist;
 *   ACME_ERR_DNS_NO_ANSWER the name exists but has no record of qtype (also
 *                          when the answer ends in a CNAME whose target's
 *                          records are not included);
 *   ACME_ERR_DNS           SERVFAIL, REFUSED, FORMERR or another rcode
 *                          (see c->rcode), or a truncated answer (TC=1,
 *                          c->truncated set);
 *   ACME_ERR_OVERSIZE      a CNAME chain longer than ACME_DNS_CNAME_MAX links;
 *   ACME_ERR_TIMEOUT       no acceptable answer after ACME_DNS_ATTEMPTS
 *                          attempts of ACME_DNS_TIMEOUT_MS each;
 *   the port's error       when send_to fails;
 *   ACME_ERR_BAD_STATE     no query was started.
 * Once finished, poll returns the same result again with *next_deadline_ms
 * UINT64_MAX, and the socket is already closed. next_deadline_ms may be
 * NULL. */
acme_status_t acme_dns_client_poll(acme_dns_client_t *c, uint64_t now_ms,
                                   uint64_t *next_deadline_ms);

/* Start walking the records that answer the question: type qtype, class IN,
 * owned by the question name or, after CNAMEs, by the chain's last target.
 * ACME_ERR_BAD_STATE unless poll returned ACME_OK. The iterator reads c's
 * buffer: use it before the next start/close. */
acme_status_t acme_dns_client_records(const acme_dns_client_t *c, acme_dns_answer_iter_t *it);

/* Next such record: ACME_OK, or ACME_ERR_NOT_FOUND after the last. */
acme_status_t acme_dns_client_next_record(const acme_dns_client_t *c, acme_dns_answer_iter_t *it,
                                          acme_dns_rr_t *rr);

/* The addresses of an A or AAAA query, in answer order: at most cap are
 * stored, *count says how many. ACME_ERR_BAD_STATE unless poll returned
 * ACME_OK, ACME_ERR_INVALID_ARG for another qtype. */
acme_status_t acme_dns_client_addresses(const acme_dns_client_t *c, acme_ip_addr_t *out, size_t cap,
                                        size_t *count);

/* Close the socket if one is open and forget the query (back to IDLE). The
 * server stays configured. Safe to call at any time, also twice. */
void acme_dns_client_close(acme_dns_client_t *c);

#ifdef __cplusplus
}
#endif

#endif /* ACME_IO_DNS_CLIENT_H */
