/*
 * acme-agent export: write the installed chain and its private key as PEM
 * files, each replaced atomically (temp file, fsync, rename, fsync dir).
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_state.h"
#include "crypto_zero.h"

static void export_usage(FILE *out)
{
    fputs("usage: acme-agent export --state FILE --out DIR\n"
          "\n"
          "Writes DIR/fullchain.pem (0644) and DIR/privkey.pem (0600), each replaced\n"
          "atomically. DIR is created (0700) when missing.\n",
          out);
}

int cmd_export(int argc, char **argv)
{
    static cli_state_t st_obj;
    static char chain[ACME_CHAIN_MAX + 1];
    static char key_pem[4096];
    const char *state = NULL;
    const char *out_dir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (cli_is_help(argv[i])) {
            export_usage(stdout);
            return CLI_EXIT_OK;
        }
        if ((v = cli_value(argc, argv, &i)) == NULL) {
            return CLI_EXIT_FAIL;
        }
        if (strcmp(argv[i - 1], "--state") == 0) {
            state = v;
        } else if (strcmp(argv[i - 1], "--out") == 0) {
            out_dir = v;
        } else {
            return cli_fail("export: unknown option '%s' (see --help)", argv[i - 1]);
        }
    }
    if (state == NULL || out_dir == NULL) {
        export_usage(stderr);
        return cli_fail("export needs --state and --out");
    }
    /* A missing directory is created private: it will hold a key. */
    struct stat sb;
    if (stat(out_dir, &sb) != 0 && mkdir(out_dir, 0700) != 0) {
        return cli_fail("export: cannot create directory %s", out_dir);
    }
    if (stat(out_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        return cli_fail("export: %s is not a directory", out_dir);
    }
    acme_status_t st = cli_state_open(&st_obj, state);
    if (st != ACME_OK) {
        return cli_fail_state(state, st);
    }
    size_t chain_len = 0;
    size_t key_len = 0;
    st = acme_agent_read_chain(&st_obj.agent, chain, sizeof(chain), &chain_len);
    if (st == ACME_OK) {
        st = acme_agent_read_device_key_pem(&st_obj.agent, key_pem, sizeof(key_pem), &key_len);
    }
    cli_state_close(&st_obj);
    if (st == ACME_ERR_NOT_FOUND) {
        return cli_fail("export: no certificate in %s (run issue first)", state);
    }
    if (st != ACME_OK) {
        cli_zero(key_pem, sizeof(key_pem));
        return cli_fail("export: cannot read the stored state: %s", acme_strerror(st));
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/privkey.pem", out_dir);
    st = cli_write_file_atomic(path, key_pem, key_len, 0600);
    cli_zero(key_pem, sizeof(key_pem));
    if (st != ACME_OK) {
        return cli_fail("export: cannot write %s", path);
    }
    snprintf(path, sizeof(path), "%s/fullchain.pem", out_dir);
    if (cli_write_file_atomic(path, chain, chain_len, 0644) != ACME_OK) {
        return cli_fail("export: cannot write %s", path);
    }
    printf("%s/fullchain.pem\n%s/privkey.pem\n", out_dir, out_dir);
    return CLI_EXIT_OK;
}
