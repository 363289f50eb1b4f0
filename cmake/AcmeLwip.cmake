# lwIP 2.1.3, compiled from the pinned Debian source package (Debian's patches
# applied, including the CVE fixes) with the project's lwipopts.h. The binary
# Debian package is the Hurd port (NO_SYS=0, pthreads, its own lwipopts.h) and
# is never used.
#
#   acme_lwip_library(<target> <lwipopts-dir> <arch-dir>)
# builds a static library of the raw-API core (IPv4, UDP, TCP, DHCP, ARP,
# Ethernet) for the given options; include dirs are PUBLIC, ours first (the
# source package's port/include has its own lwipopts.h that must not win).

include(${CMAKE_CURRENT_LIST_DIR}/AcmeDebianSource.cmake)
acme_debian_source(lwip 2.1.3+dfsg1-2
  8d8f944db8e6d542fc2d6f01559078fb1b5dda71651c67ee5fa3571ed1342c50 LWIP_SRC)

function(acme_lwip_library target opts_dir arch_dir)
  set(core ${LWIP_SRC}/src/core)
  add_library(${target} STATIC
    ${core}/init.c ${core}/def.c ${core}/dns.c ${core}/inet_chksum.c ${core}/ip.c
    ${core}/mem.c ${core}/memp.c ${core}/netif.c ${core}/pbuf.c ${core}/raw.c
    ${core}/stats.c ${core}/sys.c ${core}/tcp.c ${core}/tcp_in.c ${core}/tcp_out.c
    ${core}/timeouts.c ${core}/udp.c
    ${core}/ipv4/dhcp.c ${core}/ipv4/etharp.c ${core}/ipv4/icmp.c ${core}/ipv4/ip4.c
    ${core}/ipv4/ip4_addr.c ${core}/ipv4/ip4_frag.c
    ${LWIP_SRC}/src/netif/ethernet.c
    # Ours: lwIP's assertion handler (see arch/cc.h).
    ${PROJECT_SOURCE_DIR}/port/lwip/arch/lwip_assert.c)
  target_include_directories(${target} SYSTEM BEFORE PUBLIC
    "${opts_dir}" "${arch_dir}" "${LWIP_SRC}/src/include")
  target_compile_options(${target} PRIVATE -w)
endfunction()
