/*
 * The provisioning blob in two flash slots, header programmed last. See
 * acme/io/config_partition.h for the layout and the write order.
 */
#include "acme/io/config_partition.h"

#include <string.h>

#include "acme/codec/crc32.h"

#define CFG_MAGIC 0x47464341u /* "ACFG" */
/* Staging for reads and programs: a multiple of every power-of-two program
 * unit up to 16, and small enough for a task stack. */
#define CFG_CHUNK 64u

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* The header rounded up to whole program units. */
static uint32_t header_area(uint32_t prog)
{
    return (ACME_CONFIG_PART_HEADER_LEN + prog - 1u) / prog * prog;
}

/* Slot size for a geometry, or 0 when it cannot hold two useful slots. */
static uint32_t slot_size_for(const acme_flash_geometry_t *g)
{
    if (g == NULL || g->prog_size == 0 || g->prog_size > ACME_CONFIG_PART_PROG_MAX ||
        g->erase_size == 0 || g->erase_size % g->prog_size != 0 || g->size % g->erase_size != 0) {
        return 0;
    }
    uint32_t slot = g->size / g->erase_size / 2u * g->erase_size;
    if (slot < header_area(g->prog_size) + ACME_PROVISION_MIN_LEN) {
        return 0;
    }
    return slot;
}

uint32_t acme_config_part_capacity(const acme_flash_geometry_t *geo)
{
    uint32_t slot = slot_size_for(geo);
    return slot == 0 ? 0 : slot - header_area(geo->prog_size);
}

static uint32_t slot_base(const acme_config_part_t *c, int slot)
{
    return (uint32_t)slot * c->slot_size;
}

static acme_status_t flash_read(const acme_config_part_t *c, uint32_t off, void *buf, size_t len)
{
    return c->flash->read(c->flash_ctx, off, buf, len) == ACME_OK ? ACME_OK : ACME_ERR_FLASH;
}

static acme_status_t flash_sync(const acme_config_part_t *c)
{
    if (c->flash->sync == NULL) {
        return ACME_OK;
    }
    return c->flash->sync(c->flash_ctx) == ACME_OK ? ACME_OK : ACME_ERR_FLASH;
}

/* The blob's own CRC, streamed from flash (no buffer the size of a blob). */
static bool blob_crc_ok(const acme_config_part_t *c, uint32_t base, uint32_t len)
{
    uint8_t chunk[CFG_CHUNK];
    size_t total = 0;
    if (flash_read(c, base, chunk, ACME_PROVISION_HEADER_LEN) != ACME_OK ||
        acme_provision_blob_size(chunk, ACME_PROVISION_HEADER_LEN, &total, NULL) != ACME_OK ||
        total != len) {
        return false;
    }
    uint32_t body = len - ACME_PROVISION_CRC_LEN;
    uint32_t crc = 0;
    /* Bounded by the slot size over the chunk size. */
    for (uint32_t off = 0; off < body; off += CFG_CHUNK) {
        uint32_t n = body - off < CFG_CHUNK ? body - off : CFG_CHUNK;
        if (flash_read(c, base + off, chunk, n) != ACME_OK) {
            return false;
        }
        crc = acme_crc32(crc, chunk, n);
    }
    uint8_t stored[ACME_PROVISION_CRC_LEN];
    return flash_read(c, base + body, stored, sizeof(stored)) == ACME_OK && get_le32(stored) == crc;
}

static acme_status_t scan_slot(const acme_config_part_t *c, int slot, acme_config_part_slot_t *s)
{
    uint8_t hdr[ACME_CONFIG_PART_HEADER_LEN];
    memset(s, 0, sizeof(*s));
    uint32_t base = slot_base(c, slot);
    if (flash_read(c, base, hdr, sizeof(hdr)) != ACME_OK) {
        return ACME_ERR_FLASH;
    }
    uint32_t len = get_le32(hdr + 8);
    if (get_le32(hdr) != CFG_MAGIC || get_le32(hdr + 12) != acme_crc32(0, hdr, 12) ||
        len < ACME_PROVISION_MIN_LEN || len > c->slot_size - c->header_area) {
        return ACME_OK; /* blank, torn or foreign: not a config */
    }
    s->header_ok = true;
    s->generation = get_le32(hdr + 4);
    s->blob_len = len;
    s->blob_ok = blob_crc_ok(c, base + c->header_area, len);
    return ACME_OK;
}

