/*
 * acme-agent revoke, deactivate and rollover: the management runs on the
 * stored state (the certificate and the account at its CA). They need only
 * the trust anchors for the CA's TLS certificate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_state.h"

typedef enum manage_op { MANAGE_REVOKE, MANAGE_DEACTIVATE, MANAGE_ROLLOVER } manage_op_t;

static void manage_usage(FILE *out, manage_op_t op)
{
    if (op == MANAGE_REVOKE) {
        fputs("usage: acme-agent revoke --state FILE --trust PEMFILE [--reason N] [--verbose]\n"
              "\n"
              "Revokes the installed certificate at the CA that issued it, with the account\n"
              "stored for that CA (RFC 8555 7.6). N is the RFC 5280 reason code: 0\n"
              "unspecified (default), 1 keyCompromise, 3 affiliationChanged, 4 superseded,\n"
              "5 cessationOfOperation (7 is not a reason). Afterwards 'run' issues anew.\n",
              out);
    } else if (op == MANAGE_DEACTIVATE) {
        fputs("usage: acme-agent deactivate --state FILE --trust PEMFILE [--directory URL]\n"
              "                             [--verbose]\n"
              "\n"
              "Deactivates the account stored for the installed certificate's CA (RFC 8555\n"
              "7.3.6) and drops it from the state; a later issuance registers a new one.\n"
              "With no certificate installed, --directory names the CA.\n",
              out);
    } else {
        fputs("usage: acme-agent rollover --state FILE --trust PEMFILE [--directory URL]\n"
              "                           [--verbose]\n"
              "\n"
              "Rolls the account stored for the installed certificate's CA over to a new\n"
              "P-256 key (RFC 8555 7.3.5, keyChange). The new key is stored before the CA\n"
              "is asked and replaces the old one once the CA confirmed: if the run is cut\n"
              "short (power, SIGKILL, network), the account is not used until 'rollover'\n"
              "(or 'run') finishes it. With no certificate installed, --directory names the\n"
              "CA.\n",
              out);
    }
}

int cmd_manage(int argc, char **argv)
{
    static cli_state_t s;
    static char trust[CLI_TRUST_MAX];
    manage_op_t op = strcmp(argv[0], "revoke") == 0       ? MANAGE_REVOKE
                     : strcmp(argv[0], "deactivate") == 0 ? MANAGE_DEACTIVATE
                                                          : MANAGE_ROLLOVER;
    const char *state = NULL;
    const char *trust_path = NULL;
    const char *directory = NULL;
    bool verbose = false;
    unsigned long reason = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL;
        if (cli_is_help(a)) {
            manage_usage(stdout, op);
            return CLI_EXIT_OK;
        }
        if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            verbose = true;
            continue;
        }
        if ((v = cli_value(argc, argv, &i)) == NULL) {
            return CLI_EXIT_FAIL;
        }
        if (strcmp(a, "--state") == 0) {
            state = v;
        } else if (strcmp(a, "--trust") == 0) {
            trust_path = v;
        } else if (op != MANAGE_REVOKE && strcmp(a, "--directory") == 0) {
            if (strncmp(v, "https://", 8) != 0 || strlen(v) > ACME_URL_MAX) {
                return cli_fail("--directory: an https URL of at most %u characters, not '%s'",
                                (unsigned)ACME_URL_MAX, v);
            }
            directory = v;
        } else if (op == MANAGE_REVOKE && strcmp(a, "--reason") == 0) {
            char *end = NULL;
            reason = strtoul(v, &end, 10);
            if (*v == '\0' || *end != '\0' || reason > 10 || reason == 7) {
                return cli_fail("--reason: an RFC 5280 reason code 0..10 but 7, not '%s'", v);
            }
        } else {
            return cli_fail("%s: unknown option '%s' (see --help)", argv[0], a);
        }
    }
    if (state == NULL || trust_path == NULL) {
        manage_usage(stderr, op);
        return cli_fail("%s needs --state and --trust", argv[0]);
    }
    size_t trust_len = 0;
    if (cli_read_file(trust_path, trust, sizeof(trust), &trust_len) != ACME_OK) {
        return cli_fail("cannot read trust anchors from %s", trust_path);
    }
    acme_status_t st = cli_state_open(&s, state);
    if (st != ACME_OK) {
        return cli_fail_state(state, st);
    }
    /* Read-only config (no names) plus the trust anchors: enough for these. */
    s.cfg.trust_pem = trust;
    s.cfg.trust_pem_len = trust_len;
    if (directory != NULL) {
        s.cfg.directory_url = directory;
    }
    s.pp.log_threshold = verbose ? ACME_LOG_DEBUG : (acme_log_level_t)0;
    static const char *const done[] = {"certificate revoked", "account deactivated",
                                       "account key rolled over"};
    st = op == MANAGE_REVOKE       ? acme_agent_run_revoke(&s.agent, (uint8_t)reason)
         : op == MANAGE_DEACTIVATE ? acme_agent_run_deactivate(&s.agent)
                                   : acme_agent_run_rollover(&s.agent);
    const acme_problem_t *p = acme_agent_problem(&s.agent);
    int rc = CLI_EXIT_OK;
    if (st != ACME_OK) {
        rc = cli_fail("%s failed: %s%s%s%s%s", argv[0], acme_strerror(st), p->type[0] ? "; " : "",
                      p->type, p->detail[0] ? ": " : "", p->detail);
    } else {
        char url[ACME_URL_MAX + 1];
        bool have_url = op == MANAGE_ROLLOVER &&
                        acme_agent_account_url(&s.agent, url, sizeof(url)) == ACME_OK;
        printf("%s%s%s\n", done[op], have_url ? ": " : "", have_url ? url : "");
    }
    cli_state_close(&s);
    return rc;
}
