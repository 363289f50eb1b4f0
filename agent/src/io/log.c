/*
 * Formatting a bounded log line and handing it to the port's log seam.
 */
#include "io/log.h"

#include <stdarg.h>
#include <stdio.h>

void acme_log_printf(const acme_port_t *port, acme_log_level_t level, const char *fmt, ...)
{
    if (port == NULL || port->log == NULL || port->log->write == NULL) {
        return;
    }
    char line[ACME_LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    /* Truncation is fine: a log line is for people. */
    (void)vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    port->log->write(port->log_ctx, level, line);
}
