/*
 * One lookup with the agent's DNS client over the POSIX port, against a real
 * server (test_dns_client.sh runs dnsmasq on 127.0.0.1), in the super-loop
 * an integrator would write: poll, wait, poll.
 *
 *   dns_lookup SERVER_IP:PORT NAME TYPE       TYPE: A, AAAA, CAA or a number
 *
 * Prints what the client found, one item per line, for the script to assert:
 *   status ACME_OK            (or the error's name; then nothing more)
 *   owner NAME                the name that held the records
 *   cname-links N             CNAME links followed
 *   queries N                 queries the lookup took
 *   tcp 0|1                   whether the answer came over TCP (TC=1 first)
 *   A 127.0.0.7 | AAAA ::1 | CAA 0 issue "ca.test" | TYPE<n> <hex>
 * Exit 0 for ACME_OK, 2 for a lookup error, 1 for bad usage. Traffic goes
 * only to the given server (loopback in the tests).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme/codec/ip_addr.h"
#include "acme/io/dns_client.h"
#include "acme/port_posix.h"

/* Longer than any lookup can take: (ACME_DNS_CNAME_MAX + 1) queries of
 * (ACME_DNS_ATTEMPTS + 1) x ACME_DNS_TIMEOUT_MS each is 72 s with the
 * defaults; the script's dnsmasq answers in milliseconds. */
#define LOOKUP_LIMIT_MS 90000u
#define WAIT_SLICE_MS 100u

static acme_posix_port_t pp;
static acme_port_t port;
static acme_dns_client_t client;

/* Query ids from the port's entropy seam (getrandom), as the agent's DRBG
 * would give them. */
static uint16_t random16(void *ctx)
{
    (void)ctx;
    uint8_t b[2] = {0, 0};
    if (port.rng->fill(port.rng_ctx, b, sizeof(b)) != ACME_OK) {
        fprintf(stderr, "dns_lookup: no entropy\n");
        exit(1);
    }
    return (uint16_t)((b[0] << 8) | b[1]);
}

static uint16_t parse_type(const char *text)
{
    if (strcmp(text, "A") == 0) {
        return ACME_DNS_TYPE_A;
    }
    if (strcmp(text, "AAAA") == 0) {
        return ACME_DNS_TYPE_AAAA;
    }
    if (strcmp(text, "CAA") == 0) {
        return ACME_DNS_TYPE_CAA;
    }
    char *end = NULL;
    unsigned long n = strtoul(text, &end, 10);
    return (end != NULL && *end == '\0' && n > 0 && n <= 0xffffu) ? (uint16_t)n : 0;
}

/* Printable ASCII as is, '"' and '\' escaped, the rest as \xNN. */
static void print_text(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"' || p[i] == '\\') {
            printf("\\%c", p[i]);
        } else if (p[i] >= 0x20 && p[i] < 0x7f) {
            putchar(p[i]);
        } else {
            printf("\\x%02x", p[i]);
        }
    }
}

static void print_record(const acme_dns_rr_t *rr)
{
    char text[ACME_IP_TEXT_MAX];
    acme_ip_addr_t ip;
    memset(&ip, 0, sizeof(ip));
    if ((rr->type == ACME_DNS_TYPE_A && rr->rdlen == 4) ||
        (rr->type == ACME_DNS_TYPE_AAAA && rr->rdlen == 16)) {
        ip.family = rr->type == ACME_DNS_TYPE_A ? ACME_IP_V4 : ACME_IP_V6;
        memcpy(ip.bytes, rr->rdata, rr->rdlen);
        if (acme_ip_format(&ip, text, sizeof(text), NULL) == ACME_OK) {
            printf("%s %s\n", rr->type == ACME_DNS_TYPE_A ? "A" : "AAAA", text);
            return;
        }
    }
    /* RFC 8659 §4.1: flags, tag length, tag, value (the rest). */
    if (rr->type == ACME_DNS_TYPE_CAA && rr->rdlen >= 2 && rr->rdata[1] <= rr->rdlen - 2u) {
        size_t tag_len = rr->rdata[1];
        printf("CAA %u ", (unsigned)rr->rdata[0]);
        print_text(rr->rdata + 2, tag_len);
        printf(" \"");
        print_text(rr->rdata + 2 + tag_len, rr->rdlen - 2u - tag_len);
        printf("\"\n");
        return;
    }
    printf("TYPE%u ", (unsigned)rr->type);
    for (size_t i = 0; i < rr->rdlen; i++) {
        printf("%02x", rr->rdata[i]);
    }
    printf("\n");
}

int main(int argc, char **argv)
{
    acme_ip_addr_t server;
    uint16_t server_port = 0;
    uint16_t qtype = argc == 4 ? parse_type(argv[3]) : 0;
    if (argc != 4 || qtype == 0 ||
        acme_ip_parse_endpoint(argv[1], strlen(argv[1]), 0, &server, &server_port) != ACME_OK) {
        fprintf(stderr, "usage: dns_lookup SERVER_IP:PORT NAME A|AAAA|CAA|NUMBER\n");
        return 1;
    }
    if (acme_posix_port_init(&pp, &port) != ACME_OK) {
        fprintf(stderr, "dns_lookup: port init failed\n");
        return 1;
    }
    acme_dns_client_init(&client, &port, &server, server_port, random16, NULL);

    uint64_t start = port.clock->now_ms(port.clock_ctx);
    acme_status_t st = acme_dns_client_start(&client, argv[2], qtype, start);
    /* Bounded by LOOKUP_LIMIT_MS; the client's own deadlines end it first. */
    for (;;) {
        if (st != ACME_OK && st != ACME_WOULD_BLOCK) {
            break;
        }
        uint64_t now = port.clock->now_ms(port.clock_ctx);
        uint64_t next = UINT64_MAX;
        st = acme_dns_client_poll(&client, now, &next);
        if (st != ACME_WOULD_BLOCK) {
            break;
        }
        if (now - start > LOOKUP_LIMIT_MS) {
            st = ACME_ERR_TIMEOUT;
            break;
        }
        uint64_t wait_ms = next > now ? next - now : 0;
        port.wait->wait(port.wait_ctx,
                        (uint32_t)(wait_ms < WAIT_SLICE_MS ? wait_ms : WAIT_SLICE_MS));
    }

    printf("status %s\n", acme_status_name(st));
    int rc = 2;
    if (st == ACME_OK) {
        char owner[ACME_DNS_NAME_MAX + 2];
        acme_dns_answer_iter_t it;
        acme_dns_rr_t rr;
        if (acme_dns_client_owner(&client, owner, sizeof(owner)) != ACME_OK ||
            acme_dns_client_records(&client, &it) != ACME_OK) {
            fprintf(stderr, "dns_lookup: answer unreadable after ACME_OK\n");
        } else {
            printf("owner %s\n", owner);
            printf("cname-links %u\n", (unsigned)client.cname_links);
            printf("queries %u\n", (unsigned)client.stats.queries);
            printf("tcp %u\n", client.truncated ? 1u : 0u);
            /* Bounded by the answer's record count. */
            while (acme_dns_client_next_record(&client, &it, &rr) == ACME_OK) {
                print_record(&rr);
            }
            rc = 0;
        }
    } else if (client.truncated) {
        printf("tcp-error %s\n", acme_status_name(client.tcp_error));
    }
    acme_dns_client_close(&client);
    (void)acme_posix_port_deinit(&pp);
    return rc;
}
