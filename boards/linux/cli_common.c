/*
 * Helpers shared by the commands: errors, options, the state file, files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_secret.h"

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

static char g_state_why[256];

static uint32_t round_up(uint32_t v, uint32_t unit)
{
    return (v + unit - 1u) / unit * unit;
}

static acme_status_t state_refused(acme_status_t st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static acme_status_t state_refused(acme_status_t st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_state_why, sizeof(g_state_why), fmt, ap);
    va_end(ap);
    return st;
}

/* Geometry of the state: the file's, or the MTD device's erase block. */
static acme_status_t state_geometry(const char *path, const acme_posix_flash_info_t *info,
                                    acme_flash_geometry_t *geo, uint32_t *config_size)
{
    uint32_t erase = CLI_FILE_ERASE;
    if (info->mtd) {
        if (info->prog_size > CLI_STATE_PROG || CLI_STATE_PROG % info->prog_size != 0) {
            return state_refused(ACME_ERR_CONFIG,
                                 "%s has %u-byte write units (NAND?); the state needs NOR flash "
                                 "with write units of at most %u bytes",
                                 path, (unsigned)info->prog_size, (unsigned)CLI_STATE_PROG);
        }
        erase = info->erase_size;
        if (erase == 0 || erase > CLI_STORE_SLOT * 8u || erase % 64u != 0) {
            return state_refused(ACME_ERR_CONFIG,
                                 "%s has %u-byte erase blocks; the state needs "
                                 "a multiple of 64 up to %u",
                                 path, (unsigned)erase, (unsigned)(CLI_STORE_SLOT * 8u));
        }
    }
    *config_size = 2u * round_up(CLI_CONFIG_SLOT, erase);
    uint32_t store_size = 2u * round_up(CLI_STORE_SLOT, erase);
    store_size = store_size < CLI_STORE_MIN_BLOCKS * erase ? CLI_STORE_MIN_BLOCKS * erase
                                                           : store_size;
    *geo = (acme_flash_geometry_t){*config_size + store_size, erase, CLI_STATE_PROG};
    if (info->mtd && info->size < geo->size) {
        return state_refused(ACME_ERR_CONFIG,
                             "MTD partition %s has %llu bytes; the state needs %u (config %u + "
                             "store %u)",
                             path, (unsigned long long)info->size, (unsigned)geo->size,
                             (unsigned)*config_size, (unsigned)store_size);
    }
    if (info->exists && !info->mtd && info->size != geo->size) {
        return state_refused(ACME_ERR_CONFIG,
                             "the file is %llu bytes, the state layout is %u (%u config + %u "
                             "store; a 65536-byte file is from an acme-agent before the config "
                             "partition): use a new file",
                             (unsigned long long)info->size, (unsigned)geo->size,
                             (unsigned)*config_size, (unsigned)store_size);
    }
    return ACME_OK;
}

uint8_t *cli_arena(void)
{
    static uint8_t arena[CLI_ARENA_SIZE];
    return arena;
}

bool cli_state_busy(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        return false;
    }
    /* The port locks the state it opens (flock, exclusive): try the same
     * lock and give it back at once. */
    bool busy = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd); /* also drops the lock if it was taken */
    return busy;
}

acme_status_t cli_open_state(acme_posix_port_t *pp, acme_port_t *port, cli_flash_t *flash,
                             const char *path, bool verbose)
{
    g_state_why[0] = '\0';
    memset(flash, 0, sizeof(*flash));
    if (cli_state_busy(path)) {
        /* The port would only say "flash error". */
        return state_refused(ACME_ERR_BAD_STATE,
                             "in use by another acme-agent process (a daemon holds it only "
                             "while it acts: try again in a moment)");
    }
    acme_status_t st = acme_posix_port_init(pp, port);
    if (st != ACME_OK) {
        return st;
    }
    pp->log_threshold = verbose ? ACME_LOG_DEBUG : (acme_log_level_t)0;
    st = cli_secret_attach(port, g_state_why, sizeof(g_state_why));
    if (st != ACME_OK) {
        acme_posix_port_deinit(pp);
        return st;
    }
    acme_posix_flash_info_t info;
    st = acme_posix_flash_probe(path, &info);
    if (st == ACME_ERR_CONFIG) {
        st = state_refused(st, "neither a regular file nor an MTD device");
    }
    acme_flash_geometry_t geo;
    uint32_t config_size = 0;
    if (st == ACME_OK) {
        st = state_geometry(path, &info, &geo, &config_size);
    }
    if (st == ACME_OK) {
        st = acme_posix_flash_open(pp, port, path, &geo);
    }
    if (st == ACME_OK) {
        st = acme_posix_flash_view(pp, 0, config_size, &flash->config);
    }
    if (st == ACME_OK) {
        st = acme_posix_flash_view(pp, config_size, geo.size - config_size, &flash->store);
    }
    if (st != ACME_OK) {
        acme_posix_port_deinit(pp);
        return st;
    }
    flash->existed = info.exists;
    flash->mtd = info.mtd;
    flash->size = geo.size;
    port->flash = &acme_posix_flash_view_ops;
    port->flash_ctx = &flash->store;
    port->flash_geometry = flash->store.geometry;
    return ACME_OK;
}

int cli_fail_state(const char *path, acme_status_t st)
{
    return cli_fail("cannot open state file %s: %s", path,
                    g_state_why[0] != '\0' ? g_state_why : acme_strerror(st));
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
