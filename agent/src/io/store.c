/*
 * Two-slot record store on NOR flash: an image is written whole into the
 * spare slot and made current by its commit mark. See acme/io/store.h.
 *
 * Slot layout (little-endian):
 *   0   magic "ACMS" | version u16 | reserved u16 | seq u32 |
 *       payload_len u32 | payload_crc u32 | header_crc u32 (over bytes 0..19)
 *   32  commit mark: "CMIT" then zeros, one program unit (>= 4 bytes)
 *   64  records: type u16 | len u16 | data[len], packed
 */
#include "acme/io/store.h"

#include <string.h>

#include "acme/codec/crc32.h"

#define STORE_MAGIC 0x534D4341u /* "ACMS" */
#define STORE_VERSION 1u
#define STORE_HEADER_LEN 24u
#define STORE_MARK_OFF 32u
#define STORE_MARK 0x54494D43u /* "CMIT" */
#define STORE_REC_HDR 4u
/* Staging for flash I/O: a multiple of every supported program unit. */
#define STORE_CHUNK 64u

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint16_t get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint32_t slot_base(const acme_store_t *s, int slot)
{
    return (uint32_t)slot * s->slot_size;
}

static acme_status_t flash_read(const acme_store_t *s, uint32_t off, void *buf, size_t len)
{
    return s->flash->read(s->flash_ctx, off, buf, len) == ACME_OK ? ACME_OK : ACME_ERR_FLASH;
}

/* Is `slot` a complete image? Fills seq and payload_len. */
static bool slot_valid(const acme_store_t *s, int slot, uint32_t *seq, uint32_t *payload_len)
{
    uint8_t hdr[STORE_HEADER_LEN];
    uint8_t mark[4];
    uint32_t base = slot_base(s, slot);
    if (flash_read(s, base, hdr, sizeof(hdr)) != ACME_OK ||
        flash_read(s, base + STORE_MARK_OFF, mark, sizeof(mark)) != ACME_OK) {
        return false;
    }
    if (get_le32(hdr) != STORE_MAGIC || get_le16(hdr + 4) != STORE_VERSION ||
        get_le32(hdr + 20) != acme_crc32(0, hdr, 20) || get_le32(mark) != STORE_MARK) {
        return false;
    }
    uint32_t len = get_le32(hdr + 12);
    if (len > s->slot_size - ACME_STORE_HEADER_AREA) {
        return false;
    }
    uint32_t crc = 0;
    uint8_t chunk[STORE_CHUNK];
    for (uint32_t off = 0; off < len; off += STORE_CHUNK) {
        uint32_t n = len - off < STORE_CHUNK ? len - off : STORE_CHUNK;
        if (flash_read(s, base + ACME_STORE_HEADER_AREA + off, chunk, n) != ACME_OK) {
            return false;
        }
        crc = acme_crc32(crc, chunk, n);
    }
    if (crc != get_le32(hdr + 16)) {
        return false;
    }
    *seq = get_le32(hdr + 8);
    *payload_len = len;
    return true;
}

acme_status_t acme_store_mount(acme_store_t *s, const acme_flash_ops_t *flash, void *flash_ctx,
                               const acme_flash_geometry_t *geo)
{
    memset(s, 0, sizeof(*s));
    s->current = -1;
    if (flash == NULL || geo == NULL || geo->erase_size == 0 || geo->prog_size == 0 ||
        geo->prog_size > 16 || (STORE_CHUNK % geo->prog_size) != 0 ||
        (geo->erase_size % STORE_CHUNK) != 0) {
        return ACME_ERR_CONFIG;
    }
    uint32_t blocks = geo->size / geo->erase_size;
    if (blocks < 2) {
        return ACME_ERR_CONFIG;
    }
    s->flash = flash;
    s->flash_ctx = flash_ctx;
    s->geo = *geo;
    s->slot_size = (blocks / 2u) * geo->erase_size;

    for (int slot = 0; slot < 2; slot++) {
        uint32_t seq = 0;
        uint32_t len = 0;
        if (slot_valid(s, slot, &seq, &len) && (s->current < 0 || seq > s->seq)) {
            s->current = (int8_t)slot;
            s->seq = seq;
            s->payload_len = len;
        }
    }
    return ACME_OK;
}

/* A record of the current image: its type, and its data at flash offset
 * `at`, `len` bytes. */
typedef struct store_record {
    uint16_t type;
    uint16_t len;
    uint32_t at;
} store_record_t;

/* The record at payload offset *off of the current image; *off moves past
 * it. ACME_ERR_NOT_FOUND after the last one. Callers also stop after
 * ACME_STORE_MAX_RECORDS records. */
