/*
 * RAM-backed NOR flash for tests: erase sets 0xFF, program ANDs, and power
 * can be cut at the Nth operation. The interrupted operation is applied to
 * a pseudo-random subset of its bits (seeded), later ones not at all, as on
 * a real part that loses power mid-program or mid-erase.
 */
#ifndef ACME_TEST_FAKE_FLASH_H
#define ACME_TEST_FAKE_FLASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/port.h"

#define FAKE_FLASH_MAX (64u * 1024u)

typedef struct fake_flash {
    uint8_t mem[FAKE_FLASH_MAX];
    acme_flash_geometry_t geo;
    uint32_t ops;    /* prog + erase + sync operations so far */
    uint32_t cut_at; /* operation number that loses power; 0: never */
    bool dead;       /* power is off: every operation fails */
    uint32_t seed;
    bool tear_prefix; /* the cut operation: a prefix done, the rest not
                         (else a random subset of bits everywhere) */
    uint32_t progs;
    uint32_t erases;
} fake_flash_t;

extern const acme_flash_ops_t fake_flash_ops;

void fake_flash_init(fake_flash_t *f, uint32_t size, uint32_t erase_size, uint32_t prog_size);
/* Cut power at operation `op` (counted from now), corrupting it with seed. */
void fake_flash_cut_at(fake_flash_t *f, uint32_t op, uint32_t seed);
/* Power back on (the content stays as the cut left it). */
void fake_flash_power_on(fake_flash_t *f);

#endif /* ACME_TEST_FAKE_FLASH_H */
