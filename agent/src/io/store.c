/*
 * Log-structured record store on NOR flash. See acme/io/store.h for the
 * rules and docs/storage.md for the format; all integers little-endian.
 *
 * Block header (offset 0 of a block in use, 16 bytes):
 *   magic "ASL" | version u8 | seq u32 | erase_count u32 | crc u32 (bytes 0..11)
 * Entry (at a multiple of the program unit, 16-byte header + data):
 *   kind u8 | flags u8 | type u16 | txn u32 | offset u16 | len u16 | crc u32
 *   kind 'F' fragment: bytes [offset, offset+len) of record `type`
 *                      (flags: LAST ends the record, REMOVE deletes it)
 *   kind 'C' commit:   transaction `txn` holds `type` fragments before it
 *                      (flags: BASE, it holds the whole state)
 *   crc over header bytes 0..11 then the data.
 */
#include "acme/io/store.h"

#include <string.h>

#include "acme/codec/crc32.h"

#define BLOCK_MAGIC 0x014C5341u /* "ASL", format version 1 */
#define HDR 16u                 /* block header and entry header bytes */
/* A fragment never starts with less room than this for its data in a block
 * (unless the rest of the record is shorter): no slivers. */
#define FRAG_MIN 64u
#define CHUNK 64u /* flash staging buffer: a multiple of every program unit */

#define KIND_FRAG 'F'
#define KIND_COMMIT 'C'
#define F_LAST 1u
#define F_REMOVE 2u
#define F_BASE 1u

#if ACME_STORE_RECORD_MAX > 0xFFFF
#error "ACME_STORE_RECORD_MAX (ACME_CHAIN_MAX) must fit a 16-bit record length"
#endif

/* A parsed entry header. */
typedef struct entry {
    uint8_t kind;
    uint8_t flags;
    uint16_t type; /* the record, or the fragment count of a commit */
    uint32_t txn;
    uint16_t offset;
    uint16_t len;
    uint32_t crc;
} entry_t;

/* The write position: where the next entry goes. */
typedef struct cursor {
    uint32_t block;
    uint32_t off;
    uint32_t free_blocks; /* blocks after `block` in ring order still free */
} cursor_t;

/* What a commit writes: one record version (from RAM or from the log). */
typedef struct source {
    uint16_t type;
    uint16_t len;
    bool remove;
    const uint8_t *data; /* RAM data, or NULL: the stored record `slot` */
    const acme_store_index_t *slot;
} source_t;

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static acme_status_t flash_read(const acme_store_t *s, uint32_t off, void *buf, size_t len)
{
    return s->flash->read(s->flash_ctx, off, buf, len) == ACME_OK ? ACME_OK : ACME_ERR_FLASH;
}

static acme_status_t flash_prog(const acme_store_t *s, uint32_t off, const void *buf, size_t len)
{
    return s->flash->prog(s->flash_ctx, off, buf, len) == ACME_OK ? ACME_OK : ACME_ERR_FLASH;
}

static acme_status_t flash_sync(const acme_store_t *s)
{
    if (s->flash->sync == NULL) {
        return ACME_OK;
    }
    return s->flash->sync(s->flash_ctx) == ACME_OK ? ACME_OK : ACME_ERR_FLASH;
}

static uint32_t align_up(const acme_store_t *s, uint32_t n)
{
    uint32_t p = s->geo.prog_size;
    return (n + p - 1u) / p * p;
}

static uint32_t block_base(const acme_store_t *s, uint32_t block)
{
    return block * s->geo.erase_size;
}

static void encode_entry(uint8_t *h, const entry_t *e)
{
    h[0] = e->kind;
    h[1] = e->flags;
    h[2] = (uint8_t)e->type;
    h[3] = (uint8_t)(e->type >> 8);
    put_le32(h + 4, e->txn);
    put_le32(h + 8, (uint32_t)e->offset | ((uint32_t)e->len << 16));
}

/* ---- reading the log ---------------------------------------------------- */

/* The header of `block`: true with its sequence number and erase count when
 * intact. */
