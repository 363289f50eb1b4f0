/*
 * acme-agent: the Linux gateway command line. Dispatches to one command.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fputs("usage: acme-agent <command> [options]\n"
          "\n"
          "commands:\n"
          "  issue    get a certificate from an ACME server over http-01 and store it\n"
          "  discover find the CAs a domain's CAA records authorize, in the order tried\n"
          "  export   write fullchain.pem and privkey.pem from the state file\n"
          "  status   print the stored certificate, the provisioned config and what the\n"
          "           agent does next, as JSON\n"
          "  provision write a factory provisioning blob into the state\n"
          "  run      keep a certificate for the provisioned config: the daemon (issue,\n"
          "           check ARI, renew, back off, deploy); --once for one pass\n"
          "  renew    issue for the provisioned config now, whatever the schedule\n"
          "  revoke   revoke the stored certificate at its CA (with a reason code)\n"
          "  deactivate deactivate the stored account at the certificate's CA\n"
          "  rollover roll the stored account over to a new key (keyChange)\n"
          "  ari      check the CA's renewal window (ARI) now and print it\n"
          "\n"
          "'acme-agent <command> --help' describes each command.\n"
          "Exit status: 0 on success, 2 on failure (one line on stderr says why).\n",
          out);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_FAIL;
    }
    const char *cmd = argv[1];
    if (cli_is_help(cmd) || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(cmd, "issue") == 0) {
        return cmd_issue(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "discover") == 0) {
        return cmd_discover(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "export") == 0) {
        return cmd_export(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "status") == 0) {
        return cmd_status(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "provision") == 0) {
        return cmd_provision(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "run") == 0) {
        return cmd_run(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "renew") == 0) {
        return cmd_renew(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "ari") == 0) {
        return cmd_ari(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "revoke") == 0 || strcmp(cmd, "deactivate") == 0 ||
        strcmp(cmd, "rollover") == 0) {
        return cmd_manage(argc - 1, argv + 1);
    }
    usage(stderr);
    return cli_fail("unknown command '%s'", cmd);
}
