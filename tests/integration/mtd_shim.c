/*
 * An LD_PRELOAD library that makes one path look like a NOR MTD character
 * device (/dev/mtdN) backed by a regular file, so that the real acme-agent
 * binary can be run against "MTD" on a machine without MTD hardware or
 * kernel modules. The emulation is what the kernel's mtdchar + a NOR chip
 * driver show a program:
 *
 *   open(DEV)          opens the backing file instead (the fd is tracked)
 *   fstat              S_IFCHR, major 90 (mtd), size 0
 *   ioctl MEMGETINFO   type MTD_NORFLASH, flags MTD_CAP_NORFLASH, size = the
 *                      backing file's, erasesize and writesize from the
 *                      environment; other requests ENOTTY
 *   ioctl MEMERASE     whole erase blocks inside the device, set to 0xFF;
 *                      anything else EINVAL
 *   pread              as on the file, clipped at the end of the device
 *   pwrite             offset and length whole write units (EINVAL), inside
 *                      the device (ENOSPC); a write that would turn a 0 bit
 *                      into a 1 is refused with EIO, as a NOR driver that
 *                      verifies what it programmed does, and counted
 *   fsync              EINVAL (mtdchar has no fsync)
 *   write, read, lseek on the device: counted as misuse (the port must use
 *                      pread/pwrite), then passed on
 *
 * Environment:
 *   ACME_MTD_SHIM_DEV        the path to emulate, e.g. /dev/mtd7 (required)
 *   ACME_MTD_SHIM_FILE       the backing file (required; its size is the
 *                            device's; fill it with 0xFF for a blank part)
 *   ACME_MTD_SHIM_ERASESIZE  default 65536
 *   ACME_MTD_SHIM_WRITESIZE  default 1
 *   ACME_MTD_SHIM_TYPE       MTD type, default 3 (MTD_NORFLASH)
 *   ACME_MTD_SHIM_LOG        file to which a process that opened the device
 *                            appends one line of counts at exit: "erases=N
 *                            writes=N refused_bits=N refused_align=N
 *                            fsync=N misuse=N"
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <mtd/mtd-user.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_FDS 16
#define CHUNK 4096

static int g_fds[MAX_FDS];
static int g_fd_count;
static int g_opened; /* the device was opened at least once */
static struct {
    unsigned long erases, writes, refused_bits, refused_align, fsyncs, misuse;
} g_count;

typedef int (*open_fn)(const char *, int, ...);
typedef int (*close_fn)(int);
typedef int (*fstat_fn)(int, struct stat *);
typedef int (*ioctl_fn)(int, unsigned long, ...);
typedef ssize_t (*pread_fn)(int, void *, size_t, off_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef int (*fsync_fn)(int);
typedef ssize_t (*rw_fn)(int, void *, size_t);
typedef off_t (*lseek_fn)(int, off_t, int);

static void *next(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (f == NULL) {
        fprintf(stderr, "mtd_shim: no next %s\n", name);
        abort();
    }
    return f;
}

static unsigned long env_ulong(const char *name, unsigned long dflt)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? strtoul(v, NULL, 0) : dflt;
}

static int tracked(int fd)
{
    for (int i = 0; i < g_fd_count; i++) {
        if (g_fds[i] == fd) {
            return 1;
        }
    }
    return 0;
}

static void forget(int fd)
{
    for (int i = 0; i < g_fd_count; i++) {
        if (g_fds[i] == fd) {
            g_fds[i] = g_fds[--g_fd_count];
            return;
        }
    }
}

static int is_device(const char *path)
{
    const char *dev = getenv("ACME_MTD_SHIM_DEV");
    return path != NULL && dev != NULL && dev[0] != '\0' && strcmp(path, dev) == 0;
}