static bool block_header(const acme_store_t *s, uint32_t block, uint32_t *seq, uint32_t *erases)
{
    uint8_t h[HDR];
    if (flash_read(s, block_base(s, block), h, HDR) != ACME_OK || get_le32(h) != BLOCK_MAGIC ||
        get_le32(h + 12) != acme_crc32(0, h, 12)) {
        return false;
    }
    *seq = get_le32(h + 4);
    *erases = get_le32(h + 8);
    return true;
}

/* CRC over bytes [at, at + len) of flash, continuing crc. */
static acme_status_t crc_flash(const acme_store_t *s, uint32_t at, uint32_t len, uint32_t *crc)
{
    uint8_t buf[CHUNK];
    for (uint32_t done = 0; done < len;) {
        uint32_t n = len - done < CHUNK ? len - done : CHUNK;
        if (flash_read(s, at + done, buf, n) != ACME_OK) {
            return ACME_ERR_FLASH;
        }
        *crc = acme_crc32(*crc, buf, n);
        done += n;
    }
    return ACME_OK;
}

/* Read and check the entry at flash offset `at` (inside block `block`):
 * ACME_OK when it is intact and well-formed, ACME_ERR_NOT_FOUND when its
 * header is blank (the end of what was written), ACME_ERR_MALFORMED when
 * torn or foreign. */
static acme_status_t read_entry(const acme_store_t *s, uint32_t block, uint32_t at, entry_t *e)
{
    uint8_t h[HDR];
    if (at + HDR > block_base(s, block) + s->geo.erase_size) {
        return ACME_ERR_NOT_FOUND;
    }
    if (flash_read(s, at, h, HDR) != ACME_OK) {
        return ACME_ERR_FLASH;
    }
    static const uint8_t blank[HDR] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                       0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    if (memcmp(h, blank, HDR) == 0) {
        return ACME_ERR_NOT_FOUND;
    }
    uint32_t word = get_le32(h + 8);
    e->kind = h[0];
    e->flags = h[1];
    e->type = (uint16_t)(h[2] | (h[3] << 8));
    e->txn = get_le32(h + 4);
    e->offset = (uint16_t)word;
    e->len = (uint16_t)(word >> 16);
    e->crc = get_le32(h + 12);
    if ((e->kind != KIND_FRAG && e->kind != KIND_COMMIT) ||
        (e->kind == KIND_COMMIT && e->len != 0) ||
        at + HDR + e->len > block_base(s, block) + s->geo.erase_size) {
        return ACME_ERR_MALFORMED;
    }
    uint32_t crc = acme_crc32(0, h, 12);
    acme_status_t st = crc_flash(s, at + HDR, e->len, &crc);
    if (st != ACME_OK) {
        return st;
    }
    return crc == e->crc ? ACME_OK : ACME_ERR_MALFORMED;
}

/* Walks the entries of the log in order, block by block: within a block up
 * to its first blank or damaged entry. */
typedef struct walker {
    uint32_t block;
    uint32_t off;  /* offset of the next entry within the block */
    uint32_t left; /* blocks still to visit after this one */
    uint32_t at;   /* flash offset of the entry just returned */
} walker_t;

/* The next intact entry: ACME_OK, ACME_ERR_NOT_FOUND at the end of the log,
 * or ACME_ERR_FLASH. The offset where a block's entries stop is in
 * w->off when the walker moves on (the caller checks the head block). */
static acme_status_t walk_next(const acme_store_t *s, walker_t *w, entry_t *e)
{
    for (;;) {
        uint32_t at = block_base(s, w->block) + w->off;
        acme_status_t st = read_entry(s, w->block, at, e);
        if (st == ACME_OK) {
            w->at = at;
            w->off += align_up(s, HDR + e->len);
            return ACME_OK;
        }
        if (st == ACME_ERR_FLASH || w->left == 0) {
            return st == ACME_ERR_FLASH ? st : ACME_ERR_NOT_FOUND;
        }
        w->left--;
        w->block = (w->block + 1u) % s->blocks;
        w->off = HDR;
    }
}

