/*
 * Export + hook + marker, once per certificate (see cli_deploy.h).
 */
#include "cli_deploy.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli_export.h"
#include "cli_hook.h"
#include "cli_log.h"

const char cli_deploy_usage[] =
    "  --deploy-dir DIR    after each new certificate write DIR/fullchain.pem and\n"
    "                      DIR/privkey.pem (0600), as export does (DIR made 0700)\n"
    "  --deploy-hook CMD   then run /bin/sh -c CMD with ACME_AGENT_STATE,\n"
    "                      ACME_AGENT_CERT, ACME_AGENT_KEY, ACME_AGENT_NAMES and\n"
    "                      ACME_AGENT_SERIAL set (needs --deploy-dir); once per\n"
    "                      certificate: DIR/" CLI_DEPLOY_MARKER " names the last one\n"
    "                      whose hook exited 0, and a failed hook is run again\n"
    "  --hook-timeout SECONDS  kill the hook after this (default 120)\n"
    "  --hook-retry SECONDS  a failed hook is run again this much later at the\n"
    "                      earliest (default 300; with --once: at the next run)\n";

void cli_deploy_options_init(cli_deploy_options_t *o)
{
    memset(o, 0, sizeof(*o));
    o->hook_timeout_s = CLI_HOOK_TIMEOUT_S;
    o->retry_s = CLI_HOOK_RETRY_S;
}

static bool parse_seconds(const char *v, uint32_t *out)
{
    char *end = NULL;
    unsigned long n = strtoul(v, &end, 10);
    if (*v == '\0' || *end != '\0' || n == 0 || n > 86400ul) {
        return false;
    }
    *out = (uint32_t)n;
    return true;
}

int cli_deploy_option(int argc, char **argv, int *i, cli_deploy_options_t *o)
{
    const char *a = argv[*i];
    if (strcmp(a, "--deploy-dir") != 0 && strcmp(a, "--deploy-hook") != 0 &&
        strcmp(a, "--hook-timeout") != 0 && strcmp(a, "--hook-retry") != 0) {
        return 0;
    }
    const char *v = cli_value(argc, argv, i);
    if (v == NULL) {
        return -1;
    }
    if (strcmp(a, "--deploy-dir") == 0) {
        o->dir = v;
    } else if (strcmp(a, "--deploy-hook") == 0) {
        o->hook = v;
    } else if (!parse_seconds(v, strcmp(a, "--hook-timeout") == 0 ? &o->hook_timeout_s
                                                                  : &o->retry_s)) {
        cli_fail("%s: give 1..86400 seconds", a);
        return -1;
    }
    return 1;
}

int cli_deploy_check(cli_deploy_options_t *o)
{
    static char abs_dir[PATH_MAX];
    if (o->hook != NULL && o->dir == NULL) {
        return cli_fail("--deploy-hook needs --deploy-dir: the directory the certificate and "
                        "key are written to for the hook");
    }
    if (o->dir == NULL) {
        return CLI_EXIT_OK;
    }
    acme_status_t st = cli_export_dir(o->dir);
    if (st != ACME_OK) {
        return st == ACME_ERR_CONFIG ? cli_fail("--deploy-dir: %s is not a directory", o->dir)
                                     : cli_fail("--deploy-dir: cannot create %s", o->dir);
    }
    if (realpath(o->dir, abs_dir) == NULL) {
        return cli_fail("--deploy-dir: cannot resolve %s", o->dir);
    }
    o->dir = abs_dir;
    return CLI_EXIT_OK;
}

/* The serial the marker names, or "" (no marker, or the files it vouches
 * for are gone). */
static void read_marker(const char *dir, char *out, size_t cap)
{
    char path[PATH_MAX + 32];
    struct stat sb;
    out[0] = '\0';
    snprintf(path, sizeof(path), "%s/fullchain.pem", dir);
    if (stat(path, &sb) != 0) {
        return;
    }
    snprintf(path, sizeof(path), "%s/" CLI_DEPLOY_MARKER, dir);
    size_t len = 0;
    if (cli_read_file(path, out, cap, &len) != ACME_OK) {
        out[0] = '\0';
        return;
    }
    out[strcspn(out, "\r\n")] = '\0';
}

static void join_names(const acme_cert_info_t *info, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < info->name_count && i < ACME_MAX_IDENTIFIERS; i++) {
        int w = snprintf(out + n, cap - n, "%s%s", i == 0 ? "" : " ", info->names[i]);
        if (w < 0 || (size_t)w >= cap - n) {
            return;
        }
        n += (size_t)w;
    }
}

