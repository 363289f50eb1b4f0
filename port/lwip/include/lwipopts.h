/*
 * lwIP options for the agent's lwIP port: raw API, NO_SYS=1 (bare metal,
 * one super-loop), IPv4 with DHCP, TCP and UDP. Sized for one ACME
 * connection, one DNS query and a few http-01 validation connections.
 *
 * Library options only; platform facts (types, diagnostics) are in
 * arch/cc.h, as lwIP separates them.
 */
#ifndef ACME_LWIPOPTS_H
#define ACME_LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_DHCP 1
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DNS 1 /* the port can resolve names itself (see port/lwip) */
#define LWIP_RAW 0
#define LWIP_IGMP 0
#define LWIP_AUTOIP 0
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1

/* Memory: lwIP's own pools, apart from the agent's arena. The host unit
 * tests run both ends of every connection in one stack (loopback), so they
 * get twice the pools a device has; the limits per connection are the same. */
#if defined(ACME_LWIP_HOST_TEST)
#define ACME_LWIP_ENDS 2
#else
#define ACME_LWIP_ENDS 1
#endif
/* Pointer alignment: lwIP's pool elements hold pointers (8 bytes on the
 * 64-bit host the tests run on, 4 on Cortex-M). */
#if defined(__SIZEOF_POINTER__) && __SIZEOF_POINTER__ > 4
#define MEM_ALIGNMENT 8
#else
#define MEM_ALIGNMENT 4
#endif
#define MEM_SIZE (ACME_LWIP_ENDS * 24 * 1024)
#define MEMP_NUM_PBUF (ACME_LWIP_ENDS * 16)
#define PBUF_POOL_SIZE (ACME_LWIP_ENDS * 24)
#define MEMP_NUM_TCP_PCB (ACME_LWIP_ENDS * 8)
#define MEMP_NUM_TCP_PCB_LISTEN 2
#define MEMP_NUM_TCP_SEG (ACME_LWIP_ENDS * 32)
/* DHCP, lwIP's DNS client (while it resolves) and the agent's DNS client. */
#define MEMP_NUM_UDP_PCB (ACME_LWIP_ENDS * 4)
#define MEMP_NUM_SYS_TIMEOUT 8

#define TCP_MSS 1460
#define TCP_WND (4 * TCP_MSS)
#define TCP_SND_BUF (4 * TCP_MSS)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_LISTEN_BACKLOG 1
/* SOF_REUSEADDR for the http-01 listener (net_lwip.c: net_listen). */
#define SO_REUSE 1

/* Randomness: lwIP's default port and ISN choices are predictable (ISNs
 * were 6509 in two runs). The port feeds both from its own CTR_DRBG
 * (port/lwip/rng_lwip.c); the ISN follows RFC 6528. */
#define LWIP_RANDOMIZE_INITIAL_LOCAL_PORTS 1
#define LWIP_RAND() acme_lwip_rand()
/* udp.c, dns.c and dhcp.c use LWIP_RAND without the hook file, so the
 * prototype lives here (lwipopts.h is the first thing every lwIP file reads). */
#if !defined(__ASSEMBLER__)
#include <stdint.h>
uint32_t acme_lwip_rand(void);
#endif
#define LWIP_HOOK_FILENAME "acme/lwip_hooks.h"
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port)                            \
    acme_lwip_tcp_isn((local_ip), (local_port), (remote_ip), (remote_port))

#define LWIP_CHECKSUM_ON_COPY 1
#define IP_REASSEMBLY 0
#define IP_FRAG 0

/* The host unit tests run the same stack over lwIP's loopback interface. */
#if defined(ACME_LWIP_HOST_TEST)
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_HAVE_LOOPIF 1
#define LWIP_LOOPBACK_MAX_PBUFS 32
/* Pool counters, so the tests can prove that nothing leaks. */
#define LWIP_STATS 1
#define MEMP_STATS 1
#define MEM_STATS 1
#define LWIP_STATS_DISPLAY 0
#else
#define LWIP_STATS 0
#endif

#endif /* ACME_LWIPOPTS_H */
