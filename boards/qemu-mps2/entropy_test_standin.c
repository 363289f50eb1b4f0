/*
 * TEST STAND-IN for a TRNG. QEMU's mps2 boards have no entropy source, so
 * this reads the HOST's /dev/urandom through semihosting file I/O: real
 * randomness for tests under QEMU, and nothing a device can ship. A real
 * board replaces this file with its TRNG driver behind the same seam.
 *
 * It fails with ACME_ERR_RNG when the host file cannot be opened or read in
 * full. It never falls back to the cycle counter, FREE_RUN or the clock:
 * those are guessable, and keys seeded from them would be too.
 */
#include "board.h"
#include "semihosting.h"

#include <string.h>

#define SOURCE_PATH_MAX 128u
/* One read is enough for /dev/urandom; a few more cover a host that hands
 * out short reads, and the bound keeps a dead source from spinning. */
#define MAX_READS 8

static char s_source[SOURCE_PATH_MAX + 1] = "/dev/urandom";

void board_rng_test_standin_source(const char *host_path)
{
    size_t n = host_path != NULL ? strlen(host_path) : 0;
    if (n > SOURCE_PATH_MAX) {
        n = 0; /* an unusable path: every fill fails */
    }
    memcpy(s_source, host_path != NULL ? host_path : "", n);
    s_source[n] = '\0';
}

static int32_t standin_fill(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    if (buf == NULL && len > 0) {
        return ACME_ERR_RNG;
    }
    if (len == 0) {
        return ACME_OK;
    }
    int32_t h = semihosting_open(s_source, SEMIHOSTING_MODE_RB);
    if (h < 0) {
        return ACME_ERR_RNG;
    }
    size_t got = 0;
    for (int reads = 0; reads < MAX_READS && got < len; reads++) {
        int32_t n = semihosting_read(h, buf + got, len - got);
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    (void)semihosting_close(h);
    if (got != len) {
        memset(buf, 0, len); /* no partial randomness reaches the caller */
        return ACME_ERR_RNG;
    }
    return ACME_OK;
}

const acme_rng_ops_t board_rng_test_standin_ops = {
    .fill = standin_fill,
};
