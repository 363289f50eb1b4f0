/*
 * Stub resolver over the datagram seam: sends one query to the configured
 * server, retransmits on timeout, accepts only an answer that matches
 * source, id and question, and follows CNAMEs inside that answer.
 */
#include "acme/io/dns_client.h"

#include <string.h>

#include "acme/codec/ip_addr.h"

#define DNS_FLAG_QR 0x8000u
#define DNS_OPCODE_MASK 0x7800u

void acme_dns_client_init(acme_dns_client_t *c, const acme_udp_ops_t *udp, void *udp_ctx,
                          const acme_ip_addr_t *server, uint16_t server_port)
{
    if (c == NULL) {
        return;
    }
    memset(c, 0, sizeof(*c));
    c->udp = udp;
    c->udp_ctx = udp_ctx;
    if (server != NULL) {
        c->server = *server;
    }
    c->server_port = server_port;
    c->handle = -1;
    c->state = ACME_DNS_CLIENT_IDLE;
}

static void close_socket(acme_dns_client_t *c)
{
    if (c->handle >= 0) {
        c->udp->close(c->udp_ctx, c->handle);
        c->handle = -1;
    }
}

static acme_status_t finish(acme_dns_client_t *c, acme_status_t result)
{
    close_socket(c);
    c->state = ACME_DNS_CLIENT_DONE;
    c->result = result;
    return result;
}

void acme_dns_client_close(acme_dns_client_t *c)
{
    if (c == NULL) {
        return;
    }
    close_socket(c);
    c->state = ACME_DNS_CLIENT_IDLE;
    c->answer_len = 0;
    c->owner_off = 0;
}

static bool udp_ops_complete(const acme_udp_ops_t *udp)
{
    return udp != NULL && udp->open != NULL && udp->send_to != NULL && udp->recv_from != NULL &&
           udp->close != NULL;
}

acme_status_t acme_dns_client_start(acme_dns_client_t *c, const char *name, uint16_t qtype,
                                    uint16_t query_id, uint64_t now_ms)
{
    if (c == NULL || name == NULL || qtype == 0) {
        return ACME_ERR_INVALID_ARG;
    }
    acme_dns_client_close(c);
    if (!udp_ops_complete(c->udp) || c->server_port == 0 ||
        (c->server.family != ACME_IP_V4 && c->server.family != ACME_IP_V6)) {
        return ACME_ERR_CONFIG;
    }
    /* Writing the query once validates the name (and proves it fits). */
    size_t query_len;
    acme_status_t st = acme_dns_query_write(c->buf, sizeof(c->buf), &query_len, query_id, name,
                                            qtype, ACME_DNS_UDP_MAX);
    if (st != ACME_OK) {
        return st;
    }
    /* The name passed the check above, so it is at most 253 characters
     * plus an optional final dot, which is not kept. */
    size_t n = 0;
    while (n < sizeof(c->name) - 1u && name[n] != '\0') {
        c->name[n] = name[n];
        n++;
    }
    if (n > 0 && c->name[n - 1u] == '.') {
        n--;
    }
    c->name[n] = '\0';
    c->qtype = qtype;
    c->query_id = query_id;
    c->truncated = false;
    c->rcode = 0;
    c->result = ACME_WOULD_BLOCK;
    memset(&c->stats, 0, sizeof(c->stats));

    /* A new socket per query gives every query its own random source port. */
    int32_t handle = c->udp->open(c->udp_ctx, (acme_ip_family_t)c->server.family);
    if (handle < 0) {
        return (acme_status_t)handle;
    }
    c->handle = handle;
    c->attempt = 1;
    c->deadline_ms = now_ms + ACME_DNS_TIMEOUT_MS;
    c->state = ACME_DNS_CLIENT_SENDING;
    return ACME_OK;
}

/* Every record of the answer section must be readable, and the records
 * the client will use must have a well-formed RDATA: A 4 octets, AAAA 16,
 * CNAME exactly one name filling RDLENGTH. */
