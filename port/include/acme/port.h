/*
 * The seams between the portable agent and a platform.
 *
 * Each seam is a table of function pointers plus an opaque context pointer
 * that is passed back as the first argument. The agent never includes a
 * platform header; a port (port/posix, port/lwip) fills these tables.
 *
 * Contract common to every seam:
 *   - No function blocks, except acme_wait_t, which only the blocking helper
 *     acme_agent_run() calls. "Not ready yet" is ACME_WOULD_BLOCK.
 *   - Functions that move bytes return the number of bytes moved (>= 0) or a
 *     negative acme_status_t. A short count is normal.
 *   - Buffers passed in are owned by the caller and only read (or written)
 *     during the call; a port keeps no pointer to them.
 */
#ifndef ACME_PORT_H
#define ACME_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "acme/status.h"
#include "acme/types.h" /* ACME_TIME_UNKNOWN */

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Addresses ----------------------------------------------------------- */

typedef enum acme_ip_family {
    ACME_IP_NONE = 0,
    ACME_IP_V4 = 4,
    ACME_IP_V6 = 6
} acme_ip_family_t;

typedef struct acme_ip_addr {
    uint8_t family; /* acme_ip_family_t */
    uint8_t bytes[16]; /* network order; 4 used for IPv4 */
} acme_ip_addr_t;

/* ---- Stream seam (TCP): transport for the ACME client, listener for the
 * built-in http-01 responder. Handles are small non-negative integers chosen
 * by the port; listening and connected sockets share one handle space. ---- */

typedef struct acme_net_ops {
    /* Start connecting to host:port. host is an IP literal or a DNS name (the
     * port may resolve names itself; the agent passes literals when it
     * resolves through its own DNS client). Returns a handle >= 0 at once;
     * the connection completes in the background: send/recv return
     * ACME_WOULD_BLOCK until it does, ACME_ERR_CONNECT if it fails. */
    int32_t (*connect)(void *ctx, const char *host, uint16_t port);

    /* Send up to len bytes: bytes accepted (> 0), ACME_WOULD_BLOCK, or an
     * error (ACME_ERR_CONNECT, ACME_ERR_TRANSPORT, ACME_ERR_CLOSED). */
    int32_t (*send)(void *ctx, int32_t handle, const uint8_t *data, size_t len);

    /* Receive up to cap bytes: bytes received (> 0), 0 when the peer closed
     * its side in order, ACME_WOULD_BLOCK, or an error. */
    int32_t (*recv)(void *ctx, int32_t handle, uint8_t *buf, size_t cap);

    /* Close a connected or listening handle. Always succeeds. */
    void (*close)(void *ctx, int32_t handle);

    /* Optional (NULL: no built-in http-01 responder). Listen on port; bind_ip
     * NULL means every local address. Returns a listening handle or an error
     * (ACME_ERR_ADDR_IN_USE). */
    int32_t (*listen)(void *ctx, const acme_ip_addr_t *bind_ip, uint16_t port);

    /* Optional. Accept one pending connection: a connected handle usable with
     * send/recv/close, or ACME_WOULD_BLOCK when none is pending. */
    int32_t (*accept)(void *ctx, int32_t listener);
} acme_net_ops_t;

/* ---- Datagram seam (UDP) for the DNS client ------------------------------ */

typedef struct acme_udp_ops {
    /* Open a socket on a random local port of the server's family. Returns a
     * handle >= 0 or an error. */
    int32_t (*open)(void *ctx, acme_ip_family_t family);
    /* Send one datagram: len on success, ACME_WOULD_BLOCK, or an error. */
    int32_t (*send_to)(void *ctx, int32_t handle, const acme_ip_addr_t *ip,
                       uint16_t port, const uint8_t *data, size_t len);
    /* Receive one datagram into buf (truncated to cap), reporting its source:
     * bytes, ACME_WOULD_BLOCK, or an error. */
    int32_t (*recv_from)(void *ctx, int32_t handle, acme_ip_addr_t *ip,
                         uint16_t *port, uint8_t *buf, size_t cap);
    void (*close)(void *ctx, int32_t handle);
    /* Optional (NULL: the integrator must configure a DNS server). The
     * platform's first configured recursive name server, for a DNS client
     * without a configured one: ACME_OK with *ip and *port (53 unless the
     * platform says otherwise), ACME_ERR_NOT_FOUND when none is configured.
     * Asked once per lookup, so that a changed configuration (DHCP) counts. */
    int32_t (*system_resolver)(void *ctx, acme_ip_addr_t *ip, uint16_t *port);
} acme_udp_ops_t;

