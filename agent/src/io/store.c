/*
 * Snapshot ring record store on NOR flash. See acme/io/store.h for the
 * rules and docs/storage.md for the format; all integers little-endian.
 *
 * Block in use (offsets within the erase block):
 *   0   header:      magic "ASR"+version | seq u32 | erase_count u32 |
 *                    crc u32 (over bytes 0..11); programmed after the erase
 *   16  commit area: payload_len u32 | payload_crc u32 | seq u32 |
 *                    crc u32 (over bytes 16..27); only in a snapshot's first
 *                    block, programmed last: it is the commit
 *   32  payload:     the next erase_size - 32 bytes of the snapshot
 * A snapshot with sequence number S fills the payloads of consecutive
 * blocks in ring order, each with header seq S. Its payload is the records,
 * packed: type u16 | len u16 | data[len].
 */
#include "acme/io/store.h"

#include <string.h>

#include "acme/codec/crc32.h"

#define BLOCK_MAGIC 0x02525341u /* "ASR", format version 2 */
#define AREA 16u                /* header and commit area bytes */
#define PAYLOAD_AT (2u * AREA)
#define REC_HDR 4u
#define CHUNK 64u /* staging buffer: a multiple of every program unit */
/* Sequence numbers stay below 2^31: flash endurance bounds a partition to
 * far fewer commits, so only a foreign header comes near it, and then the
 * store refuses to commit (ACME_ERR_STORE_FULL) rather than wrap. */
#define SEQ_LIMIT 0x80000000u

#if ACME_STORE_RECORD_MAX > 0xFFFF
#error "ACME_STORE_RECORD_MAX (ACME_CHAIN_MAX) must fit a 16-bit record length"
#endif

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

/* Program, erase and sync results stay the port's own (not 0: failed):
 * the commit turns any failure into ACME_ERR_FLASH once, where it returns,
 * rather than at every call. */
static int32_t flash_prog(const acme_store_t *s, uint32_t off, const void *buf, size_t len)
{
    return s->flash->prog(s->flash_ctx, off, buf, len);
}

static int32_t flash_sync(const acme_store_t *s)
{
    return s->flash->sync == NULL ? ACME_OK : s->flash->sync(s->flash_ctx);
}

static uint32_t payload_size(const acme_store_t *s)
{
    return s->geo.erase_size - PAYLOAD_AT;
}

/* Flash offset of payload byte `off` of the snapshot starting at `first`. */
static uint32_t payload_addr(const acme_store_t *s, uint32_t first, uint32_t off)
{
    uint32_t block = (first + off / payload_size(s)) % s->blocks;
    return block * s->geo.erase_size + PAYLOAD_AT + off % payload_size(s);
}

/* Blocks a payload of len bytes fills (an empty snapshot still has one). */
static uint32_t span_of(const acme_store_t *s, uint32_t len)
{
    return len == 0 ? 1u : (len + payload_size(s) - 1u) / payload_size(s);
}

/* Read the 16 bytes at `at` as four words (w untouched when the read
 * fails): true when the last is the CRC over the first three. */
static bool read_area(const acme_store_t *s, uint32_t at, uint32_t w[4])
{
    uint8_t h[AREA];
    if (flash_read(s, at, h, AREA) != ACME_OK) {
        return false;
    }
    for (int i = 0; i < 4; i++) {
        w[i] = get_le32(h + 4 * i);
    }
    return w[3] == acme_crc32(0, h, 12);
}

static void encode_area(uint8_t *h, uint32_t a, uint32_t b, uint32_t c)
{
    put_le32(h, a);
    put_le32(h + 4, b);
    put_le32(h + 8, c);
    put_le32(h + 12, acme_crc32(0, h, 12));
}

/* The header of `block` in w (magic, sequence number, erase count, CRC):
 * true when it is intact and this store's. */
static bool block_header(const acme_store_t *s, uint32_t block, uint32_t w[4])
{
    /* A higher sequence number than a device can ever reach is foreign. */
    return read_area(s, block * s->geo.erase_size, w) && w[0] == BLOCK_MAGIC && w[1] < SEQ_LIMIT;
}

/* Payload bytes [off, off + n) of the snapshot starting at `first`. */
static acme_status_t payload_read(const acme_store_t *s, uint32_t first, uint32_t off, void *buf,
                                  uint32_t n)
{
    uint8_t *out = buf;
    while (n > 0) {
        uint32_t take = payload_size(s) - off % payload_size(s);
        take = take < n ? take : n;
        if (flash_read(s, payload_addr(s, first, off), out, take) != ACME_OK) {
            return ACME_ERR_FLASH;
        }
        out += take;
        off += take;
        n -= take;
    }
    return ACME_OK;
}

