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
 * exits QEMU with a failure status). Only the line number is printed: the
 * assertion texts and file names would cost ~12 KiB of flash, while the
 * checks themselves stay. The line identifies the check in lwIP's source
 * (2.1.3, as pinned). */
void acme_lwip_assert_failed(int line);
#define LWIP_PLATFORM_ASSERT(x) acme_lwip_assert_failed(__LINE__)

#endif /* ACME_LWIP_ARCH_CC_H */
