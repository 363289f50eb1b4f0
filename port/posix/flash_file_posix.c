/*
 * Flash seam of the POSIX port: a regular file that behaves like NOR flash
 * (program only clears bits, erase sets a whole block to 0xFF), so the
 * agent's store runs unchanged on a Linux gateway and in tests.
 */
#include "posix_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Read-modify-write and erase go through a stack buffer of this size; it
 * is also the largest prog_size accepted (a multiple of every smaller power
 * of two, so chunks stay aligned to the program unit). */
#define CHUNK 256u

/* pread/pwrite on a regular file move everything at once unless a signal
 * interrupts; a few retries cover that. */
#define MAX_IO_CALLS 16

static bool is_pow2(uint32_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

/* Move exactly len bytes at off; false on any error or end of file. */
static bool file_io(int fd, void *buf, size_t len, uint64_t off, bool writing)
{
    uint8_t *p = buf;
    for (int call = 0; call < MAX_IO_CALLS && len > 0; call++) {
        ssize_t n = writing ? pwrite(fd, p, len, (off_t)off) : pread(fd, p, len, (off_t)off);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            off += (uint64_t)n;
        } else if (n == 0 || errno != EINTR) {
            return false;
        }
    }
    return len == 0;
}

static acme_posix_flash_t *open_flash(void *ctx)
{
    acme_posix_port_t *pp = ctx;
    return (pp != NULL && pp->flash.fd >= 0) ? &pp->flash : NULL;
}

/* [off, off + len) inside the partition, without overflow. */
static bool in_range(const acme_posix_flash_t *f, uint32_t off, size_t len)
{
    return (uint64_t)off <= f->geometry.size && (uint64_t)len <= f->geometry.size - off;
}

static int32_t flash_read(void *ctx, uint32_t off, void *buf, size_t len)
{
    acme_posix_flash_t *f = open_flash(ctx);
    if (f == NULL || (buf == NULL && len > 0) || !in_range(f, off, len)) {
        return ACME_ERR_FLASH;
    }
    if (len > 0 && !file_io(f->fd, buf, len, off, false)) {
        acme_posix_logf(ctx, ACME_LOG_ERROR, "posix port: flash read at %u: %s", (unsigned)off,
                        strerror(errno));
        return ACME_ERR_FLASH;
    }
    return ACME_OK;
}

static int32_t flash_prog(void *ctx, uint32_t off, const void *buf, size_t len)
{
    acme_posix_flash_t *f = open_flash(ctx);
    if (f == NULL || (buf == NULL && len > 0) || !in_range(f, off, len) ||
        off % f->geometry.prog_size != 0 || len % f->geometry.prog_size != 0) {
        return ACME_ERR_FLASH;
    }
    if (len == 0) {
        return ACME_OK;
    }
    const uint8_t *data = buf;
    uint8_t cell[CHUNK];
    /* NOR programming can only turn 1 bits into 0 bits: new = old AND data.
     * The bound is the partition size over the chunk size. */
    for (size_t done = 0; done < len;) {
        size_t n = len - done < CHUNK ? len - done : CHUNK;
        uint64_t at = (uint64_t)off + done;
        if (!file_io(f->fd, cell, n, at, false)) {
            goto io_error;
        }
        for (size_t i = 0; i < n; i++) {
            cell[i] &= data[done + i];
        }
        if (!file_io(f->fd, cell, n, at, true)) {
            goto io_error;
        }
        done += n;
    }
    uint32_t first = off / f->geometry.erase_size;
    uint32_t last = (uint32_t)(((uint64_t)off + len - 1) / f->geometry.erase_size);
    for (uint32_t b = first; b <= last && b < ACME_POSIX_FLASH_MAX_BLOCKS; b++) {
        f->prog_count[b]++;
    }
    return ACME_OK;
io_error:
    acme_posix_logf(ctx, ACME_LOG_ERROR, "posix port: flash program at %u: %s", (unsigned)off,
                    strerror(errno));
    return ACME_ERR_FLASH;
}

static int32_t flash_erase(void *ctx, uint32_t off)
{
    acme_posix_flash_t *f = open_flash(ctx);
    if (f == NULL || off % f->geometry.erase_size != 0 || off >= f->geometry.size) {
        return ACME_ERR_FLASH;
    }
    uint8_t ones[CHUNK];
    memset(ones, 0xFF, sizeof(ones));
    uint32_t erase = f->geometry.erase_size;
    for (uint32_t done = 0; done < erase;) {
        uint32_t n = erase - done < CHUNK ? erase - done : CHUNK;
        if (!file_io(f->fd, ones, n, (uint64_t)off + done, true)) {
            acme_posix_logf(ctx, ACME_LOG_ERROR, "posix port: flash erase at %u: %s", (unsigned)off,
                            strerror(errno));
            return ACME_ERR_FLASH;
        }
        done += n;
    }
    f->erase_count[off / erase]++;
    return ACME_OK;
}

static int32_t flash_sync(void *ctx)
{
    acme_posix_flash_t *f = open_flash(ctx);
    if (f == NULL) {
        return ACME_ERR_FLASH;
    }
    if (fsync(f->fd) != 0) {
        acme_posix_logf(ctx, ACME_LOG_ERROR, "posix port: flash fsync: %s", strerror(errno));
        return ACME_ERR_FLASH;
    }
    return ACME_OK;
}

