/*
 * Fuzz target: arbitrary bytes as a "PEM certificate chain" into
 * acme_cert_chain_info (PEM walk, X.509 parser, fact extraction) and
 * acme_cert_chain_check_issued (every block parsed, key and names compared),
 * codec/cert_chain.h. They must never crash, never read outside the input or
 * the scratch, and on success leave every string NUL-terminated within its
 * field. Without an arena, mbedTLS allocates from libc here, so
 * AddressSanitizer sees the parser's heap use. (The corpus keeps its old
 * name, cert_info.)
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "acme/codec/ari.h"
#include "acme/codec/cert_chain.h"
#include "acme/codec/pem.h"
#include "crypto/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must_terminate(const char *field, size_t cap)
{
    if (memchr(field, '\0', cap) == NULL) {
        __builtin_trap();
    }
}

/* A fixed P-256 key (RFC 6979 A.2.5's private scalar, SEC1 DER without the
 * optional public key) to run the issued-chain check against. */
static const uint8_t key_der[] = {0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20, 0xC9, 0xAF, 0xA9, 0xD8,
                                  0x45, 0xBA, 0x75, 0x16, 0x6B, 0x5C, 0x21, 0x57, 0x67, 0xB1, 0xD6,
                                  0x93, 0x4E, 0x50, 0xC3, 0xDB, 0x36, 0xE8, 0x9B, 0x12, 0x7B, 0x8A,
                                  0x62, 0x2B, 0x12, 0x0F, 0x67, 0x21, 0xA0, 0x0A, 0x06, 0x08, 0x2A,
                                  0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
static acme_key_t *key; /* parsed once, kept for the process */
/* One decoded certificate at a time, as the agent's request buffer serves. */
static uint8_t scratch[8192];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"a.example.test", "www.example.test"};
    if (key == NULL && acme_key_parse_der(&key, key_der, sizeof(key_der)) != ACME_OK) {
        __builtin_trap();
    }
    /* Signatures are not checked here (chain verification is separate), so
     * a crafted input can pass; the seed corpus holds one that does. */
    (void)acme_cert_chain_check_issued((const char *)data, size, scratch, sizeof(scratch), key,
                                       names, 2);

    /* The RFC 9773 identifiers: of the raw bytes as DER, and of the first
     * PEM block; lengths within their documented maxima. */
    uint8_t key_id[ACME_ARI_KEY_ID_MAX];
    uint8_t serial[ACME_ARI_SERIAL_MAX];
    size_t key_id_len = 0;
    size_t serial_len = 0;
    if (acme_cert_ari_ids(data, size, key_id, &key_id_len, serial, &serial_len) == ACME_OK &&
        (key_id_len == 0 || key_id_len > sizeof(key_id) || serial_len == 0 ||
         serial_len > sizeof(serial))) {
        __builtin_trap();
    }
    size_t pos = 0;
    size_t der_len = 0;
    if (acme_pem_next((const char *)data, size, &pos, "CERTIFICATE", scratch, sizeof(scratch),
                      &der_len) == ACME_OK &&
        acme_cert_ari_ids(scratch, der_len, key_id, &key_id_len, serial, &serial_len) == ACME_OK) {
        char id[ACME_ARI_CERT_ID_MAX];
        size_t id_len = 0;
        if (acme_ari_cert_id(key_id, key_id_len, serial, serial_len, id, sizeof(id), &id_len) !=
            ACME_OK) {
            __builtin_trap(); /* ACME_ARI_CERT_ID_MAX holds every certID */
        }
    }

    acme_cert_info_t info;
    acme_status_t st =
        acme_cert_chain_info((const char *)data, size, scratch, sizeof(scratch), &info);
    if (st != ACME_OK) {
        return 0;
    }
    must_terminate(info.subject_cn, sizeof(info.subject_cn));
    must_terminate(info.issuer, sizeof(info.issuer));
    must_terminate(info.serial_hex, sizeof(info.serial_hex));
    size_t kept = info.name_count < ACME_MAX_IDENTIFIERS ? info.name_count : ACME_MAX_IDENTIFIERS;
    for (size_t i = 0; i < kept; i++) {
        must_terminate(info.names[i], sizeof(info.names[i]));
    }
    if (info.chain_certs == 0) {
        __builtin_trap();
    }
    return 0;
}
