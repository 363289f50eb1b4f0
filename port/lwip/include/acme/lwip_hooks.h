/*
 * Hooks the agent's lwIP port installs into lwIP (see lwipopts.h):
 * randomness for ports and IDs, and RFC 6528 initial sequence numbers.
 * Included by lwIP's own sources through LWIP_HOOK_FILENAME.
 */
#ifndef ACME_LWIP_HOOKS_H
#define ACME_LWIP_HOOKS_H

#include <stdint.h>

#include "lwip/ip_addr.h"

/* 32 random bits from the port's CTR_DRBG (seeded from the board's entropy
 * in acme_lwip_port_init()). Also declared in lwipopts.h for the lwIP files
 * that do not include this one. */
uint32_t acme_lwip_rand(void);

/* RFC 6528: ISN = M + F(local ip, local port, remote ip, remote port, secret)
 * with M a 4-microsecond timer and F a keyed hash (SHA-256). lwIP passes
 * ip_addr_t, which is struct ip4_addr with LWIP_IPV6=0. */
uint32_t acme_lwip_tcp_isn(const ip_addr_t *local_ip, u16_t local_port, const ip_addr_t *remote_ip,
                           u16_t remote_port);

#endif /* ACME_LWIP_HOOKS_H */
