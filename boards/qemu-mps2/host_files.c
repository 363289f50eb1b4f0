/*
 * Whole-file reads and atomic replacement of host files through
 * semihosting: configuration and trust anchors in, the flash image out.
 */
#include "board.h"
#include "semihosting.h"

#include <stdint.h>
#include <string.h>

#define TMP_SUFFIX ".tmp"
#define HOST_PATH_MAX 255u

acme_status_t board_file_read(const char *path, void *buf, size_t cap, size_t *len)
{
    *len = 0;
    int32_t h = semihosting_open(path, SEMIHOSTING_MODE_RB);
    if (h < 0) {
        return ACME_ERR_NOT_FOUND;
    }
    acme_status_t st = ACME_OK;
    int32_t size = semihosting_flen(h);
    if (size < 0) {
        st = ACME_ERR_FLASH;
    } else if ((size_t)size > cap) {
        st = ACME_ERR_OVERSIZE;
    } else if (size > 0 && semihosting_read(h, buf, (size_t)size) != size) {
        st = ACME_ERR_FLASH; /* a regular file is read in one call */
    } else {
        *len = (size_t)size;
    }
    (void)semihosting_close(h);
    return st;
}

acme_status_t board_file_replace(const char *path, const void *data, size_t len)
{
    char tmp[HOST_PATH_MAX + 1];
    size_t n = path != NULL ? strlen(path) : 0;
    if (n == 0 || n + sizeof(TMP_SUFFIX) > sizeof(tmp) || len > INT32_MAX) {
        return ACME_ERR_FLASH;
    }
    memcpy(tmp, path, n);
    memcpy(tmp + n, TMP_SUFFIX, sizeof(TMP_SUFFIX));

    int32_t h = semihosting_open(tmp, SEMIHOSTING_MODE_WB);
    if (h < 0) {
        return ACME_ERR_FLASH;
    }
    bool ok = semihosting_write(h, data, len) == (int32_t)len;
    ok = semihosting_close(h) == 0 && ok;
    /* rename() over the old file: a crash leaves the old or the new image. */
    if (!ok || semihosting_rename(tmp, path) != 0) {
        (void)semihosting_remove(tmp);
        return ACME_ERR_FLASH;
    }
    return ACME_OK;
}
