/*
 * acme-agent renew: one issuance now for the provisioned config, whatever
 * the schedule says (an operator's command: a key to rotate, new names,
 * a CA incident). Backoff does not hold it back, and its failure counts
 * like any other.
 */
#include <stdio.h>
#include <string.h>

#include "cli_deploy.h"
#include "cli_drive.h"
#include "cli_session.h"
#include "cli_signal.h"

static void renew_usage(FILE *out)
{
    fputs("usage: acme-agent renew --state FILE [--deploy-dir DIR [--deploy-hook CMD]]\n"
          "                        [run's network options]\n"
          "\n"
          "Issues a certificate now for the config written by 'acme-agent provision' and\n"
          "stores it, replacing the one held (the order names it in \"replaces\" when the\n"
          "CA offers ARI). With --deploy-dir (and --deploy-hook) it is deployed as 'run'\n"
          "deploys it; otherwise a running 'acme-agent run --deploy-dir' deploys it at its\n"
          "next wake-up (within the hour; SIGHUP wakes it now). Prints \"certificate\n"
          "installed in FILE: serial S, valid until T\" (or --stats). SIGTERM/SIGINT stop\n"
          "it (exit 2); the order in progress is resumed by the next run.\n"
          "\n",
          out);
    fputs(cli_run_usage, out);
    fputs(cli_deploy_usage, out);
    fputs(cli_net_usage, out);
}

int cmd_renew(int argc, char **argv)
{
    static cli_run_options_t o;
    static cli_deploy_options_t dep;
    static cli_session_t s;
    static acme_cert_info_t info;
    cli_run_options_init(&o);
    cli_deploy_options_init(&dep);
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            renew_usage(stdout);
            return CLI_EXIT_OK;
        }
        int handled = cli_run_option(argc, argv, &i, &o);
        if (handled == 0) {
            handled = cli_deploy_option(argc, argv, &i, &dep);
        }
        if (handled < 0) {
            return CLI_EXIT_FAIL;
        }
        if (handled == 0) {
            return cli_fail("renew: unknown option '%s' (see --help)", argv[i]);
        }
    }
    if (o.state == NULL) {
        renew_usage(stderr);
        return cli_fail("renew needs --state");
    }
    if (cli_deploy_check(&dep) != CLI_EXIT_OK) {
        return CLI_EXIT_FAIL;
    }
    cli_signals_install();
    if (cli_session_open(&s, &o, "renew", true) != ACME_OK) {
        return CLI_EXIT_FAIL;
    }
    bool stopped = false;
    acme_status_t st = cli_drive(&s.agent, &s.port, CLI_RUN_ISSUE, &stopped);
    if (stopped) {
        cli_session_close(&s);
        return cli_fail("renew: interrupted; the order in progress stays in %s and is resumed "
                        "by the next run or renew",
                        o.state);
    }
    if (st != ACME_OK) {
        char why[1024];
        cli_describe_failure(&s.agent, st, why, sizeof(why));
        cli_session_close(&s);
        return cli_fail("renew failed: %s", why);
    }
    acme_agent_stats_t stats;
    acme_agent_stats(&s.agent, &stats);
    if (o.net.stats) {
        cli_print_stats(&stats);
    } else if (acme_agent_cert_info(&s.agent, &info) == ACME_OK) {
        char until[32];
        cli_format_time(info.not_after, until, sizeof(until));
        printf("certificate installed in %s: serial %s, valid until %s\n", o.state, info.serial_hex,
               until);
    }
    cli_deploy_t d;
    memset(&d, 0, sizeof(d));
    bool exported = cli_deploy_export(&dep, &s.agent, (int64_t)0, &d);
    cli_session_close(&s);
    /* The certificate is stored either way; a failed deployment is retried
     * by run (the marker still names the old one). */
    return exported && cli_deploy_finish(&dep, o.state, &d) ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