static void note_failure(const cli_deploy_options_t *o, cli_deploy_t *d, const char *serial)
{
    snprintf(d->failed_serial, sizeof(d->failed_serial), "%s", serial);
    d->retry_at_s = (int64_t)time(NULL) + (int64_t)o->retry_s;
}

bool cli_deploy_export(const cli_deploy_options_t *o, acme_agent_t *agent, int64_t now_s,
                       cli_deploy_t *d)
{
    static acme_cert_info_t info;
    d->pending = false;
    if (o->dir == NULL || acme_agent_cert_info(agent, &info) != ACME_OK) {
        return true;
    }
    char marker[ACME_CERT_SERIAL_MAX + 2];
    read_marker(o->dir, marker, sizeof(marker));
    if (strcmp(marker, info.serial_hex) == 0) {
        d->failed_serial[0] = '\0';
        return true;
    }
    if (strcmp(d->failed_serial, info.serial_hex) == 0 && now_s < d->retry_at_s) {
        return true; /* owed, not yet: cli_deploy_retry_at() */
    }
    const char *failed = NULL;
    acme_status_t st = cli_export_write(agent, o->dir, &failed);
    if (st != ACME_OK) {
        note_failure(o, d, info.serial_hex);
        char when[32];
        cli_format_time(d->retry_at_s, when, sizeof(when));
        cli_log("deploy: serial %s: cannot write %s: %s; trying again at %s", info.serial_hex,
                failed != NULL ? failed : "(reading the state)", acme_strerror(st), when);
        return false;
    }
    snprintf(d->serial, sizeof(d->serial), "%s", info.serial_hex);
    join_names(&info, d->names, sizeof(d->names));
    d->pending = true;
    return true;
}

bool cli_deploy_finish(const cli_deploy_options_t *o, const char *state, cli_deploy_t *d)
{
    if (!d->pending) {
        return true;
    }
    d->pending = false;
    char hook_said[128] = "exported (no hook)";
    bool ok = true;
    if (o->hook != NULL) {
        static char env_state[PATH_MAX + 32];
        static char env_cert[PATH_MAX + 32];
        static char env_key[PATH_MAX + 32];
        static char env_names[sizeof(d->names) + 32];
        static char env_serial[ACME_CERT_SERIAL_MAX + 32];
        char abs_state[PATH_MAX];
        snprintf(env_state, sizeof(env_state), "ACME_AGENT_STATE=%s",
                 realpath(state, abs_state) != NULL ? abs_state : state);
        snprintf(env_cert, sizeof(env_cert), "ACME_AGENT_CERT=%s/fullchain.pem", o->dir);
        snprintf(env_key, sizeof(env_key), "ACME_AGENT_KEY=%s/privkey.pem", o->dir);
        snprintf(env_names, sizeof(env_names), "ACME_AGENT_NAMES=%s", d->names);
        snprintf(env_serial, sizeof(env_serial), "ACME_AGENT_SERIAL=%s", d->serial);
        const char *const env[] = {env_state, env_cert, env_key, env_names, env_serial, NULL};
        cli_hook_result_t r;
        ok = cli_hook_run(o->hook, env, o->hook_timeout_s, &r);
        char said[96];
        cli_hook_describe(&r, o->hook_timeout_s, said, sizeof(said));
        snprintf(hook_said, sizeof(hook_said), "hook %s", said);
    }
    if (ok) {
        char path[PATH_MAX + 32];
        char line[ACME_CERT_SERIAL_MAX + 2];
        snprintf(path, sizeof(path), "%s/" CLI_DEPLOY_MARKER, o->dir);
        int n = snprintf(line, sizeof(line), "%s\n", d->serial);
        if (cli_write_file_atomic(path, line, (size_t)n, 0644) != ACME_OK) {
            /* The hook ran; without the marker it runs again next time,
             * which a hook must bear anyway (a crash can do the same). */
            note_failure(o, d, d->serial);
            cli_log("deploy: serial %s to %s: %s, but cannot write %s", d->serial, o->dir,
                    hook_said, path);
            return false;
        }
        d->failed_serial[0] = '\0';
        cli_log("deploy: serial %s to %s: %s", d->serial, o->dir, hook_said);
        return true;
    }
    note_failure(o, d, d->serial);
    char when[32];
    cli_format_time(d->retry_at_s, when, sizeof(when));
    cli_log("deploy: serial %s to %s: %s; the hook runs again at %s or at the next start",
            d->serial, o->dir, hook_said, when);
    return false;
}

int64_t cli_deploy_retry_at(const cli_deploy_t *d)
{
    return d->failed_serial[0] != '\0' ? d->retry_at_s : 0;
}
