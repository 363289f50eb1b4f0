/*
 * fw-acme: the agent on the Cortex-M board. At boot it loads the stored
 * state from flash; with a certificate stored that is not due for renewal
 * yet it reports it and stops, otherwise (none, or due: acme_agent_next)
 * it gets one from the configured ACME server over http-01 (the board
 * answers the CA's fetches itself), stores it, and reports it. Everything runs in one super-loop: lwIP NO_SYS, the
 * agent polled through acme_agent_run() with the board's wait seam.
 *
 *   fw-acme --ip A.B.C.D/N|dhcp [--gw A.B.C.D] [--dns A.B.C.D]
 *           --directory URL --domain NAME [--domain NAME ...] --trust HOSTFILE
 *           --flash HOSTFILE [--http01-port N] [--contact URI] [--renewals N]
 *
 * fw-acme-factory (FW_CONFIG_FROM_FLASH) is the same firmware as a factory
 * ships it: names, directory, contact, trust anchors and CA table come from
 * the config partition that acme-provision wrote into the flash image
 * (docs/factory.md), not from options:
 *
 *   fw-acme-factory --ip A.B.C.D/N|dhcp [--gw A.B.C.D] [--dns A.B.C.D]
 *                   --flash HOSTFILE [--http01-port N] [--renewals N]
 *
 * --renewals N keeps the board up after the boot's work, as a device's main
 * loop: it sleeps (serving the network) until acme_agent_next() says the
 * certificate is due, renews it, and stops after N renewals (a bound for
 * tests; a product has none).
 *
 * Lines for tests and people (one per fact):
 *   ACME: stored serial=<hex> not_after=<unix> issuer=<dn>
 *   ACME: issued serial=<hex> not_after=<unix> issuer=<dn>
 *   ACME: renewed serial=<hex> not_after=<unix> issuer=<dn>   (--renewals)
 *   ACME: stats requests=N handshakes=N arena_peak=N agent_size=N issue_ms=N
 *   ACME: failed status=<code> detail=<text>   (code: the acme_status_t value;
 *                                               the name table is not linked)
 *   ACME: config names=<first> count=<n> directory=<url>|discovery (factory)
 *   ACME: next action=<acme_next_action_t> basis=<acme_renew_basis_t>
 *         renew_at=<unix>          (a certificate is stored, or a backoff runs)
 * Exit status: 0 a certificate is stored; 2 usage; 3 entropy; 4 flash;
 * 5 network; 6 issuance failed; 7 no usable config partition (factory).
 */
#include "board.h"

#ifndef FW_CONFIG_FROM_FLASH
#define FW_CONFIG_FROM_FLASH 0 /* fw-acme: configured by options */
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme/agent.h"
#include "acme/port_lwip.h"
#if FW_CONFIG_FROM_FLASH
#include "acme/io/provisioned.h"
#endif

#define EXIT_USAGE 2
#define EXIT_RNG 3
#define EXIT_FLASH 4
#define EXIT_NET 5
#define EXIT_ISSUE 6
#define EXIT_CONFIG 7

#define NET_UP_TIMEOUT_MS 15000u
#define TRUST_MAX (16u * 1024u)

/* The agent and its arena: static, sized at compile time. The arena is the
 * 40 KiB budget of the README: an issuance that needed more would fail here
 * with ACME_ERR_NO_MEMORY instead of passing the firmware test. */
static acme_agent_t agent;
static uint8_t arena[40u * 1024u];
#if !FW_CONFIG_FROM_FLASH
static char trust[TRUST_MAX];
#endif

typedef struct options {
    const char *ip;
    const char *gw;
    const char *dns;
    const char *directory;
    const char *trust;
    const char *flash;
    const char *contact;
    const char *names[ACME_MAX_IDENTIFIERS];
    size_t name_count;
    uint16_t http01_port;
    unsigned renewals; /* --renewals N: stay up until N renewals (0: one boot's work) */
} options_t;

