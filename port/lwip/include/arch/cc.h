/*
 * lwIP platform facts for the agent's ports: newlib (device) or glibc (host
 * tests). Little-endian Cortex-M or x86-64; diagnostics through printf.
 */
#ifndef ACME_LWIP_ARCH_CC_H
#define ACME_LWIP_ARCH_CC_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define LWIP_NO_UNISTD_H 1

#define LWIP_PLATFORM_DIAG(x) \
    do {                      \
        printf x;             \
    } while (0)

/* An lwIP assertion is a firmware bug: report and stop (the board's abort
 * exits QEMU with a failure status). */
#define LWIP_PLATFORM_ASSERT(x)                                               \
    do {                                                                      \
        printf("lwIP assertion \"%s\" failed at %s:%d\n", x, __FILE__, __LINE__); \
        abort();                                                              \
    } while (0)

#endif /* ACME_LWIP_ARCH_CC_H */
