/*
 * The POSIX port's system resolver: the first name server of
 * /etc/resolv.conf, for the agent's DNS client when the integrator set
 * none. The parser is separate from the file so that tests can feed it
 * text. Not installed; the port's own sources and its unit test include it.
 */
#ifndef ACME_RESOLV_CONF_POSIX_H
#define ACME_RESOLV_CONF_POSIX_H

#include <stddef.h>
#include <stdint.h>

#include "acme/port.h"
#include "acme/status.h"

/* The file the seam reads, and how much of it (a resolv.conf is a few
 * hundred bytes; systemd-resolved's stub with its comment block about 1 KiB). */
#define ACME_POSIX_RESOLV_CONF_PATH "/etc/resolv.conf"
#define ACME_POSIX_RESOLV_CONF_READ_MAX 8192u

/* The address of the first usable "nameserver" line in text[0..len) (no
 * NUL needed), read as glibc's resolver reads it (resolv.conf(5)): the
 * keyword starts the line and is followed by a space or tab; the address
 * is the next word and ends at a space, tab, ';', '#' or the line's end;
 * lines starting with ';' or '#' are comments. IPv4 dotted quad or IPv6
 * text. A line whose address does not parse is skipped, as is an IPv6
 * address with a zone ("fe80::1%eth0"): the datagram seam cannot say which
 * interface. ACME_OK with *ip, or ACME_ERR_NOT_FOUND when no line gives an
 * address (glibc would then try 127.0.0.1; the agent does not guess). */
acme_status_t acme_posix_resolv_conf_parse(const char *text, size_t len, acme_ip_addr_t *ip);

/* acme_udp_ops_t.system_resolver: parse ACME_POSIX_RESOLV_CONF_PATH (its
 * first ACME_POSIX_RESOLV_CONF_READ_MAX bytes) and answer port 53.
 * ACME_ERR_NOT_FOUND also when the file is missing or unreadable. A short
 * local file read: the one blocking call in the datagram seam. */
int32_t acme_posix_system_resolver(void *ctx, acme_ip_addr_t *ip, uint16_t *port);

#endif /* ACME_RESOLV_CONF_POSIX_H */
