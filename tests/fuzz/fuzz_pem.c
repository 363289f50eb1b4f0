/*
 * Fuzz target for the PEM reader: any input must be read without a crash or
 * an out-of-bounds access, and every block it accepts must survive a
 * write -> read round trip unchanged. The chain check must agree with a
 * block-by-block read of the same text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acme/codec/pem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DER_MAX 4096u
/* base64 of DER_MAX bytes in 64-column lines plus the markers */
#define PEM_MAX (DER_MAX / 3u * 4u + DER_MAX / 48u + 256u)

static uint8_t der[DER_MAX];
static uint8_t der_again[DER_MAX];
static char pem[PEM_MAX];

static void check(int ok)
{
    if (!ok) {
        abort();
    }
}

/* Reads every block with the given label; returns the number read and the
 * status that ended the walk. */
static size_t walk(const char *text, size_t size, const char *label, acme_status_t *end)
{
    size_t pos = 0;
    size_t blocks = 0;
    *end = ACME_ERR_NOT_FOUND;
    for (size_t guard = 0; guard <= size; guard++) {
        size_t der_len = 0;
        size_t before = pos;
        acme_status_t st = acme_pem_next(text, size, &pos, label, der, sizeof(der), &der_len);
        if (st != ACME_OK) {
            check(pos == before);
            *end = st;
            return blocks;
        }
        check(pos > before && pos <= size);
        check(der_len > 0 && der_len <= sizeof(der));
        blocks++;

        size_t pem_len = 0;
        check(acme_pem_write(label, der, der_len, pem, sizeof(pem), &pem_len) == ACME_OK);
        check(pem_len < sizeof(pem) && pem[pem_len] == '\0');
        size_t again_pos = 0;
        size_t again_len = 0;
        check(acme_pem_next(pem, pem_len, &again_pos, label, der_again, sizeof(der_again),
                            &again_len) == ACME_OK);
        check(again_pos == pem_len && again_len == der_len);
        check(memcmp(der, der_again, der_len) == 0);
    }
    abort(); /* each block consumes input: the guard can never run out */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;

    acme_status_t end = ACME_OK;
    size_t blocks = walk(text, size, "CERTIFICATE", &end);
    size_t count = 0;
    acme_status_t chain = acme_pem_chain_check(text, size, der, sizeof(der), &count);
    if (end == ACME_ERR_NOT_FOUND && blocks > 0) {
        check(chain == ACME_OK && count == blocks);
    } else {
        check(chain != ACME_OK);
    }

    (void)walk(text, size, "PRIVATE KEY", &end);

    /* A small output buffer exercises the too-small paths. */
    if (size > 0) {
        size_t pos = 0;
        size_t der_len = 0;
        acme_status_t st =
            acme_pem_next(text, size, &pos, "CERTIFICATE", der, data[0] % 64u, &der_len);
        check(st != ACME_OK || der_len <= data[0] % 64u);
    }
    return 0;
}
