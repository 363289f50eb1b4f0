/*
 * The device secret that seals private keys at rest (port.h,
 * acme_secret_ops_t), for a Linux gateway: 32 bytes from the file named by
 * ACME_AGENT_SEAL_KEY_FILE, raw or as 64 hex digits (a trailing newline
 * allowed). Off when the variable is unset. Meant for a file the state's
 * medium does not hold: a systemd credential (LoadCredential=, read as
 * $CREDENTIALS_DIRECTORY/...), a TPM-unsealed tmpfs file, a secure element's
 * export. The file is read at every use, so the secret is not kept in the
 * process between uses.
 */
#include "cli_secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto_zero.h"

#define SECRET_LEN 32u
#define SECRET_ENV "ACME_AGENT_SEAL_KEY_FILE"

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The secret from path: ACME_OK, or ACME_ERR_NOT_FOUND (unreadable) /
 * ACME_ERR_MALFORMED (neither 32 bytes nor 64 hex digits). */
static acme_status_t read_secret(const char *path, uint8_t out[SECRET_LEN])
{
    char buf[2 * SECRET_LEN + 4];
    size_t len = 0;
    acme_status_t st = ACME_ERR_NOT_FOUND;
    FILE *f = fopen(path, "rb");
    if (f != NULL) {
        len = fread(buf, 1, sizeof(buf), f); /* a full buffer is too long for either form */
        st = ferror(f) != 0       ? ACME_ERR_NOT_FOUND
             : len == sizeof(buf) ? ACME_ERR_MALFORMED
                                  : ACME_OK;
        fclose(f);
    }
    if (st == ACME_OK && len == SECRET_LEN) {
        memcpy(out, buf, SECRET_LEN);
    } else if (st == ACME_OK) {
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) {
            len--;
        }
        st = len == 2 * SECRET_LEN ? ACME_OK : ACME_ERR_MALFORMED;
        for (size_t i = 0; st == ACME_OK && i < SECRET_LEN; i++) {
            int hi = hex_digit(buf[2 * i]);
            int lo = hex_digit(buf[2 * i + 1]);
            st = hi < 0 || lo < 0 ? ACME_ERR_MALFORMED : ACME_OK;
            out[i] = (uint8_t)(hi << 4 | lo);
        }
    }
    cli_zero(buf, sizeof(buf));
    if (st != ACME_OK) {
        cli_zero(out, SECRET_LEN);
    }
    return st;
}

static int32_t key_at_rest(void *ctx, uint8_t key[32])
{
    return read_secret(ctx, key) == ACME_OK ? ACME_OK : ACME_ERR_CRYPTO;
}

static const acme_secret_ops_t secret_ops = {key_at_rest};

acme_status_t cli_secret_attach(acme_port_t *port, char *why, size_t why_cap)
{
    const char *path = getenv(SECRET_ENV);
    if (path == NULL || path[0] == '\0') {
        return ACME_OK; /* keys in the clear, the default */
    }
    uint8_t probe[SECRET_LEN];
    acme_status_t st = read_secret(path, probe);
    cli_zero(probe, sizeof(probe));
    if (st != ACME_OK) {
        snprintf(why, why_cap, "%s=%s: %s", SECRET_ENV, path,
                 st == ACME_ERR_NOT_FOUND ? "cannot read the file"
                                          : "not 32 bytes or 64 hex digits");
        return ACME_ERR_CONFIG;
    }
    port->secret = &secret_ops;
    port->secret_ctx = (void *)(uintptr_t)path; /* the environment outlives the port */
    return ACME_OK;
}
