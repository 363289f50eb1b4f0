/*
 * acme-agent export: write the installed chain and its private key as PEM
 * files, each replaced atomically (temp file, fsync, rename, fsync dir).
 */
#include <stdio.h>
#include <string.h>

#include "cli_export.h"
#include "cli_state.h"

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
    acme_status_t st = cli_export_dir(out_dir);
    if (st != ACME_OK) {
        return st == ACME_ERR_CONFIG ? cli_fail("export: %s is not a directory", out_dir)
                                     : cli_fail("export: cannot create directory %s", out_dir);
    }
    st = cli_state_open(&st_obj, state);
    if (st != ACME_OK) {
        return cli_fail_state(state, st);
    }
    const char *failed = NULL;
    st = cli_export_write(&st_obj.agent, out_dir, &failed);
    cli_state_close(&st_obj);
    if (st == ACME_ERR_NOT_FOUND) {
        return cli_fail("export: no certificate in %s (run issue first)", state);
    }
    if (st != ACME_OK && failed != NULL) {
        return cli_fail("export: cannot write %s", failed);
    }
    if (st != ACME_OK) {
        return cli_fail("export: cannot read the stored state: %s", acme_strerror(st));
    }
    printf("%s/fullchain.pem\n%s/privkey.pem\n", out_dir, out_dir);
    return CLI_EXIT_OK;
}
