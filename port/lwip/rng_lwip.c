/*
 * Randomness lwIP uses in this port: LWIP_RAND (DHCP and DNS ids, ports) and
 * RFC 6528 initial sequence numbers (LWIP_HOOK_TCP_ISN), from a CTR_DRBG of
 * the port's own, seeded from the board's entropy seam.
 *
 * The DRBG context is static and mbedtls_ctr_drbg_seed/random/reseed, AES
 * and SHA-256 allocate nothing, so this works before (and apart from) the
 * agent's arena. The agent keeps its own DRBG for keys and TLS; this one only
 * feeds lwIP.
 */
#include "lwip_internal.h"

#include <limits.h>
#include <string.h>

#include "acme/lwip_hooks.h"
#include "lwip/sys.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/sha256.h"

/* Fresh entropy from the board every this many LWIP_RAND calls. A failed
 * reseed is retried at the next period; the DRBG stays usable meanwhile
 * (mbedTLS's own automatic reseed would instead stop producing output). */
#define RESEED_CALLS 1024u

/* RFC 6528 §3: the secret key of F, 128 bits or more. */
#define ISN_SECRET_LEN 16u

static mbedtls_ctr_drbg_context drbg;
static bool seeded;
static uint32_t calls_since_reseed;
static uint32_t fallback_state;
static const acme_rng_ops_t *entropy_ops;
static void *entropy_ctx;
static uint8_t isn_secret[ISN_SECRET_LEN];
static uint32_t isn_last_m; /* last M, so M only moves forward */

static int entropy_source(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    if (entropy_ops == NULL || entropy_ops->fill(entropy_ctx, buf, len) != ACME_OK) {
        return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
    }
    return 0;
}

acme_status_t acme_lwip_rng_seed(const acme_rng_ops_t *rng, void *rng_ctx)
{
    static const unsigned char personalization[] = "acme-agent lwip port";
    if (seeded) {
        mbedtls_ctr_drbg_free(&drbg);
        seeded = false;
    }
    entropy_ops = rng;
    entropy_ctx = rng_ctx;
    mbedtls_ctr_drbg_init(&drbg);
    if (mbedtls_ctr_drbg_seed(&drbg, entropy_source, NULL, personalization,
                              sizeof(personalization) - 1) != 0) {
        mbedtls_ctr_drbg_free(&drbg);
        ACME_LWIP_LOG(ACME_LOG_ERROR, "lwip port: entropy source failed");
        return ACME_ERR_RNG;
    }
    /* Reseeding is done here, periodically, never inside random(). */
    mbedtls_ctr_drbg_set_reseed_interval(&drbg, INT_MAX);
    if (mbedtls_ctr_drbg_random(&drbg, isn_secret, sizeof(isn_secret)) != 0) {
        mbedtls_ctr_drbg_free(&drbg);
        return ACME_ERR_RNG;
    }
    seeded = true;
    calls_since_reseed = 0;
    return ACME_OK;
}

uint16_t acme_lwip_random_port(void)
{
    /* 16384 ports: a power of two, so the modulo has no bias. */
    return (uint16_t)(0xC000u + (acme_lwip_rand() & 0x3FFFu));
}

uint32_t acme_lwip_rand(void)
{
    if (!seeded) {
        /* lwip_init() asks before the board could seed us (the start of
         * lwIP's own port search, unused by this port). Not secret: a
         * xorshift over the clock, only so that the value is not constant. */
        uint32_t x = fallback_state ^ sys_now() ^ 0x9E3779B9u;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        fallback_state = x;
        return x;
    }
    if (++calls_since_reseed >= RESEED_CALLS) {
        if (mbedtls_ctr_drbg_reseed(&drbg, NULL, 0) == 0) {
            calls_since_reseed = 0;
        } else {
            calls_since_reseed = RESEED_CALLS / 2; /* try again sooner */
        }
    }
    unsigned char out[4];
    if (mbedtls_ctr_drbg_random(&drbg, out, sizeof(out)) != 0) {
        /* Cannot happen with reseeding off and a 4-byte request; if it did,
         * lwIP still needs a number. */
        memset(out, 0, sizeof(out));
        out[0] = (unsigned char)sys_now();
    }
    return ((uint32_t)out[0] << 24) | ((uint32_t)out[1] << 16) | ((uint32_t)out[2] << 8) |
           (uint32_t)out[3];
}

static void put_ip_port(unsigned char *out, const ip_addr_t *ip, u16_t port)
{
    /* Network order, so the hash input is the 4-tuple as on the wire. */
    uint32_t raw = ip != NULL ? ip4_addr_get_u32(ip_2_ip4(ip)) : 0;
    memcpy(out, &raw, 4);
    out[4] = (unsigned char)(port >> 8);
    out[5] = (unsigned char)port;
}

uint32_t acme_lwip_tcp_isn(const ip_addr_t *local_ip, u16_t local_port, const ip_addr_t *remote_ip,
                           u16_t remote_port)
{
    /* M: a timer ticking every 4 microseconds. sys_now() has milliseconds
     * (250 ticks each); several connections within one millisecond step M
     * on by one each, so M never stands still or goes back and two
     * connections with the same 4-tuple never share an ISN. */
    uint32_t m = sys_now() * 250u;
    if ((int32_t)(m - isn_last_m) <= 0) {
        m = isn_last_m + 1u;
    }
    isn_last_m = m;

    /* F: a keyed hash of the connection identity; an off-path attacker
     * who does not know the secret cannot predict it. */
    unsigned char input[12 + ISN_SECRET_LEN];
    put_ip_port(input, local_ip, local_port);
    put_ip_port(input + 6, remote_ip, remote_port);
    memcpy(input + 12, isn_secret, ISN_SECRET_LEN);
    unsigned char digest[32];
    if (mbedtls_sha256_ret(input, sizeof(input), digest, 0) != 0) {
        memset(digest, 0, sizeof(digest));
    }
    mbedtls_platform_zeroize(input, sizeof(input)); /* holds the secret */
    uint32_t f = ((uint32_t)digest[0] << 24) | ((uint32_t)digest[1] << 16) |
                 ((uint32_t)digest[2] << 8) | (uint32_t)digest[3];
    return m + f;
}
