/*
 * Secure zeroisation of key material on the stack (a plain memset before a
 * buffer goes out of scope may be optimised away).
 */
#include "crypto/crypto.h"

#include "mbedtls/platform_util.h"

void acme_zeroize(void *p, size_t len)
{
    mbedtls_platform_zeroize(p, len);
}