static acme_status_t next_record(const acme_store_t *s, uint32_t *off, store_record_t *r)
{
    if (s->current < 0 || *off + STORE_REC_HDR > s->payload_len) {
        return ACME_ERR_NOT_FOUND;
    }
    uint8_t hdr[STORE_REC_HDR];
    uint32_t at = slot_base(s, s->current) + ACME_STORE_HEADER_AREA + *off;
    if (flash_read(s, at, hdr, sizeof(hdr)) != ACME_OK) {
        return ACME_ERR_FLASH;
    }
    r->type = get_le16(hdr);
    r->len = get_le16(hdr + 2);
    r->at = at + STORE_REC_HDR;
    *off += STORE_REC_HDR + r->len;
    if (*off > s->payload_len) {
        return ACME_ERR_FLASH; /* CRC-valid but inconsistent: cannot happen */
    }
    return ACME_OK;
}

static acme_status_t find(const acme_store_t *s, uint16_t type, store_record_t *r)
{
    uint32_t off = 0;
    for (unsigned i = 0; i < ACME_STORE_MAX_RECORDS; i++) {
        acme_status_t st = next_record(s, &off, r);
        if (st != ACME_OK || r->type == type) {
            return st;
        }
    }
    return ACME_ERR_NOT_FOUND;
}

acme_status_t acme_store_read(const acme_store_t *s, uint16_t type, void *out, size_t cap,
                              size_t *len)
{
    store_record_t r;
    acme_status_t st = find(s, type, &r);
    if (st != ACME_OK) {
        return st;
    }
    *len = r.len;
    if (r.len > cap) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    return flash_read(s, r.at, out, r.len);
}

bool acme_store_has(const acme_store_t *s, uint16_t type, size_t *len)
{
    store_record_t r;
    if (find(s, type, &r) != ACME_OK) {
        return false;
    }
    if (len != NULL) {
        *len = r.len;
    }
    return true;
}

/* ---- writing an image -------------------------------------------------------- */

/* Buffered, program-unit-aligned writer into the spare slot. */
typedef struct image_writer {
    acme_status_t status;
    acme_store_t *s;
    uint32_t base;  /* slot start */
    uint32_t off;   /* payload bytes written (flushed + staged) */
    uint32_t limit; /* payload capacity */
    uint32_t crc;
    uint32_t erased_to; /* slot bytes erased so far */
    uint32_t staged;
    uint8_t stage[STORE_CHUNK];
} image_writer_t;

static acme_status_t ensure_erased(image_writer_t *w, uint32_t end)
{
    acme_store_t *s = w->s;
    while (w->erased_to < end) {
        if (s->flash->erase(s->flash_ctx, w->base + w->erased_to) != ACME_OK) {
            return ACME_ERR_FLASH;
        }
        w->erased_to += s->geo.erase_size;
    }
    return ACME_OK;
}

static void flush_stage(image_writer_t *w)
{
    if (w->status != ACME_OK || w->staged == 0) {
        return;
    }
    uint32_t unit = w->s->geo.prog_size;
    uint32_t n = (w->staged + unit - 1u) / unit * unit;
    memset(w->stage + w->staged, 0xFF, n - w->staged);
    uint32_t at = ACME_STORE_HEADER_AREA + w->off - w->staged;
    w->status = ensure_erased(w, at + n);
    if (w->status == ACME_OK &&
        w->s->flash->prog(w->s->flash_ctx, w->base + at, w->stage, n) != ACME_OK) {
        w->status = ACME_ERR_FLASH;
    }
    w->staged = 0;
}

static void put_bytes(image_writer_t *w, const void *data, size_t len)
{
    const uint8_t *p = data;
    if (w->status != ACME_OK) {
        return;
    }
    if (len > w->limit - w->off) {
        w->status = ACME_ERR_STORE_FULL;
        return;
    }
    w->crc = acme_crc32(w->crc, p, len);
    while (len > 0) {
        uint32_t n = STORE_CHUNK - w->staged;
        if (n > len) {
            n = (uint32_t)len;
        }
        memcpy(w->stage + w->staged, p, n);
        w->staged += n;
        w->off += n;
        p += n;
        len -= n;
        if (w->staged == STORE_CHUNK) {
            flush_stage(w);
        }
    }
}

static void put_record_header(image_writer_t *w, uint16_t type, size_t len)
{
    uint8_t hdr[STORE_REC_HDR];
    put_le16(hdr, type);
    put_le16(hdr + 2, (uint16_t)len);
    put_bytes(w, hdr, sizeof(hdr));
}