const acme_flash_ops_t acme_posix_flash_ops = {
    .read = flash_read,
    .prog = flash_prog,
    .erase = flash_erase,
    .sync = flash_sync,
};

/* ---- opening ------------------------------------------------------------ */

static bool geometry_ok(const acme_flash_geometry_t *g)
{
    return g->size > 0 && is_pow2(g->erase_size) && g->size % g->erase_size == 0 &&
           g->size / g->erase_size <= ACME_POSIX_FLASH_MAX_BLOCKS && is_pow2(g->prog_size) &&
           g->prog_size <= CHUNK && g->erase_size % g->prog_size == 0;
}

/* fsync the directory holding path, so that a new name in it is durable. */
static bool sync_parent_dir(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        memcpy(dir, ".", 2);
    } else if (slash == path) {
        memcpy(dir, "/", 2);
    } else {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof(dir)) {
            return false;
        }
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    bool ok = fsync(fd) == 0;
    (void)close(fd);
    return ok;
}

/* Create path as size bytes of 0xFF: write a temp file, fsync, rename,
 * fsync the directory. A power cut leaves no file or the whole file, never
 * a short one that a later open would refuse. */
static acme_status_t create_erased(const acme_posix_port_t *pp, const char *path, uint32_t size)
{
    char tmp[PATH_MAX];
    int n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        return ACME_ERR_INVALID_ARG;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        acme_posix_logf(pp, ACME_LOG_ERROR, "posix port: cannot create flash file %s: %s", tmp,
                        strerror(errno));
        return ACME_ERR_FLASH;
    }
    uint8_t ones[CHUNK];
    memset(ones, 0xFF, sizeof(ones));
    bool ok = true;
    for (uint32_t done = 0; ok && done < size;) {
        uint32_t len = size - done < CHUNK ? size - done : CHUNK;
        ok = file_io(fd, ones, len, done, true);
        done += len;
    }
    if (ok && fsync(fd) != 0) {
        ok = false;
    }
    int err = ok ? 0 : errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        err = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = false;
        err = errno;
    }
    if (!ok) {
        (void)unlink(tmp);
    } else if (!sync_parent_dir(path)) {
        ok = false;
        err = errno;
    }
    if (!ok) {
        acme_posix_logf(pp, ACME_LOG_ERROR, "posix port: cannot create flash file %s: %s", path,
                        strerror(err));
        return ACME_ERR_FLASH;
    }
    return ACME_OK;
}

acme_status_t acme_posix_flash_open(acme_posix_port_t *pp, acme_port_t *port, const char *path,
                                    const acme_flash_geometry_t *geometry)
{
    if (pp == NULL || path == NULL || path[0] == '\0' || geometry == NULL ||
        !geometry_ok(geometry)) {
        return ACME_ERR_INVALID_ARG;
    }
    if (pp->flash.fd >= 0) {
        return ACME_ERR_BAD_STATE;
    }
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        acme_status_t rc = create_erased(pp, path, geometry->size);
        if (rc != ACME_OK) {
            return rc;
        }
        fd = open(path, O_RDWR | O_CLOEXEC);
    }
    if (fd < 0) {
        acme_posix_logf(pp, ACME_LOG_ERROR, "posix port: cannot open flash file %s: %s", path,
                        strerror(errno));
        return ACME_ERR_FLASH;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        (void)close(fd);
        return ACME_ERR_FLASH;
    }
    if (!S_ISREG(st.st_mode) || st.st_size != (off_t)geometry->size) {
        /* Never resize or rewrite: the file may hold the only copy of the
         * device's keys and certificate under another geometry. */
        acme_posix_logf(pp, ACME_LOG_ERROR,
                        "posix port: flash file %s is %lld bytes, expected %lu; use the "
                        "geometry it was made with or another file",
                        path, (long long)st.st_size, (unsigned long)geometry->size);
        (void)close(fd);
        return ACME_ERR_CONFIG;
    }
    /* Two agents on one store would interleave commits: refuse the second. */
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        acme_posix_logf(pp, ACME_LOG_ERROR, "posix port: flash file %s is in use: %s", path,
                        strerror(errno));
        (void)close(fd);
        return ACME_ERR_FLASH;
    }
    memset(&pp->flash, 0, sizeof(pp->flash));
    pp->flash.fd = fd;
    pp->flash.geometry = *geometry;
    if (port != NULL) {
        port->flash = &acme_posix_flash_ops;
        port->flash_ctx = pp;
        port->flash_geometry = *geometry;
    }
    return ACME_OK;
}

void acme_posix_flash_close(acme_posix_port_t *pp, acme_port_t *port)
{
    if (pp != NULL && pp->flash.fd >= 0) {
        (void)close(pp->flash.fd); /* also drops the flock */
        pp->flash.fd = -1;
    }
    if (port != NULL) {
        port->flash = NULL;
        port->flash_ctx = NULL;
        memset(&port->flash_geometry, 0, sizeof(port->flash_geometry));
    }
}
