/*
 * acme-provision: build a factory provisioning blob from a JSON spec, write
 * it into a flash image, or print a blob as JSON. Options and the three
 * modes; the work is in the other files (provision_tool.h lists them).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "acme/io/arena.h"
#include "provision_tool.h"

/* mbedTLS (certificate and key parsing) and cJSON (the spec) allocate from
 * the agent's arena; a spec of TOOL_SPEC_MAX parses well inside this. */
#define TOOL_ARENA_SIZE (1024u * 1024u)

static uint8_t arena_buf[TOOL_ARENA_SIZE];
static tool_spec_t spec;
static acme_provision_t decoded;
static uint8_t blob[TOOL_BLOB_MAX];

static void usage(FILE *out)
{
    fputs("usage:\n"
          "  acme-provision --spec SPEC.json --out BLOB [--device-key KEY]\n"
          "  acme-provision --spec SPEC.json --image FLASH.img --offset N [--size N]\n"
          "                 [--config-partition ERASE] [--device-key KEY]\n"
          "  acme-provision --decode BLOB [--offset N]\n"
          "\n"
          "  --spec FILE        the JSON spec (docs/provisioning.md); file names in it are\n"
          "                     relative to the spec's directory\n"
          "  --out FILE         write the blob to FILE (replaced atomically)\n"
          "  --image FILE       write the blob into a flash image at --offset; bytes the file\n"
          "                     does not have yet are 0xFF. With --size, the blob must fit in\n"
          "                     that many bytes and the rest of them is set to 0xFF\n"
          "  --offset N, --size N   decimal or 0x-prefixed hex bytes\n"
          "  --config-partition ERASE  with --image/--offset/--size: write the blob as the\n"
          "                     device's config partition (two slots, a generation\n"
          "                     header; docs/factory.md) for flash with ERASE-byte blocks;\n"
          "                     acme-agent's state: --offset 0 --size 32768\n"
          "                     --config-partition 4096\n"
          "  --device-key FILE  inject a factory device key (P-256 or RSA-2048, PEM or DER;\n"
          "                     not encrypted); must match the spec's key_type, or sets it\n"
          "  --decode FILE      print the blob in FILE (at --offset of an image) as JSON;\n"
          "                     EAB keys and the device key are shown as their length only\n"
          "\n"
          "EAB keys (cas[].eab.hmac_key) are base64url, as CAs hand them out, unless\n"
          "prefixed: \"hex:00ff...\", \"base64:...\" (standard alphabet, '=' padding\n"
          "optional) or \"base64url:...\" -- the same rules as acme-agent's --eab. An\n"
          "unprefixed key with '+' or '/', or made only of an even number of hex digits\n"
          "(it would read as hex and as base64url), is refused: prefix it. The MAC\n"
          "(cas[].eab.alg) is \"HS256\" (the default), \"HS384\" or \"HS512\".\n"
          "\n"
          "Exit status: 0 done, 1 error (one line on stderr names the field or file),\n"
          "2 usage error.\n",
          out);
}

static int usage_error(const char *what)
{
    fprintf(stderr, "acme-provision: %s\n", what);
    fputs("try 'acme-provision --help'\n", stderr);
    return TOOL_EXIT_USAGE;
}

/* Decimal without leading zeros (so "010" is not mistaken for octal) or
 * 0x-prefixed hex; no sign, no spaces. */
static bool parse_number(const char *s, uint64_t *out)
{
    bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    const char *d = hex ? s + 2 : s;
    unsigned base = hex ? 16u : 10u;
    if (d[0] == '\0' || (!hex && d[0] == '0' && d[1] != '\0')) {
        return false;
    }
    uint64_t v = 0;
    for (const char *p = d; *p != '\0'; p++) {
        unsigned x;
        if (*p >= '0' && *p <= '9') {
            x = (unsigned)(*p - '0');
        } else if (hex && ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')) {
            x = (unsigned)((*p | 0x20) - 'a' + 10);
        } else {
            return false;
        }
        if (v > (UINT64_MAX - x) / base) {
            return false;
        }
        v = v * base + x;
    }
    *out = v;
    return true;
}

static void report_decode_error(const char *path, const acme_provision_error_t *err)
{
    if (err->tag != 0) {
        tool_error("%s: %s: tag 0x%02x (%s) at byte %zu", path,
                   acme_provision_error_text(err->reason), err->tag,
                   acme_provision_field_name(err->tag, err->field), err->offset);
    } else {
        tool_error("%s: %s (at byte %zu)", path, acme_provision_error_text(err->reason),
                   err->offset);
    }
}

static int run_decode(const char *path, bool at_offset, uint64_t offset)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return tool_error("%s: %s", path, strerror(errno));
    }
    if (at_offset && (offset > 0x7FFFFFFFull || fseek(f, (long)offset, SEEK_SET) != 0)) {
        fclose(f);
        return tool_error("%s: cannot seek to --offset %llu", path, (unsigned long long)offset);
    }
    size_t n = fread(blob, 1, sizeof(blob), f);
    bool more = n == sizeof(blob) && fgetc(f) != EOF;
    bool failed = ferror(f) != 0;
    fclose(f);
    if (failed) {
        return tool_error("%s: read error", path);
    }
    acme_provision_error_t err;
    size_t len = n;
    if (at_offset) {
        /* An image: the blob is followed by whatever the partition holds. */
        size_t total = 0;
        if (acme_provision_blob_size(blob, n, &total, &err) != ACME_OK) {
            report_decode_error(path, &err);
            return TOOL_EXIT_ERROR;
        }
        len = total < n ? total : n;
    } else if (more) {
        return tool_error("%s: larger than %u bytes: not a blob (use --offset for an image)", path,
                          (unsigned)sizeof(blob));
    }
    if (acme_provision_decode(blob, len, &decoded, &err) != ACME_OK) {
        report_decode_error(path, &err);
        return TOOL_EXIT_ERROR;
    }
    bool ok = tool_print_blob_json(&decoded, len);
    tool_wipe(&decoded, sizeof(decoded));
    tool_wipe(blob, sizeof(blob));
    return ok ? TOOL_EXIT_OK : tool_error("cannot write to stdout");
}

