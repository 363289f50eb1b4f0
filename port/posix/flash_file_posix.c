/*
 * Flash seam of the POSIX port: a regular file that behaves like NOR flash
 * (program only clears bits, erase sets a whole block to 0xFF), so the
 * agent's store runs unchanged on a Linux gateway and in tests; or a NOR MTD
 * character device (/dev/mtdN: MEMGETINFO, MEMERASE, pread/pwrite). Views
 * give partitions of one file or device their own seam.
 */
#include "posix_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <mtd/mtd-user.h>
#include <sys/file.h>
#include <sys/ioctl.h>
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

/* Where an operation lands: the open flash and the window of it the seam
 * covers (the whole flash, or a partition view). */
typedef struct window {
    acme_posix_port_t *pp;
    acme_posix_flash_t *f;
    uint32_t base;
    const acme_flash_geometry_t *geo;
} window_t;

static bool whole_flash(void *ctx, window_t *w)
{
    acme_posix_port_t *pp = ctx;
    if (pp == NULL || pp->flash.fd < 0) {
        return false;
    }
    *w = (window_t){pp, &pp->flash, 0, &pp->flash.geometry};
    return true;
}

static bool view_flash(void *ctx, window_t *w)
{
    acme_posix_flash_view_t *v = ctx;
    if (v == NULL || v->pp == NULL || v->pp->flash.fd < 0) {
        return false;
    }
    *w = (window_t){v->pp, &v->pp->flash, v->base, &v->geometry};
    return true;
}

/* [off, off + len) inside the window, without overflow. */
static bool in_range(const window_t *w, uint32_t off, size_t len)
{
    return (uint64_t)off <= w->geo->size && (uint64_t)len <= w->geo->size - off;
}

static int32_t do_read(const window_t *w, uint32_t off, void *buf, size_t len)
{
    if ((buf == NULL && len > 0) || !in_range(w, off, len)) {
        return ACME_ERR_FLASH;
    }
    uint64_t at = (uint64_t)w->base + off;
    if (len > 0 && !file_io(w->f->fd, buf, len, at, false)) {
        acme_posix_logf(w->pp, ACME_LOG_ERROR, "posix port: flash read at %llu: %s",
                        (unsigned long long)at, strerror(errno));
        return ACME_ERR_FLASH;
    }
    return ACME_OK;
}

static void count_ops(acme_posix_flash_t *f, uint64_t at, size_t len, uint32_t *counts)
{
    uint32_t erase = f->geometry.erase_size;
    uint64_t first = at / erase;
    uint64_t last = (at + len - 1u) / erase;
    for (uint64_t b = first; b <= last && b < ACME_POSIX_FLASH_MAX_BLOCKS; b++) {
        counts[b]++;
    }
}

static int32_t do_prog(const window_t *w, uint32_t off, const void *buf, size_t len)
{
    uint32_t prog = w->geo->prog_size;
    if ((buf == NULL && len > 0) || !in_range(w, off, len) || off % prog != 0 || len % prog != 0) {
        return ACME_ERR_FLASH;
    }
    if (len == 0) {
        return ACME_OK;
    }
    const uint8_t *data = buf;
    uint8_t cell[CHUNK];
    uint64_t base = (uint64_t)w->base + off;
    /* NOR programming can only turn 1 bits into 0 bits: new = old AND data.
     * An MTD part does that itself, but its driver checks that what it
     * reads back is what was written: write the AND, never a 1 over a 0.
     * The bound is the window size over the chunk size. */
    for (size_t done = 0; done < len;) {
        size_t n = len - done < CHUNK ? len - done : CHUNK;
        uint64_t at = base + done;
        if (!file_io(w->f->fd, cell, n, at, false)) {
            goto io_error;
        }
        for (size_t i = 0; i < n; i++) {
            cell[i] &= data[done + i];
        }
        if (!file_io(w->f->fd, cell, n, at, true)) {
            goto io_error;
        }
        done += n;
    }
    count_ops(w->f, base, len, w->f->prog_count);
    return ACME_OK;
io_error:
    acme_posix_logf(w->pp, ACME_LOG_ERROR, "posix port: flash program at %llu: %s",
                    (unsigned long long)base, strerror(errno));
    return ACME_ERR_FLASH;
}

