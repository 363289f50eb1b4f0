/*
 * The flash seam on the mps2 board: NOR flash emulated in a RAM array
 * (erase sets a 4 KiB block to 0xFF, program can only clear bits), loaded
 * from a host file at boot and written back through semihosting on sync, so
 * the next boot sees what the agent committed. The store syncs around every
 * commit mark (port.h), which is when the image must reach the host.
 *
 * QEMU has no flash controller that survives a restart; the host file is the
 * "chip". Its format is the raw image, the same as the Linux board's state
 * file: the config partition, then the store. Each partition is the same
 * seam with its base and size as the context.
 */
#include "board.h"

#include <string.h>

#define FLASH_PATH_MAX 200u

static uint8_t s_image[BOARD_FLASH_SIZE];
static char s_path[FLASH_PATH_MAX + 1];
static bool s_dirty;

acme_status_t board_flash_open(const char *host_path)
{
    memset(s_image, 0xFF, sizeof(s_image));
    s_dirty = false;
    s_path[0] = '\0';
    if (host_path == NULL) {
        return ACME_OK;
    }
    size_t n = strlen(host_path);
    if (n == 0 || n > FLASH_PATH_MAX) {
        return ACME_ERR_INVALID_ARG;
    }
    memcpy(s_path, host_path, n + 1);

    size_t len = 0;
    acme_status_t st = board_file_read(s_path, s_image, sizeof(s_image), &len);
    if (st == ACME_ERR_NOT_FOUND) {
        memset(s_image, 0xFF, sizeof(s_image)); /* a new chip is erased */
        return ACME_OK;
    }
    if (st != ACME_OK || len != sizeof(s_image)) {
        /* Not this geometry's image: refuse rather than guess. */
        memset(s_image, 0xFF, sizeof(s_image));
        s_path[0] = '\0';
        return ACME_ERR_FLASH;
    }
    return ACME_OK;
}

typedef struct partition {
    uint32_t base;
    uint32_t size;
} partition_t;

static const partition_t s_config = {0, BOARD_CONFIG_SIZE};
static const partition_t s_store = {BOARD_CONFIG_SIZE, BOARD_STORE_SIZE};

/* [off, off + len) inside the partition, without overflow. */
static bool in_range(const partition_t *p, uint32_t off, size_t len)
{
    return off <= p->size && len <= p->size - off;
}

static int32_t flash_read(void *ctx, uint32_t off, void *buf, size_t len)
{
    const partition_t *p = ctx;
    if ((buf == NULL && len > 0) || !in_range(p, off, len)) {
        return ACME_ERR_FLASH;
    }
    if (len > 0) {
        memcpy(buf, s_image + p->base + off, len);
    }
    return ACME_OK;
}

static int32_t flash_prog(void *ctx, uint32_t off, const void *buf, size_t len)
{
    const partition_t *p = ctx;
    if ((buf == NULL && len > 0) || !in_range(p, off, len) || off % BOARD_FLASH_PROG_SIZE != 0 ||
        len % BOARD_FLASH_PROG_SIZE != 0) {
        return ACME_ERR_FLASH;
    }
    const uint8_t *data = buf;
    for (size_t i = 0; i < len; i++) {
        s_image[p->base + off + i] &= data[i]; /* NOR: programming only clears bits */
    }
    s_dirty = s_dirty || len > 0;
    return ACME_OK;
}

static int32_t flash_erase(void *ctx, uint32_t off)
{
    const partition_t *p = ctx;
    if (off % BOARD_FLASH_ERASE_SIZE != 0 || off >= p->size) {
        return ACME_ERR_FLASH;
    }
    memset(s_image + p->base + off, 0xFF, BOARD_FLASH_ERASE_SIZE);
    s_dirty = true;
    return ACME_OK;
}

static int32_t flash_sync(void *ctx)
{
    (void)ctx;
    if (!s_dirty || s_path[0] == '\0') {
        return ACME_OK;
    }
    acme_status_t st = board_file_replace(s_path, s_image, sizeof(s_image));
    if (st == ACME_OK) {
        s_dirty = false;
    }
    return st == ACME_OK ? ACME_OK : ACME_ERR_FLASH;
}

const acme_flash_ops_t board_flash_ops = {
    .read = flash_read,
    .prog = flash_prog,
    .erase = flash_erase,
    .sync = flash_sync,
};

void board_flash_install(acme_port_t *port)
{
    port->flash = &board_flash_ops;
    port->flash_ctx = (void *)(uintptr_t)&s_store; /* the seam does not write it */
    port->flash_geometry.size = s_store.size;
    port->flash_geometry.erase_size = BOARD_FLASH_ERASE_SIZE;
    port->flash_geometry.prog_size = BOARD_FLASH_PROG_SIZE;
}

void board_flash_config(const acme_flash_ops_t **ops, void **ctx, acme_flash_geometry_t *geo)
{
    *ops = &board_flash_ops;
    *ctx = (void *)(uintptr_t)&s_config;
    geo->size = s_config.size;
    geo->erase_size = BOARD_FLASH_ERASE_SIZE;
    geo->prog_size = BOARD_FLASH_PROG_SIZE;
}