static uint64_t device_size(int fd)
{
    struct stat st;
    return ((fstat_fn)next("fstat"))(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static int open_common(const char *name, const char *path, int flags, mode_t mode)
{
    if (!is_device(path)) {
        return ((open_fn)next(name))(path, flags, mode);
    }
    const char *file = getenv("ACME_MTD_SHIM_FILE");
    if (file == NULL || g_fd_count == MAX_FDS) {
        errno = ENXIO;
        return -1;
    }
    /* A device node is never created or truncated. */
    int fd = ((open_fn)next(name))(file, flags & ~(O_CREAT | O_TRUNC | O_EXCL), 0);
    if (fd >= 0) {
        g_fds[g_fd_count++] = fd;
        g_opened = 1;
    }
    return fd;
}

int open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    return open_common("open", path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    return open_common("open64", path, flags, mode);
}

int close(int fd)
{
    forget(fd);
    return ((close_fn)next("close"))(fd);
}

static void as_char_device(struct stat *st)
{
    st->st_mode = (st->st_mode & ~(mode_t)S_IFMT) | S_IFCHR;
    st->st_rdev = makedev(90, 14);
    st->st_size = 0;
}

int fstat(int fd, struct stat *st)
{
    int rc = ((fstat_fn)next("fstat"))(fd, st);
    if (rc == 0 && tracked(fd)) {
        as_char_device(st);
    }
    return rc;
}

int fstat64(int fd, struct stat64 *st)
{
    typedef int (*fstat64_fn)(int, struct stat64 *);
    int rc = ((fstat64_fn)next("fstat64"))(fd, st);
    if (rc == 0 && tracked(fd)) {
        st->st_mode = (st->st_mode & ~(mode_t)S_IFMT) | S_IFCHR;
        st->st_rdev = makedev(90, 14);
        st->st_size = 0;
    }
    return rc;
}

static int mtd_erase(int fd, const struct erase_info_user *ei)
{
    uint64_t size = device_size(fd);
    uint32_t erase = (uint32_t)env_ulong("ACME_MTD_SHIM_ERASESIZE", 65536);
    if (ei == NULL || ei->length == 0 || ei->start % erase != 0 || ei->length % erase != 0 ||
        (uint64_t)ei->start + ei->length > size) {
        errno = EINVAL;
        return -1;
    }
    static unsigned char ones[CHUNK];
    memset(ones, 0xFF, sizeof(ones));
    pwrite_fn real = (pwrite_fn)next("pwrite");
    for (uint64_t done = 0; done < ei->length;) {
        size_t n = ei->length - done < CHUNK ? (size_t)(ei->length - done) : CHUNK;
        if (real(fd, ones, n, (off_t)(ei->start + done)) != (ssize_t)n) {
            errno = EIO;
            return -1;
        }
        done += n;
    }
    g_count.erases++;
    return 0;
}

int ioctl(int fd, unsigned long req, ...)
{
    va_list ap;
    va_start(ap, req);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (!tracked(fd)) {
        return ((ioctl_fn)next("ioctl"))(fd, req, arg);
    }
    if (req == MEMGETINFO) {
        struct mtd_info_user *mi = arg;
        memset(mi, 0, sizeof(*mi));
        mi->type = (unsigned char)env_ulong("ACME_MTD_SHIM_TYPE", MTD_NORFLASH);
        mi->flags = MTD_CAP_NORFLASH;
        mi->size = (uint32_t)device_size(fd);
        mi->erasesize = (uint32_t)env_ulong("ACME_MTD_SHIM_ERASESIZE", 65536);
        mi->writesize = (uint32_t)env_ulong("ACME_MTD_SHIM_WRITESIZE", 1);
        return 0;
    }
    if (req == MEMERASE) {
        return mtd_erase(fd, arg);
    }
    errno = ENOTTY;
    return -1;
}

static ssize_t shim_pread(const char *name, int fd, void *buf, size_t n, off_t off)
{
    if (tracked(fd)) {
        uint64_t size = device_size(fd);
        if (off < 0 || (uint64_t)off >= size) {
            return 0;
        }
        if ((uint64_t)off + n > size) {
            n = (size_t)(size - (uint64_t)off);
        }
    }
    return ((pread_fn)next(name))(fd, buf, n, off);
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
    return shim_pread("pread", fd, buf, n, off);
}

ssize_t pread64(int fd, void *buf, size_t n, off64_t off)
{
    return shim_pread("pread64", fd, buf, n, off);
}

/* NOR: a program can only clear bits. */
static int only_clears(int fd, const unsigned char *data, size_t n, off_t off)
{
    static unsigned char cur[CHUNK];
    pread_fn real = (pread_fn)next("pread");
    for (size_t done = 0; done < n;) {
        size_t k = n - done < CHUNK ? n - done : CHUNK;
        if (real(fd, cur, k, off + (off_t)done) != (ssize_t)k) {
            return 0;
        }
        for (size_t i = 0; i < k; i++) {
            if ((unsigned char)(data[done + i] & ~cur[i]) != 0) {
                fprintf(stderr,
                        "mtd_shim: pwrite at %lld sets bits (0x%02x over 0x%02x): refused\n",
                        (long long)(off + (off_t)(done + i)), data[done + i], cur[i]);
                return 0;
            }
        }
        done += k;
    }
    return 1;
}

static ssize_t shim_pwrite(const char *name, int fd, const void *buf, size_t n, off_t off)
{
    if (tracked(fd)) {
        uint64_t size = device_size(fd);
        unsigned long unit = env_ulong("ACME_MTD_SHIM_WRITESIZE", 1);
        if (off < 0 || (uint64_t)off % unit != 0 || n % unit != 0) {
            g_count.refused_align++;
            errno = EINVAL;
            return -1;
        }
        if ((uint64_t)off + n > size) {
            errno = ENOSPC;
            return -1;
        }
        if (!only_clears(fd, buf, n, off)) {
            g_count.refused_bits++;
            errno = EIO;
            return -1;
        }
        g_count.writes++;
    }
    return ((pwrite_fn)next(name))(fd, buf, n, off);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    return shim_pwrite("pwrite", fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
    return shim_pwrite("pwrite64", fd, buf, n, off);
}

int fsync(int fd)
{
    if (tracked(fd)) {
        g_count.fsyncs++;
        errno = EINVAL;
        return -1;
    }
    return ((fsync_fn)next("fsync"))(fd);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    if (tracked(fd)) {
        g_count.misuse++;
    }
    typedef ssize_t (*write_fn)(int, const void *, size_t);
    return ((write_fn)next("write"))(fd, buf, n);
}

ssize_t read(int fd, void *buf, size_t n)
{
    if (tracked(fd)) {
        g_count.misuse++;
    }
    return ((rw_fn)next("read"))(fd, buf, n);
}

off_t lseek(int fd, off_t off, int whence)
{
    if (tracked(fd)) {
        g_count.misuse++;
    }
    return ((lseek_fn)next("lseek"))(fd, off, whence);
}

__attribute__((destructor)) static void report(void)
{
    const char *log = getenv("ACME_MTD_SHIM_LOG");
    if (log == NULL || log[0] == '\0' || !g_opened) {
        return;
    }
    FILE *f = fopen(log, "a");
    if (f != NULL) {
        fprintf(f,
                "erases=%lu writes=%lu refused_bits=%lu refused_align=%lu fsync=%lu misuse=%lu\n",
                g_count.erases, g_count.writes, g_count.refused_bits, g_count.refused_align,
                g_count.fsyncs, g_count.misuse);
        fclose(f);
    }
}