static int32_t do_erase(const window_t *w, uint32_t off)
{
    uint32_t erase = w->geo->erase_size;
    if (off % erase != 0 || off >= w->geo->size) {
        return ACME_ERR_FLASH;
    }
    uint64_t at = (uint64_t)w->base + off;
    if (w->f->mtd) {
        struct erase_info_user ei = {.start = (uint32_t)at, .length = erase};
        if (ioctl(w->f->fd, MEMERASE, &ei) != 0) {
            goto io_error;
        }
    } else {
        uint8_t ones[CHUNK];
        memset(ones, 0xFF, sizeof(ones));
        for (uint32_t done = 0; done < erase;) {
            uint32_t n = erase - done < CHUNK ? erase - done : CHUNK;
            if (!file_io(w->f->fd, ones, n, at + done, true)) {
                goto io_error;
            }
            done += n;
        }
    }
    count_ops(w->f, at, erase, w->f->erase_count);
    return ACME_OK;
io_error:
    acme_posix_logf(w->pp, ACME_LOG_ERROR, "posix port: flash erase at %llu: %s",
                    (unsigned long long)at, strerror(errno));
    return ACME_ERR_FLASH;
}

static int32_t do_sync(const window_t *w)
{
    /* An MTD write or erase is done when the call returns (mtdchar has no
     * fsync); a file needs fsync. */
    if (!w->f->mtd && fsync(w->f->fd) != 0) {
        acme_posix_logf(w->pp, ACME_LOG_ERROR, "posix port: flash fsync: %s", strerror(errno));
        return ACME_ERR_FLASH;
    }
    return ACME_OK;
}

static int32_t flash_read(void *ctx, uint32_t off, void *buf, size_t len)
{
    window_t w;
    return whole_flash(ctx, &w) ? do_read(&w, off, buf, len) : ACME_ERR_FLASH;
}

static int32_t flash_prog(void *ctx, uint32_t off, const void *buf, size_t len)
{
    window_t w;
    return whole_flash(ctx, &w) ? do_prog(&w, off, buf, len) : ACME_ERR_FLASH;
}

static int32_t flash_erase(void *ctx, uint32_t off)
{
    window_t w;
    return whole_flash(ctx, &w) ? do_erase(&w, off) : ACME_ERR_FLASH;
}

static int32_t flash_sync(void *ctx)
{
    window_t w;
    return whole_flash(ctx, &w) ? do_sync(&w) : ACME_ERR_FLASH;
}

const acme_flash_ops_t acme_posix_flash_ops = {
    .read = flash_read,
    .prog = flash_prog,
    .erase = flash_erase,
    .sync = flash_sync,
};

static int32_t view_read(void *ctx, uint32_t off, void *buf, size_t len)
{
    window_t w;
    return view_flash(ctx, &w) ? do_read(&w, off, buf, len) : ACME_ERR_FLASH;
}

static int32_t view_prog(void *ctx, uint32_t off, const void *buf, size_t len)
{
    window_t w;
    return view_flash(ctx, &w) ? do_prog(&w, off, buf, len) : ACME_ERR_FLASH;
}

static int32_t view_erase(void *ctx, uint32_t off)
{
    window_t w;
    return view_flash(ctx, &w) ? do_erase(&w, off) : ACME_ERR_FLASH;
}

static int32_t view_sync(void *ctx)
{
    window_t w;
    return view_flash(ctx, &w) ? do_sync(&w) : ACME_ERR_FLASH;
}

const acme_flash_ops_t acme_posix_flash_view_ops = {
    .read = view_read,
    .prog = view_prog,
    .erase = view_erase,
    .sync = view_sync,
};