/* The index entry of record `type`, or NULL. */
static const acme_store_index_t *find_slot(const acme_store_t *s, uint16_t type)
{
    for (uint32_t i = 0; i < s->count; i++) {
        if (s->index[i].type == type) {
            return &s->index[i];
        }
    }
    return NULL;
}

/* Apply the committed transaction whose fragments are the `count` entries
 * from walker position *from on. Checked first (each record's fragments
 * contiguous from 0 to a LAST one, the index large enough); a transaction
 * that fails the check is ignored as if never committed. */
static acme_status_t apply_txn(acme_store_t *s, const walker_t *from, uint32_t count, bool base)
{
    for (int pass = 0; pass < 2; pass++) {
        walker_t w = *from;
        acme_store_index_t rec = {0};
        uint32_t frags = 0;
        uint32_t live = base ? 0u : s->count;
        if (pass == 1 && base) {
            s->count = 0;
        }
        for (uint32_t i = 0; i < count; i++) {
            entry_t e;
            acme_status_t st = walk_next(s, &w, &e);
            if (st != ACME_OK) {
                return st == ACME_ERR_FLASH ? st : ACME_OK;
            }
            if (e.kind != KIND_FRAG || e.type == 0 || (frags > 0 && e.type != rec.type) ||
                e.offset != (frags > 0 ? rec.len : 0u) || frags >= ACME_STORE_FRAGMENTS_MAX ||
                (uint32_t)e.offset + e.len > ACME_STORE_RECORD_MAX ||
                ((e.flags & F_REMOVE) != 0 && (e.len != 0 || (e.flags & F_LAST) == 0))) {
                return ACME_OK; /* not a transaction this store wrote */
            }
            rec.type = e.type;
            rec.frag[frags++] = w.at;
            rec.len = (uint16_t)(e.offset + e.len);
            if ((e.flags & F_LAST) == 0) {
                continue;
            }
            const acme_store_index_t *found = base ? NULL : find_slot(s, rec.type);
            acme_store_index_t *slot = found == NULL ? NULL : &s->index[found - s->index];
            bool remove = (e.flags & F_REMOVE) != 0;
            if (pass == 0) {
                live += slot == NULL && !remove ? 1u : 0u;
                live -= slot != NULL && remove ? 1u : 0u;
            } else if (remove) {
                if (slot != NULL) {
                    *slot = s->index[--s->count];
                }
            } else if (slot != NULL) {
                *slot = rec;
            } else {
                s->index[s->count++] = rec;
            }
            frags = 0;
        }
        if (frags != 0 || live > ACME_STORE_MAX_RECORDS) {
            return ACME_OK; /* a record without its last fragment */
        }
    }
    return ACME_OK;
}

/* Is everything from flash offset `at` to the end of its block erased? */
static bool erased_to_block_end(const acme_store_t *s, uint32_t block, uint32_t at)
{
    uint8_t buf[CHUNK];
    uint32_t end = block_base(s, block) + s->geo.erase_size;
    while (at < end) {
        uint32_t n = end - at < CHUNK ? end - at : CHUNK;
        if (flash_read(s, at, buf, n) != ACME_OK) {
            return false;
        }
        for (uint32_t i = 0; i < n; i++) {
            if (buf[i] != 0xFF) {
                return false;
            }
        }
        at += n;
    }
    return true;
}

