/*
 * Log seam of the POSIX port: one line per message on stderr with a level
 * prefix, dropped above a threshold. Also the port's own printf-style log.
 */
#include "posix_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* A line longer than this is cut and marked; the agent's lines are short. */
#define LINE_MAX_BYTES 512

/* Partial writes to a pipe or terminal; a few retries then give up. */
#define MAX_WRITES 8

static const char *level_name(acme_log_level_t level)
{
    switch (level) {
    case ACME_LOG_ERROR:
        return "error";
    case ACME_LOG_WARN:
        return "warn";
    case ACME_LOG_INFO:
        return "info";
    case ACME_LOG_DEBUG:
        return "debug";
    default:
        return "log";
    }
}

static void write_all(int fd, const char *p, size_t len)
{
    for (int i = 0; i < MAX_WRITES && len > 0; i++) {
        ssize_t n = write(fd, p, len);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
        } else if (n < 0 && errno != EINTR && errno != EAGAIN) {
            return;
        }
    }
}

static acme_log_level_t threshold_of(const acme_posix_port_t *pp)
{
    return pp != NULL ? pp->log_threshold : ACME_LOG_INFO;
}

static void emit_line(acme_log_level_t threshold, acme_log_level_t level, const char *line)
{
    if (line == NULL || (int)level > (int)threshold) {
        return;
    }
    char out[LINE_MAX_BYTES + 32];
    int prefix = snprintf(out, sizeof(out), "acme %s: ", level_name(level));
    if (prefix < 0) {
        return;
    }
    size_t pos = (size_t)prefix;
    size_t i = 0;
    /* Lines can quote what a server said (a problem detail): control
     * characters become '?' so that a hostile server cannot forge log lines
     * (newline) or drive the terminal (escape sequences). */
    for (; line[i] != '\0' && i < LINE_MAX_BYTES; i++) {
        unsigned char c = (unsigned char)line[i];
        out[pos++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (line[i] != '\0') {
        memcpy(out + pos, "...", 3);
        pos += 3;
    }
    out[pos++] = '\n';
    /* One write(2) per line, so lines from several processes do not mix. */
    write_all(STDERR_FILENO, out, pos);
}

static void log_write(void *ctx, acme_log_level_t level, const char *line)
{
    emit_line(threshold_of(ctx), level, line);
}

void acme_posix_logf(const acme_posix_port_t *pp, acme_log_level_t level, const char *fmt, ...)
{
    if ((int)level > (int)threshold_of(pp)) {
        return;
    }
    char line[LINE_MAX_BYTES + 1];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    emit_line(threshold_of(pp), level, line);
}

const acme_log_ops_t acme_posix_log_ops = {
    .write = log_write,
};
