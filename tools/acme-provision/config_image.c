/*
 * acme-provision --config-partition: the blob into a flash image as the
 * device's config partition holds it (acme/io/config_partition.h: two
 * slots, a header with a generation, the header written last). The
 * partition's bytes are read from the image (0xFF where the file is
 * shorter), the agent's own partition code writes the blob into them over
 * a RAM flash, as the device would (generation + 1 over what is there),
 * and the partition is written back. Other bytes of the image are left
 * alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acme/io/config_partition.h"
#include "provision_tool.h"

/* Largest partition handled: two slots of 512 KiB erase blocks. */
#define PART_MAX (1024u * 1024u)

static uint8_t g_part[PART_MAX];

static int32_t ram_read(void *ctx, uint32_t off, void *buf, size_t len)
{
    const acme_flash_geometry_t *g = ctx;
    if ((uint64_t)off + len > g->size) {
        return ACME_ERR_FLASH;
    }
    memcpy(buf, g_part + off, len);
    return ACME_OK;
}

static int32_t ram_prog(void *ctx, uint32_t off, const void *buf, size_t len)
{
    const acme_flash_geometry_t *g = ctx;
    if ((uint64_t)off + len > g->size || off % g->prog_size != 0 || len % g->prog_size != 0) {
        return ACME_ERR_FLASH;
    }
    const uint8_t *p = buf;
    for (size_t i = 0; i < len; i++) {
        g_part[off + i] &= p[i]; /* NOR: only clears bits */
    }
    return ACME_OK;
}

static int32_t ram_erase(void *ctx, uint32_t off)
{
    const acme_flash_geometry_t *g = ctx;
    if (off % g->erase_size != 0 || off >= g->size) {
        return ACME_ERR_FLASH;
    }
    memset(g_part + off, 0xFF, g->erase_size);
    return ACME_OK;
}

static const acme_flash_ops_t ram_ops = {ram_read, ram_prog, ram_erase, NULL};

bool tool_write_config_image(const char *path, uint64_t offset, uint64_t size, uint32_t erase,
                             const uint8_t *blob, size_t len, uint32_t *generation)
{
    acme_flash_geometry_t geo = {(uint32_t)size, erase, 16};
    uint32_t capacity = size <= PART_MAX ? acme_config_part_capacity(&geo) : 0;
    if (capacity == 0) {
        tool_error("--size %llu with --config-partition %u: give two or more whole erase blocks "
                   "of at least 64 bytes, at most %u bytes in all",
                   (unsigned long long)size, (unsigned)erase, (unsigned)PART_MAX);
        return false;
    }
    if (len > capacity) {
        tool_error("the blob is %zu bytes; a config slot of this partition holds %u", len,
                   (unsigned)capacity);
        return false;
    }
    if (offset > 0x7FFFFFFFull - size) {
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
    uint64_t old = ok ? (uint64_t)st.st_size : 0;
    memset(g_part, 0xFF, (size_t)size);
    if (ok && old > offset) {
        uint64_t have = old - offset < size ? old - offset : size;
        ok = tool_pio_all(fd, offset, NULL, g_part, (size_t)have);
    }
    /* Bytes between the old end of the file and the partition: erased. */
    ok = ok && tool_erase_range(fd, old, offset);
    acme_config_part_t part;
    static acme_provision_t scratch;
    static uint8_t old_blob[TOOL_BLOB_MAX];
    size_t old_len = 0;
    acme_status_t st2 = ok ? acme_config_part_mount(&part, &ram_ops, &geo, &geo) : ACME_ERR_FLASH;
    if (st2 == ACME_OK) {
        (void)acme_config_part_load(&part, old_blob, sizeof(old_blob), &old_len, &scratch, NULL);
        st2 = acme_config_part_write(&part, blob, len);
    }
    tool_wipe(old_blob, sizeof(old_blob));
    tool_wipe(&scratch, sizeof(scratch));
    if (ok && st2 != ACME_OK) {
        tool_error("cannot build the config partition: %s", acme_strerror(st2));
        ok = false;
        errno = 0;
    } else if (ok) {
        *generation = part.slot[part.current].generation;
        ok = tool_pio_all(fd, offset, g_part, NULL, (size_t)size) && fsync(fd) == 0;
    }
    int err = errno;
    tool_wipe(g_part, sizeof(g_part));
    if (close(fd) != 0) {
        ok = false;
    }
    if (!ok && err != 0) {
        tool_error("%s: %s", path, strerror(err));
    }
    return ok;
}