static const acme_store_index_t *find(const acme_store_t *s, uint16_t type)
{
    for (uint32_t i = 0; i < s->count; i++) {
        if (s->index[i].type == type) {
            return &s->index[i];
        }
    }
    return NULL;
}

/* Make the snapshot at `first` (sequence seq, payload len bytes with CRC
 * crc) current if it is whole: every block's header carries seq, the CRC
 * matches, and the records parse exactly to the end. */
static bool load(acme_store_t *s, uint32_t first, uint32_t seq, uint32_t len, uint32_t crc)
{
    uint32_t span = span_of(s, len);
    if (span > s->blocks) {
        return false;
    }
    for (uint32_t i = 1; i < span; i++) {
        uint32_t h[4];
        if (!block_header(s, (first + i) % s->blocks, h) || h[1] != seq) {
            return false;
        }
    }
    uint32_t sum = 0;
    uint8_t buf[CHUNK];
    for (uint32_t off = 0; off < len; off += CHUNK) {
        uint32_t n = len - off < CHUNK ? len - off : CHUNK;
        if (payload_read(s, first, off, buf, n) != ACME_OK) {
            return false;
        }
        sum = acme_crc32(sum, buf, n);
    }
    if (sum != crc) {
        return false;
    }
    s->count = 0;
    for (uint32_t off = 0; off < len;) {
        if (s->count == ACME_STORE_MAX_RECORDS || len - off < REC_HDR ||
            payload_read(s, first, off, buf, REC_HDR) != ACME_OK) {
            return false;
        }
        uint16_t type = (uint16_t)(buf[0] | (buf[1] << 8));
        if (type == 0 || find(s, type) != NULL) {
            return false; /* not a snapshot this store wrote */
        }
        acme_store_index_t *r = &s->index[s->count++];
        r->type = type;
        r->len = (uint16_t)(buf[2] | (buf[3] << 8));
        r->off = off + REC_HDR;
        if (r->len > len - r->off) {
            return false;
        }
        off = r->off + r->len;
    }
    s->first = first;
    s->span = span;
    s->len = len;
    return true;
}

/* Find the newest whole snapshot; an older one stands in when the newest
 * is damaged. */
static acme_status_t scan(acme_store_t *s)
{
    s->span = 0;
    s->len = 0;
    s->count = 0;
    s->seq = 0;
    s->next = 0;
    s->erase_max = 0;
    /* The newest whole snapshot: its first block has a commit area of the
     * header's sequence number. A failed load may leave a partial index, so
     * the winner (its commit area read again) is loaded once more at the
     * end. */
    uint32_t best = 0;
    uint32_t at = 0;
    uint32_t c[4];
    for (uint32_t b = 0; b < s->blocks; b++) {
        uint32_t h[4];
        if (!block_header(s, b, h)) {
            continue;
        }
        s->erase_max = h[2] > s->erase_max ? h[2] : s->erase_max;
        if (h[1] >= s->seq) {
            s->seq = h[1];
            s->next = (b + 1u) % s->blocks;
        }
        if (read_area(s, b * s->geo.erase_size + AREA, c) && c[2] == h[1] && h[1] > best &&
            load(s, b, h[1], c[0], c[1])) {
            best = h[1];
            at = b;
        }
    }
    s->count = 0;
    if (best != 0 && read_area(s, at * s->geo.erase_size + AREA, c) &&
        load(s, at, best, c[0], c[1])) {
        s->next = (at + s->span) % s->blocks;
    }
    return ACME_OK;
}

acme_status_t acme_store_mount(acme_store_t *s, const acme_flash_ops_t *flash, void *flash_ctx,
                               const acme_flash_geometry_t *geo)
{
    memset(s, 0, sizeof(*s));
    if (flash == NULL || geo == NULL || geo->prog_size == 0 || geo->prog_size > 16 ||
        (geo->prog_size & (geo->prog_size - 1u)) != 0 || geo->erase_size < 1024 ||
        geo->erase_size % 16u != 0) {
        return ACME_ERR_CONFIG;
    }
    uint32_t blocks = geo->size / geo->erase_size;
    if (blocks < 3) {
        return ACME_ERR_CONFIG;
    }
    s->flash = flash;
    s->flash_ctx = flash_ctx;
    s->geo = *geo;
    s->blocks = blocks;
    return scan(s);
}

/* ---- reading records ---------------------------------------------------- */