/* ---- Clock -------------------------------------------------------------- */

typedef struct acme_clock_ops {
    /* Monotonic milliseconds from an arbitrary origin; never goes back. */
    uint64_t (*now_ms)(void *ctx);
    /* Seconds since 1970-01-01 UTC, or ACME_TIME_UNKNOWN when the device
     * does not know the date (no RTC, no SNTP yet). */
    int64_t (*wall_s)(void *ctx);
} acme_clock_ops_t;

/* ---- Entropy -------------------------------------------------------------- */

typedef struct acme_rng_ops {
    /* Fill buf with len bytes from a true entropy source (a TRNG on a
     * device). Seeds the agent's CTR_DRBG. ACME_OK or ACME_ERR_RNG. */
    int32_t (*fill)(void *ctx, uint8_t *buf, size_t len);
} acme_rng_ops_t;

/* ---- Flash (NOR semantics) ------------------------------------------------ */

typedef struct acme_flash_ops {
    /* Read len bytes at byte offset off. ACME_OK or ACME_ERR_FLASH. */
    int32_t (*read)(void *ctx, uint32_t off, void *buf, size_t len);
    /* Program: off and len are multiples of prog_size; programming can only
     * clear bits (new = old AND data), like NOR flash. */
    int32_t (*prog)(void *ctx, uint32_t off, const void *buf, size_t len);
    /* Erase the block starting at off (a multiple of erase_size) to 0xFF. */
    int32_t (*erase)(void *ctx, uint32_t off);
    /* Optional (NULL on raw flash): make every earlier prog/erase durable
     * before returning, e.g. fsync for a file-backed flash. The store calls
     * it as a barrier before and after a commit mark. */
    int32_t (*sync)(void *ctx);
} acme_flash_ops_t;

typedef struct acme_flash_geometry {
    uint32_t size;       /* bytes in the partition the agent may use */
    uint32_t erase_size; /* erase block, e.g. 4096 */
    uint32_t prog_size;  /* program unit: 1, 4, 8 or 16 */
} acme_flash_geometry_t;

/* ---- Wait (optional, blocking helper only) -------------------------------- */

typedef struct acme_wait_ops {
    /* Block for at most max_ms, returning early when a stream or datagram
     * handle of this port may be readable or writable. Super-loops do not
     * use it. */
    void (*wait)(void *ctx, uint32_t max_ms);
} acme_wait_ops_t;

/* ---- Log (optional) ------------------------------------------------------- */

typedef enum acme_log_level {
    ACME_LOG_ERROR = 1,
    ACME_LOG_WARN = 2,
    ACME_LOG_INFO = 3,
    ACME_LOG_DEBUG = 4
} acme_log_level_t;

typedef struct acme_log_ops {
    /* One line, NUL-terminated, without a trailing newline. The agent never
     * passes key material, EAB keys or nonces-in-flight here. */
    void (*write)(void *ctx, acme_log_level_t level, const char *line);
} acme_log_ops_t;

/* ---- Device secret (optional) ---------------------------------------------- */

typedef struct acme_secret_ops {
    /* Write a 256-bit secret unique to this device and stable across boots
     * (from OTP/eFuse, a PUF, or derived by a secure element), which seals
     * the private keys in flash (AES-256-GCM, ACME_ENABLE_KEY_SEAL). It must
     * not be readable from the same flash. ACME_OK or ACME_ERR_CRYPTO. */
    int32_t (*key_at_rest)(void *ctx, uint8_t key[32]);
} acme_secret_ops_t;

/* ---- The port: every seam the agent uses ---------------------------------- */

typedef struct acme_port {
    const acme_net_ops_t *net;
    void *net_ctx;
    const acme_udp_ops_t *udp; /* NULL: no own DNS client */
    void *udp_ctx;
    const acme_clock_ops_t *clock;
    void *clock_ctx;
    const acme_rng_ops_t *rng;
    void *rng_ctx;
    const acme_flash_ops_t *flash;
    void *flash_ctx;
    acme_flash_geometry_t flash_geometry;
    const acme_wait_ops_t *wait; /* NULL: acme_agent_run() unavailable */
    void *wait_ctx;
    const acme_log_ops_t *log; /* NULL: silent */
    void *log_ctx;
    const acme_secret_ops_t *secret; /* NULL: private keys stored in the clear */
    void *secret_ctx;
} acme_port_t;

#ifdef __cplusplus
}
#endif

#endif /* ACME_PORT_H */
