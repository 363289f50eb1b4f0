/*
 * One log line per action, with its time (see cli_log.h).
 */
#include "cli_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "acme/engine/renewal.h"
#include "cli.h"

void cli_log(const char *fmt, ...)
{
    char line[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* Server text may hold anything: one action, one line. */
    for (char *c = line; *c != '\0'; c++) {
        if (*c == '\n' || *c == '\r') {
            *c = ' ';
        }
    }
    char when[32];
    cli_format_time((int64_t)time(NULL), when, sizeof(when));
    fprintf(stderr, "acme-agent: %s %s\n", when, line);
    fflush(stderr);
}

void cli_log_when(int64_t t, int64_t now_s, char *out, size_t cap)
{
    if (t == ACME_ARI_NEVER) {
        snprintf(out, cap, "never");
    } else if (t <= now_s) {
        snprintf(out, cap, "now");
    } else {
        cli_format_time(t, out, cap);
    }
}