static int usage(const char *why)
{
#if FW_CONFIG_FROM_FLASH
    printf("fw-acme: %s\n"
           "usage: fw-acme-factory --ip A.B.C.D/N|dhcp [--gw IP] [--dns IP] --flash HOSTFILE\n"
           "                       [--http01-port N] [--renewals N]\n",
           why);
#else
    printf("fw-acme: %s\n"
           "usage: fw-acme --ip A.B.C.D/N|dhcp [--gw IP] [--dns IP] --directory URL\n"
           "               --domain NAME [--domain NAME ...] --trust HOSTFILE --flash HOSTFILE\n"
           "               [--http01-port N] [--contact URI] [--renewals N]\n",
           why);
#endif
    return EXIT_USAGE;
}

static bool parse_options(int argc, char **argv, options_t *o)
{
    memset(o, 0, sizeof(*o));
    o->http01_port = 80;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v == NULL) {
            return false;
        }
        i++;
        if (strcmp(a, "--ip") == 0) {
            o->ip = v;
        } else if (strcmp(a, "--gw") == 0) {
            o->gw = v;
        } else if (strcmp(a, "--dns") == 0) {
            o->dns = v;
        } else if (strcmp(a, "--directory") == 0) {
            o->directory = v;
        } else if (strcmp(a, "--trust") == 0) {
            o->trust = v;
        } else if (strcmp(a, "--flash") == 0) {
            o->flash = v;
        } else if (strcmp(a, "--contact") == 0) {
            o->contact = v;
        } else if (strcmp(a, "--http01-port") == 0) {
            long port = strtol(v, NULL, 10);
            if (port < 1 || port > 65535) {
                return false;
            }
            o->http01_port = (uint16_t)port;
        } else if (strcmp(a, "--renewals") == 0) {
            long n = strtol(v, NULL, 10);
            if (n < 1 || n > 1000) {
                return false;
            }
            o->renewals = (unsigned)n;
        } else if (strcmp(a, "--domain") == 0 && o->name_count < ACME_MAX_IDENTIFIERS) {
            o->names[o->name_count++] = v;
        } else {
            return false;
        }
    }
#if FW_CONFIG_FROM_FLASH
    /* Everything else is the factory's, in the config partition. */
    return o->ip != NULL && o->flash != NULL && o->directory == NULL && o->trust == NULL &&
           o->contact == NULL && o->name_count == 0;
#else
    return o->ip != NULL && o->directory != NULL && o->trust != NULL && o->flash != NULL &&
           o->name_count > 0;
#endif
}

/* Decimal text of v (newlib-nano's printf has no %lld). */
static const char *int64_text(int64_t v, char buf[21])
{
    char *p = buf + 20;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    *p = '\0';
    do {
        *--p = (char)('0' + u % 10u);
        u /= 10u;
    } while (u != 0);
    if (v < 0) {
        *--p = '-';
    }
    return p;
}

static void report_certificate(const char *what)
{
    acme_cert_info_t info;
    char when[21];
    if (acme_agent_cert_info(&agent, &info) == ACME_OK) {
        printf("ACME: %s serial=%s not_after=%s issuer=%s\n", what, info.serial_hex,
               int64_text(info.not_after, when), info.issuer);
    }
}

static void report_stats(void)
{
    acme_agent_stats_t s;
    acme_agent_stats(&agent, &s);
    printf("ACME: stats requests=%lu handshakes=%lu arena_peak=%lu agent_size=%lu "
           "issue_ms=%lu\n",
           (unsigned long)s.http_requests, (unsigned long)s.tls_handshakes,
           (unsigned long)s.arena_peak, (unsigned long)sizeof(acme_agent_t),
           (unsigned long)s.issue_ms);
}

/* Whether this boot issues: when nothing is stored, or when the agent says
 * the stored certificate is due (acme_agent_next: a third of the lifetime
 * left, half under 10 days, with jitter; the failure backoff, kept in
 * flash). Without a wall clock nothing is scheduled: only a missing
 * certificate is due. */
