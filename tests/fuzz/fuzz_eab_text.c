/*
 * Fuzz target for EAB settings as text (acme/codec/eab_text.h), the parser
 * behind the Linux board's --eab and acme-provision's eab.hmac_key. Any text
 * is decoded or refused without a crash; a refusal leaves *len 0 and out
 * zeroed; an accepted key encodes back to the text it came from, padding
 * aside (one text is one key: no tolerated junk, no stray bits), is never
 * longer than the limit, and a smaller limit refuses it as too long exactly
 * when it is longer. The input is also tried as an algorithm name, which
 * must name itself back.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acme/codec/base64.h"
#include "acme/codec/eab_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEY_CAP 512u
#define SMALL_CAP 16u

static uint8_t key[KEY_CAP];
static char again[2u * KEY_CAP + 8u];

static void check(int ok)
{
    if (!ok) {
        abort();
    }
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0) {
            return 0;
        }
    }
    return 1;
}

/* n without trailing '=' (at most two: more is not valid). */
static size_t unpadded(const char *s, size_t n)
{
    while (n > 0 && s[n - 1u] == '=') {
        n--;
    }
    return n;
}

/* The key written back the way text wrote it equals text. */
static void check_round_trip(const char *text, size_t n, const uint8_t *k, size_t len)
{
    size_t m = 0;
    if (n >= 4 && memcmp(text, "hex:", 4) == 0) {
        static const char digits[] = "0123456789abcdef";
        check(n - 4u == 2u * len);
        for (size_t i = 0; i < len; i++) {
            check(tolower((unsigned char)text[4u + 2u * i]) == digits[k[i] >> 4]);
            check(tolower((unsigned char)text[5u + 2u * i]) == digits[k[i] & 15u]);
        }
        return;
    }
    if (n >= 7 && memcmp(text, "base64:", 7) == 0) {
        check(acme_base64_encode(k, len, again, sizeof(again), &m) == ACME_OK);
        text += 7;
        n -= 7u;
    } else {
        if (n >= 10 && memcmp(text, "base64url:", 10) == 0) {
            text += 10;
            n -= 10u;
        }
        check(acme_base64url_encode(k, len, again, sizeof(again), &m) == ACME_OK);
    }
    m = unpadded(again, m);
    check(unpadded(text, n) == m && memcmp(text, again, m) == 0);
    check(n - m <= 2u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    size_t len = 1;
    acme_eab_key_error_t e = acme_eab_key_decode(text, size, key, sizeof(key), &len);
    if (e == ACME_EAB_KEY_OK) {
        check(len >= 1 && len <= sizeof(key));
        check_round_trip(text, size, key, len);
        /* The same text under a smaller limit. */
        uint8_t small[SMALL_CAP];
        size_t small_len = 1;
        acme_eab_key_error_t s = acme_eab_key_decode(text, size, small, sizeof(small), &small_len);
        if (len <= sizeof(small)) {
            check(s == ACME_EAB_KEY_OK && small_len == len && memcmp(small, key, len) == 0);
        } else {
            check(s == ACME_EAB_KEY_TOO_LONG && small_len == 0 && all_zero(small, sizeof(small)));
        }
    } else {
        check(e > ACME_EAB_KEY_OK && e <= ACME_EAB_KEY_AMBIGUOUS);
        check(len == 0 && all_zero(key, sizeof(key)));
        const char *why = acme_eab_key_error_text(e);
        check(why != NULL && why[0] != '\0');
    }

    uint8_t alg = 0xEE;
    if (acme_eab_alg_parse(text, size, &alg)) {
        const char *name = acme_eab_alg_name(alg);
        check(alg >= ACME_EAB_HS256 && alg <= ACME_EAB_HS512);
        check(name != NULL && size == strlen(name) && memcmp(name, text, size) == 0);
    } else {
        check(alg == 0xEE);
    }
    return 0;
}