acme_status_t acme_store_read(const acme_store_t *s, uint16_t type, void *out, size_t cap,
                              size_t *len)
{
    const acme_store_index_t *r = find(s, type);
    if (r == NULL) {
        return ACME_ERR_NOT_FOUND;
    }
    if (len != NULL) {
        *len = r->len;
    }
    if (r->len > cap) {
        return ACME_ERR_BUFFER_TOO_SMALL;
    }
    return payload_read(s, s->first, r->off, out, r->len);
}

bool acme_store_has(const acme_store_t *s, uint16_t type, size_t *len)
{
    const acme_store_index_t *r = find(s, type);
    if (r != NULL && len != NULL) {
        *len = r->len;
    }
    return r != NULL;
}

acme_status_t acme_store_block_erases(const acme_store_t *s, uint32_t block, uint32_t *count)
{
    uint32_t h[4];
    if (block >= s->blocks) {
        return ACME_ERR_INVALID_ARG;
    }
    if (!block_header(s, block, h)) {
        return ACME_ERR_NOT_FOUND;
    }
    *count = h[2];
    return ACME_OK;
}

uint32_t acme_store_live_bytes(const acme_store_t *s)
{
    return s->len;
}

/* ---- writing a snapshot ------------------------------------------------- */

/* Streams a snapshot's payload into the blocks from s->next on, erasing
 * each block and programming its header (sequence s->seq + 1) just before
 * its first bytes. A dry run only counts, for the checks that come before
 * any erase. After a flash error nothing more is written. */
typedef struct writer {
    acme_store_t *s;
    uint32_t pos;     /* payload bytes taken */
    uint32_t end;     /* payload bytes in all (known from the dry run) */
    uint32_t src;     /* current snapshot's payload offset to copy from */
    uint32_t records; /* records taken */
    uint32_t opened;  /* blocks erased and given a header */
    uint32_t at;      /* flash offset of the last opened block's payload */
    uint32_t crc;
    bool dry;
    int32_t st; /* the first failure (not 0) sticks */
    uint8_t buf[CHUNK];
} writer_t;

/* Erase the writer's next block and program its header. The erase count
 * survives in the header; when the header is damaged (a cut erase) the
 * highest count of any block stands in for it, and a blank one (never
 * used) counts 0. */
static void open_block(writer_t *w)
{
    acme_store_t *s = w->s;
    uint32_t block = (s->next + w->opened++) % s->blocks;
    uint32_t h[4];
    uint32_t erases = s->erase_max;
    h[0] = 0; /* not blank if the read fails */
    if (block_header(s, block, h)) {
        erases = h[2];
    } else if (h[0] == 0xFFFFFFFFu) {
        erases = 0; /* the header's first word is blank */
    }
    erases++;
    uint8_t area[AREA];
    encode_area(area, BLOCK_MAGIC, s->seq + 1u, erases);
    w->at = block * s->geo.erase_size;
    if (w->st == ACME_OK) {
        w->st = s->flash->erase(s->flash_ctx, w->at);
        if (w->st == ACME_OK) {
            w->st = flash_prog(s, w->at, area, AREA);
        }
        s->erases++;
        s->erase_max = erases > s->erase_max ? erases : s->erase_max;
    }
    w->at += PAYLOAD_AT;
}

/* Take len bytes: from data, or (data NULL) from the current snapshot at
 * payload offset w->src. They are staged in CHUNK runs that start at a
 * multiple of CHUNK in their block and never cross its end; a run is
 * programmed, padded to the program unit, when it is full, reaches the
 * block's end or ends the payload. Only a block that receives bytes is
 * opened: an extra one could be the current snapshot's. */
static void put(writer_t *w, const uint8_t *data, uint32_t len)
{
    acme_store_t *s = w->s;
    uint32_t size = payload_size(s);
    if (w->dry) {
        w->pos += len;
        return;
    }
    while (len > 0) {
        uint32_t in = w->pos % size; /* offset in the block */
        uint32_t staged = in % CHUNK;
        uint32_t n = CHUNK - staged;
        n = n < size - in ? n : size - in;
        n = n < len ? n : len;
        uint8_t *to = w->buf + staged;
        if (data != NULL) {
            memcpy(to, data, n);
            data += n;
        } else if (payload_read(s, s->first, w->src, to, n) != ACME_OK) {
            w->st = ACME_ERR_FLASH;
        }
        w->src += n;
        w->crc = acme_crc32(w->crc, to, n);
        w->pos += n;
        len -= n;
        staged += n;
        if (staged == CHUNK || n == size - in || w->pos == w->end) {
            if (w->opened * size <= w->pos - staged) {
                open_block(w);
            }
            /* Padded up to the program unit, a power of two. */
            uint32_t p = s->geo.prog_size;
            uint32_t full = (staged + p - 1u) & (0u - p);
            memset(w->buf + staged, 0xFF, full - staged);
            if (w->st == ACME_OK) {
                w->st = flash_prog(s, w->at + in + n - staged, w->buf, full);
            }
        }
    }
}