static bool issue_due(void)
{
    acme_next_step_t next;
    if (acme_agent_next(&agent, &next) != ACME_OK) {
        acme_cert_info_t info;
        return acme_agent_cert_info(&agent, &info) != ACME_OK;
    }
    char when[21];
    if (next.basis != ACME_RENEW_NO_CERT) { /* a certificate is stored (or a backoff runs) */
        printf("ACME: next action=%u basis=%u renew_at=%s\n", (unsigned)next.action,
               (unsigned)next.basis, int64_text(next.renew_at_s, when));
    }
    return next.action == ACME_NEXT_ISSUE;
}

/* One issuance (a first certificate or a renewal), reported. */
static acme_status_t issue_now(const char *what)
{
    acme_status_t st = acme_agent_run(&agent);
    report_stats();
    if (st != ACME_OK) {
        const acme_problem_t *p = acme_agent_problem(&agent);
        printf("ACME: failed status=%d detail=%s%s%s\n", (int)st, p->type,
               p->type[0] != '\0' ? " " : "", p->detail);
        return st;
    }
    report_certificate(what);
    return ACME_OK;
}

/* Sleep until wall-clock second at_s (at most an hour at a time: the clock
 * may be set meanwhile), serving the network (lwIP timers, frames). */
static void sleep_until(const acme_port_t *port, int64_t at_s)
{
    int64_t left_s = at_s - board_wall_s();
    if (left_s < 1) {
        left_s = 1;
    } else if (left_s > 3600) {
        left_s = 3600;
    }
    uint64_t deadline = board_now_ms() + (uint64_t)left_s * 1000u;
    for (uint64_t now = board_now_ms(); now < deadline; now = board_now_ms()) {
        port->wait->wait(port->wait_ctx, (uint32_t)(deadline - now));
    }
}

/* --renewals N: the device stays up and keeps its certificate valid, as a
 * product's main loop would (without the bound): it follows
 * acme_agent_next(), sleeping until the next step and renewing when it is
 * due, and returns after N renewals, or after N failed attempts in a row
 * (each then waits out the agent's backoff, kept in flash). */
static int keep_renewing(const acme_port_t *port, unsigned renewals)
{
    unsigned done = 0;
    unsigned failed = 0;
    while (done < renewals) {
        acme_next_step_t next;
        if (acme_agent_next(&agent, &next) != ACME_OK) {
            printf("ACME: failed status=%d detail=no wall clock to plan renewal\n",
                   (int)ACME_ERR_BAD_STATE);
            return EXIT_ISSUE;
        }
        if (next.action != ACME_NEXT_ISSUE) {
            char when[21];
            printf("ACME: next action=%u basis=%u renew_at=%s\n", (unsigned)next.action,
                   (unsigned)next.basis, int64_text(next.renew_at_s, when));
            sleep_until(port, next.at_s);
            continue;
        }
        if (issue_now("renewed") == ACME_OK) {
            done++;
            failed = 0;
        } else if (++failed >= renewals) {
            return EXIT_ISSUE;
        }
    }
    return 0;
}

#if FW_CONFIG_FROM_FLASH
static acme_provisioned_t conf;
#endif

/* The config holds EAB keys: not left in RAM after the agent is done. */
static void forget_config(void)
{
#if FW_CONFIG_FROM_FLASH
    acme_provisioned_clear(&conf);
#endif
}

#if FW_CONFIG_FROM_FLASH
/* The factory's config: read, decoded and mapped to cfg (which then points
 * into conf). 0, or the exit status after one "ACME: failed" line. */
