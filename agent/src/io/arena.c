/*
 * The arena: mbedTLS's buffer allocator over the caller's buffer, cJSON's
 * hooks pointed at it, and high-water measurement by painting.
 */
#include "acme/io/arena.h"

#include <string.h>

#include "acme/codec/json_read.h"
#include "mbedtls/memory_buffer_alloc.h"
#include "mbedtls/platform.h"

/* Never-allocated bytes hold this pattern. calloc zeroes what it hands out
 * and the allocator writes non-pattern headers, so every touched byte
 * changes. */
#define ARENA_PAINT 0xA5u

/* mbedTLS keeps its first block header at the (aligned) start; painting
 * starts past it. 128 bytes is more than any header on 32/64-bit targets. */
#define ARENA_HEADER_SLACK 128u

acme_status_t acme_arena_init(acme_arena_t *arena, uint8_t *buf, size_t size)
{
    if (arena == NULL || buf == NULL || size < ACME_ARENA_MIN) {
        return ACME_ERR_INVALID_ARG;
    }
    mbedtls_memory_buffer_alloc_init(buf, size);
    memset(buf + ARENA_HEADER_SLACK, ARENA_PAINT, size - ARENA_HEADER_SLACK);

    /* cJSON uses realloc only when its hooks are the libc pair; with these
     * hooks every cJSON allocation goes through the arena. */
    acme_json_use_arena();

    arena->base = buf;
    arena->size = size;
    return ACME_OK;
}

size_t acme_arena_peak(const acme_arena_t *arena)
{
    if (arena == NULL || arena->base == NULL) {
        return 0;
    }
    size_t end = arena->size;
    while (end > ARENA_HEADER_SLACK && arena->base[end - 1] == ARENA_PAINT) {
        end--;
    }
    return end;
}

size_t acme_arena_headroom(const acme_arena_t *arena)
{
    size_t peak = acme_arena_peak(arena);
    return arena != NULL && arena->size > peak ? arena->size - peak : 0;
}

void acme_arena_in_use(size_t *bytes, size_t *blocks)
{
#if defined(MBEDTLS_MEMORY_DEBUG)
    mbedtls_memory_buffer_alloc_cur_get(bytes, blocks);
#else
    *bytes = 0;
    *blocks = 0;
#endif
}

void *acme_arena_calloc(size_t n, size_t size)
{
    return mbedtls_calloc(n, size);
}

void acme_arena_free(void *p)
{
    mbedtls_free(p);
}