acme_status_t acme_config_part_mount(acme_config_part_t *c, const acme_flash_ops_t *flash,
                                     void *flash_ctx, const acme_flash_geometry_t *geo)
{
    if (c == NULL || flash == NULL || flash->read == NULL || flash->prog == NULL ||
        flash->erase == NULL || geo == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    memset(c, 0, sizeof(*c));
    c->current = -1;
    c->slot_size = slot_size_for(geo);
    if (c->slot_size == 0) {
        return ACME_ERR_CONFIG;
    }
    c->flash = flash;
    c->flash_ctx = flash_ctx;
    c->geo = *geo;
    c->header_area = header_area(geo->prog_size);
    for (int i = 0; i < 2; i++) {
        acme_status_t st = scan_slot(c, i, &c->slot[i]);
        if (st != ACME_OK) {
            return st;
        }
    }
    return ACME_OK;
}

/* Slot with an intact header and the higher generation first. */
static void order_slots(const acme_config_part_t *c, int order[2])
{
    const acme_config_part_slot_t *s = c->slot;
    bool second_first = s[1].header_ok && (!s[0].header_ok || s[1].generation > s[0].generation);
    order[0] = second_first ? 1 : 0;
    order[1] = second_first ? 0 : 1;
}

acme_status_t acme_config_part_load(acme_config_part_t *c, uint8_t *buf, size_t cap, size_t *len,
                                    acme_provision_t *prov, acme_provision_error_t *err)
{
    if (c == NULL || c->flash == NULL || buf == NULL || len == NULL || prov == NULL) {
        return ACME_ERR_INVALID_ARG;
    }
    acme_provision_error_t first_err;
    memset(&first_err, 0, sizeof(first_err));
    acme_status_t result = ACME_ERR_NOT_FOUND;
    int order[2];
    order_slots(c, order);
    c->current = -1;
    c->loaded = true;
    for (int k = 0; k < 2; k++) {
        int i = order[k];
        if (!c->slot[i].header_ok) {
            continue;
        }
        uint32_t n = c->slot[i].blob_len;
        if (n > cap) {
            return ACME_ERR_BUFFER_TOO_SMALL;
        }
        if (flash_read(c, slot_base(c, i) + c->header_area, buf, n) != ACME_OK) {
            return ACME_ERR_FLASH;
        }
        acme_provision_error_t e;
        acme_status_t st = acme_provision_decode(buf, n, prov, &e);
        if (st == ACME_OK) {
            c->current = (int8_t)i;
            *len = n;
            return ACME_OK;
        }
        if (result == ACME_ERR_NOT_FOUND) {
            result = st;
            first_err = e;
        }
    }
    /* Nothing usable: leave no copy of a half-good blob behind. */
    memset(buf, 0, cap);
    if (err != NULL) {
        *err = first_err;
    }
    return result;
}

/* The slot the write may use: never the one holding the config in use.
 * With none in use (nothing decodes), a blank one (slot 0 first), else the
 * older. */
static int target_slot(const acme_config_part_t *c)
{
    if (c->current >= 0) {
        return 1 - c->current;
    }
    if (!c->slot[0].header_ok || !c->slot[1].header_ok) {
        return c->slot[0].header_ok ? 1 : 0;
    }
    int order[2];
    order_slots(c, order);
    return order[1];
}

/* Program blob[0..len) at base, the last unit padded with 0xFF; each unit
 * once. */
static acme_status_t program_blob(const acme_config_part_t *c, uint32_t base, const uint8_t *blob,
                                  uint32_t len)
{
    uint32_t prog = c->geo.prog_size;
    uint32_t step = CFG_CHUNK * 4u / prog * prog; /* whole units, about 256 bytes */
    uint32_t whole = len / prog * prog;
    for (uint32_t off = 0; off < whole; off += step) {
        uint32_t n = whole - off < step ? whole - off : step;
        if (c->flash->prog(c->flash_ctx, base + off, blob + off, n) != ACME_OK) {
            return ACME_ERR_FLASH;
        }
    }
    if (whole < len) {
        uint8_t unit[ACME_CONFIG_PART_PROG_MAX];
        memset(unit, 0xFF, sizeof(unit));
        memcpy(unit, blob + whole, len - whole);
        if (c->flash->prog(c->flash_ctx, base + whole, unit, prog) != ACME_OK) {
            return ACME_ERR_FLASH;
        }
    }
    return ACME_OK;
}

/* Read back what was programmed. */
static acme_status_t verify_blob(const acme_config_part_t *c, uint32_t base, const uint8_t *blob,
                                 uint32_t len)
{
    uint8_t chunk[CFG_CHUNK];
    for (uint32_t off = 0; off < len; off += CFG_CHUNK) {
        uint32_t n = len - off < CFG_CHUNK ? len - off : CFG_CHUNK;
        if (flash_read(c, base + off, chunk, n) != ACME_OK || memcmp(chunk, blob + off, n) != 0) {
            return ACME_ERR_FLASH;
        }
    }
    return ACME_OK;
}

acme_status_t acme_config_part_write(acme_config_part_t *c, const uint8_t *blob, size_t len)
{
    size_t total = 0;
    if (c == NULL || c->flash == NULL || blob == NULL || len < ACME_PROVISION_HEADER_LEN ||
        acme_provision_blob_size(blob, len, &total, NULL) != ACME_OK || total != len) {
        return ACME_ERR_INVALID_ARG;
    }
    if (!c->loaded) {
        return ACME_ERR_BAD_STATE;
    }
    if (len > c->slot_size - c->header_area) {
        return ACME_ERR_STORE_FULL;
    }
    uint32_t generation = 0;
    for (int i = 0; i < 2; i++) {
        if (c->slot[i].header_ok && c->slot[i].generation > generation) {
            generation = c->slot[i].generation;
        }
    }
    if (generation == UINT32_MAX) {
        return ACME_ERR_STORE_FULL;
    }
    generation++;
    int t = target_slot(c);
    uint32_t base = slot_base(c, t);
    /* From the first erase on, this slot holds nothing. */
    memset(&c->slot[t], 0, sizeof(c->slot[t]));
    for (uint32_t off = 0; off < c->slot_size; off += c->geo.erase_size) {
        if (c->flash->erase(c->flash_ctx, base + off) != ACME_OK) {
            return ACME_ERR_FLASH;
        }
    }
    acme_status_t st = program_blob(c, base + c->header_area, blob, (uint32_t)len);
    if (st == ACME_OK) {
        st = verify_blob(c, base + c->header_area, blob, (uint32_t)len);
    }
    if (st == ACME_OK) {
        st = flash_sync(c);
    }
    if (st != ACME_OK) {
        return st;
    }
    uint8_t hdr[ACME_CONFIG_PART_HEADER_LEN + ACME_CONFIG_PART_PROG_MAX];
    memset(hdr, 0xFF, sizeof(hdr));
    put_le32(hdr, CFG_MAGIC);
    put_le32(hdr + 4, generation);
    put_le32(hdr + 8, (uint32_t)len);
    put_le32(hdr + 12, acme_crc32(0, hdr, 12));
    if (c->flash->prog(c->flash_ctx, base, hdr, c->header_area) != ACME_OK) {
        return ACME_ERR_FLASH;
    }
    st = flash_sync(c);
    if (st != ACME_OK) {
        return st;
    }
    c->slot[t].header_ok = true;
    c->slot[t].blob_ok = true;
    c->slot[t].generation = generation;
    c->slot[t].blob_len = (uint32_t)len;
    c->current = (int8_t)t;
    return ACME_OK;
}