static int config_from_flash(acme_agent_config_t *cfg)
{
    const acme_flash_ops_t *ops = NULL;
    void *ctx = NULL;
    acme_flash_geometry_t geo;
    board_flash_config(&ops, &ctx, &geo);
    acme_status_t st = acme_provisioned_load(&conf, ops, ctx, &geo);
    if (st != ACME_OK || conf.status != ACME_OK) {
        printf("ACME: failed status=%d detail=config partition: %s (tag %u, field %u, byte %lu)\n",
               (int)(st != ACME_OK ? st : conf.status),
               conf.status == ACME_ERR_NOT_FOUND ? "never provisioned" : "refused",
               (unsigned)conf.err.tag, (unsigned)conf.err.field, (unsigned long)conf.err.offset);
        return EXIT_CONFIG;
    }
    acme_provisioned_refusal_t why = {0, 0};
    st = acme_provisioned_to_config(&conf, cfg, &why);
    if (st != ACME_OK) {
        printf("ACME: failed status=%d detail=config tag %u index %lu cannot be applied\n",
               (int)st, (unsigned)why.tag, (unsigned long)why.index);
        return EXIT_CONFIG;
    }
    printf("ACME: config names=%s count=%u directory=%s\n", cfg->names[0],
           (unsigned)cfg->name_count,
           cfg->directory_url != NULL ? cfg->directory_url : "discovery");
    return 0;
}
#endif

int main(int argc, char **argv)
{
    options_t o;
    if (!parse_options(argc, argv, &o)) {
        return usage("missing or bad options");
    }
    board_net_config_t net;
    if (board_net_config_parse(&net, o.ip, o.gw, o.dns) != ACME_OK) {
        return usage("bad --ip/--gw/--dns");
    }
#if !FW_CONFIG_FROM_FLASH
    size_t trust_len = 0;
    if (board_file_read(o.trust, trust, sizeof(trust) - 1, &trust_len) != ACME_OK) {
        return usage("cannot read --trust");
    }
#endif
    if (board_flash_open(o.flash) != ACME_OK) {
        printf("fw-acme: cannot load the flash image %s\n", o.flash);
        return EXIT_FLASH;
    }

    static acme_port_t port;
    if (acme_lwip_port_init(&port, board_wall_s, &board_rng_test_standin_ops, NULL) != ACME_OK) {
        printf("fw-acme: entropy source failed\n");
        return EXIT_RNG;
    }
    port.rng = &board_rng_test_standin_ops;
    port.rng_ctx = NULL;
    board_flash_install(&port);
    port.wait = &board_wait_ops;
    port.log = &board_log_ops;
    if (board_net_up(&net, NET_UP_TIMEOUT_MS) != ACME_OK) {
        printf("fw-acme: the network did not come up\n");
        return EXIT_NET;
    }

    static acme_agent_config_t cfg;
    int rc = 0;
#if FW_CONFIG_FROM_FLASH
    rc = config_from_flash(&cfg);
    if (rc != 0) {
        return rc;
    }
#else
    cfg.directory_url = o.directory;
    cfg.names = o.names;
    cfg.name_count = o.name_count;
    cfg.contact = o.contact;
    cfg.key_type = ACME_KEY_P256;
    cfg.terms_of_service_agreed = true;
    cfg.trust_pem = trust;
    cfg.trust_pem_len = trust_len;
#endif
    cfg.http01_port = o.http01_port;
    acme_status_t st = acme_agent_init(&agent, &cfg, &port, arena, sizeof(arena));
    if (st != ACME_OK) {
        printf("ACME: failed status=%d detail=init\n", (int)st);
        return st == ACME_ERR_RNG ? EXIT_RNG : st == ACME_ERR_FLASH ? EXIT_FLASH : EXIT_ISSUE;
    }
    rc = 0;
    if (!issue_due()) {
        report_certificate("stored");
    } else if (issue_now("issued") != ACME_OK) {
        rc = EXIT_ISSUE;
    }
    if (rc == 0 && o.renewals > 0) {
        rc = keep_renewing(&port, o.renewals);
    }
    acme_agent_deinit(&agent);
    forget_config();
    return rc;
}