static acme_status_t check_answer_section(const uint8_t *msg, size_t len)
{
    acme_dns_reader_t r;
    acme_dns_rr_t rr;
    acme_status_t st = acme_dns_reader_init(&r, msg, len);
    if (st != ACME_OK) {
        return st;
    }
    /* Bounded by ancount (<= 65535), and in practice by the message:
     * every record takes at least 11 octets. */
    while ((st = acme_dns_next_answer(&r, &rr)) == ACME_OK) {
        if (rr.rclass != ACME_DNS_CLASS_IN) {
            continue;
        }
        if ((rr.type == ACME_DNS_TYPE_A && rr.rdlen != 4u) ||
            (rr.type == ACME_DNS_TYPE_AAAA && rr.rdlen != 16u)) {
            return ACME_ERR_MALFORMED;
        }
        if (rr.type == ACME_DNS_TYPE_CNAME) {
            char target[ACME_DNS_NAME_MAX + 2];
            size_t end;
            if (acme_dns_read_name(msg, len, rr.rdata_off, target, sizeof(target), &end) !=
                    ACME_OK ||
                end != rr.rdata_off + rr.rdlen) {
                return ACME_ERR_MALFORMED;
            }
        }
    }
    return st == ACME_ERR_NOT_FOUND ? ACME_OK : ACME_ERR_MALFORMED;
}

/* Find who owns the records of qtype: the question name, or the target of
 * a chain of CNAMEs starting there (RFC 1034 §3.6.2), following at most
 * ACME_DNS_CNAME_MAX links. The message was checked by
 * check_answer_section. A chain that leaves the answer (its last target has
 * no records here) is NO_ANSWER for now; a later query for the target is the
 * caller's business. */
static acme_status_t follow_chain(const uint8_t *msg, size_t len, const char *qname, uint16_t qtype,
                                  size_t *owner_off)
{
    char target[ACME_DNS_NAME_MAX + 2];
    size_t target_off = ACME_DNS_HEADER_LEN; /* the question name */
    size_t n = strlen(qname);
    memcpy(target, qname, n + 1u);

    for (unsigned links = 0;; links++) {
        acme_dns_reader_t r;
        acme_dns_rr_t rr;
        bool cname_found = false;
        size_t cname_off = 0;
        if (acme_dns_reader_init(&r, msg, len) != ACME_OK) {
            return ACME_ERR_MALFORMED;
        }
        while (acme_dns_next_answer(&r, &rr) == ACME_OK) {
            if (rr.rclass != ACME_DNS_CLASS_IN || !acme_dns_name_equal(rr.name, target)) {
                continue;
            }
            if (rr.type == qtype) {
                *owner_off = target_off;
                return ACME_OK;
            }
            if (rr.type == ACME_DNS_TYPE_CNAME && !cname_found) {
                cname_found = true;
                cname_off = rr.rdata_off;
            }
        }
        if (!cname_found) {
            return ACME_ERR_DNS_NO_ANSWER;
        }
        /* A loop (a -> b -> a) also ends here. */
        if (links >= ACME_DNS_CNAME_MAX) {
            return ACME_ERR_OVERSIZE;
        }
        size_t end;
        if (acme_dns_read_name(msg, len, cname_off, target, sizeof(target), &end) != ACME_OK) {
            return ACME_ERR_MALFORMED;
        }
        target_off = cname_off;
    }
}

static void drop(acme_dns_client_t *c, uint32_t *reason)
{
    (*reason)++;
    c->stats.dropped++;
}

/* Judge one datagram of n bytes in c->buf from (ip, port). Either it is
 * dropped and the client keeps waiting, or the query finishes. */
