/*
 * Helpers shared by the commands: errors, options, the state file, files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

int cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("acme-agent: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return CLI_EXIT_FAIL;
}

bool cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

const char *cli_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        cli_fail("option %s needs a value", argv[*i]);
        return NULL;
    }
    *i += 1;
    return argv[*i];
}

acme_status_t cli_open_state(acme_posix_port_t *pp, acme_port_t *port, const char *path,
                             bool verbose)
{
    acme_status_t st = acme_posix_port_init(pp, port);
    if (st != ACME_OK) {
        return st;
    }
    pp->log_threshold = verbose ? ACME_LOG_DEBUG : (acme_log_level_t)0;
    acme_flash_geometry_t geo = {CLI_STATE_SIZE, CLI_STATE_ERASE, CLI_STATE_PROG};
    return acme_posix_flash_open(pp, port, path, &geo);
}

acme_status_t cli_read_file(const char *path, char *buf, size_t cap, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return ACME_ERR_NOT_FOUND;
    }
    size_t n = fread(buf, 1, cap - 1, f);
    bool too_big = !feof(f) && fgetc(f) != EOF;
    bool failed = ferror(f) != 0;
    fclose(f);
    if (too_big) {
        return ACME_ERR_OVERSIZE;
    }
    if (failed) {
        return ACME_ERR_TRANSPORT;
    }
    buf[n] = '\0';
    *len = n;
    return ACME_OK;
}

static acme_status_t write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return ACME_ERR_FLASH;
        }
        p += n;
        len -= (size_t)n;
    }
    return ACME_OK;
}

acme_status_t cli_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        return ACME_ERR_INVALID_ARG;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
    if (fd < 0) {
        return ACME_ERR_FLASH;
    }
    /* open() applies the umask; the mode must be exactly what was asked. */
    acme_status_t st = fchmod(fd, (mode_t)mode) == 0 ? ACME_OK : ACME_ERR_FLASH;
    if (st == ACME_OK) {
        st = write_all(fd, data, len);
    }
    if (st == ACME_OK && fsync(fd) != 0) {
        st = ACME_ERR_FLASH;
    }
    if (close(fd) != 0 && st == ACME_OK) {
        st = ACME_ERR_FLASH;
    }
    if (st == ACME_OK && rename(tmp, path) != 0) {
        st = ACME_ERR_FLASH;
    }
    if (st != ACME_OK) {
        unlink(tmp);
        return st;
    }
    /* Make the rename itself durable. */
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL) {
        snprintf(dir, sizeof(dir), ".");
    } else if (slash == dir) {
        dir[1] = '\0';
    } else {
        *slash = '\0';
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        return ACME_ERR_FLASH;
    }
    st = fsync(dfd) == 0 ? ACME_OK : ACME_ERR_FLASH;
    close(dfd);
    return st;
}

void cli_format_time(int64_t t, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL || strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        snprintf(out, cap, "%lld", (long long)t);
    }
}