/* Rebuild the index and the write position from flash. */
static acme_status_t scan(acme_store_t *s)
{
    s->count = 0;
    s->txn = 0;
    s->erase_max = 0;
    s->head_seq = 0;
    s->head = s->blocks - 1u;
    s->tail = 0;
    s->write_off = s->geo.erase_size; /* nothing to append to yet */
    for (uint32_t b = 0; b < s->blocks; b++) {
        uint32_t seq = 0;
        uint32_t erases = 0;
        if (block_header(s, b, &seq, &erases)) {
            s->erase_max = erases > s->erase_max ? erases : s->erase_max;
            if (seq > s->head_seq) {
                s->head_seq = seq;
                s->head = b;
            }
        }
    }
    if (s->head_seq == 0) {
        return ACME_OK; /* blank or foreign: an empty store */
    }
    /* The log: the blocks before the head in ring order whose sequence
     * numbers count down to it without a gap. */
    uint32_t first = s->head;
    uint32_t span = 0;
    for (uint32_t seq = s->head_seq; span + 1u < s->blocks; span++) {
        uint32_t prev = (first + s->blocks - 1u) % s->blocks;
        uint32_t prev_seq = 0;
        uint32_t erases = 0;
        if (!block_header(s, prev, &prev_seq, &erases) || prev_seq + 1u != seq) {
            break;
        }
        first = prev;
        seq = prev_seq;
    }
    s->tail = first;
    walker_t w = {first, HDR, span, 0};
    walker_t txn_start = w;
    uint32_t txn_block = first;
    uint32_t txn = 0;
    uint32_t frags = 0;
    for (;;) {
        walker_t before = w;
        entry_t e;
        acme_status_t st = walk_next(s, &w, &e);
        if (st == ACME_ERR_FLASH) {
            return st;
        }
        if (st != ACME_OK) {
            break;
        }
        s->txn = e.txn > s->txn ? e.txn : s->txn;
        if (e.kind == KIND_FRAG) {
            if (frags == 0 || e.txn != txn) {
                txn = e.txn;
                txn_start = before;
                txn_block = w.at / s->geo.erase_size;
                frags = 0;
            }
            frags++;
            continue;
        }
        if (frags > 0 && e.txn == txn && e.type == frags) {
            bool base = (e.flags & F_BASE) != 0;
            st = apply_txn(s, &txn_start, frags, base);
            if (st != ACME_OK) {
                return st;
            }
            s->tail = base ? txn_block : s->tail;
        }
        frags = 0; /* committed, or a commit that does not close what precedes it */
    }
    /* Append after the head's last entry only onto erased flash: a torn
     * entry, or one whose header was never written but whose data was,
     * closes the block. */
    uint32_t end = w.block == s->head ? w.off : HDR;
    if (erased_to_block_end(s, s->head, block_base(s, s->head) + end)) {
        s->write_off = end;
    }
    return ACME_OK;
}

acme_status_t acme_store_mount(acme_store_t *s, const acme_flash_ops_t *flash, void *flash_ctx,
                               const acme_flash_geometry_t *geo)
{
    memset(s, 0, sizeof(*s));
    if (flash == NULL || geo == NULL || geo->prog_size == 0 || geo->prog_size > 16 ||
        (geo->prog_size & (geo->prog_size - 1u)) != 0 || geo->erase_size < 1024 ||
        geo->erase_size % 16u != 0 || geo->size / geo->erase_size < 3) {
        return ACME_ERR_CONFIG;
    }
    /* The largest record must fit its fragments: the first may start at the
     * end of a block (at least FRAG_MIN bytes), the others get whole blocks. */
    uint32_t per_block = geo->erase_size - 2u * HDR;
    if ((uint64_t)FRAG_MIN + (uint64_t)(ACME_STORE_FRAGMENTS_MAX - 1u) * per_block <
        ACME_STORE_RECORD_MAX) {
        return ACME_ERR_CONFIG;
    }
    s->flash = flash;
    s->flash_ctx = flash_ctx;
    s->geo = *geo;
    s->blocks = geo->size / geo->erase_size;
    return scan(s);
}

/* ---- reading records ---------------------------------------------------- */

static acme_status_t source_read(const acme_store_t *s, const source_t *src, uint32_t off,
                                 uint8_t *buf, uint32_t n);

acme_status_t acme_store_read(const acme_store_t *s, uint16_t type, void *out, size_t cap,
                              size_t *len)
{
    const acme_store_index_t *slot = find_slot(s, type);
    if (slot == NULL) {
        return ACME_ERR_NOT_FOUND;
    }
    if (len != NULL) {
        *len = slot->len;
    }
    if (slot->len > cap) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    source_t stored = {type, slot->len, false, NULL, slot};
    return source_read(s, &stored, 0, out, slot->len);
}