static void take_datagram(acme_dns_client_t *c, const acme_ip_addr_t *ip, uint16_t port, size_t n)
{
    c->stats.received++;
    if (!acme_ip_equal(ip, &c->server) || port != c->server_port) {
        drop(c, &c->stats.wrong_source);
        return;
    }
    /* Id and QR straight from the header, before spending time parsing. */
    if (n < ACME_DNS_HEADER_LEN || ((uint16_t)((c->buf[0] << 8) | c->buf[1])) != c->query_id ||
        (c->buf[2] & (DNS_FLAG_QR >> 8)) == 0) {
        drop(c, &c->stats.mismatched);
        return;
    }
    acme_dns_reader_t r;
    if (acme_dns_reader_init(&r, c->buf, n) != ACME_OK) {
        drop(c, &c->stats.malformed);
        return;
    }
    if ((r.flags & DNS_OPCODE_MASK) != 0 || !acme_dns_question_matches(&r, c->name, c->qtype)) {
        drop(c, &c->stats.mismatched);
        return;
    }

    c->rcode = acme_dns_rcode(&r);
    c->answer_len = n;
    if (acme_dns_truncated(&r)) {
        /* TODO(dns-tcp-fallback): retry the query over TCP (RFC 7766) when
         * TC=1 — the issue that adds CAA lookups and cross-query CNAME
         * chains brings it. Until then a truncated answer is a failure the
         * caller can recognise by c->truncated. */
        c->truncated = true;
        (void)finish(c, ACME_ERR_DNS);
        return;
    }
    if (c->rcode == ACME_DNS_RCODE_NXDOMAIN) {
        (void)finish(c, ACME_ERR_DNS_NXDOMAIN);
        return;
    }
    if (c->rcode != ACME_DNS_RCODE_NOERROR) {
        (void)finish(c, ACME_ERR_DNS);
        return;
    }
    /* An unreadable answer with the right id and question is dropped, not
     * fatal: a spoofer who guessed the id must not be able to end the
     * lookup before the real answer arrives. */
    if (check_answer_section(c->buf, n) != ACME_OK) {
        c->answer_len = 0;
        drop(c, &c->stats.malformed);
        return;
    }
    size_t owner_off = 0;
    acme_status_t st = follow_chain(c->buf, n, c->name, c->qtype, &owner_off);
    c->owner_off = owner_off;
    (void)finish(c, st);
}

static void receive(acme_dns_client_t *c)
{
    for (unsigned k = 0; k < ACME_DNS_CLIENT_RECV_PER_POLL; k++) {
        acme_ip_addr_t ip;
        uint16_t port = 0;
        memset(&ip, 0, sizeof(ip));
        int32_t n = c->udp->recv_from(c->udp_ctx, c->handle, &ip, &port, c->buf, sizeof(c->buf));
        if (n == ACME_WOULD_BLOCK) {
            return;
        }
        if (n < 0) {
            c->stats.recv_errors++;
            return;
        }
        /* A port that reports more than it was given is clamped. */
        take_datagram(c, &ip, port, (size_t)n < sizeof(c->buf) ? (size_t)n : sizeof(c->buf));
        if (c->state == ACME_DNS_CLIENT_DONE) {
            return;
        }
    }
}

/* The same id, socket and bytes for every attempt (as glibc's resolver
 * does): a late answer to an earlier attempt is then still accepted, which
 * matters on slow links. It does not help a spoofer: an off-path attacker
 * has the same (source port, id) space to guess during the whole query
 * either way, and an on-path one sees the query anyway. */
static acme_status_t send_query(acme_dns_client_t *c)
{
    size_t len;
    acme_status_t st = acme_dns_query_write(c->buf, sizeof(c->buf), &len, c->query_id, c->name,
                                            c->qtype, ACME_DNS_UDP_MAX);
    if (st != ACME_OK) {
        return st; /* cannot happen: start() wrote the same query */
    }
    int32_t n = c->udp->send_to(c->udp_ctx, c->handle, &c->server, c->server_port, c->buf, len);
    if (n == ACME_WOULD_BLOCK) {
        return ACME_WOULD_BLOCK;
    }
    if (n < 0) {
        return (acme_status_t)n;
    }
    if ((size_t)n != len) {
        return ACME_ERR_TRANSPORT;
    }
    c->stats.sent++;
    return ACME_OK;
}

