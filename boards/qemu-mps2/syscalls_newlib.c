/*
 * The newlib-nano system calls the firmware links: console output to the
 * UART, exit through semihosting, and gettimeofday from the host clock so
 * that time() works for the firmware's own use (the agent and mbedTLS read
 * the clock seam instead). The heap (_sbrk) is heap_mps2.c. Everything else
 * fails with an errno.
 */
#include "board.h"
#include "board_internal.h"
#include "semihosting.h"

#include "acme/types.h"

#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>

/* newlib calls these through its reentrant wrappers; they are not in any
 * header newlib installs for a bare-metal target. */
int _write(int fd, const char *buf, int len);
int _read(int fd, char *buf, int len);
int _close(int fd);
int _fstat(int fd, struct stat *st);
int _isatty(int fd);
int _lseek(int fd, int off, int whence);
void _exit(int status);
int _kill(int pid, int sig);
int _getpid(void);
int _gettimeofday(struct timeval *tv, void *tz);
int _open(const char *path, int flags, int mode);


int _write(int fd, const char *buf, int len)
{
    if (fd != 1 && fd != 2) {
        errno = EBADF;
        return -1;
    }
    if (len <= 0) {
        return 0;
    }
    board_uart_write(buf, (size_t)len);
    return len;
}

int _read(int fd, char *buf, int len)
{
    (void)fd;
    (void)buf;
    (void)len;
    errno = EBADF;
    return -1;
}

int _close(int fd)
{
    (void)fd;
    errno = EBADF;
    return -1;
}

int _fstat(int fd, struct stat *st)
{
    if (fd < 0 || fd > 2 || st == NULL) {
        errno = EBADF;
        return -1;
    }
    st->st_mode = S_IFCHR;
    return 0;
}

int _isatty(int fd)
{
    return fd >= 0 && fd <= 2;
}

int _lseek(int fd, int off, int whence)
{
    (void)fd;
    (void)off;
    (void)whence;
    errno = ESPIPE;
    return -1;
}

int _open(const char *path, int flags, int mode)
{
    (void)path;
    (void)flags;
    (void)mode;
    errno = ENOSYS;
    return -1;
}

void _exit(int status)
{
    board_exit(status);
}

/* abort() raises SIGABRT; with no signal handling here that ends the run. */
int _kill(int pid, int sig)
{
    (void)pid;
    board_print("board: abort (signal ");
    board_print_hex((uint32_t)sig);
    board_print(")\n");
    board_exit(BOARD_EXIT_ABORT);
}

int _getpid(void)
{
    return 1;
}

int _gettimeofday(struct timeval *tv, void *tz)
{
    (void)tz;
    int64_t now = board_wall_s();
    if (tv == NULL || now == ACME_TIME_UNKNOWN) {
        errno = EINVAL;
        return -1;
    }
    tv->tv_sec = (time_t)now;
    tv->tv_usec = 0;
    return 0;
}