static int run_build(const char *spec_path, const char *key_path, const char *out_path,
                     const char *image_path, uint64_t offset, uint64_t size, uint32_t erase)
{
    uint32_t generation = 0;
    int rc = TOOL_EXIT_ERROR;
    size_t len = 0;
    if (!tool_spec_load(spec_path, &spec)) {
        goto out;
    }
    if (key_path != NULL && !tool_load_device_key(key_path, &spec)) {
        goto out;
    }
    acme_status_t st = acme_provision_encode(&spec.prov, blob, sizeof(blob), &len);
    if (st != ACME_OK) {
        /* The spec reader applies every rule the encoder does. */
        tool_error("%s: cannot encode the blob (%s)", spec_path, acme_strerror(st));
        goto out;
    }
    /* What the device will run, on what it will be given. */
    acme_provision_error_t err;
    if (acme_provision_decode(blob, len, &decoded, &err) != ACME_OK) {
        report_decode_error("(the built blob)", &err);
        goto out;
    }
    if (out_path != NULL ? !tool_write_file(out_path, blob, len)
        : erase == 0
            ? !tool_write_image(image_path, offset, size, blob, len)
            : !tool_write_config_image(image_path, offset, size, erase, blob, len, &generation)) {
        goto out;
    }
    printf("acme-provision: wrote a %zu-byte blob to %s", len,
           out_path != NULL ? out_path : image_path);
    if (out_path == NULL) {
        printf(" at offset %llu", (unsigned long long)offset);
    }
    if (erase != 0) {
        printf(" as config partition generation %u", (unsigned)generation);
    }
    putchar('\n');
    rc = TOOL_EXIT_OK;
out:
    tool_spec_clear(&spec);
    tool_wipe(&decoded, sizeof(decoded));
    tool_wipe(blob, sizeof(blob));
    return rc;
}

int main(int argc, char **argv)
{
    const char *spec_path = NULL;
    const char *out_path = NULL;
    const char *image_path = NULL;
    const char *decode_path = NULL;
    const char *key_path = NULL;
    const char *offset_text = NULL;
    const char *size_text = NULL;
    const char *erase_text = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return TOOL_EXIT_OK;
        }
        const char **slot = strcmp(a, "--spec") == 0               ? &spec_path
                            : strcmp(a, "--out") == 0              ? &out_path
                            : strcmp(a, "--image") == 0            ? &image_path
                            : strcmp(a, "--decode") == 0           ? &decode_path
                            : strcmp(a, "--device-key") == 0       ? &key_path
                            : strcmp(a, "--offset") == 0           ? &offset_text
                            : strcmp(a, "--size") == 0             ? &size_text
                            : strcmp(a, "--config-partition") == 0 ? &erase_text
                                                                   : NULL;
        if (slot == NULL) {
            fprintf(stderr, "acme-provision: unknown argument '%s'\n", a);
            return usage_error("give --spec with --out or --image, or --decode");
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "acme-provision: %s needs a value\n", a);
            return usage_error("option without a value");
        }
        if (*slot != NULL) {
            fprintf(stderr, "acme-provision: %s given twice\n", a);
            return usage_error("repeated option");
        }
        *slot = argv[++i];
    }

    uint64_t offset = 0;
    uint64_t size = 0;
    if (offset_text != NULL && !parse_number(offset_text, &offset)) {
        return usage_error("--offset: give a byte offset, decimal or 0x-hex");
    }
    if (size_text != NULL && (!parse_number(size_text, &size) || size == 0)) {
        return usage_error("--size: give a positive byte count, decimal or 0x-hex");
    }
    uint64_t erase = 0;
    if (erase_text != NULL &&
        (!parse_number(erase_text, &erase) || erase == 0 || erase > 0x80000u)) {
        return usage_error("--config-partition: give the flash's erase block size in bytes");
    }
    if (erase_text != NULL && (image_path == NULL || size_text == NULL)) {
        return usage_error("--config-partition goes with --image, --offset and --size");
    }
    if (decode_path != NULL) {
        if (spec_path != NULL || out_path != NULL || image_path != NULL || key_path != NULL ||
            size_text != NULL) {
            return usage_error("--decode takes only --offset");
        }
    } else if (spec_path == NULL) {
        return usage_error("give --spec with --out or --image, or --decode");
    } else if ((out_path == NULL) == (image_path == NULL)) {
        return usage_error("--spec needs exactly one of --out and --image");
    } else if (image_path != NULL && offset_text == NULL) {
        return usage_error("--image needs --offset");
    } else if (out_path != NULL && (offset_text != NULL || size_text != NULL)) {
        return usage_error("--offset and --size go with --image");
    }

    acme_arena_t arena;
    if (acme_arena_init(&arena, arena_buf, sizeof(arena_buf)) != ACME_OK) {
        return tool_error("cannot set up the arena");
    }
    if (decode_path != NULL) {
        return run_decode(decode_path, offset_text != NULL, offset);
    }
    return run_build(spec_path, key_path, out_path, image_path, offset, size, (uint32_t)erase);
}
