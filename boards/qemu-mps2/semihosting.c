/*
 * ARM semihosting calls (see semihosting.h): one BKPT 0xAB trap each, with
 * the operation in r0 and a pointer to its argument block in r1, as the ARM
 * "Semihosting for AArch32 and AArch64" specification defines them.
 */
#include "semihosting.h"

enum {
    SYS_OPEN = 0x01,
    SYS_CLOSE = 0x02,
    SYS_WRITE = 0x05,
    SYS_READ = 0x06,
    SYS_SEEK = 0x0A,
    SYS_FLEN = 0x0C,
    SYS_REMOVE = 0x0E,
    SYS_RENAME = 0x0F,
    SYS_TIME = 0x11,
    SYS_GET_CMDLINE = 0x15,
    SYS_EXIT = 0x18,
    SYS_EXIT_EXTENDED = 0x20
};

#define ADP_STOPPED_APPLICATION_EXIT 0x20026u
#define ADP_STOPPED_RUNTIME_ERROR_UNKNOWN 0x20023u

/* Host paths longer than this are refused rather than truncated. */
#define PATH_MAX_LEN 255u

/* AAPCS already puts op in r0 and args in r1, and takes the result from r0:
 * the trap needs no other code around it. Callers must treat it as an
 * unknown function that reads and writes *args: GCC is told so with noipa
 * (it could otherwise conclude from the body that no memory is touched);
 * clang already treats the asm of a naked function as touching memory. */
#if defined(__clang__)
#define SEMIHOSTING_OPAQUE noinline
#else
#define SEMIHOSTING_OPAQUE noipa
#endif
__attribute__((naked, SEMIHOSTING_OPAQUE)) static int32_t
semihosting_call(uint32_t op __attribute__((unused)), void *args __attribute__((unused)))
{
    __asm__ volatile("bkpt 0xab\n"
                     "bx lr\n");
}

/* Length of a host path, or 0 when it is empty or longer than PATH_MAX_LEN. */
static size_t path_len(const char *path)
{
    if (path == NULL) {
        return 0;
    }
    for (size_t n = 0; n <= PATH_MAX_LEN; n++) {
        if (path[n] == '\0') {
            return n;
        }
    }
    return 0;
}

static uint32_t ptr_word(const void *p)
{
    return (uint32_t)(uintptr_t)p;
}

void semihosting_exit(int status)
{
    uint32_t args[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status};
    (void)semihosting_call(SYS_EXIT_EXTENDED, args);
    /* Only a host without SYS_EXIT_EXTENDED gets here: the 32-bit SYS_EXIT
     * carries no status, so at least tell success from failure. */
    (void)semihosting_call(SYS_EXIT,
                           (void *)(uintptr_t)(status == 0 ? ADP_STOPPED_APPLICATION_EXIT
                                                           : ADP_STOPPED_RUNTIME_ERROR_UNKNOWN));
    for (;;) {
        __asm__ volatile("wfi");
    }
}

int64_t semihosting_time(void)
{
    int32_t t = semihosting_call(SYS_TIME, NULL);
    if (t == -1) {
        return -1;
    }
    return (int64_t)(uint32_t)t; /* unsigned: good until 2106 */
}

int32_t semihosting_cmdline(char *buf, size_t cap)
{
    if (buf == NULL || cap < 2 || cap > INT32_MAX) {
        return -1;
    }
    /* The host writes the length it used back into args[1]. */
    uint32_t args[2] = {ptr_word(buf), (uint32_t)(cap - 1)};
    if (semihosting_call(SYS_GET_CMDLINE, args) != 0 || args[1] >= cap) {
        buf[0] = '\0';
        return -1;
    }
    buf[args[1]] = '\0';
    return (int32_t)args[1];
}

int32_t semihosting_open(const char *path, uint32_t mode)
{
    size_t len = path_len(path);
    if (len == 0) {
        return -1;
    }
    uint32_t args[3] = {ptr_word(path), mode, (uint32_t)len};
    int32_t h = semihosting_call(SYS_OPEN, args);
    return h >= 0 ? h : -1;
}

int32_t semihosting_close(int32_t handle)
{
    uint32_t args[1] = {(uint32_t)handle};
    return semihosting_call(SYS_CLOSE, args) == 0 ? 0 : -1;
}

int32_t semihosting_read(int32_t handle, void *buf, size_t len)
{
    if (len > INT32_MAX || (buf == NULL && len > 0)) {
        return -1;
    }
    uint32_t args[3] = {(uint32_t)handle, ptr_word(buf), (uint32_t)len};
    /* The host returns the number of bytes it did NOT read. */
    int32_t left = semihosting_call(SYS_READ, args);
    if (left < 0 || (uint32_t)left > len) {
        return -1;
    }
    return (int32_t)(len - (uint32_t)left);
}

int32_t semihosting_write(int32_t handle, const void *buf, size_t len)
{
    if (len > INT32_MAX || (buf == NULL && len > 0)) {
        return -1;
    }
    uint32_t args[3] = {(uint32_t)handle, ptr_word(buf), (uint32_t)len};
    /* The host returns the number of bytes it did NOT write. */
    int32_t left = semihosting_call(SYS_WRITE, args);
    if (left < 0 || (uint32_t)left > len) {
        return -1;
    }
    return (int32_t)(len - (uint32_t)left);
}

int32_t semihosting_seek(int32_t handle, uint32_t offset)
{
    if (offset > INT32_MAX) {
        return -1;
    }
    uint32_t args[2] = {(uint32_t)handle, offset};
    return semihosting_call(SYS_SEEK, args) == 0 ? 0 : -1;
}

int32_t semihosting_flen(int32_t handle)
{
    uint32_t args[1] = {(uint32_t)handle};
    int32_t n = semihosting_call(SYS_FLEN, args);
    return n >= 0 ? n : -1;
}

int32_t semihosting_rename(const char *from, const char *to)
{
    size_t from_len = path_len(from);
    size_t to_len = path_len(to);
    if (from_len == 0 || to_len == 0) {
        return -1;
    }
    uint32_t args[4] = {ptr_word(from), (uint32_t)from_len, ptr_word(to), (uint32_t)to_len};
    return semihosting_call(SYS_RENAME, args) == 0 ? 0 : -1;
}

int32_t semihosting_remove(const char *path)
{
    size_t len = path_len(path);
    if (len == 0) {
        return -1;
    }
    uint32_t args[2] = {ptr_word(path), (uint32_t)len};
    return semihosting_call(SYS_REMOVE, args) == 0 ? 0 : -1;
}
