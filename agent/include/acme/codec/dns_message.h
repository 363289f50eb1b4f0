/*
 * DNS messages (RFC 1035) for the agent's own stub resolver: building
 * queries and reading answers. Everything that comes back is untrusted:
 * every read is bounds-checked, compressed names are followed with loop
 * protection (pointers must point backwards, at most 64 jumps), and names
 * longer than 255 octets on the wire are rejected.
 */
#ifndef ACME_CODEC_DNS_MESSAGE_H
#define ACME_CODEC_DNS_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/config_defaults.h"
#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    ACME_DNS_TYPE_A = 1,
    ACME_DNS_TYPE_CNAME = 5,
    ACME_DNS_TYPE_AAAA = 28,
    ACME_DNS_TYPE_OPT = 41,
    ACME_DNS_TYPE_CAA = 257,
    ACME_DNS_CLASS_IN = 1
};

enum {
    ACME_DNS_RCODE_NOERROR = 0,
    ACME_DNS_RCODE_FORMERR = 1,
    ACME_DNS_RCODE_SERVFAIL = 2,
    ACME_DNS_RCODE_NXDOMAIN = 3,
    ACME_DNS_RCODE_REFUSED = 5
};

#define ACME_DNS_HEADER_LEN 12u

/* Write a recursive query (RD=1) for name/qtype with the given id. With
 * edns_payload > 0 an OPT record advertises that UDP payload size (RFC 6891).
 * name is text ("a.example.com", an optional final dot); labels of 1..63
 * characters, at most 253 characters: ACME_ERR_INVALID_ARG otherwise. */
acme_status_t acme_dns_query_write(uint8_t *out, size_t cap, size_t *len, uint16_t id,
                                   const char *name, uint16_t qtype, uint16_t edns_payload);

typedef struct acme_dns_reader {
    const uint8_t *msg;
    size_t len;
    uint16_t id;
    uint16_t flags; /* QR, opcode, AA, TC, RD, RA, rcode bits as on the wire */
    uint16_t qdcount;
    uint16_t ancount;
    uint16_t nscount;
    uint16_t arcount;
    size_t question_off; /* where the (single) question starts */
    size_t pos;          /* next record to read */
    uint16_t answers_read;
} acme_dns_reader_t;

/* Check the header and the single question of a response; position the
 * reader on the answer section. ACME_ERR_MALFORMED for a short message, a
 * query (QR=0), qdcount != 1, or a bad question. */
acme_status_t acme_dns_reader_init(acme_dns_reader_t *r, const uint8_t *msg, size_t len);

static inline uint8_t acme_dns_rcode(const acme_dns_reader_t *r)
{
    return (uint8_t)(r->flags & 0x000Fu);
}
static inline bool acme_dns_truncated(const acme_dns_reader_t *r)
{
    return (r->flags & 0x0200u) != 0;
}

/* True when the response's question is exactly (name, qtype, IN), names
 * compared without regard to ASCII case and a final dot. */
bool acme_dns_question_matches(const acme_dns_reader_t *r, const char *name, uint16_t qtype);

typedef struct acme_dns_rr {
    char name[ACME_DNS_NAME_MAX + 2]; /* text form, no final dot */
    uint16_t type;
    uint16_t rclass;
    uint32_t ttl;
    const uint8_t *rdata; /* points into the message */
    uint16_t rdlen;
    size_t rdata_off; /* offset of rdata in the message (for names in rdata) */
} acme_dns_rr_t;

/* Read the next record of the answer section. ACME_ERR_NOT_FOUND after the
 * last one; ACME_ERR_MALFORMED when a record runs past the message. */
acme_status_t acme_dns_next_answer(acme_dns_reader_t *r, acme_dns_rr_t *rr);

/* Decode the (possibly compressed) name at off into text form. *next_off is
 * the offset just past the name where it starts (not where a pointer led). */
acme_status_t acme_dns_read_name(const uint8_t *msg, size_t len, size_t off, char *out, size_t cap,
                                 size_t *next_off);

/* Compare two text names without regard to ASCII case or a final dot. */
bool acme_dns_name_equal(const char *a, const char *b);

/* Length of a usable host name: LDH labels of 1..63 characters that neither
 * start nor end with '-', separated by single dots, no final dot, at most
 * ACME_DNS_NAME_MAX characters, optionally after a leading "*." wildcard
 * label. 0 when name is not one (or NULL). Reads at most
 * ACME_DNS_NAME_MAX + 1 bytes. */
size_t acme_dns_name_length(const char *name);

/* s[0..n) is a dot-separated list of LDH labels of 1..63 characters that
 * neither start nor end with '-' (no final dot; the total length is the
 * caller's to bound). The one label check of the agent: host names in the
 * configuration and the CSR, and URL hosts. */
bool acme_dns_labels_ok(const char *s, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* ACME_CODEC_DNS_MESSAGE_H */
