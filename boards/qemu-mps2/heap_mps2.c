/*
 * The heap: newlib's _sbrk within mps2.ld's heap region, and its high-water
 * mark for board_exit(). newlib's stdio allocates its FILE objects here; the
 * agent itself never calls malloc.
 */
#include "board_internal.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

extern uint32_t __heap_start[], __heap_end[];

void *_sbrk(ptrdiff_t incr);

static uintptr_t s_brk; /* 0 until the first _sbrk */

void *_sbrk(ptrdiff_t incr)
{
    uintptr_t start = (uintptr_t)__heap_start;
    uintptr_t end = (uintptr_t)__heap_end;
    if (s_brk == 0) {
        s_brk = start;
    }
    if (incr < 0 ? (uintptr_t)(-incr) > s_brk - start : (uintptr_t)incr > end - s_brk) {
        errno = ENOMEM;
        return (void *)-1;
    }
    uintptr_t old = s_brk;
    s_brk += (uintptr_t)incr;
    return (void *)old;
}

uint32_t board_heap_used(void)
{
    /* newlib never gives memory back to _sbrk, so the break is the peak. */
    return s_brk == 0 ? 0 : (uint32_t)(s_brk - (uintptr_t)__heap_start);
}
