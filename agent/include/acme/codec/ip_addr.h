/*
 * IP address text (IPv4 dotted quad, IPv6 per RFC 4291 §2.2) to and from
 * acme_ip_addr_t, plus "IP:PORT" / "[IPv6]:PORT" endpoints.
 *
 * Used for the integrator's --dns-server and http-01 bind address and to
 * tell whether a URL host (untrusted: it may come from a CAA-discovered
 * directory) is an IP literal. The parser is strict so that one text has
 * one meaning: no octal or leading-zero IPv4 parts, no shortened IPv4
 * ("127.1"), no IPv6 zone ids, an IPv6 address with a port only in
 * brackets. Text is given as pointer + length (a URL host is not
 * NUL-terminated); a NUL byte inside it is rejected.
 */
#ifndef ACME_CODEC_IP_ADDR_H
#define ACME_CODEC_IP_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/port.h"
#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest address text accepted by the parser, NUL included
 * ("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" is 45 characters). */
#define ACME_IP_TEXT_MAX 46u
/* Longest endpoint text, NUL included: "[" address "]:" 5-digit port. */
#define ACME_IP_ENDPOINT_TEXT_MAX (ACME_IP_TEXT_MAX + 8u)

/* Parse an address without port: "192.0.2.1" or "2001:db8::1" (no
 * brackets). ACME_OK, or ACME_ERR_MALFORMED for anything else (out is then
 * left with family ACME_IP_NONE). */
acme_status_t acme_ip_parse(const char *text, size_t len, acme_ip_addr_t *out);

/* Parse "192.0.2.1:53", "[2001:db8::1]:53", or, when default_port is not 0,
 * "192.0.2.1" / "[2001:db8::1]" with that port. Ports are 1..65535 in
 * decimal without leading zeros. An IPv6 address without brackets is
 * rejected ("::1:53" would be ambiguous). ACME_OK or ACME_ERR_MALFORMED. */
acme_status_t acme_ip_parse_endpoint(const char *text, size_t len, uint16_t default_port,
                                     acme_ip_addr_t *ip, uint16_t *port);

/* A port number in text: 1..65535, decimal, no sign, no leading zero (one
 * text, one meaning). Used for endpoints here and for URL ports. */
bool acme_ip_parse_port(const char *text, size_t len, uint16_t *port);

/* Write the canonical text of an address (RFC 5952 for IPv6: lower case, no
 * leading zeros, the longest run of two or more zero groups as "::",
 * "::ffff:a.b.c.d" for IPv4-mapped addresses) and a NUL. *len (optional)
 * gets the length without the NUL. ACME_ERR_INVALID_ARG for family
 * ACME_IP_NONE, ACME_ERR_BUFFER_TOO_SMALL when cap is short (the buffer is
 * then left holding an empty string if cap > 0). */
acme_status_t acme_ip_format(const acme_ip_addr_t *ip, char *out, size_t cap, size_t *len);

/* Same as acme_ip_format for "a.b.c.d:port" / "[v6]:port". */
acme_status_t acme_ip_format_endpoint(const acme_ip_addr_t *ip, uint16_t port, char *out,
                                      size_t cap, size_t *len);

/* True when both have the same family and the same address bytes (only the
 * first 4 count for IPv4). Addresses of family ACME_IP_NONE never match. */
bool acme_ip_equal(const acme_ip_addr_t *a, const acme_ip_addr_t *b);

#ifdef __cplusplus
}
#endif

#endif /* ACME_CODEC_IP_ADDR_H */
