/*
 * The QEMU mps2 board (AN385 Cortex-M3, AN386 Cortex-M4) as firmware sees it:
 * console, exit, host files, the agent's flash / entropy / clock seams, and the
 * network (lwIP over the LAN9118).
 *
 * Start-up (startup.c) copies .data, zeroes .bss, paints the stacks, calls
 * board_init() and then main(argc, argv) with the semihosting command line
 * (qemu ... -semihosting-config enable=on,target=native,arg=NAME,arg=...);
 * main's return value goes to board_exit(). Everything here is polled and
 * single-threaded: call it from main's loop only. Time comes from the
 * LAN9118's 25 MHz FREE_RUN counter (QEMU drops SysTick interrupts under host
 * load); SysTick only wakes the CPU from wfi and samples that counter.
 */
#ifndef ACME_BOARD_MPS2_H
#define ACME_BOARD_MPS2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/port.h"
#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CPU clock of QEMU's AN385/AN386 (and SysTick's processor clock source). */
#define BOARD_CPU_HZ 25000000u

/* Exit statuses the board itself uses; firmware uses 0..63 for its own. */
#define BOARD_EXIT_FAULT 100 /* CPU fault or unexpected exception (registers printed) */
#define BOARD_EXIT_STACK 101 /* the bottom of the main stack was found overwritten */
#define BOARD_EXIT_ABORT 102 /* abort(), e.g. a failed lwIP assertion */

/* ---- Life cycle ---------------------------------------------------------- */

/* UART, SysTick, the MPU stack guard, unbuffered stdout. Start-up calls it
 * before main(). */
void board_init(void);

/* Print the stack and heap high-water marks, then leave QEMU with status
 * (semihosting SYS_EXIT_EXTENDED). A status of 0 becomes BOARD_EXIT_STACK when
 * the stack paint shows an overflow. */
void board_exit(int status) __attribute__((noreturn));

/* Memory high-water marks, in bytes (from stack painting and _sbrk). */
typedef struct board_mem_usage {
    uint32_t main_stack_used;
    uint32_t main_stack_size;
    uint32_t handler_stack_used;
    uint32_t handler_stack_size;
    uint32_t heap_used;
    uint32_t heap_size;
} board_mem_usage_t;

void board_mem_usage(board_mem_usage_t *usage);

/* ---- Console (CMSDK UART0; printf goes here too) ------------------------- */

void board_uart_write(const char *data, size_t len);
void board_print(const char *text);

/* ---- Host files (semihosting; paths are relative to QEMU's directory) ---- */

/* Read a whole file into buf: ACME_OK with *len, ACME_ERR_NOT_FOUND when it
 * cannot be opened, ACME_ERR_OVERSIZE when it is larger than cap,
 * ACME_ERR_FLASH on a read error. */
acme_status_t board_file_read(const char *path, void *buf, size_t cap, size_t *len);

/* Replace a file: write "<path>.tmp", then rename it over path, so a reader
 * sees the old or the new content, never a torn one (no fsync exists in
 * semihosting: durability is the host's). ACME_OK or ACME_ERR_FLASH. */
acme_status_t board_file_replace(const char *path, const void *data, size_t len);

/* ---- Flash seam: NOR emulation in RAM, persisted to a host file ---------- */

/* The chip has the Linux board's state layout (docs/factory.md): the config
 * partition the factory writes (two 16 KiB slots), then the agent's store;
 * so an image is also an acme-agent state file, and acme-provision writes
 * its config partition (--offset 0 --size 32768 --config-partition 4096). */
#define BOARD_CONFIG_SIZE (32u * 1024u)
#define BOARD_STORE_SIZE (64u * 1024u)
#define BOARD_FLASH_SIZE (BOARD_CONFIG_SIZE + BOARD_STORE_SIZE)
#define BOARD_FLASH_ERASE_SIZE 4096u
#define BOARD_FLASH_PROG_SIZE 16u