bool acme_store_has(const acme_store_t *s, uint16_t type, size_t *len)
{
    const acme_store_index_t *slot = find_slot(s, type);
    if (slot != NULL && len != NULL) {
        *len = slot->len;
    }
    return slot != NULL;
}

acme_status_t acme_store_block_erases(const acme_store_t *s, uint32_t block, uint32_t *count)
{
    uint32_t seq = 0;
    if (block >= s->blocks) {
        return ACME_ERR_INVALID_ARG;
    }
    return block_header(s, block, &seq, count) ? ACME_OK : ACME_ERR_NOT_FOUND;
}

/* ---- writing ------------------------------------------------------------ */

/* Bytes [off, off + n) of a source. A stored record is read fragment by
 * fragment; a fragment read whole has its CRC checked again, so a record
 * read whole (acme_store_read) never returns flash that decayed since the
 * mount. */
static acme_status_t source_read(const acme_store_t *s, const source_t *src, uint32_t off,
                                 uint8_t *buf, uint32_t n)
{
    if (src->data != NULL) {
        memcpy(buf, src->data + off, n);
        return ACME_OK;
    }
    /* A stored record: find the fragment holding each byte range. */
    for (uint32_t i = 0, start = 0; n > 0 && i < ACME_STORE_FRAGMENTS_MAX; i++) {
        uint8_t h[HDR];
        if (flash_read(s, src->slot->frag[i], h, HDR) != ACME_OK) {
            return ACME_ERR_FLASH;
        }
        uint32_t flen = get_le32(h + 8) >> 16;
        if (off < start + flen) {
            uint32_t take = start + flen - off < n ? start + flen - off : n;
            if (flash_read(s, src->slot->frag[i] + HDR + (off - start), buf, take) != ACME_OK ||
                (take == flen && acme_crc32(acme_crc32(0, h, 12), buf, take) != get_le32(h + 12))) {
                return ACME_ERR_FLASH;
            }
            buf += take;
            off += take;
            n -= take;
        }
        start += flen;
    }
    return n == 0 ? ACME_OK : ACME_ERR_FLASH;
}

/* Move the cursor to the next block; erase it and give it a header unless
 * only planning (s == NULL in dry runs is not used: `write` says). */
static acme_status_t next_block(acme_store_t *s, cursor_t *c, bool write, uint32_t *seq)
{
    if (c->free_blocks == 0) {
        return ACME_ERR_STORE_FULL;
    }
    c->free_blocks--;
    c->block = (c->block + 1u) % s->blocks;
    c->off = HDR;
    (*seq)++;
    if (!write) {
        return ACME_OK;
    }
    /* The erase count survives in the header; when the header is gone (a
     * cut erase) the highest count of any block stands in for it. */
    uint32_t old_seq = 0;
    uint32_t erases = s->erase_max;
    (void)block_header(s, c->block, &old_seq, &erases);
    erases++;
    if (s->flash->erase(s->flash_ctx, block_base(s, c->block)) != ACME_OK) {
        return ACME_ERR_FLASH;
    }
    s->erases++;
    s->erase_max = erases > s->erase_max ? erases : s->erase_max;
    uint8_t h[HDR];
    put_le32(h, BLOCK_MAGIC);
    put_le32(h + 4, *seq);
    put_le32(h + 8, erases);
    put_le32(h + 12, acme_crc32(0, h, 12));
    return flash_prog(s, block_base(s, c->block), h, HDR);
}

/* Write (or, with write false, only place) one entry: a fragment holding
 * bytes [e->offset, e->offset + *n) of src, with *n cut down to what fits
 * the current block, or (src NULL, *n 0) a commit entry. */
