/*
 * RAM NOR flash with power cuts, for store tests.
 */
#include "fake_flash.h"

#include <string.h>

static uint32_t next_random(uint32_t *s)
{
    /* xorshift32: reproducible from the seed a failing test prints */
    uint32_t x = *s != 0 ? *s : 0x9E3779B9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

/* Count an operation; true when it may run normally. On the cut operation
 * *partial is set and power goes off afterwards. */
static bool begin_op(fake_flash_t *f, bool *partial)
{
    *partial = false;
    if (f->dead) {
        return false;
    }
    f->ops++;
    if (f->cut_at != 0 && f->ops == f->cut_at) {
        *partial = true;
        f->dead = true;
    }
    return true;
}

static int32_t ff_read(void *ctx, uint32_t off, void *buf, size_t len)
{
    fake_flash_t *f = ctx;
    if (f->dead || off > f->geo.size || len > f->geo.size - off) {
        return ACME_ERR_FLASH;
    }
    memcpy(buf, f->mem + off, len);
    return ACME_OK;
}

static int32_t ff_prog(void *ctx, uint32_t off, const void *buf, size_t len)
{
    fake_flash_t *f = ctx;
    if (off % f->geo.prog_size != 0 || len % f->geo.prog_size != 0 || off > f->geo.size ||
        len > f->geo.size - off) {
        return ACME_ERR_FLASH;
    }
    bool partial = false;
    if (!begin_op(f, &partial)) {
        return ACME_ERR_FLASH;
    }
    const uint8_t *src = buf;
    /* Prefix tearing: the part programs in order and stops at byte `stop`. */
    size_t stop = partial && f->tear_prefix ? next_random(&f->seed) % len : len;
    for (size_t i = 0; i < len && i <= stop; i++) {
        uint8_t target = f->mem[off + i] & src[i];
        if (partial && (!f->tear_prefix || i == stop)) {
            /* Some of the bits that should clear did, others did not. */
            uint8_t mask = (uint8_t)next_random(&f->seed);
            target = (uint8_t)(f->mem[off + i] & (src[i] | mask));
        }
        f->mem[off + i] = target;
    }
    f->progs++;
    return partial ? ACME_ERR_FLASH : ACME_OK;
}

static int32_t ff_erase(void *ctx, uint32_t off)
{
    fake_flash_t *f = ctx;
    if (off % f->geo.erase_size != 0 || off >= f->geo.size) {
        return ACME_ERR_FLASH;
    }
    bool partial = false;
    if (!begin_op(f, &partial)) {
        return ACME_ERR_FLASH;
    }
    for (uint32_t i = 0; i < f->geo.erase_size; i++) {
        /* Cut mid-erase: a random subset of the bits went back to 1. */
        f->mem[off + i] |= partial ? (uint8_t)next_random(&f->seed) : 0xFFu;
    }
    f->erases++;
    return partial ? ACME_ERR_FLASH : ACME_OK;
}

static int32_t ff_sync(void *ctx)
{
    fake_flash_t *f = ctx;
    bool partial = false;
    if (!begin_op(f, &partial)) {
        return ACME_ERR_FLASH;
    }
    return partial ? ACME_ERR_FLASH : ACME_OK;
}

const acme_flash_ops_t fake_flash_ops = {ff_read, ff_prog, ff_erase, ff_sync};

void fake_flash_init(fake_flash_t *f, uint32_t size, uint32_t erase_size, uint32_t prog_size)
{
    memset(f, 0, sizeof(*f));
    memset(f->mem, 0xFF, sizeof(f->mem));
    f->geo.size = size;
    f->geo.erase_size = erase_size;
    f->geo.prog_size = prog_size;
}

void fake_flash_cut_at(fake_flash_t *f, uint32_t op, uint32_t seed)
{
    f->cut_at = f->ops + op;
    f->seed = seed;
    f->dead = false;
}

void fake_flash_power_on(fake_flash_t *f)
{
    f->dead = false;
    f->cut_at = 0;
}
