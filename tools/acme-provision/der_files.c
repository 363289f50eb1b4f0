/*
 * acme-provision: certificate files (trust anchors) and the device key file,
 * each PEM or DER, into the DER the blob carries.
 *
 * The device only checks these structurally (provision.c); the tool parses
 * them fully with the agent's mbedTLS wrapper, so that a factory line finds
 * a wrong file here rather than on a device that cannot reach its CA.
 */
#include <stdio.h>
#include <string.h>

#include "acme/codec/pem.h"
#include "crypto/crypto.h"
#include "provision_tool.h"

/* One input file at a time (certificates are public; the key buffer is
 * wiped after use). */
static uint8_t file_buf[TOOL_FILE_MAX];
/* One decoded PEM block: larger than any block the blob takes, so that an
 * oversize certificate is reported with its size. */
static uint8_t block[16384];

static bool is_pem(const uint8_t *text, size_t len)
{
    static const char begin[] = "-----BEGIN ";
    for (size_t i = 0; i + sizeof(begin) - 1u <= len; i++) {
        if (memcmp(text + i, begin, sizeof(begin) - 1u) == 0) {
            return true;
        }
    }
    return false;
}

static bool add_certificate(const uint8_t *der, size_t len, const char *field, const char *path,
                            unsigned number, tool_spec_t *spec)
{
    acme_provision_t *p = &spec->prov;
    if (p->trust_count >= ACME_PROVISION_TRUST_MAX) {
        tool_error("%s (%s): more than %u trust anchor certificates in total "
                   "(ACME_PROVISION_TRUST_MAX)",
                   field, path, (unsigned)ACME_PROVISION_TRUST_MAX);
        return false;
    }
    if (len > ACME_PROVISION_CERT_DER_MAX) {
        tool_error("%s (%s): certificate %u is %zu bytes of DER; a trust anchor is at most %u",
                   field, path, number, len, (unsigned)ACME_PROVISION_CERT_DER_MAX);
        return false;
    }
    acme_status_t st = acme_cert_der_parse_check(der, len);
    if (st != ACME_OK || acme_provision_check_value(ACME_PROVISION_TAG_TRUST_ANCHOR, 0, der, len) !=
                             ACME_PROVISION_OK) {
        tool_error("%s (%s): certificate %u is not an X.509 certificate (%s)", field, path, number,
                   acme_strerror(st != ACME_OK ? st : ACME_ERR_MALFORMED));
        return false;
    }
    memcpy(spec->trust_der[p->trust_count], der, len);
    p->trust[p->trust_count].data = spec->trust_der[p->trust_count];
    p->trust[p->trust_count].len = len;
    p->trust_count++;
    return true;
}

bool tool_load_certificates(const char *path, const char *field, tool_spec_t *spec)
{
    size_t len = 0;
    if (!tool_read_file(path, file_buf, sizeof(file_buf), &len)) {
        return false;
    }
    if (!is_pem(file_buf, len)) {
        return add_certificate(file_buf, len, field, path, 1, spec);
    }
    const char *text = (const char *)file_buf;
    size_t pos = 0;
    unsigned number = 0;
    /* Each round consumes one block or ends: bounded by the file. */
    for (;;) {
        size_t der_len = 0;
        acme_status_t st =
            acme_pem_next(text, len, &pos, "CERTIFICATE", block, sizeof(block), &der_len);
        if (st == ACME_ERR_NOT_FOUND) {
            break;
        }
        number++;
        if (st != ACME_OK) {
            tool_error("%s (%s): PEM block %u is not a readable CERTIFICATE block "
                       "(only CERTIFICATE blocks and whitespace may be in the file)",
                       field, path, number);
            return false;
        }
        if (!add_certificate(block, der_len, field, path, number, spec)) {
            return false;
        }
    }
    if (number == 0) {
        tool_error("%s (%s): no certificate in the file", field, path);
        return false;
    }
    return true;
}

static const char *key_type_name(acme_key_type_t t)
{
    return t == ACME_KEY_P256 ? "p256" : t == ACME_KEY_RSA2048 ? "rsa2048" : "none";
}

/* The DER of the first private key block in a PEM file. OpenSSL writes an
 * "EC PARAMETERS" block before "EC PRIVATE KEY", so the block is looked for
 * by its label rather than taken first. */
static acme_status_t pem_key_der(const char *text, size_t len, size_t *der_len)
{
    static const char *const labels[] = {"PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY"};
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
        char begin[64];
        snprintf(begin, sizeof(begin), "-----BEGIN %s-----", labels[i]);
        const char *at = strstr(text, begin);
        if (at == NULL) {
            continue;
        }
        size_t pos = (size_t)(at - text);
        return acme_pem_next(text, len, &pos, labels[i], block, sizeof(block), der_len);
    }
    return ACME_ERR_NOT_FOUND;
}

bool tool_load_device_key(const char *path, tool_spec_t *spec)
{
    size_t len = 0;
    if (!tool_read_file(path, file_buf, sizeof(file_buf), &len)) {
        return false;
    }
    const uint8_t *der = file_buf;
    size_t der_len = len;
    bool ok = false;
    acme_key_t *key = NULL;
    if (is_pem(file_buf, len)) {
        const char *text = (const char *)file_buf;
        if (strstr(text, "-----BEGIN ENCRYPTED PRIVATE KEY-----") != NULL) {
            tool_error("--device-key (%s): encrypted keys are not supported; "
                       "decrypt it with 'openssl pkey' first",
                       path);
            goto out;
        }
        if (pem_key_der(text, len, &der_len) != ACME_OK) {
            tool_error("--device-key (%s): no readable PRIVATE KEY, EC PRIVATE KEY or "
                       "RSA PRIVATE KEY block",
                       path);
            goto out;
        }
        der = block;
    }
    acme_status_t st = acme_key_parse_der(&key, der, der_len);
    if (st == ACME_ERR_UNSUPPORTED) {
        tool_error("--device-key (%s): the key is neither P-256 nor RSA-2048", path);
        goto out;
    }
    if (st != ACME_OK) {
        tool_error("--device-key (%s): not a private key in PEM or DER (%s)", path,
                   acme_strerror(st));
        goto out;
    }
    acme_key_type_t type = acme_key_type(key);
    acme_provision_t *p = &spec->prov;
    if (ACME_PROVISION_HAS(p, ACME_PROVISION_TAG_KEY_TYPE) && p->key_type != type) {
        tool_error("--device-key (%s): the key is %s but the spec's key_type is \"%s\"", path,
                   key_type_name(type), key_type_name(p->key_type));
        goto out;
    }
    /* Stored in the agent's own form (SEC1 / PKCS#1), whatever came in. */
    size_t out_len = 0;
    st = acme_key_write_der(key, spec->key_der, sizeof(spec->key_der), &out_len);
    if (st != ACME_OK || acme_provision_check_value(ACME_PROVISION_TAG_DEVICE_KEY, 0, spec->key_der,
                                                    out_len) != ACME_PROVISION_OK) {
        tool_error("--device-key (%s): the key's DER does not fit the blob (at most %u bytes)",
                   path, (unsigned)ACME_KEY_DER_MAX);
        goto out;
    }
    p->key_type = type;
    p->present = (uint16_t)(p->present | (1u << ACME_PROVISION_TAG_KEY_TYPE));
    p->device_key.data = spec->key_der;
    p->device_key.len = out_len;
    ok = true;
out:
    acme_key_free(&key);
    tool_wipe(file_buf, sizeof(file_buf));
    tool_wipe(block, sizeof(block));
    return ok;
}
