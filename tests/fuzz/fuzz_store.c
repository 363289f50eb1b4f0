/*
 * Fuzz target for the record store's decoder: the flash a device boots from
 * may hold anything (decay, a foreign image, an attacker with flash access).
 * Input: byte 0 picks the geometry (program unit 1..16, 3..6 blocks of
 * 1 KiB); the rest is the partition's content (0xFF past the input's end).
 *
 * Each input is mounted twice: as it is, and "repaired" (every block's
 * header and commit area CRCs, and the payload CRC of the snapshot each
 * commit area names, rewritten to fit), because random bytes almost never
 * carry a right CRC and the record parser behind them would go unexplored.
 *
 * Whatever mounts must be consistent: at most 16 records, each readable at
 * its indexed length. A commit must then either keep every record and add
 * the new one (seen again after a remount) or refuse with STORE_FULL and
 * change nothing a mount sees.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acme/codec/crc32.h"
#include "acme/io/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ERASE 1024u
#define BLOCKS_MAX 6u
#define AREA 16u

static uint8_t mem[BLOCKS_MAX * ERASE];
static acme_flash_geometry_t geo;

static void check(int ok)
{
    if (!ok) {
        abort();
    }
}

static int32_t ram_read(void *ctx, uint32_t off, void *buf, size_t len)
{
    (void)ctx;
    check(off <= geo.size && len <= geo.size - off);
    memcpy(buf, mem + off, len);
    return ACME_OK;
}

/* NOR: programming only clears bits, in whole program units. */
static int32_t ram_prog(void *ctx, uint32_t off, const void *buf, size_t len)
{
    (void)ctx;
    check(off % geo.prog_size == 0 && len % geo.prog_size == 0);
    check(off <= geo.size && len <= geo.size - off);
    const uint8_t *src = buf;
    for (size_t i = 0; i < len; i++) {
        mem[off + i] &= src[i];
    }
    return ACME_OK;
}

static int32_t ram_erase(void *ctx, uint32_t off)
{
    (void)ctx;
    check(off % ERASE == 0 && off < geo.size);
    memset(mem + off, 0xFF, ERASE);
    return ACME_OK;
}

static const acme_flash_ops_t ram_ops = {ram_read, ram_prog, ram_erase, NULL};

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

/* Rewrite the CRCs the store checks, as docs/storage.md lays them out. */
static void repair(void)
{
    uint32_t blocks = geo.size / ERASE;
    uint32_t payload = ERASE - 2u * AREA;
    for (uint32_t b = 0; b < blocks; b++) {
        uint8_t *h = mem + b * ERASE;
        memcpy(h, "ASR\x02", 4);
        put_le32(h + 12, acme_crc32(0, h, 12));
        uint8_t *c = h + AREA;
        uint32_t len = get_le32(c) % (blocks * payload + 1u);
        put_le32(c, len);
        memcpy(c + 8, h + 4, 4); /* the commit's sequence is the block's */
        uint32_t crc = 0;
        for (uint32_t off = 0; off < len; off++) {
            uint32_t at = ((b + off / payload) % blocks) * ERASE + 2u * AREA + off % payload;
            crc = acme_crc32(crc, mem + at, 1);
        }
        put_le32(c + 4, crc);
        put_le32(c + 12, acme_crc32(0, c, 12));
    }
}

static acme_store_t store;
static uint8_t record[ACME_STORE_RECORD_MAX];

/* Every record reads back at its indexed length; the sum of their CRCs. */
static uint32_t check_records(void)
{
    check(store.count <= ACME_STORE_MAX_RECORDS);
    uint32_t sum = 0;
    for (uint32_t i = 0; i < store.count; i++) {
        size_t len = 0;
        uint16_t type = store.index[i].type;
        check(type != 0);
        check(acme_store_read(&store, type, record, sizeof(record), &len) == ACME_OK);
        check(len == store.index[i].len);
        sum += acme_crc32(type, record, len) * (i + 1u);
    }
    return sum;
}

static void run(void)
{
    check(acme_store_mount(&store, &ram_ops, NULL, &geo) == ACME_OK);
    uint32_t before = check_records();
    static const char added[] = "fuzz record";
    uint16_t type = 0x7F00;
    bool had = acme_store_has(&store, type, NULL);
    acme_store_change_t change = {type, added, sizeof(added)};
    acme_status_t st = acme_store_commit(&store, &change, 1);
    check(st == ACME_OK || st == ACME_ERR_STORE_FULL);
    check(acme_store_mount(&store, &ram_ops, NULL, &geo) == ACME_OK);
    if (st == ACME_OK) {
        size_t len = 0;
        check(acme_store_read(&store, type, record, sizeof(record), &len) == ACME_OK);
        check(len == sizeof(added) && memcmp(record, added, len) == 0);
        (void)check_records();
    } else if (!had) {
        check(check_records() == before); /* refused: nothing changed */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    static const uint32_t units[] = {1, 2, 4, 8, 16};
    geo.prog_size = units[data[0] % 5u];
    geo.erase_size = ERASE;
    geo.size = (3u + (data[0] / 5u) % (BLOCKS_MAX - 2u)) * ERASE;
    size_t n = size - 1 < geo.size ? size - 1 : geo.size;
    for (int pass = 0; pass < 2; pass++) {
        memset(mem, 0xFF, sizeof(mem));
        memcpy(mem, data + 1, n);
        if (pass == 1) {
            repair();
        }
        run();
    }
    return 0;
}
