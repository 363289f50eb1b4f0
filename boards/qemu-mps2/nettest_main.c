/*
 * fw-nettest: proves the board and QEMU's networking before the agent runs
 * on them. It boots, prints the LAN9118 ID, draws from the entropy seam,
 * counts boots in the flash seam (persisted through the host file), brings
 * the interface up (static or DHCP), answers ping (lwIP's ICMP) and runs a
 * TCP echo server until a client sends "stop" or the time is up, then exits
 * through semihosting with 0.
 *
 *   fw-nettest --ip A.B.C.D/N|dhcp [--gw A.B.C.D] [--port N] [--seconds N]
 *              [--flash HOSTFILE] [--rng-source HOSTFILE] [--crash udf|stack|abort]
 *
 * Exit status: 0 ok, 2 usage, 3 entropy failed, 4 flash failed, 5 network
 * failed; the board's own statuses (board.h) for faults.
 */
#include "board.h"
#include "lan9118.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme/port_lwip.h"
#include "lwip/tcp.h"

#define EXIT_USAGE 2
#define EXIT_RNG 3
#define EXIT_FLASH 4
#define EXIT_NET 5

#define NET_UP_TIMEOUT_MS 15000u
#define STOP_GRACE_MS 300u
#define BOOT_RECORD_MAGIC "nettest boot"

typedef struct options {
    const char *ip;
    const char *gw;
    const char *flash;
    const char *rng_source;
    const char *crash;
    uint16_t port;
    uint32_t seconds;
} options_t;

static bool s_stop;
static uint32_t s_connections;
static uint32_t s_echoed;