static bool is_changed(const acme_store_change_t *changes, size_t count, uint16_t type)
{
    for (size_t i = 0; i < count; i++) {
        if (changes[i].type == type) {
            return true;
        }
    }
    return false;
}

/* Copy the records of the current image that no change replaces or
 * removes, flash to flash through a small buffer. Returns how many. */
static unsigned copy_unchanged(image_writer_t *w, const acme_store_change_t *changes, size_t count)
{
    unsigned records = 0;
    uint32_t off = 0;
    for (unsigned i = 0; i < ACME_STORE_MAX_RECORDS && w->status == ACME_OK; i++) {
        store_record_t r;
        acme_status_t st = next_record(w->s, &off, &r);
        if (st != ACME_OK) {
            if (st != ACME_ERR_NOT_FOUND) {
                w->status = st;
            }
            break;
        }
        if (is_changed(changes, count, r.type)) {
            continue;
        }
        put_record_header(w, r.type, r.len);
        uint8_t chunk[STORE_CHUNK];
        for (uint32_t done = 0; done < r.len && w->status == ACME_OK; done += STORE_CHUNK) {
            uint32_t n = r.len - done < STORE_CHUNK ? r.len - done : STORE_CHUNK;
            if (flash_read(w->s, r.at + done, chunk, n) != ACME_OK) {
                w->status = ACME_ERR_FLASH;
                break;
            }
            put_bytes(w, chunk, n);
        }
        records++;
    }
    return records;
}

static acme_status_t program(acme_store_t *s, uint32_t off, const void *data, size_t len)
{
    return s->flash->prog(s->flash_ctx, off, data, len) == ACME_OK ? ACME_OK : ACME_ERR_FLASH;
}

static acme_status_t barrier(acme_store_t *s)
{
    if (s->flash->sync == NULL) {
        return ACME_OK;
    }
    return s->flash->sync(s->flash_ctx) == ACME_OK ? ACME_OK : ACME_ERR_FLASH;
}

acme_status_t acme_store_commit(acme_store_t *s, const acme_store_change_t *changes, size_t count)
{
    if (s->flash == NULL || (count > 0 && changes == NULL)) {
        return ACME_ERR_BAD_STATE;
    }
    for (size_t i = 0; i < count; i++) {
        if (changes[i].len > 0xFFFFu || (changes[i].data == NULL && changes[i].len != 0)) {
            return ACME_ERR_STORE_FULL;
        }
    }
    int spare = s->current == 0 ? 1 : 0;
    image_writer_t w;
    memset(&w, 0, sizeof(w));
    w.s = s;
    w.base = slot_base(s, spare);
    w.limit = s->slot_size - ACME_STORE_HEADER_AREA;
    w.status = ensure_erased(&w, s->geo.erase_size); /* header block first */

    unsigned records = copy_unchanged(&w, changes, count);
    for (size_t i = 0; i < count && w.status == ACME_OK; i++) {
        if (changes[i].data == NULL) {
            continue; /* removal: simply not written */
        }
        if (++records > ACME_STORE_MAX_RECORDS) {
            w.status = ACME_ERR_STORE_FULL;
            break;
        }
        put_record_header(&w, changes[i].type, changes[i].len);
        put_bytes(&w, changes[i].data, changes[i].len);
    }
    flush_stage(&w);
    if (w.status != ACME_OK) {
        return w.status;
    }

    uint8_t hdr[32];
    memset(hdr, 0xFF, sizeof(hdr));
    put_le32(hdr, STORE_MAGIC);
    put_le16(hdr + 4, STORE_VERSION);
    put_le16(hdr + 6, 0);
    put_le32(hdr + 8, s->seq + 1u);
    put_le32(hdr + 12, w.off);
    put_le32(hdr + 16, w.crc);
    put_le32(hdr + 20, acme_crc32(0, hdr, 20));
    uint8_t mark[16];
    uint32_t mark_len = s->geo.prog_size < 4 ? 4 : s->geo.prog_size;
    memset(mark, 0, sizeof(mark));
    put_le32(mark, STORE_MARK);

    acme_status_t st = program(s, w.base, hdr, sizeof(hdr));
    if (st == ACME_OK) {
        st = barrier(s);
    }
    if (st == ACME_OK) {
        st = program(s, w.base + STORE_MARK_OFF, mark, mark_len);
    }
    if (st == ACME_OK) {
        st = barrier(s);
    }
    if (st != ACME_OK) {
        return st;
    }
    s->current = (int8_t)spare;
    s->seq++;
    s->payload_len = w.off;
    s->commits++;
    return ACME_OK;
}
