/*
 * Log macros over the port's log seam. Each level compiles to nothing when
 * ACME_LOG_LEVEL is below it (default 0: no logging code at all), like
 * coreHTTP's LogError/LogInfo. Lines are bounded (ACME_LOG_LINE_MAX) and
 * never carry secrets: no keys, no EAB MACs, no nonces, no JWS bodies.
 */
#ifndef ACME_IO_LOG_H
#define ACME_IO_LOG_H

#include "acme/config_defaults.h"
#include "acme/port.h"

void acme_log_printf(const acme_port_t *port, acme_log_level_t level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#if ACME_LOG_LEVEL >= 1
#define ACME_LOGE(port, ...) acme_log_printf((port), ACME_LOG_ERROR, __VA_ARGS__)
#else
#define ACME_LOGE(port, ...) ((void)(port))
#endif
#if ACME_LOG_LEVEL >= 2
#define ACME_LOGW(port, ...) acme_log_printf((port), ACME_LOG_WARN, __VA_ARGS__)
#else
#define ACME_LOGW(port, ...) ((void)(port))
#endif
#if ACME_LOG_LEVEL >= 3
#define ACME_LOGI(port, ...) acme_log_printf((port), ACME_LOG_INFO, __VA_ARGS__)
#else
#define ACME_LOGI(port, ...) ((void)(port))
#endif
#if ACME_LOG_LEVEL >= 4
#define ACME_LOGD(port, ...) acme_log_printf((port), ACME_LOG_DEBUG, __VA_ARGS__)
#else
#define ACME_LOGD(port, ...) ((void)(port))
#endif

#endif /* ACME_IO_LOG_H */
