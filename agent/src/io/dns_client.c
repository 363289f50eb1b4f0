/*
 * Stub resolver over the datagram seam: sends one query to the server,
 * retransmits on timeout, accepts only an answer that matches source, id
 * and question, repeats a truncated query over the stream seam, and
 * follows CNAMEs inside an answer and, when the answer stops at a CNAME,
 * with a query for its target.
 */
#include "acme/io/dns_client.h"

#if ACME_ENABLE_DNS_CLIENT

#include <string.h>

#include "acme/codec/ip_addr.h"

#define DNS_FLAG_QR 0x8000u
#define DNS_OPCODE_MASK 0x7800u
#define DNS_TCP_PREFIX_LEN 2u /* RFC 1035 §4.2.2: two-octet length before each message */

void acme_dns_client_init(acme_dns_client_t *c, const acme_port_t *port,
                          const acme_ip_addr_t *server, uint16_t server_port,
                          uint16_t (*random16)(void *ctx), void *random_ctx)
{
    if (c == NULL) {
        return;
    }
    memset(c, 0, sizeof(*c));
    if (port != NULL) {
        c->udp = port->udp;
        c->udp_ctx = port->udp_ctx;
        c->net = port->net;
        c->net_ctx = port->net_ctx;
    }
    c->random16 = random16;
    c->random_ctx = random_ctx;
    if (server != NULL) {
        c->server = *server;
        c->server_port = server_port;
    } else {
        c->system_server = true;
    }
    c->handle = -1;
    c->tcp_handle = -1;
    c->state = ACME_DNS_CLIENT_IDLE;
}

static void close_sockets(acme_dns_client_t *c)
{
    if (c->handle >= 0) {
        c->udp->close(c->udp_ctx, c->handle);
        c->handle = -1;
    }
    if (c->tcp_handle >= 0) {
        c->net->close(c->net_ctx, c->tcp_handle);
        c->tcp_handle = -1;
    }
}

static void finish(acme_dns_client_t *c, acme_status_t result)
{
    close_sockets(c);
    c->state = ACME_DNS_CLIENT_DONE;
    c->result = result;
}

void acme_dns_client_close(acme_dns_client_t *c)
{
    if (c == NULL) {
        return;
    }
    close_sockets(c);
    c->state = ACME_DNS_CLIENT_IDLE;
    c->answer_len = 0;
    c->owner_off = 0;
}

static bool udp_ops_complete(const acme_udp_ops_t *udp)
{
    return udp != NULL && udp->open != NULL && udp->send_to != NULL && udp->recv_from != NULL &&
           udp->close != NULL;
}

static bool net_ops_complete(const acme_net_ops_t *net)
{
    return net != NULL && net->connect != NULL && net->send != NULL && net->recv != NULL &&
           net->close != NULL;
}

/* FNV-1a over the name as acme_dns_name_equal sees it (ASCII case folded,
 * no final dot). 64 bits keep an accidental collision, which would end a
 * good chain as a "loop", out of reach; a server that wants a lookup to
 * fail can answer SERVFAIL anyway, so a crafted collision gains nothing. */
static uint64_t name_hash(const char *name)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    size_t n = strlen(name);
    if (n > 0 && name[n - 1u] == '.') {
        n--;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t b = (uint8_t)name[i];
        if (b >= 'A' && b <= 'Z') {
            b = (uint8_t)(b + ('a' - 'A'));
        }
        h = (h ^ b) * UINT64_C(0x100000001b3);
    }
    return h;
}

/* Make name the current query's question: checked by writing the query
 * once (which also proves it fits in the buffer), kept without a final
 * dot. */
static acme_status_t set_question(acme_dns_client_t *c, const char *name)
{
    size_t query_len;
    acme_status_t st =
        acme_dns_query_write(c->buf, sizeof(c->buf), &query_len, 0, name, c->qtype, 0);
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
    return ACME_OK;
}

/* Begin a query for the current question over UDP: a new socket (a new
 * random source port) and a new random id for every query, CNAME
 * follow-ups included. */
static acme_status_t begin_query(acme_dns_client_t *c, uint64_t now_ms)
{
    int32_t handle = c->udp->open(c->udp_ctx, (acme_ip_family_t)c->server.family);
    if (handle < 0) {
        return (acme_status_t)handle;
    }
    c->handle = handle;
    c->query_id = c->random16(c->random_ctx);
    c->attempt = 1;
    c->deadline_ms = now_ms + ACME_DNS_TIMEOUT_MS;
    c->answer_len = 0;
    c->owner_off = 0;
    c->state = ACME_DNS_CLIENT_SENDING;
    c->stats.queries++;
    return ACME_OK;
}

