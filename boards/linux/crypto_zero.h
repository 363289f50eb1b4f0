/*
 * Zeroising secrets in the CLI (a volatile write loop the compiler keeps).
 */
#ifndef ACME_CLI_CRYPTO_ZERO_H
#define ACME_CLI_CRYPTO_ZERO_H

#include <stddef.h>

static inline void cli_zero(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n-- > 0) {
        *v++ = 0;
    }
}

#endif /* ACME_CLI_CRYPTO_ZERO_H */
