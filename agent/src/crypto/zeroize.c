/*
 * Secure zeroisation of key material on the stack (a plain memset before a
 * buffer goes out of scope may be optimised away), and of arena objects
 * before they are freed.
 */
#include "crypto/crypto.h"

#include "mbedtls/platform.h"
#include "mbedtls/platform_util.h"

void acme_zeroize(void *p, size_t len)
{
    mbedtls_platform_zeroize(p, len);
}

void *acme_crypto_release(void *obj, size_t size)
{
    if (obj != NULL) {
        mbedtls_platform_zeroize(obj, size);
        mbedtls_free(obj);
    }
    return NULL;
}