acme_status_t acme_dns_client_start(acme_dns_client_t *c, const char *name, uint16_t qtype,
                                    uint64_t now_ms)
{
    if (c == NULL || name == NULL || qtype == 0) {
        return ACME_ERR_INVALID_ARG;
    }
    acme_dns_client_close(c);
    if (!udp_ops_complete(c->udp) || c->random16 == NULL) {
        return ACME_ERR_CONFIG;
    }
    c->qtype = qtype;
    acme_status_t st = set_question(c, name);
    if (st != ACME_OK) {
        return st;
    }
    if (c->system_server) {
        /* Asked at every lookup: the platform's configuration may change
         * (DHCP), and a lookup runs against one server from start to end. */
        if (c->udp->system_resolver == NULL) {
            return ACME_ERR_CONFIG;
        }
        acme_ip_addr_t ip;
        uint16_t port = 0;
        memset(&ip, 0, sizeof(ip));
        int32_t rc = c->udp->system_resolver(c->udp_ctx, &ip, &port);
        if (rc != ACME_OK) {
            return rc < 0 ? (acme_status_t)rc : ACME_ERR_CONFIG;
        }
        c->server = ip;
        c->server_port = port;
    }
    if (c->server_port == 0 || (c->server.family != ACME_IP_V4 && c->server.family != ACME_IP_V6)) {
        return ACME_ERR_CONFIG;
    }
    c->truncated = false;
    c->cname_loop = false;
    c->cname_links = 0;
    c->tcp_error = 0;
    c->rcode = 0;
    c->result = ACME_WOULD_BLOCK;
    memset(&c->stats, 0, sizeof(c->stats));
    c->seen[0] = name_hash(c->name);
    c->seen_count = 1;
    return begin_query(c, now_ms);
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

/* Take one CNAME link to target: refused when the target was on the chain
 * already (a loop, found at once rather than after ACME_DNS_CNAME_MAX
 * queries) or when the lookup has used up its links. */
static acme_status_t take_link(acme_dns_client_t *c, const char *target)
{
    uint64_t h = name_hash(target);
    for (unsigned i = 0; i < c->seen_count; i++) {
        if (c->seen[i] == h) {
            c->cname_loop = true;
            return ACME_ERR_OVERSIZE;
        }
    }
    if (c->cname_links >= ACME_DNS_CNAME_MAX) {
        return ACME_ERR_OVERSIZE;
    }
    c->cname_links++;
    c->seen[c->seen_count++] = h; /* seen_count = links + 1 <= ACME_DNS_CNAME_MAX + 1 */
    return ACME_OK;
}

/* Find who owns the records of qtype in the answer of n bytes in c->buf:
 * the question name, or the target of a chain of CNAMEs starting there
 * (RFC 1034 §3.6.2). The message was checked by check_answer_section.
 * ACME_OK with *owner_off; or, when the chain goes on beyond this answer
 * (its last target has no records here), ACME_WOULD_BLOCK with that target
 * in next (ACME_DNS_NAME_MAX + 2 bytes); or NO_ANSWER, OVERSIZE. */
static acme_status_t follow_chain(acme_dns_client_t *c, size_t n, size_t *owner_off, char *next)
{
    const uint8_t *msg = c->buf;
    size_t target_off = ACME_DNS_HEADER_LEN; /* the question name */
    size_t len = strlen(c->name);
    memcpy(next, c->name, len + 1u);

    /* Every pass but the last takes a link, and take_link allows at most
     * ACME_DNS_CNAME_MAX of them per lookup, so the bound is never hit. */
    for (unsigned links_here = 0; links_here <= ACME_DNS_CNAME_MAX; links_here++) {
        acme_dns_reader_t r;
        acme_dns_rr_t rr;
        bool cname_found = false;
        size_t cname_off = 0;
        if (acme_dns_reader_init(&r, msg, n) != ACME_OK) {
            return ACME_ERR_MALFORMED;
        }
        while (acme_dns_next_answer(&r, &rr) == ACME_OK) {
            if (rr.rclass != ACME_DNS_CLASS_IN || !acme_dns_name_equal(rr.name, next)) {
                continue;
            }
            if (rr.type == c->qtype) {
                *owner_off = target_off;
                return ACME_OK;
            }
            if (rr.type == ACME_DNS_TYPE_CNAME && !cname_found) {
                cname_found = true;
                cname_off = rr.rdata_off;
            }
        }
        if (!cname_found) {
            /* Nothing for the question itself: the name has no such
             * records. Nothing for a target reached through this answer:
             * the server left the rest of the chain to us. */
            return links_here == 0 ? ACME_ERR_DNS_NO_ANSWER : ACME_WOULD_BLOCK;
        }
        size_t end;
        if (acme_dns_read_name(msg, n, cname_off, next, ACME_DNS_NAME_MAX + 2u, &end) != ACME_OK) {
            return ACME_ERR_MALFORMED;
        }
        acme_status_t st = take_link(c, next);
        if (st != ACME_OK) {
            return st;
        }
        target_off = cname_off;
    }
    return ACME_ERR_OVERSIZE;
}

static void start_tcp(acme_dns_client_t *c, uint64_t now_ms);

/* An answer of n bytes in c->buf (read by r) matched the query (over UDP:
 * source, id, question; over TCP: id, question). Decide what it means: the
 * end of the lookup, a TCP retry, or a query for a CNAME target. False
 * when a datagram turns out unreadable and is dropped after all. */
static bool conclude(acme_dns_client_t *c, const acme_dns_reader_t *r, size_t n, bool over_tcp,
                     uint64_t now_ms)
{
    c->rcode = acme_dns_rcode(r);
    c->answer_len = n;
    if (acme_dns_truncated(r)) {
        if (over_tcp) {
            finish(c, ACME_ERR_DNS); /* nothing bigger to fall back to */
        } else {
            start_tcp(c, now_ms);
        }
        return true;
    }
    if (c->rcode == ACME_DNS_RCODE_NXDOMAIN) {
        finish(c, ACME_ERR_DNS_NXDOMAIN);
        return true;
    }
    if (c->rcode != ACME_DNS_RCODE_NOERROR) {
        finish(c, ACME_ERR_DNS);
        return true;
    }
    if (check_answer_section(c->buf, n) != ACME_OK) {
        c->answer_len = 0;
        c->stats.malformed++;
        if (over_tcp) {
            finish(c, ACME_ERR_MALFORMED); /* the server itself sent it */
            return true;
        }
        /* An unreadable datagram with the right id and question is
         * dropped, not fatal: a spoofer who guessed the id must not be
         * able to end the lookup before the real answer arrives. */
        c->stats.dropped++;
        return false;
    }
    size_t owner_off = 0;
    char target[ACME_DNS_NAME_MAX + 2];
    acme_status_t st = follow_chain(c, n, &owner_off, target);
    if (st != ACME_WOULD_BLOCK) {
        c->owner_off = owner_off;
        finish(c, st);
        return true;
    }
    /* The chain continues at target: the same question for it, as a new
     * query with its own socket, id and attempts. */
    close_sockets(c);
    st = set_question(c, target);
    if (st != ACME_OK) {
        finish(c, ACME_ERR_MALFORMED); /* a target we cannot even ask for */
        return true;
    }
    st = begin_query(c, now_ms);
    if (st != ACME_OK) {
        finish(c, st);
    }
    return true;
}

/* ---- UDP ------------------------------------------------------------------------- */

static void drop(acme_dns_client_t *c, uint32_t *reason)
{
    (*reason)++;
    c->stats.dropped++;
}

/* True when the message of n bytes in c->buf carries our id and is a
 * response (checked on the raw header, before spending time parsing). */
static bool id_and_qr_match(const acme_dns_client_t *c, size_t n)
{
    return n >= ACME_DNS_HEADER_LEN && (uint16_t)((c->buf[0] << 8) | c->buf[1]) == c->query_id &&
           (c->buf[2] & (DNS_FLAG_QR >> 8)) != 0;
}

/* Judge one datagram of n bytes in c->buf from (ip, port): false when it
 * is dropped (the client keeps waiting), true when it was accepted. */
static bool take_datagram(acme_dns_client_t *c, const acme_ip_addr_t *ip, uint16_t port, size_t n,
                          uint64_t now_ms)
{
    c->stats.received++;
    if (!acme_ip_equal(ip, &c->server) || port != c->server_port) {
        drop(c, &c->stats.wrong_source);
        return false;
    }
    if (!id_and_qr_match(c, n)) {
        drop(c, &c->stats.mismatched);
        return false;
    }
    acme_dns_reader_t r;
    if (acme_dns_reader_init(&r, c->buf, n) != ACME_OK) {
        drop(c, &c->stats.malformed);
        return false;
    }
    if ((r.flags & DNS_OPCODE_MASK) != 0 || !acme_dns_question_matches(&r, c->name, c->qtype)) {
        drop(c, &c->stats.mismatched);
        return false;
    }
    return conclude(c, &r, n, false, now_ms);
}

static void receive(acme_dns_client_t *c, uint64_t now_ms)
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
        if (take_datagram(c, &ip, port, (size_t)n < sizeof(c->buf) ? (size_t)n : sizeof(c->buf),
                          now_ms)) {
            return; /* accepted: done, over to TCP, or a new query's socket */
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
        return st; /* cannot happen: set_question wrote the same query */
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

/* ---- TCP (RFC 7766) ----------------------------------------------------------- */

static void tcp_fail(acme_dns_client_t *c, int32_t error)
{
    c->tcp_error = error;
    finish(c, ACME_ERR_DNS);
}

/* The UDP answer was truncated: ask the same server the same query (same
 * id and bytes) over one TCP connection, with one attempt of
 * ACME_DNS_TIMEOUT_MS. Keeping the id is safe: a TCP answer can only come
 * from whoever completed the handshake with the server's address, which an
 * off-path spoofer cannot do, so the id adds little there; and the
 * exchange stays exactly the query the server asked us to repeat. */
static void start_tcp(acme_dns_client_t *c, uint64_t now_ms)
{
    close_sockets(c); /* no more datagrams: the UDP part is over */
    c->truncated = true;
    c->answer_len = 0;
    c->stats.tcp++;
    if (!net_ops_complete(c->net)) {
        finish(c, ACME_ERR_DNS);
        return;
    }
    char host[ACME_IP_TEXT_MAX];
    size_t query_len;
    acme_status_t st = acme_ip_format(&c->server, host, sizeof(host), NULL);
    if (st == ACME_OK) {
        st = acme_dns_query_write(c->buf + DNS_TCP_PREFIX_LEN, sizeof(c->buf) - DNS_TCP_PREFIX_LEN,
                                  &query_len, c->query_id, c->name, c->qtype, ACME_DNS_UDP_MAX);
    }
    if (st != ACME_OK) {
        finish(c, st); /* cannot happen: both worked before */
        return;
    }
    c->buf[0] = (uint8_t)(query_len >> 8);
    c->buf[1] = (uint8_t)query_len;
    int32_t h = c->net->connect(c->net_ctx, host, c->server_port);
    if (h < 0) {
        tcp_fail(c, h);
        return;
    }
    c->tcp_handle = h;
    c->tcp_len = DNS_TCP_PREFIX_LEN + query_len;
    c->tcp_done = 0;
    c->deadline_ms = now_ms + ACME_DNS_TIMEOUT_MS;
    c->state = ACME_DNS_CLIENT_TCP_SENDING;
}

/* The whole TCP answer (tcp_len bytes) is in c->buf. There is one query on
 * the connection, so an answer that does not match it ends the lookup. */
static void take_tcp_answer(acme_dns_client_t *c, uint64_t now_ms)
{
    size_t n = c->tcp_len;
    if (!id_and_qr_match(c, n)) {
        c->stats.mismatched++;
        finish(c, ACME_ERR_DNS);
        return;
    }
    acme_dns_reader_t r;
    if (acme_dns_reader_init(&r, c->buf, n) != ACME_OK) {
        c->stats.malformed++;
        finish(c, ACME_ERR_MALFORMED);
        return;
    }
    if ((r.flags & DNS_OPCODE_MASK) != 0 || !acme_dns_question_matches(&r, c->name, c->qtype)) {
        c->stats.mismatched++;
        finish(c, ACME_ERR_DNS);
        return;
    }
    close_sockets(c); /* one query per connection */
    (void)conclude(c, &r, n, true, now_ms);
}

/* Move the TCP exchange on: send the length-prefixed query, then read the
 * two-octet length and exactly that many octets into c->buf. At most
 * ACME_DNS_CLIENT_RECV_PER_POLL calls into the seam. */
static void tcp_step(acme_dns_client_t *c, uint64_t now_ms)
{
    for (unsigned k = 0; k < ACME_DNS_CLIENT_RECV_PER_POLL; k++) {
        if (c->state == ACME_DNS_CLIENT_TCP_SENDING) {
            size_t want = c->tcp_len - c->tcp_done;
            int32_t n = c->net->send(c->net_ctx, c->tcp_handle, c->buf + c->tcp_done, want);
            if (n == ACME_WOULD_BLOCK || n == 0) {
                return; /* still connecting, or the socket is full */
            }
            if (n < 0) {
                tcp_fail(c, n);
                return;
            }
            c->tcp_done += (size_t)n < want ? (size_t)n : want;
            if (c->tcp_done == c->tcp_len) {
                c->state = ACME_DNS_CLIENT_TCP_RECEIVING;
                c->tcp_done = 0;
                c->tcp_len = 0;
            }
            continue;
        }
        if (c->state != ACME_DNS_CLIENT_TCP_RECEIVING) {
            return;
        }
        bool in_prefix = c->tcp_done < DNS_TCP_PREFIX_LEN;
        uint8_t *dst =
            in_prefix ? c->tcp_prefix + c->tcp_done : c->buf + (c->tcp_done - DNS_TCP_PREFIX_LEN);
        size_t want = in_prefix ? DNS_TCP_PREFIX_LEN - c->tcp_done
                                : c->tcp_len - (c->tcp_done - DNS_TCP_PREFIX_LEN);
        int32_t n = c->net->recv(c->net_ctx, c->tcp_handle, dst, want);
        if (n == ACME_WOULD_BLOCK) {
            return;
        }
        if (n <= 0) {
            tcp_fail(c, n == 0 ? ACME_ERR_CLOSED : n); /* closed before the whole answer */
            return;
        }
        c->tcp_done += (size_t)n < want ? (size_t)n : want;
        if (in_prefix && c->tcp_done == DNS_TCP_PREFIX_LEN) {
            c->tcp_len = (size_t)((c->tcp_prefix[0] << 8) | c->tcp_prefix[1]);
            if (c->tcp_len > sizeof(c->buf)) {
                finish(c, ACME_ERR_OVERSIZE); /* not read: it would not fit */
                return;
            }
            if (c->tcp_len < ACME_DNS_HEADER_LEN) {
                c->stats.malformed++;
                finish(c, ACME_ERR_MALFORMED);
                return;
            }
        }
        if (!in_prefix && c->tcp_done == DNS_TCP_PREFIX_LEN + c->tcp_len) {
            take_tcp_answer(c, now_ms);
            return;
        }
    }
}

static bool in_tcp(const acme_dns_client_t *c)
{
    return c->state == ACME_DNS_CLIENT_TCP_SENDING || c->state == ACME_DNS_CLIENT_TCP_RECEIVING;
}

/* ---- polling ------------------------------------------------------------------- */

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
     * retransmission or a timeout. An accepted datagram may hand over to
     * TCP, which then gets its first turn at once. */
    if (!in_tcp(c)) {
        receive(c, now_ms);
    }
    if (in_tcp(c)) {
        tcp_step(c, now_ms);
    }
    if (c->state == ACME_DNS_CLIENT_DONE) {
        return (acme_status_t)c->result;
    }

    if (in_tcp(c)) {
        if (now_ms >= c->deadline_ms) {
            finish(c, ACME_ERR_TIMEOUT);
            return ACME_ERR_TIMEOUT;
        }
        /* Waiting for the connection or the answer: the wait seam wakes
         * on the stream's readiness, the deadline bounds it. */
        if (next_deadline_ms != NULL) {
            *next_deadline_ms = c->deadline_ms;
        }
        return ACME_WOULD_BLOCK;
    }

    if (now_ms >= c->deadline_ms) {
        if (c->attempt >= ACME_DNS_ATTEMPTS) {
            finish(c, ACME_ERR_TIMEOUT);
            return ACME_ERR_TIMEOUT;
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
            finish(c, st);
            return st;
        }
        c->state = ACME_DNS_CLIENT_WAITING;
    }
    if (next_deadline_ms != NULL) {
        *next_deadline_ms = c->deadline_ms;
    }
    return ACME_WOULD_BLOCK;
}

/* ---- reading the answer ------------------------------------------------------------ */

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

acme_status_t acme_dns_client_owner(const acme_dns_client_t *c, char *out, size_t cap)
{
    if (out == NULL || cap == 0) {
        return ACME_ERR_INVALID_ARG;
    }
    out[0] = '\0';
    if (!has_answer(c)) {
        return ACME_ERR_BAD_STATE;
    }
    size_t end;
    acme_status_t st = acme_dns_read_name(c->buf, c->answer_len, c->owner_off, out, cap, &end);
    return st == ACME_OK || st == ACME_ERR_BUFFER_TOO_SMALL ? st : ACME_ERR_MALFORMED;
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

#endif /* ACME_ENABLE_DNS_CLIENT */
