/*
 * acme-provision: the host tool that turns a JSON spec into a factory
 * provisioning blob (acme/codec/provision.h), writes it into a flash image,
 * and prints a blob back as JSON. Shared declarations of its files:
 *
 *   main.c         options, the three modes, exit status
 *   spec.c         JSON spec -> acme_provision_t, one message per bad field
 *   der_files.c    certificate files (PEM or DER) and the device key file
 *   blob_json.c    a decoded blob as JSON, secrets as their length only
 *   flash_image.c  the blob into an image file at an offset, 0xFF around it
 *   config_image.c the blob into an image as the device's config partition
 *   tool_io.c      messages, whole-file reads and writes, spec-relative paths
 *
 * Exit status: 0 done, 1 an error (one line on stderr names the field or
 * the file), 2 a usage error.
 */
#ifndef ACME_PROVISION_TOOL_H
#define ACME_PROVISION_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/codec/provision.h"
#include "acme/status.h"

#define TOOL_EXIT_OK 0
#define TOOL_EXIT_ERROR 1
#define TOOL_EXIT_USAGE 2

/* Largest input files: a spec, a certificate or key file, a blob. */
#define TOOL_SPEC_MAX (64u * 1024u)
#define TOOL_FILE_MAX (256u * 1024u)
/* Largest blob: every tag at its limit is well below this. */
#define TOOL_BLOB_MAX (64u * 1024u)
/* Longest path built from the spec's directory and a relative name. */
#define TOOL_PATH_MAX 4096u

/* What a spec turns into: the struct for the encoder and the DER it points
 * to (the struct's spans point into these arrays). */
typedef struct tool_spec {
    acme_provision_t prov;
    uint8_t trust_der[ACME_PROVISION_TRUST_MAX][ACME_PROVISION_CERT_DER_MAX];
    uint8_t key_der[ACME_KEY_DER_MAX]; /* secret: zeroised by tool_spec_clear */
} tool_spec_t;

/* ---- tool_io.c ---- */

/* "acme-provision: <message>" on stderr; returns TOOL_EXIT_ERROR. */
int tool_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Read a whole file (at most cap - 1 bytes) and add a NUL. On failure the
 * message names the file and what went wrong, and false is returned. */
bool tool_read_file(const char *path, uint8_t *buf, size_t cap, size_t *len);
/* Replace path with data (temp file, fsync, rename). */
bool tool_write_file(const char *path, const void *data, size_t len);
/* name as given when absolute, else relative to the directory of base. */
bool tool_relative_path(const char *base, const char *name, char *out, size_t cap);
/* Zeroise secrets (not optimised away). */
void tool_wipe(void *p, size_t len);
/* Write wr, or (wr NULL) read into rd: all len bytes at file offset at,
 * across short transfers and EINTR. */
bool tool_pio_all(int fd, uint64_t at, const uint8_t *wr, uint8_t *rd, size_t len);
/* 0xFF (erased NOR) over file bytes [from, to). */
bool tool_erase_range(int fd, uint64_t from, uint64_t to);

/* ---- spec.c ---- */

/* Fill *spec from the JSON spec file. false after a message on stderr. */
bool tool_spec_load(const char *path, tool_spec_t *spec);
/* Zeroise the secrets a spec holds (EAB keys, device key). */
void tool_spec_clear(tool_spec_t *spec);

/* ---- der_files.c ---- */

/* Append the certificates of a PEM (one or more CERTIFICATE blocks) or DER
 * file to spec->prov.trust. field names the JSON field in messages. */
bool tool_load_certificates(const char *path, const char *field, tool_spec_t *spec);
/* Load a P-256 or RSA-2048 private key (PEM or DER) as the injected device
 * key (tag 0x0B, DER) and reconcile it with the spec's key_type. */
bool tool_load_device_key(const char *path, tool_spec_t *spec);

/* ---- blob_json.c ---- */

/* Print a decoded blob (size bytes) as JSON on stdout. */
bool tool_print_blob_json(const acme_provision_t *p, size_t size);

/* ---- flash_image.c ---- */

/* Write blob at offset of the image file (created or extended with 0xFF);
 * with size != 0 the blob must fit in size bytes and the rest of that
 * partition is set to 0xFF. */
bool tool_write_image(const char *path, uint64_t offset, uint64_t size, const uint8_t *blob,
                      size_t len);

/* ---- config_image.c ---- */

/* Write blob into the config partition [offset, offset + size) of the
 * image, in the device's format (acme/io/config_partition.h) for flash
 * with erase-byte blocks: the next generation over what the image holds
 * there. *generation gets the generation written. */
bool tool_write_config_image(const char *path, uint64_t offset, uint64_t size, uint32_t erase,
                             const uint8_t *blob, size_t len, uint32_t *generation);

#endif /* ACME_PROVISION_TOOL_H */
