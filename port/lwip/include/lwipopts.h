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
#define LWIP_STATS 0
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1

/* Memory: lwIP's own pools, apart from the agent's arena. */
#define MEM_ALIGNMENT 4
#define MEM_SIZE (24 * 1024)
#define MEMP_NUM_PBUF 16
#define PBUF_POOL_SIZE 24
#define MEMP_NUM_TCP_PCB 8
#define MEMP_NUM_TCP_PCB_LISTEN 2
#define MEMP_NUM_TCP_SEG 32
#define MEMP_NUM_UDP_PCB 4
#define MEMP_NUM_SYS_TIMEOUT 8

#define TCP_MSS 1460
#define TCP_WND (4 * TCP_MSS)
#define TCP_SND_BUF (4 * TCP_MSS)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_LISTEN_BACKLOG 1

/* Randomness: lwIP's default port and ISN choices are predictable (ISNs
 * were 6509 in two runs). The port feeds both from the agent's DRBG
 * (port/lwip/rng_lwip.c); the ISN follows RFC 6528. */
#define LWIP_RANDOMIZE_INITIAL_LOCAL_PORTS 1
#define LWIP_RAND() acme_lwip_rand()
#define LWIP_HOOK_FILENAME "acme/lwip_hooks.h"
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port) \
    acme_lwip_tcp_isn((local_ip), (local_port), (remote_ip), (remote_port))

#define LWIP_CHECKSUM_ON_COPY 1

/* The host unit tests run the same stack over lwIP's loopback interface. */
#if defined(ACME_LWIP_HOST_TEST)
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_HAVE_LOOPIF 1
#define LWIP_LOOPBACK_MAX_PBUFS 32
#endif

#endif /* ACME_LWIPOPTS_H */
