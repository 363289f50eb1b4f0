/*
 * RFC 3339 timestamps as ACME servers send them ("2025-01-02T04:00:00Z",
 * "2025-01-02T06:00:00.123+02:00"): the ARI suggested window (RFC 9773),
 * order and authorization expiry.
 *
 * Strict: the full date-time form only (RFC 3339 §5.6), 'T' or 't' between
 * date and time, 'Z', 'z' or a numeric offset; fractional seconds are
 * accepted and dropped; a leap second (":60") is taken as the next second.
 * Years 1970..9999. Anything else is ACME_ERR_MALFORMED.
 */
#ifndef ACME_CODEC_RFC3339_H
#define ACME_CODEC_RFC3339_H

#include <stddef.h>
#include <stdint.h>

#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* s[0..n) (need not be NUL-terminated) as Unix seconds in *out. */
acme_status_t acme_rfc3339_parse(const char *s, size_t n, int64_t *out);

#ifdef __cplusplus
}
#endif

#endif /* ACME_CODEC_RFC3339_H */
