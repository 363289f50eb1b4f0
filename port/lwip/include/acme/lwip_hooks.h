/*
 * Hooks the agent's lwIP port installs into lwIP (see lwipopts.h):
 * randomness for ports and IDs, and RFC 6528 initial sequence numbers.
 */
#ifndef ACME_LWIP_HOOKS_H
#define ACME_LWIP_HOOKS_H

#include <stdint.h>

struct ip4_addr;
typedef struct ip4_addr ip4_addr_t;

/* 32 random bits from the port's DRBG (seeded from the board's entropy). */
uint32_t acme_lwip_rand(void);

/* RFC 6528: ISN = M + F(local ip, local port, remote ip, remote port, secret)
 * with M a 4-microsecond timer and F a keyed hash (SHA-256). */
struct ip_addr;
uint32_t acme_lwip_tcp_isn(const struct ip_addr *local_ip, uint16_t local_port,
                           const struct ip_addr *remote_ip, uint16_t remote_port);

#endif /* ACME_LWIP_HOOKS_H */