static acme_status_t put_entry(acme_store_t *s, cursor_t *c, bool write, uint32_t *seq,
                               entry_t *e, const source_t *src, uint32_t *n)
{
    uint32_t end = s->geo.erase_size;
    uint32_t room = c->off + HDR <= end ? end - c->off - HDR : 0u;
    if (c->off + HDR > end || room < (*n < FRAG_MIN ? *n : FRAG_MIN)) {
        acme_status_t st = next_block(s, c, write, seq);
        if (st != ACME_OK) {
            return st;
        }
        room = end - 2u * HDR;
    }
    *n = *n < room ? *n : room;
    uint32_t at = block_base(s, c->block) + c->off;
    c->off += align_up(s, HDR + *n);
    e->len = (uint16_t)*n;
    if (src != NULL) {
        e->flags = (uint8_t)((e->offset + *n == src->len ? F_LAST : 0u) |
                             (src->remove ? F_REMOVE : 0u));
    }
    if (!write) {
        return ACME_OK;
    }
    /* Two passes over the data: its CRC goes into the header, and the
     * header is programmed before the data. */
    uint8_t buf[CHUNK];
    encode_entry(buf, e);
    uint32_t crc = acme_crc32(0, buf, 12);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            encode_entry(buf, e);
            put_le32(buf + 12, crc);
            acme_status_t st = flash_prog(s, at, buf, HDR);
            if (st != ACME_OK) {
                return st;
            }
        }
        for (uint32_t done = 0; done < *n;) {
            uint32_t k = *n - done < CHUNK ? *n - done : CHUNK;
            acme_status_t st = source_read(s, src, e->offset + done, buf, k);
            if (st != ACME_OK) {
                return st;
            }
            if (pass == 0) {
                crc = acme_crc32(crc, buf, k);
            } else {
                memset(buf + k, 0xFF, sizeof(buf) - k);
                st = flash_prog(s, at + HDR + done, buf, align_up(s, k));
                if (st != ACME_OK) {
                    return st;
                }
            }
            done += k;
        }
    }
    return ACME_OK;
}

/* Write (or only place) a transaction holding srcs[0..count): every
 * fragment, a sync barrier, the commit entry, a sync barrier. */
static acme_status_t put_txn(acme_store_t *s, cursor_t *c, bool write, const source_t *srcs,
                             uint32_t count, bool base)
{
    uint32_t seq = s->head_seq;
    entry_t e = {KIND_FRAG, 0, 0, s->txn + 1u, 0, 0, 0};
    acme_status_t st = ACME_OK;
    uint32_t frags = 0;
    for (uint32_t i = 0; i < count && st == ACME_OK; i++) {
        e.type = srcs[i].type;
        e.offset = 0;
        do {
            uint32_t n = srcs[i].len - e.offset;
            st = put_entry(s, c, write, &seq, &e, &srcs[i], &n);
            e.offset = (uint16_t)(e.offset + n);
            frags++;
        } while (st == ACME_OK && e.offset < srcs[i].len);
    }
    if (st == ACME_OK && write) {
        st = flash_sync(s);
    }
    if (st == ACME_OK) {
        uint32_t n = 0;
        e = (entry_t){KIND_COMMIT, base ? F_BASE : 0u, (uint16_t)frags, s->txn + 1u, 0, 0, 0};
        st = put_entry(s, c, write, &seq, &e, NULL, &n);
    }
    if (st == ACME_OK && write) {
        st = flash_sync(s);
    }
    return st;
}

/* Does the stored version of change ch equal it? */
static bool matches(const acme_store_t *s, const acme_store_change_t *ch)
{
    const acme_store_index_t *slot = find_slot(s, ch->type);
    if (ch->data == NULL || slot == NULL) {
        return ch->data == NULL && slot == NULL;
    }
    if (slot->len != ch->len) {
        return false;
    }
    source_t stored = {ch->type, slot->len, false, NULL, slot};
    uint8_t buf[CHUNK];
    for (uint32_t off = 0; off < slot->len; off += CHUNK) {
        uint32_t n = slot->len - off < CHUNK ? slot->len - off : CHUNK;
        if (source_read(s, &stored, off, buf, n) != ACME_OK ||
            memcmp(buf, (const uint8_t *)ch->data + off, n) != 0) {
            return false;
        }
    }
    return true;
}

