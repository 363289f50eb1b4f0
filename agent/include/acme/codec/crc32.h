/*
 * CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), the checksum of
 * store records and provisioning blobs. Incremental: start with 0, feed
 * pieces, the result of the last call is the CRC of the whole.
 */
#ifndef ACME_CODEC_CRC32_H
#define ACME_CODEC_CRC32_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* crc32("123456789") == 0xCBF43926 */
uint32_t acme_crc32(uint32_t crc, const void *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* ACME_CODEC_CRC32_H */
