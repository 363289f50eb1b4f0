/*
 * Entropy seam of the POSIX port: the kernel's CSPRNG through getrandom(2),
 * used to seed the agent's CTR_DRBG.
 */
#include "posix_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

/* getrandom() returns the whole request (up to 32 MiB) unless a signal
 * interrupts it; a few calls are plenty. More means something is wrong. */
#define MAX_CALLS 32

static int32_t rng_fill(void *ctx, uint8_t *buf, size_t len)
{
    acme_posix_port_t *pp = ctx;
    if (buf == NULL && len > 0) {
        return ACME_ERR_INVALID_ARG;
    }
    size_t done = 0;
    int last_err = 0;
    for (int call = 0; call < MAX_CALLS && done < len; call++) {
        /* Flags 0: the urandom source, but blocking until the kernel pool
         * is initialised (only ever early at boot). Seeding a DRBG from an
         * uninitialised pool would make every key predictable, so a short
         * wait at boot is the right trade against "never block". */
        ssize_t n = getrandom(buf + done, len - done, 0);
        if (n > 0) {
            done += (size_t)n;
        } else if (n < 0 && errno != EINTR) {
            last_err = errno;
            break;
        }
    }
    if (done < len) {
        acme_posix_logf(pp, ACME_LOG_ERROR, "posix port: getrandom: %s",
                        last_err != 0 ? strerror(last_err) : "too many short reads");
        return ACME_ERR_RNG;
    }
    return ACME_OK;
}

const acme_rng_ops_t acme_posix_rng_ops = {
    .fill = rng_fill,
};