/* One record: its header, then its data from RAM or (data NULL) from the
 * current snapshot at payload offset `off`. */
static void put_record(writer_t *w, uint16_t type, uint32_t len, const uint8_t *data, uint32_t off)
{
    uint8_t h[REC_HDR] = {(uint8_t)type, (uint8_t)(type >> 8), (uint8_t)len, (uint8_t)(len >> 8)};
    w->records++;
    put(w, h, REC_HDR);
    w->src = off;
    put(w, data, len);
}

static const acme_store_change_t *change_of(const acme_store_change_t *changes, size_t count,
                                            uint16_t type)
{
    for (size_t k = 0; k < count; k++) {
        if (changes[k].type == type) {
            return &changes[k];
        }
    }
    return NULL;
}

/* The new snapshot: the records no change touches (copied from flash),
 * then the changes. */
static void put_all(writer_t *w, const acme_store_change_t *changes, size_t count)
{
    acme_store_t *s = w->s;
    for (uint32_t i = 0; i < s->count; i++) {
        const acme_store_index_t *r = &s->index[i];
        if (change_of(changes, count, r->type) == NULL) {
            put_record(w, r->type, r->len, NULL, r->off);
        }
    }
    for (size_t k = 0; k < count; k++) {
        if (changes[k].data != NULL) {
            put_record(w, changes[k].type, (uint32_t)changes[k].len, changes[k].data, 0);
        }
    }
}

/* Does the stored version of change ch equal it? */
static bool matches(const acme_store_t *s, const acme_store_change_t *ch)
{
    const acme_store_index_t *r = find(s, ch->type);
    if (ch->data == NULL || r == NULL) {
        return ch->data == NULL && r == NULL;
    }
    const uint8_t *data = ch->data;
    uint32_t len = r->len;
    if (len != ch->len) {
        return false;
    }
    uint8_t buf[CHUNK];
    for (uint32_t off = r->off; len > 0;) {
        uint32_t n = len < CHUNK ? len : CHUNK;
        if (payload_read(s, s->first, off, buf, n) != ACME_OK || memcmp(buf, data, n) != 0) {
            return false;
        }
        off += n;
        data += n;
        len -= n;
    }
    return true;
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
        const acme_store_change_t *ch = &changes[k];
        if (ch->type == 0 || ch->len > ACME_STORE_RECORD_MAX || (ch->data == NULL && ch->len) ||
            change_of(changes, k, ch->type) != NULL) {
            return ACME_ERR_INVALID_ARG;
        }
        same &= matches(s, ch);
    }
    if (same) {
        return ACME_OK; /* nothing changes: flash is not touched */
    }
    /* A dry run sizes the new snapshot: it goes in the blocks after the
     * current snapshot, never the current one. */
    writer_t w;
    w.s = s;
    w.pos = 0;
    w.records = 0;
    w.dry = true;
    put_all(&w, changes, count);
    if (w.records > ACME_STORE_MAX_RECORDS || span_of(s, w.pos) > s->blocks - s->span ||
        s->seq >= SEQ_LIMIT - 1u) {
        return ACME_ERR_STORE_FULL;
    }
    w.end = w.pos;
    w.pos = 0;
    w.opened = 0;
    w.crc = 0;
    w.dry = false;
    w.st = ACME_OK;
    open_block(&w); /* the first block, even for an empty snapshot */
    put_all(&w, changes, count);
    int32_t st = w.st == ACME_OK ? flash_sync(s) : w.st;
    if (st == ACME_OK) {
        /* The commit: after everything it names is on flash. */
        uint8_t h[AREA];
        encode_area(h, w.end, w.crc, s->seq + 1u);
        st = flash_prog(s, s->next * s->geo.erase_size + AREA, h, AREA);
        st = st == ACME_OK ? flash_sync(s) : st;
    }
    s->commits++;
    /* Read back as the next boot will; success only if the new state is
     * what it finds. */
    acme_status_t rescan = scan(s);
    for (size_t k = 0; st == ACME_OK && k < count; k++) {
        st = matches(s, &changes[k]) ? rescan : ACME_ERR_FLASH;
    }
    return st == ACME_OK ? ACME_OK : ACME_ERR_FLASH;
}
