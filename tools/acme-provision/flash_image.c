/*
 * acme-provision --image: the blob into a raw flash image at a byte offset,
 * the way a programmer would put it there. Bytes the file did not have yet
 * are 0xFF (erased NOR), and with --size the whole partition is written:
 * the blob, then 0xFF to its end, so that nothing of an older, longer blob
 * survives behind the new one. Other bytes of the image are left alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "provision_tool.h"

/* Images are files on the host: keep every offset within off_t on any
 * build (no large-file flags needed). */
#define IMAGE_END_MAX 0x7FFFFFFFull

bool tool_write_image(const char *path, uint64_t offset, uint64_t size, const uint8_t *blob,
                      size_t len)
{
    if (size != 0 && len > size) {
        tool_error("the blob is %zu bytes; it does not fit --size %llu", len,
                   (unsigned long long)size);
        return false;
    }
    uint64_t end = offset + (size != 0 ? size : len);
    if (offset > IMAGE_END_MAX || end > IMAGE_END_MAX) {
        tool_error("--offset/--size: the image would end past 2 GiB");
        return false;
    }
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0) {
        tool_error("%s: %s", path, strerror(errno));
        return false;
    }
    struct stat st;
    bool ok = fstat(fd, &st) == 0;
    uint64_t old_size = ok ? (uint64_t)st.st_size : 0;
    /* A gap between the old end of the file and the blob is erased flash. */
    ok = ok && (old_size >= offset || tool_erase_range(fd, old_size, offset));
    ok = ok && tool_pio_all(fd, offset, blob, NULL, len);
    ok = ok && (size == 0 || tool_erase_range(fd, offset + len, end));
    ok = ok && fsync(fd) == 0;
    int err = errno;
    if (close(fd) != 0) {
        ok = false;
    }
    if (!ok) {
        tool_error("%s: %s", path, strerror(err));
    }
    return ok;
}