static bool parse_u32(const char *text, uint32_t max, uint32_t *out)
{
    char *end = NULL;
    unsigned long v = strtoul(text, &end, 10);
    if (end == text || *end != '\0' || v > max) {
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

static bool parse_options(int argc, char **argv, options_t *o)
{
    memset(o, 0, sizeof(*o));
    o->port = 7;
    o->seconds = 30;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        uint32_t n = 0;
        if (val == NULL) {
            return false;
        }
        i++;
        if (strcmp(opt, "--ip") == 0) {
            o->ip = val;
        } else if (strcmp(opt, "--gw") == 0) {
            o->gw = val;
        } else if (strcmp(opt, "--flash") == 0) {
            o->flash = val;
        } else if (strcmp(opt, "--rng-source") == 0) {
            o->rng_source = val;
        } else if (strcmp(opt, "--crash") == 0) {
            o->crash = val;
        } else if (strcmp(opt, "--port") == 0 && parse_u32(val, 65535u, &n) && n > 0) {
            o->port = (uint16_t)n;
        } else if (strcmp(opt, "--seconds") == 0 && parse_u32(val, 3600u, &n)) {
            o->seconds = n;
        } else {
            return false;
        }
    }
    return o->ip != NULL || o->crash != NULL;
}

/* ---- Deliberate failures, to prove the fault path reports and exits ------ */

static uint32_t recurse(uint32_t depth)
{
    volatile uint8_t frame[512];
    frame[0] = (uint8_t)depth;
    frame[sizeof(frame) - 1] = (uint8_t)depth;
    if (depth == 0) {
        return frame[0];
    }
    return recurse(depth - 1) + frame[sizeof(frame) - 1]; /* not a tail call */
}

static int crash(const char *how)
{
    printf("nettest: crashing on purpose (%s)\n", how);
    if (strcmp(how, "udf") == 0) {
        __asm__ volatile("udf #0");
    } else if (strcmp(how, "stack") == 0) {
        printf("nettest: %lu\n", (unsigned long)recurse(64)); /* 32 KiB > the 16 KiB stack */
    } else if (strcmp(how, "abort") == 0) {
        abort();
    }
    printf("nettest: unknown crash '%s'\n", how);
    return EXIT_USAGE;
}

/* ---- Flash: one 16-byte record per boot in the store's first erase block - */

static int count_boot(const char *path, uint32_t *boots)
{
    /* The store partition, as the agent would use it. */
    acme_port_t part;
    memset(&part, 0, sizeof(part));
    board_flash_install(&part);
    const acme_flash_ops_t *f = part.flash;
    void *ctx = part.flash_ctx;
    if (board_flash_open(path) != ACME_OK) {
        printf("nettest: flash image %s unusable\n", path);
        return EXIT_FLASH;
    }
    uint8_t rec[BOARD_FLASH_PROG_SIZE];
    uint8_t erased[BOARD_FLASH_PROG_SIZE];
    memset(erased, 0xFF, sizeof(erased));
    const uint32_t slots = BOARD_FLASH_ERASE_SIZE / BOARD_FLASH_PROG_SIZE;
    uint32_t used = 0;
    for (; used < slots; used++) {
        if (f->read(ctx, used * BOARD_FLASH_PROG_SIZE, rec, sizeof(rec)) != ACME_OK) {
            return EXIT_FLASH;
        }
        if (memcmp(rec, erased, sizeof(rec)) == 0) {
            break;
        }
        if (memcmp(rec, BOOT_RECORD_MAGIC, sizeof(BOOT_RECORD_MAGIC)) != 0) {
            printf("nettest: the store's block 0 holds something else; not touching it\n");
            return EXIT_FLASH;
        }
    }
    if (used == slots) {
        if (f->erase(ctx, 0) != ACME_OK) {
            return EXIT_FLASH;
        }
        used = 0;
    }
    memset(rec, 0, sizeof(rec));
    memcpy(rec, BOOT_RECORD_MAGIC, sizeof(BOOT_RECORD_MAGIC));
    if (f->prog(ctx, used * BOARD_FLASH_PROG_SIZE, rec, sizeof(rec)) != ACME_OK ||
        f->sync(ctx) != ACME_OK) {
        return EXIT_FLASH;
    }
    *boots = used + 1;
    return 0;
}

/* ---- TCP echo server (lwIP raw API) --------------------------------------- */

static err_t echo_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    if (p == NULL) { /* the client closed its side */
        tcp_recv(pcb, NULL);
        if (tcp_close(pcb) != ERR_OK) {
            tcp_abort(pcb);
            return ERR_ABRT;
        }
        return ERR_OK;
    }
    if (err != ERR_OK) {
        pbuf_free(p);
        return err;
    }
    if (p->tot_len > tcp_sndbuf(pcb)) {
        return ERR_MEM; /* lwIP keeps the data and offers it again later */
    }
    if (p->tot_len >= 4 && pbuf_memcmp(p, 0, "stop", 4) == 0) {
        s_stop = true;
    }
    for (const struct pbuf *q = p; q != NULL; q = q->next) {
        if (tcp_write(pcb, q->payload, q->len, TCP_WRITE_FLAG_COPY) != ERR_OK) {
            pbuf_free(p);
            tcp_abort(pcb);
            return ERR_ABRT;
        }
    }
    s_echoed += p->tot_len;
    tcp_recved(pcb, p->tot_len);
    (void)tcp_output(pcb);
    pbuf_free(p);
    return ERR_OK;
}

static err_t echo_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || pcb == NULL) {
        return ERR_VAL;
    }
    s_connections++;
    tcp_recv(pcb, echo_recv);
    return ERR_OK;
}

static bool echo_listen(uint16_t port)
{
    struct tcp_pcb *pcb = tcp_new();
    if (pcb == NULL || tcp_bind(pcb, IP4_ADDR_ANY, port) != ERR_OK) {
        return false;
    }
    struct tcp_pcb *listener = tcp_listen(pcb);
    if (listener == NULL) {
        tcp_abort(pcb);
        return false;
    }
    tcp_accept(listener, echo_accept);
    return true;
}

/* ---- main ------------------------------------------------------------------ */

static void print_hex(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        printf("%02x", b[i]);
    }
}