/* The sources of a transaction: the changes (delta), or the whole state
 * with the changes applied (base). ACME_ERR_STORE_FULL when a base would
 * hold more than ACME_STORE_MAX_RECORDS records. */
static acme_status_t sources(const acme_store_t *s, const acme_store_change_t *changes,
                             size_t count, bool base, source_t *srcs, uint32_t *n)
{
    *n = 0;
    if (base) {
        for (uint32_t i = 0; i < s->count; i++) {
            bool changed = false;
            for (size_t k = 0; k < count; k++) {
                changed |= changes[k].type == s->index[i].type;
            }
            if (!changed) {
                srcs[(*n)++] = (source_t){s->index[i].type, s->index[i].len, false, NULL,
                                          &s->index[i]};
            }
        }
    }
    for (size_t k = 0; k < count; k++) {
        if (base && changes[k].data == NULL) {
            continue;
        }
        if (*n >= ACME_STORE_MAX_RECORDS) {
            return ACME_ERR_STORE_FULL;
        }
        srcs[(*n)++] = (source_t){changes[k].type, (uint16_t)changes[k].len,
                                  changes[k].data == NULL, changes[k].data, NULL};
    }
    return ACME_OK;
}

/* Place (write false) or write the transaction kind `base` from cursor c. */
static acme_status_t run_txn(acme_store_t *s, cursor_t *c, bool write,
                             const acme_store_change_t *changes, size_t count, bool base)
{
    source_t srcs[ACME_STORE_MAX_RECORDS];
    uint32_t n = 0;
    acme_status_t st = sources(s, changes, count, base, srcs, &n);
    return st == ACME_OK ? put_txn(s, c, write, srcs, n, base) : st;
}

uint32_t acme_store_live_bytes(const acme_store_t *s)
{
    /* Fragment headers at block boundaries aside: one entry per record and
     * the commit entry. */
    uint32_t n = align_up(s, HDR);
    for (uint32_t i = 0; i < s->count; i++) {
        n += align_up(s, HDR + s->index[i].len);
    }
    return n;
}

acme_status_t acme_store_commit(acme_store_t *s, const acme_store_change_t *changes, size_t count)
{
    if (s->flash == NULL) {
        return ACME_ERR_BAD_STATE;
    }
    if ((changes == NULL && count > 0) || count > ACME_STORE_MAX_RECORDS) {
        return ACME_ERR_INVALID_ARG;
    }
    bool same = true;
    for (size_t k = 0; k < count; k++) {
        if (changes[k].type == 0 || changes[k].len > ACME_STORE_RECORD_MAX ||
            (changes[k].data == NULL && changes[k].len != 0)) {
            return ACME_ERR_INVALID_ARG;
        }
        for (size_t j = 0; j < k; j++) {
            if (changes[j].type == changes[k].type) {
                return ACME_ERR_INVALID_ARG;
            }
        }
        same &= matches(s, &changes[k]);
    }
    if (same) {
        return ACME_OK; /* nothing changes: flash is not touched */
    }
    /* Free blocks: those outside [tail, head] in ring order. */
    uint32_t used = s->head_seq == 0 ? 0u : (s->head + s->blocks - s->tail) % s->blocks + 1u;
    cursor_t now = {s->head, s->write_off, s->blocks - used};
    /* A delta only while a base of the new state would still fit after it:
     * the log can always be compacted. */
    cursor_t c = now;
    bool base = run_txn(s, &c, false, changes, count, false) != ACME_OK ||
                run_txn(s, &c, false, changes, count, true) != ACME_OK;
    c = now;
    acme_status_t st = run_txn(s, &c, false, changes, count, base);
    if (st == ACME_OK) {
        c = now;
        s->commits++;
        st = run_txn(s, &c, true, changes, count, base);
        /* Read back as the next boot will; success only if the new state
         * is what it finds. */
        acme_status_t rescan = scan(s);
        for (size_t k = 0; st == ACME_OK && k < count; k++) {
            st = matches(s, &changes[k]) ? rescan : ACME_ERR_FLASH;
        }
        st = st == ACME_OK ? rescan : st;
    }
    return st;
}
