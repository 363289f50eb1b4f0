/*
 * ARM semihosting calls the board uses (QEMU with
 * -semihosting-config enable=on,target=native): exit with a status, host
 * time, the command line, and host file I/O.
 *
 * Every call is one trap into QEMU and returns; none waits on anything but
 * the host's own I/O. Without semihosting enabled, the trap is a HardFault.
 */
#ifndef ACME_BOARD_SEMIHOSTING_H
#define ACME_BOARD_SEMIHOSTING_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* SYS_OPEN modes (ISO C fopen modes, in the order the ARM spec numbers them). */
#define SEMIHOSTING_MODE_RB 1u /* "rb" */
#define SEMIHOSTING_MODE_WB 5u /* "wb" */

/* Leave QEMU with status (SYS_EXIT_EXTENDED, reason ADP_Stopped_ApplicationExit). */
void semihosting_exit(int status) __attribute__((noreturn));

/* Host time in seconds since 1970, or -1. */
int64_t semihosting_time(void);

/* The command line QEMU was given (arg=... joined by spaces), NUL-terminated:
 * its length, or -1 when there is none or it does not fit in cap. */
int32_t semihosting_cmdline(char *buf, size_t cap);

/* Host files. open returns a handle >= 0 or -1; read and write the number of
 * bytes moved or -1; flen the file's length or -1; seek (to an absolute
 * offset), close, rename and remove 0 or -1. */
int32_t semihosting_open(const char *path, uint32_t mode);
int32_t semihosting_close(int32_t handle);
int32_t semihosting_read(int32_t handle, void *buf, size_t len);
int32_t semihosting_write(int32_t handle, const void *buf, size_t len);
int32_t semihosting_seek(int32_t handle, uint32_t offset);
int32_t semihosting_flen(int32_t handle);
int32_t semihosting_rename(const char *from, const char *to);
int32_t semihosting_remove(const char *path);

#ifdef __cplusplus
}
#endif

#endif /* ACME_BOARD_SEMIHOSTING_H */
