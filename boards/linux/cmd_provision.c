/*
 * acme-agent provision: write a factory provisioning blob into the state's
 * config partition (two slots, power-cut safe). The store (keys, account,
 * certificate) is not touched.
 */
#include <stdio.h>
#include <string.h>

#include "cli_config.h"
#include "crypto_zero.h"

static void provision_usage(FILE *out)
{
    fputs("usage: acme-agent provision --state FILE --blob BLOB [--force]\n"
          "\n"
          "  --state FILE   state file (created if missing) or /dev/mtdN\n"
          "  --blob BLOB    provisioning blob made by acme-provision --out\n"
          "  --force        replace a different config already provisioned\n"
          "\n"
          "The blob is decoded first; a blob the device would refuse (bad CRC, unknown\n"
          "version, a value out of range...) is reported with its tag and byte offset and\n"
          "nothing is written. The same blob again writes nothing. See docs/factory.md.\n",
          out);
}

/* The names of a config, for messages. */
static void names_line(const acme_provision_t *p, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < p->name_count && used < cap; i++) {
        int n = snprintf(out + used, cap - used, "%s%s", i == 0 ? "" : ", ", p->names[i]);
        if (n < 0) {
            break;
        }
        used += (size_t)n;
    }
}

static int write_config(cli_config_t *cur, const char *state, const uint8_t *blob, size_t len,
                        bool force, bool *written)
{
    *written = false;
    char line[1100];
    if (cur->status == ACME_OK) {
        uint32_t gen = cur->part.slot[cur->part.current].generation;
        if (cur->blob_len == len && memcmp(cur->blob, blob, len) == 0) {
            printf("%s already holds this config (generation %u); nothing written\n", state,
                   (unsigned)gen);
            return CLI_EXIT_OK;
        }
        if (!force) {
            names_line(&cur->prov, line, sizeof(line));
            return cli_fail("provision: %s already holds a different config (generation %u, "
                            "names %s); --force replaces it",
                            state, (unsigned)gen, line);
        }
    } else if (cur->status != ACME_ERR_NOT_FOUND) {
        cli_config_why(&cur->err, line, sizeof(line));
        fprintf(stderr, "acme-agent: warning: replacing an unreadable config (%s)\n", line);
    }
    acme_status_t st = acme_config_part_write(&cur->part, blob, len);
    if (st == ACME_ERR_STORE_FULL) {
        return cli_fail("provision: the blob is %zu bytes; a config slot holds %u", len,
                        (unsigned)acme_config_part_capacity(&cur->part.geo));
    }
    if (st != ACME_OK) {
        return cli_fail("provision: writing the config partition failed: %s (the previous "
                        "config, if any, is still in place)",
                        acme_strerror(st));
    }
    *written = true;
    return CLI_EXIT_OK;
}

int cmd_provision(int argc, char **argv)
{
    static char blob[CLI_BLOB_MAX + 1];
    static acme_provision_t prov;
    static cli_config_t cur;
    static acme_posix_port_t pp;
    const char *state = NULL;
    const char *blob_path = NULL;
    bool force = false;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (cli_is_help(argv[i])) {
            provision_usage(stdout);
            return CLI_EXIT_OK;
        }
        if (strcmp(argv[i], "--force") == 0) {
            force = true;
            continue;
        }
        if ((v = cli_value(argc, argv, &i)) == NULL) {
            return CLI_EXIT_FAIL;
        }
        if (strcmp(argv[i - 1], "--state") == 0) {
            state = v;
        } else if (strcmp(argv[i - 1], "--blob") == 0) {
            blob_path = v;
        } else {
            return cli_fail("provision: unknown option '%s' (see --help)", argv[i - 1]);
        }
    }
    if (state == NULL || blob_path == NULL) {
        provision_usage(stderr);
        return cli_fail("provision needs --state and --blob");
    }

    /* Decode before the state is opened: a bad blob changes nothing. */
    size_t len = 0;
    acme_status_t st = cli_read_file(blob_path, blob, sizeof(blob), &len);
    if (st == ACME_ERR_OVERSIZE) {
        return cli_fail("provision: %s is larger than a config slot (%u bytes)", blob_path,
                        (unsigned)CLI_BLOB_MAX);
    }
    if (st != ACME_OK) {
        return cli_fail("provision: cannot read %s", blob_path);
    }
    acme_provision_error_t err;
    const uint8_t *bytes = (const uint8_t *)blob;
    st = acme_provision_decode(bytes, len, &prov, &err);
    if (st != ACME_OK) {
        char why[256];
        cli_config_why(&err, why, sizeof(why));
        cli_zero(blob, sizeof(blob));
        return cli_fail("provision: %s: %s", blob_path, why);
    }

    acme_port_t port;
    cli_flash_t flash;
    st = cli_open_state(&pp, &port, &flash, state, false);
    if (st != ACME_OK) {
        cli_zero(blob, sizeof(blob));
        cli_zero(&prov, sizeof(prov));
        return cli_fail_state(state, st);
    }
    int rc = CLI_EXIT_FAIL;
    bool written = false;
    st = cli_config_read(&cur, &flash.config);
    if (st != ACME_OK) {
        rc = cli_fail("provision: cannot read the config partition of %s: %s", state,
                      acme_strerror(st));
    } else {
        rc = write_config(&cur, state, bytes, len, force, &written);
    }
    if (written) {
        char names[1100];
        names_line(&prov, names, sizeof(names));
        printf("provisioned %s: generation %u in slot %d, %zu bytes; names %s\n", state,
               (unsigned)cur.part.slot[cur.part.current].generation, cur.part.current, len, names);
        if (prov.ip_count != 0) {
            fprintf(stderr, "acme-agent: warning: identities.ip: the agent orders DNS names "
                            "only; run refuses this config until it does\n");
        }
    }
    acme_posix_port_deinit(&pp);
    if (rc != CLI_EXIT_OK && !flash.existed) {
        remove(state); /* nothing worth keeping was made */
    }
    cli_config_clear(&cur);
    cli_zero(blob, sizeof(blob));
    cli_zero(&prov, sizeof(prov));
    return rc;
}
