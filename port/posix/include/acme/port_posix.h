/*
 * The POSIX port (Linux, glibc): fills an acme_port_t with non-blocking
 * sockets, poll(2), clock_gettime, getrandom(2) and a file-backed NOR flash.
 *
 * Ownership: the integrator owns the acme_posix_port_t (static or on a
 * long-lived stack frame) and must keep it alive, and at the same address,
 * from acme_posix_port_init() until acme_posix_port_deinit() returns ACME_OK;
 * every seam's context pointer is that struct. Nothing here allocates, except
 * what glibc does inside getaddrinfo_a(3) for a name lookup.
 *
 * Threads: one thread at a time per struct, like the agent itself.
 *
 * Blocking: no seam function blocks except wait (at most max_ms) and rng
 * fill while the kernel's entropy pool is still uninitialised early at boot.
 * acme_posix_flash_open() and acme_posix_port_deinit() may block (file I/O;
 * draining name lookups still running inside glibc).
 *
 * This header needs no feature-test macros: the glibc resolver state is kept
 * in opaque storage whose size net_posix.c checks at compile time.
 *
 *   static acme_posix_port_t pp;
 *   acme_port_t port;
 *   acme_posix_port_init(&pp, &port);
 *   acme_flash_geometry_t g = {.size = 65536, .erase_size = 4096, .prog_size = 4};
 *   if (acme_posix_flash_open(&pp, &port, "/var/lib/acme/flash.bin", &g) != ACME_OK) ...
 *   ... acme_agent_init(..., &port) ...
 *   acme_posix_port_deinit(&pp);
 */
#ifndef ACME_PORT_POSIX_H
#define ACME_PORT_POSIX_H

#include <stdbool.h>
#include <stdint.h>

#include "acme/port.h"
#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Sockets open at once: TCP streams, listeners and UDP sockets share this
 * table and one handle space (a handle is the table index). The agent needs
 * a few (ACME connection, http-01 listener and its clients, DNS). */
#ifndef ACME_POSIX_MAX_SOCKETS
#define ACME_POSIX_MAX_SOCKETS 16
#endif

/* Longest host name connect() takes: 253 characters of a DNS name plus an
 * optional trailing dot. */
#define ACME_POSIX_HOST_MAX 254

/* Erase blocks of the flash file; flash_open() refuses a larger geometry so
 * that the per-block wear counters cover all of it. 256 x 4 KiB = 1 MiB. */
#ifndef ACME_POSIX_FLASH_MAX_BLOCKS
#define ACME_POSIX_FLASH_MAX_BLOCKS 256
#endif

/* Wall-clock floor: a realtime clock earlier than this is reported as
 * ACME_TIME_UNKNOWN (see clock_posix.c). Default 2024-01-01T00:00:00Z. */
#ifndef ACME_POSIX_WALL_FLOOR_S
#define ACME_POSIX_WALL_FLOOR_S 1704067200
#endif

/* How long acme_posix_port_deinit() waits for name lookups that glibc could
 * not cancel (they hold pointers into the struct). glibc's own resolver
 * timeouts (resolv.conf timeout x attempts x servers) end them well before. */
#ifndef ACME_POSIX_RESOLVE_DRAIN_MS
#define ACME_POSIX_RESOLVE_DRAIN_MS 60000
#endif

/* Opaque room for one getaddrinfo_a request (struct gaicb, its hints and its
 * list), in pointer-sized words. */
#define ACME_POSIX_RESOLVER_WORDS 24

/* Internal state of one table entry; read-only for integrators. */
typedef struct acme_posix_socket {
    int fd;             /* -1 while none: free, resolving, failed */
    uint8_t kind;       /* free, stream, listener, udp, or draining a lookup */
    uint8_t state;      /* stream: resolving, connecting, connected, failed */
    uint8_t want_write; /* the last send would have blocked: wait for POLLOUT */
    uint8_t family;     /* udp: acme_ip_family_t the socket was opened for */
    int32_t error;      /* stream in state failed: the status send/recv return */
    uint16_t remote_port;
    uint16_t addr_tries;                /* addresses of the lookup tried so far (bounded) */
    void *addr_list;                    /* struct addrinfo * from the lookup, owned until freed */
    void *addr_next;                    /* next address to try after a failed connect */
    char host[ACME_POSIX_HOST_MAX + 1]; /* the lookup reads it while resolving */
    union {
        void *align_pointer;
        uint64_t align_u64;
        unsigned char bytes[ACME_POSIX_RESOLVER_WORDS * sizeof(void *)];
    } resolver;
} acme_posix_socket_t;

