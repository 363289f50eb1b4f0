/*
 * Calendar dates to days since the Unix epoch: certificate validity times
 * (crypto_mbedtls.c) and HTTP dates (codec/http_response.c) share it. It is
 * in the crypto layer, the lowest one, so that both may call it.
 */
#include "crypto/crypto.h"

/* The days-from-civil algorithm: shift the year to start in March so the
 * leap day is last. Years 0..9999 keep every intermediate within 32 bits. */
int32_t acme_days_from_civil(int32_t y, int32_t m, int32_t d)
{
    y -= (m <= 2) ? 1 : 0;
    int32_t era = (y >= 0 ? y : y - 399) / 400;
    int32_t yoe = y - era * 400;                                  /* [0, 399] */
    int32_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1; /* [0, 365] */
    int32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          /* [0, 146096] */
    return era * 146097 + doe - 719468;
}