int main(int argc, char **argv)
{
    options_t o;
    if (!parse_options(argc, argv, &o)) {
        printf("usage: %s --ip A.B.C.D/N|dhcp [--gw A.B.C.D] [--port N] [--seconds N] "
               "[--flash FILE] [--rng-source FILE] [--crash udf|stack|abort]\n",
               argc > 0 ? argv[0] : "fw-nettest");
        return EXIT_USAGE;
    }
    printf("nettest: LAN9118 ID_REV 0x%08lx, booted in %lu ms\n", (unsigned long)lan9118_id_rev(),
           (unsigned long)board_now_ms());
    if (o.crash != NULL) {
        return crash(o.crash);
    }

    if (o.rng_source != NULL) {
        board_rng_test_standin_source(o.rng_source);
    }
    uint8_t random[16];
    int32_t rs = board_rng_test_standin_ops.fill(NULL, random, sizeof(random));
    if (rs != ACME_OK) {
        printf("nettest: entropy source failed: %s\n", acme_status_name((acme_status_t)rs));
        return EXIT_RNG;
    }
    printf("nettest: random ");
    print_hex(random, sizeof(random));
    printf("\n");

    /* newlib-nano's printf has no %lld: seconds fit an unsigned long until 2106. */
    int64_t wall = board_wall_s();
    time_t libc_now = time(NULL);
    printf("nettest: wall clock %lu, time() %lu\n", (unsigned long)wall, (unsigned long)libc_now);

    if (o.flash != NULL) {
        uint32_t boots = 0;
        int fs = count_boot(o.flash, &boots);
        if (fs != 0) {
            return fs;
        }
        printf("nettest: boot count %lu\n", (unsigned long)boots);
    }

    board_net_config_t cfg;
    if (board_net_config_parse(&cfg, o.ip, o.gw, NULL) != ACME_OK) {
        printf("nettest: bad --ip or --gw\n");
        return EXIT_USAGE;
    }
    acme_port_t port;
    memset(&port, 0, sizeof(port));
    /* Seeds LWIP_RAND (ports, DHCP ids, TCP ISNs) before lwIP first draws. */
    acme_status_t st = acme_lwip_port_init(&port, board_wall_s, &board_rng_test_standin_ops, NULL);
    if (st != ACME_OK) {
        printf("nettest: lwIP port: %s\n", acme_status_name(st));
        return EXIT_RNG;
    }
    uint64_t t0 = board_now_ms();
    st = board_net_up(&cfg, NET_UP_TIMEOUT_MS);
    uint8_t ip[4] = {0};
    if (st != ACME_OK || !board_net_address(ip)) {
        printf("nettest: network: %s\n", acme_status_name(st));
        return EXIT_NET;
    }
    printf("nettest: address %u.%u.%u.%u (%s) after %lu ms\n", ip[0], ip[1], ip[2], ip[3],
           cfg.dhcp ? "dhcp" : "static", (unsigned long)(board_now_ms() - t0));
    if (!echo_listen(o.port)) {
        printf("nettest: cannot listen on port %u\n", o.port);
        return EXIT_NET;
    }
    printf("nettest: echo server on port %u for %lu s\n", o.port, (unsigned long)o.seconds);

    uint64_t start_ms = board_now_ms();
    uint32_t start_ticks = board_systick_count();
    uint64_t deadline = start_ms + (uint64_t)o.seconds * 1000u;
    uint64_t stop_at = 0;
    for (;;) {
        uint64_t now = board_now_ms();
        if (now >= deadline || (stop_at != 0 && now >= stop_at)) {
            break;
        }
        if (s_stop && stop_at == 0) {
            stop_at = now + STOP_GRACE_MS; /* let the echo and the ACKs go out */
        }
        if (board_net_poll() == 0) {
            board_idle();
        }
    }
    uint64_t ran_ms = board_now_ms() - start_ms;
    uint32_t ticks = board_systick_count() - start_ticks;

    lan9118_stats_t ls;
    lan9118_get_stats(&ls);
    printf("nettest: %s after %lu ms: %lu connections, %lu bytes echoed\n",
           s_stop ? "stopped" : "time up", (unsigned long)ran_ms, (unsigned long)s_connections,
           (unsigned long)s_echoed);
    printf("nettest: frames rx %lu (dropped %lu), tx %lu (dropped %lu)\n",
           (unsigned long)ls.rx_frames, (unsigned long)ls.rx_dropped, (unsigned long)ls.tx_frames,
           (unsigned long)ls.tx_dropped);
    printf("nettest: clock: %lu ms, %lu SysTick interrupts\n", (unsigned long)ran_ms,
           (unsigned long)ticks);
    return 0;
}
