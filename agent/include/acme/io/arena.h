/*
 * The arena: one caller-provided buffer that serves every allocation made on
 * the agent's behalf — mbedTLS (through MBEDTLS_MEMORY_BUFFER_ALLOC_C) and
 * cJSON (through cJSON_InitHooks). The agent itself never allocates.
 *
 * mbedTLS's buffer allocator and cJSON's hooks are process-wide, so there is
 * one arena per program (one agent per firmware is the normal case).
 *
 * Peak use is measured like stack painting: after the allocator is set up,
 * the free area is filled with a pattern; allocations are zeroed by calloc,
 * so the highest byte that no longer holds the pattern is the high-water
 * mark — the smallest arena that would have served the same sequence.
 */
#ifndef ACME_IO_ARENA_H
#define ACME_IO_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include "acme/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct acme_arena {
    uint8_t *base;
    size_t size;
} acme_arena_t;

/* Smallest arena accepted. A full issuance needs ~40 KiB (see README). */
#define ACME_ARENA_MIN 4096u

/* Take over buf for all allocations. ACME_ERR_INVALID_ARG when too small. */
acme_status_t acme_arena_init(acme_arena_t *arena, uint8_t *buf, size_t size);

/* Bytes from the start of the arena to the highest byte ever handed out
 * (including allocator headers). */
size_t acme_arena_peak(const acme_arena_t *arena);

/* Bytes at the top of the arena that were never handed out: a lower bound
 * of the largest free block. An allocation can only have failed while this
 * was smaller than its size. */
size_t acme_arena_headroom(const acme_arena_t *arena);

/* Bytes currently allocated (payload only) and number of live blocks;
 * used by tests to prove that nothing leaks. */
void acme_arena_in_use(size_t *bytes, size_t *blocks);

/* Allocate from / release to the arena (what the hooks use). */
void *acme_arena_calloc(size_t n, size_t size);
void acme_arena_free(void *p);

#ifdef __cplusplus
}
#endif

#endif /* ACME_IO_ARENA_H */