/* Load the image from host_path (a missing file reads as erased flash; a file
 * of another size is ACME_ERR_FLASH). NULL: RAM only, nothing persists.
 * The path is copied. */
acme_status_t board_flash_open(const char *host_path);

/* port->flash, flash_ctx and flash_geometry: the store partition. sync
 * writes the image back. */
void board_flash_install(acme_port_t *port);

/* The config partition: its seam, context and geometry. */
void board_flash_config(const acme_flash_ops_t **ops, void **ctx, acme_flash_geometry_t *geo);

extern const acme_flash_ops_t board_flash_ops;

/* ---- Entropy seam: TEST STAND-IN (entropy_test_standin.c) ----------------
 * QEMU's mps2 has no TRNG. This reads the HOST's /dev/urandom through
 * semihosting so tests get real randomness; it returns ACME_ERR_RNG when that
 * file cannot be read and never falls back to weaker data. A real board must
 * replace it with its TRNG driver. */
extern const acme_rng_ops_t board_rng_test_standin_ops;

/* Read entropy from another host file (tests of the failure path). */
void board_rng_test_standin_source(const char *host_path);

/* ---- Time ------------------------------------------------------------------ */

/* Milliseconds since start-up; never goes back. From the LAN9118's 25 MHz
 * FREE_RUN counter (exact against QEMU's virtual clock, unlike counting
 * SysTick interrupts, which a busy host makes QEMU drop). */
uint64_t board_now_ms(void);

/* SysTick interrupts taken since start-up (nominally one per ms; fewer when
 * the host starves QEMU). Diagnostics only. */
uint32_t board_systick_count(void);

/* Host seconds since 1970 (semihosting SYS_TIME), or ACME_TIME_UNKNOWN. */
int64_t board_wall_s(void);

/* Sleep until the next interrupt (at most 1 ms: SysTick). */
void board_idle(void);

/* ---- Network (lwIP, NO_SYS=1, over the LAN9118) -------------------------- */

typedef struct board_net_config {
    bool dhcp;
    /* Static only: address, prefix length, gateway. */
    uint8_t ip[4];
    uint8_t prefix_len;
    uint8_t gateway[4]; /* 0.0.0.0: none */
    uint8_t dns[4];     /* static only; 0.0.0.0: none (DHCP brings its own) */
} board_net_config_t;

/* Fill cfg from "dhcp" or "A.B.C.D/N" and an optional gateway and DNS server
 * (NULL or "" for none). ACME_OK or ACME_ERR_INVALID_ARG. */
acme_status_t board_net_config_parse(board_net_config_t *cfg, const char *address,
                                     const char *gateway, const char *dns);

/* lwip_init(), the LAN9118 netif as default, then the static address or DHCP.
 * Polls until the interface has an address: ACME_OK, ACME_ERR_TIMEOUT after
 * timeout_ms, ACME_ERR_TRANSPORT when the LAN9118 is missing or fails. Call
 * once, after acme_lwip_port_init(), so that what lwIP draws from LWIP_RAND()
 * here (initial local ports in lwip_init(), DHCP transaction ids) already
 * comes from the seeded DRBG. */
acme_status_t board_net_up(const board_net_config_t *cfg, uint32_t timeout_ms);

/* The interface's IPv4 address (network order bytes); false before board_net_up. */
bool board_net_address(uint8_t ip[4]);

/* One round of the super-loop's network work: receive pending frames (a
 * bounded number) into lwIP and run lwIP's timers. Returns the frame count. */
uint32_t board_net_poll(void);

/* Wait seam for acme_agent_run(): polls the network and idles until a frame
 * arrives or max_ms passes. */
extern const acme_wait_ops_t board_wait_ops;

/* Log seam: one line per call on the UART, prefixed with the level. */
extern const acme_log_ops_t board_log_ops;

#ifdef __cplusplus
}
#endif

#endif /* ACME_BOARD_MPS2_H */