/* Internal state of the file-backed flash; the counters are public. */
typedef struct acme_posix_flash {
    int fd;   /* -1 while closed */
    bool mtd; /* an MTD character device, not a regular file */
    acme_flash_geometry_t geometry;
    /* Operations per erase block since flash_open, for wear reports (not
     * persisted). A prog spanning two blocks counts once in each. */
    uint32_t prog_count[ACME_POSIX_FLASH_MAX_BLOCKS];
    uint32_t erase_count[ACME_POSIX_FLASH_MAX_BLOCKS];
} acme_posix_flash_t;

typedef struct acme_posix_port {
    acme_posix_socket_t sockets[ACME_POSIX_MAX_SOCKETS];
    acme_posix_flash_t flash;
    uint64_t last_ms; /* monotonic clock: last value returned */
    /* Lines above this level are dropped; set it any time.
     * Default ACME_LOG_INFO. */
    acme_log_level_t log_threshold;
} acme_posix_port_t;

/* The seam tables; their context is an acme_posix_port_t *. Exposed so that an
 * integrator can mix them with seams of their own. */
extern const acme_net_ops_t acme_posix_net_ops;
extern const acme_udp_ops_t acme_posix_udp_ops;
extern const acme_clock_ops_t acme_posix_clock_ops;
extern const acme_rng_ops_t acme_posix_rng_ops;
extern const acme_flash_ops_t acme_posix_flash_ops;
extern const acme_flash_ops_t acme_posix_flash_view_ops; /* ctx: acme_posix_flash_view_t * */
extern const acme_wait_ops_t acme_posix_wait_ops;
extern const acme_log_ops_t acme_posix_log_ops;

/* Reset pp (empty socket table, no flash) and fill port with every seam:
 * net (with listen/accept), udp, clock, rng, wait, log. port->flash stays
 * NULL until acme_posix_flash_open(). ACME_ERR_INVALID_ARG if either is
 * NULL. Behaviour of the seams (status mapping):
 *   connect  returns a handle at once for an IP literal (connecting) or a
 *            DNS name (resolved with getaddrinfo_a, every address tried in
 *            order); its send/recv then return ACME_WOULD_BLOCK, and
 *            ACME_ERR_RESOLVE or ACME_ERR_CONNECT for ever if it fails.
 *            Negative at once only for bad arguments, a full table
 *            (ACME_ERR_NO_MEMORY) or no descriptors.
 *   send/recv  zero-length calls are ACME_ERR_INVALID_ARG; reset or broken
 *            pipe is ACME_ERR_CLOSED; other socket errors ACME_ERR_TRANSPORT.
 *   listen   bind_ip NULL: dual-stack [::] (0.0.0.0 without IPv6); port 0
 *            lets the kernel choose (see acme_posix_local_port()).
 *            ACME_ERR_ADDR_IN_USE, ACME_ERR_CONFIG for a privileged port
 *            without CAP_NET_BIND_SERVICE or a non-local bind_ip.
 *   udp open binds a kernel-chosen (random) ephemeral port; an IPv6 socket
 *            is IPv6-only. system_resolver answers the first nameserver
 *            of /etc/resolv.conf, port 53 (ACME_ERR_NOT_FOUND: none). */
acme_status_t acme_posix_port_init(acme_posix_port_t *pp, acme_port_t *port);

