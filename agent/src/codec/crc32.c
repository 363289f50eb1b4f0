/*
 * CRC-32, one bit at a time: no table in flash, and fast enough for the few
 * KiB the store checks at boot and commit (8 shift-and-xor steps a byte).
 */
#include "acme/codec/crc32.h"

uint32_t acme_crc32(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (unsigned bit = 0; bit < 8u; bit++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}