acme_status_t acme_dns_client_poll(acme_dns_client_t *c, uint64_t now_ms,
                                   uint64_t *next_deadline_ms)
{
    if (next_deadline_ms != NULL) {
        *next_deadline_ms = UINT64_MAX;
    }
    if (c == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    if (c->state == ACME_DNS_CLIENT_IDLE) {
        return ACME_ERR_BAD_STATE;
    }
    if (c->state == ACME_DNS_CLIENT_DONE) {
        return (acme_status_t)c->result;
    }

    /* Read first: an answer that arrived by the deadline wins over a
     * retransmission. */
    receive(c);
    if (c->state == ACME_DNS_CLIENT_DONE) {
        return (acme_status_t)c->result;
    }

    if (now_ms >= c->deadline_ms) {
        if (c->attempt >= ACME_DNS_ATTEMPTS) {
            return finish(c, ACME_ERR_TIMEOUT);
        }
        /* Each attempt gets its full time from when it begins, even when
         * the caller polls late. */
        c->attempt++;
        c->deadline_ms = now_ms + ACME_DNS_TIMEOUT_MS;
        c->state = ACME_DNS_CLIENT_SENDING;
    }

    if (c->state == ACME_DNS_CLIENT_SENDING) {
        acme_status_t st = send_query(c);
        if (st == ACME_WOULD_BLOCK) {
            if (next_deadline_ms != NULL) {
                *next_deadline_ms = now_ms; /* the socket is full: try again soon */
            }
            return ACME_WOULD_BLOCK;
        }
        if (st != ACME_OK) {
            return finish(c, st);
        }
        c->state = ACME_DNS_CLIENT_WAITING;
    }
    if (next_deadline_ms != NULL) {
        *next_deadline_ms = c->deadline_ms;
    }
    return ACME_WOULD_BLOCK;
}

static bool has_answer(const acme_dns_client_t *c)
{
    return c != NULL && c->state == ACME_DNS_CLIENT_DONE && c->result == ACME_OK &&
           c->answer_len > 0;
}

acme_status_t acme_dns_client_records(const acme_dns_client_t *c, acme_dns_answer_iter_t *it)
{
    if (it == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    memset(it, 0, sizeof(*it));
    if (!has_answer(c)) {
        return ACME_ERR_BAD_STATE;
    }
    size_t end;
    if (acme_dns_reader_init(&it->reader, c->buf, c->answer_len) != ACME_OK ||
        acme_dns_read_name(c->buf, c->answer_len, c->owner_off, it->owner, sizeof(it->owner),
                           &end) != ACME_OK) {
        return ACME_ERR_MALFORMED; /* cannot happen: checked when accepted */
    }
    return ACME_OK;
}

acme_status_t acme_dns_client_next_record(const acme_dns_client_t *c, acme_dns_answer_iter_t *it,
                                          acme_dns_rr_t *rr)
{
    if (it == NULL || rr == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    if (!has_answer(c) || it->reader.msg != c->buf) {
        return ACME_ERR_BAD_STATE;
    }
    acme_status_t st;
    while ((st = acme_dns_next_answer(&it->reader, rr)) == ACME_OK) {
        if (rr->type == c->qtype && rr->rclass == ACME_DNS_CLASS_IN &&
            acme_dns_name_equal(rr->name, it->owner)) {
            return ACME_OK;
        }
    }
    return st;
}

acme_status_t acme_dns_client_addresses(const acme_dns_client_t *c, acme_ip_addr_t *out, size_t cap,
                                        size_t *count)
{
    if (count == NULL || (out == NULL && cap > 0)) {
        return ACME_ERR_INVALID_ARG;
    }
    *count = 0;
    if (!has_answer(c)) {
        return ACME_ERR_BAD_STATE;
    }
    if (c->qtype != ACME_DNS_TYPE_A && c->qtype != ACME_DNS_TYPE_AAAA) {
        return ACME_ERR_INVALID_ARG;
    }
    acme_dns_answer_iter_t it;
    acme_dns_rr_t rr;
    acme_status_t st = acme_dns_client_records(c, &it);
    if (st != ACME_OK) {
        return st;
    }
    /* Bounded by the answer's record count and by cap. */
    while (*count < cap && (st = acme_dns_client_next_record(c, &it, &rr)) == ACME_OK) {
        acme_ip_addr_t *ip = &out[*count];
        memset(ip, 0, sizeof(*ip));
        ip->family = (uint8_t)(c->qtype == ACME_DNS_TYPE_A ? ACME_IP_V4 : ACME_IP_V6);
        memcpy(ip->bytes, rr.rdata, rr.rdlen); /* 4 or 16, checked on arrival */
        (*count)++;
    }
    return (st == ACME_OK || st == ACME_ERR_NOT_FOUND) ? ACME_OK : st;
}