acme_status_t acme_posix_flash_view(acme_posix_port_t *pp, uint32_t base, uint32_t size,
                                    acme_posix_flash_view_t *view)
{
    if (pp == NULL || view == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    if (pp->flash.fd < 0) {
        return ACME_ERR_BAD_STATE;
    }
    const acme_flash_geometry_t *g = &pp->flash.geometry;
    if (size == 0 || base % g->erase_size != 0 || size % g->erase_size != 0 || base > g->size ||
        size > g->size - base) {
        return ACME_ERR_INVALID_ARG;
    }
    view->pp = pp;
    view->base = base;
    view->geometry = (acme_flash_geometry_t){size, g->erase_size, g->prog_size};
    return ACME_OK;
}

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

/* An MTD part the port can drive: NOR (or RAM) semantics, writeable. */
static acme_status_t mtd_usable(const acme_posix_port_t *pp, const char *path,
                                const struct mtd_info_user *mi)
{
    if (mi->type != MTD_NORFLASH && mi->type != MTD_RAM) {
        acme_posix_logf(pp, ACME_LOG_ERROR,
                        "posix port: %s is MTD type %u; only NOR flash (or RAM) keeps the "
                        "program-only-clears-bits rule the store relies on",
                        path, (unsigned)mi->type);
        return ACME_ERR_CONFIG;
    }
    if ((mi->flags & MTD_WRITEABLE) == 0) {
        acme_posix_logf(pp, ACME_LOG_ERROR, "posix port: %s is a read-only MTD partition", path);
        return ACME_ERR_CONFIG;
    }
    if (mi->erasesize == 0 || mi->writesize == 0) {
        acme_posix_logf(pp, ACME_LOG_ERROR, "posix port: %s reports no erase or write size", path);
        return ACME_ERR_CONFIG;
    }
    return ACME_OK;
}

acme_status_t acme_posix_flash_probe(const char *path, acme_posix_flash_info_t *info)
{
    if (path == NULL || path[0] == '\0' || info == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    memset(info, 0, sizeof(*info));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno == ENOENT ? ACME_OK : ACME_ERR_FLASH;
    }
    info->exists = true;
    struct stat st;
    acme_status_t rc = ACME_OK;
    if (fstat(fd, &st) != 0) {
        rc = ACME_ERR_FLASH;
    } else if (S_ISREG(st.st_mode)) {
        info->size = (uint64_t)st.st_size;
    } else if (S_ISCHR(st.st_mode)) {
        struct mtd_info_user mi;
        if (ioctl(fd, MEMGETINFO, &mi) != 0) {
            rc = ACME_ERR_CONFIG; /* a character device, but not MTD */
        } else {
            info->mtd = true;
            info->mtd_type = mi.type;
            info->size = mi.size;
            info->erase_size = mi.erasesize;
            info->prog_size = mi.writesize;
        }
    } else {
        rc = ACME_ERR_CONFIG;
    }
    (void)close(fd);
    return rc;
}

/* The geometry of an MTD device must fit the part: its erase block, a
 * whole number of its write units, no more than its size. */
static acme_status_t mtd_check(const acme_posix_port_t *pp, int fd, const char *path,
                               const acme_flash_geometry_t *g)
{
    struct mtd_info_user mi;
    if (ioctl(fd, MEMGETINFO, &mi) != 0) {
        acme_posix_logf(pp, ACME_LOG_ERROR,
                        "posix port: %s is a character device but not MTD (MEMGETINFO: %s)", path,
                        strerror(errno));
        return ACME_ERR_CONFIG;
    }
    acme_status_t rc = mtd_usable(pp, path, &mi);
    if (rc != ACME_OK) {
        return rc;
    }
    if (g->erase_size != mi.erasesize || g->prog_size % mi.writesize != 0 || g->size > mi.size) {
        acme_posix_logf(pp, ACME_LOG_ERROR,
                        "posix port: %s has %u-byte erase blocks, %u-byte write units and %u "
                        "bytes; asked for %lu / %lu / %lu",
                        path, (unsigned)mi.erasesize, (unsigned)mi.writesize, (unsigned)mi.size,
                        (unsigned long)g->erase_size, (unsigned long)g->prog_size,
                        (unsigned long)g->size);
        return ACME_ERR_CONFIG;
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
    /* A missing device node is an error, not a file to create in /dev. */
    if (fd < 0 && errno == ENOENT && strncmp(path, "/dev/", 5) != 0) {
        acme_status_t rc = create_erased(pp, path, geometry->size);
        if (rc != ACME_OK) {
            return rc;
        }
        fd = open(path, O_RDWR | O_CLOEXEC);
    }
    if (fd < 0) {
        acme_posix_logf(pp, ACME_LOG_ERROR, "posix port: cannot open flash %s: %s", path,
                        strerror(errno));
        return ACME_ERR_FLASH;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        (void)close(fd);
        return ACME_ERR_FLASH;
    }
    bool mtd = S_ISCHR(st.st_mode);
    if (mtd) {
        acme_status_t rc = mtd_check(pp, fd, path, geometry);
        if (rc != ACME_OK) {
            (void)close(fd);
            return rc;
        }
    } else if (!S_ISREG(st.st_mode) || st.st_size != (off_t)geometry->size) {
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
        acme_posix_logf(pp, ACME_LOG_ERROR, "posix port: flash %s is in use: %s", path,
                        strerror(errno));
        (void)close(fd);
        return ACME_ERR_FLASH;
    }
    memset(&pp->flash, 0, sizeof(pp->flash));
    pp->flash.fd = fd;
    pp->flash.mtd = mtd;
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
