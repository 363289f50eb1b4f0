/*
 * acme-provision: messages, whole-file reads and writes, and paths relative
 * to the spec file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "provision_tool.h"

int tool_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("acme-provision: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return TOOL_EXIT_ERROR;
}

bool tool_read_file(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        tool_error("%s: %s", path, strerror(errno));
        return false;
    }
    size_t n = fread(buf, 1, cap - 1u, f);
    bool too_big = n == cap - 1u && fgetc(f) != EOF;
    bool failed = ferror(f) != 0;
    fclose(f);
    if (failed) {
        tool_error("%s: read error", path);
        return false;
    }
    if (too_big) {
        tool_error("%s: larger than %zu bytes", path, cap - 1u);
        return false;
    }
    buf[n] = 0;
    *len = n;
    return true;
}

static bool write_all(int fd, const uint8_t *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        p += n;
        len -= (size_t)n;
    }
    return true;
}

bool tool_write_file(const char *path, const void *data, size_t len)
{
    /* A temp file renamed over the target: a failed run never leaves a
     * half-written blob where the factory line would pick it up. */
    char tmp[TOOL_PATH_MAX];
    int n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        tool_error("%s: path too long", path);
        return false;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        tool_error("%s: %s", tmp, strerror(errno));
        return false;
    }
    bool ok = write_all(fd, data, len) && fsync(fd) == 0;
    int err = errno;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        tool_error("%s: %s", path, strerror(ok ? errno : err));
        unlink(tmp);
        return false;
    }
    return true;
}

bool tool_relative_path(const char *base, const char *name, char *out, size_t cap)
{
    const char *slash = strrchr(base, '/');
    size_t dir_len = name[0] == '/' || slash == NULL ? 0 : (size_t)(slash - base) + 1u;
    size_t name_len = strlen(name);
    if (dir_len + name_len + 1u > cap) {
        return false;
    }
    memcpy(out, base, dir_len);
    memcpy(out + dir_len, name, name_len + 1u);
    return true;
}

void tool_wipe(void *p, size_t len)
{
    /* Through a volatile pointer, so the stores are not optimised away. */
    volatile uint8_t *v = p;
    for (size_t i = 0; i < len; i++) {
        v[i] = 0;
    }
}

bool tool_pio_all(int fd, uint64_t at, const uint8_t *wr, uint8_t *rd, size_t len)
{
    for (size_t done = 0; done < len;) {
        ssize_t n = wr != NULL ? pwrite(fd, wr + done, len - done, (off_t)(at + done))
                               : pread(fd, rd + done, len - done, (off_t)(at + done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false; /* an error, or a short file where bytes were expected */
        }
        done += (size_t)n;
    }
    return true;
}

bool tool_erase_range(int fd, uint64_t from, uint64_t to)
{
    static uint8_t erased[4096];
    memset(erased, 0xFF, sizeof(erased));
    while (from < to) {
        size_t n = to - from < sizeof(erased) ? (size_t)(to - from) : sizeof(erased);
        if (!tool_pio_all(fd, from, erased, NULL, n)) {
            return false;
        }
        from += n;
    }
    return true;
}
