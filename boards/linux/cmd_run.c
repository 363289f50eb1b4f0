/*
 * acme-agent run: keep a certificate for the provisioned config, as a
 * daemon (the loop is cli_daemon.c) or, with --once, in one pass for cron
 * and systemd timers.
 */
#include <stdio.h>
#include <string.h>

#include "cli_daemon.h"

static void run_usage(FILE *out)
{
    fputs("usage: acme-agent run --state FILE [--once] [--deploy-dir DIR [--deploy-hook CMD]]\n"
          "                      [--hook-timeout SECONDS] [--hook-retry SECONDS]\n"
          "                      [--http01-port N] [--http01-bind IP] [--dns-server IP:PORT]\n"
          "                      [--ca-cooldown SECONDS] [--seed N] [--stats] [--verbose]\n"
          "                      [--arena-size BYTES]\n"
          "\n"
          "Keeps a certificate for the config written by 'acme-agent provision': issues one\n"
          "when none is held, checks the CA's renewal window (ARI), renews on time (the\n"
          "ARI window, else a third of the lifetime left, half under 10 days), backs off\n"
          "after failures (1 min, 10 min, 100 min, then daily; kept in the state across\n"
          "restarts), and deploys each new certificate. Runs until SIGTERM or SIGINT\n"
          "(exit 0; an issuance in progress is resumed at the next start); SIGHUP wakes it\n"
          "to re-read the state and the config now. One line per action on stderr.\n"
          "\n"
          "  --once              do what is due now, then exit (cron, systemd timers):\n"
          "                      exit 2 when an action it took failed\n",
          out);
    fputs(cli_run_usage, out);
    fputs(cli_deploy_usage, out);
    fputs(cli_net_usage, out);
}

int cmd_run(int argc, char **argv)
{
    static cli_daemon_options_t o;
    cli_run_options_init(&o.run);
    cli_deploy_options_init(&o.deploy);
    o.once = false;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            run_usage(stdout);
            return CLI_EXIT_OK;
        }
        if (strcmp(argv[i], "--once") == 0) {
            o.once = true;
            continue;
        }
        int handled = cli_run_option(argc, argv, &i, &o.run);
        if (handled == 0) {
            handled = cli_deploy_option(argc, argv, &i, &o.deploy);
        }
        if (handled < 0) {
            return CLI_EXIT_FAIL;
        }
        if (handled == 0) {
            return cli_fail("run: unknown option '%s' (see --help)", argv[i]);
        }
    }
    if (o.run.state == NULL) {
        run_usage(stderr);
        return cli_fail("run needs --state");
    }
    if (cli_deploy_check(&o.deploy) != CLI_EXIT_OK) {
        return CLI_EXIT_FAIL;
    }
    return cli_daemon_run(&o);
}