/* Open the file at path as NOR flash of the given geometry and install the
 * flash seam in port (port may be NULL to only open). A missing file is
 * created filled with 0xFF (temp file, fsync, rename, fsync of the
 * directory, so a power cut never leaves a half-made file); a missing path
 * under /dev/ is an error instead. The file is locked (flock) against a
 * second agent. Geometry: erase_size a power of two dividing size,
 * prog_size a power of two up to 256 dividing erase_size, at most
 * ACME_POSIX_FLASH_MAX_BLOCKS blocks.
 * An MTD character device (/dev/mtdN, NOR or RAM type, writeable) is used
 * in place: geometry.erase_size must be its erase block, prog_size a
 * multiple of its write unit, size at most its size (the first size bytes
 * are used). Erase is MEMERASE, read and program pread/pwrite (program
 * writes old AND data, so the driver never sees a 1 over a 0), sync is a
 * no-op (MTD writes are done when the call returns).
 * Errors: ACME_ERR_INVALID_ARG (geometry), ACME_ERR_CONFIG (existing file of
 * another size, not a regular file or a usable MTD device, geometry that
 * does not fit the MTD part), ACME_ERR_BAD_STATE (already open),
 * ACME_ERR_FLASH (I/O, missing device node, locked by another process). */
acme_status_t acme_posix_flash_open(acme_posix_port_t *pp, acme_port_t *port, const char *path,
                                    const acme_flash_geometry_t *geometry);

/* What is at a path given as flash, before opening it. */
typedef struct acme_posix_flash_info {
    bool exists;         /* false: nothing there (acme_posix_flash_open creates a file) */
    bool mtd;            /* an MTD character device; otherwise a regular file */
    uint8_t mtd_type;    /* MTD only: MTD_NORFLASH, MTD_NANDFLASH... (mtd/mtd-abi.h) */
    uint64_t size;       /* bytes of the file or the MTD partition */
    uint32_t erase_size; /* MTD only: its erase block */
    uint32_t prog_size;  /* MTD only: its write unit */
} acme_posix_flash_info_t;

/* Look at path without changing it: missing, a regular file (its size), or
 * an MTD device (MEMGETINFO), so that a caller can choose the geometry to
 * open it with. ACME_OK; ACME_ERR_CONFIG (neither a file nor an MTD
 * device); ACME_ERR_FLASH (cannot open or stat it). */
acme_status_t acme_posix_flash_probe(const char *path, acme_posix_flash_info_t *info);

/* A partition of the open flash: [base, base + geometry.size) with the
 * flash's erase and program sizes, as a seam of its own
 * (acme_posix_flash_view_ops, ctx = the view). Several views of one flash
 * may be used at once (the Linux CLI keeps the provisioning config and the
 * store in one state file this way). Offsets given to the view's seam are
 * relative to base and checked against its size. */
typedef struct acme_posix_flash_view {
    acme_posix_port_t *pp;
    uint32_t base;
    acme_flash_geometry_t geometry;
} acme_posix_flash_view_t;

/* Fill *view for [base, base + size) of the flash opened on pp: base and
 * size whole erase blocks inside it. ACME_ERR_INVALID_ARG, or
 * ACME_ERR_BAD_STATE when no flash is open. The view is valid until the
 * flash is closed. */
acme_status_t acme_posix_flash_view(acme_posix_port_t *pp, uint32_t base, uint32_t size,
                                    acme_posix_flash_view_t *view);

/* Close the flash file (no implicit sync) and, if port is not NULL, remove
 * the flash seam from it. Safe when not open. */
void acme_posix_flash_close(acme_posix_port_t *pp, acme_port_t *port);

/* The local port of a stream, listener or UDP handle (e.g. after listen on
 * port 0), or a negative status. */
int32_t acme_posix_local_port(const acme_posix_port_t *pp, int32_t handle);

/* Close every socket and the flash file. ACME_OK, or ACME_ERR_TIMEOUT if a
 * name lookup inside glibc was still running after
 * ACME_POSIX_RESOLVE_DRAIN_MS: it still points into pp, so pp must then stay
 * alive (calling deinit again later retries). */
acme_status_t acme_posix_port_deinit(acme_posix_port_t *pp);

#ifdef __cplusplus
}
#endif

#endif /* ACME_PORT_POSIX_H */
