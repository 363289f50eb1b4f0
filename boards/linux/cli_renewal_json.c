/*
 * Renewal facts as JSON (see cli_renewal_json.h).
 */
#include "cli_renewal_json.h"

#include "cli.h"

const char *cli_renew_why(uint8_t basis)
{
    static const char *const why[] = {"?", "no certificate", "ari window", "lifetime", "backoff"};
    return basis <= ACME_RENEW_BACKOFF ? why[basis] : "?";
}

static void json_time(acme_json_writer_t *w, const char *key, int64_t t)
{
    char when[32];
    cli_format_time(t, when, sizeof(when));
    acme_jw_key(w, key);
    acme_jw_string(w, when);
}

void cli_json_next(acme_json_writer_t *w, const acme_next_step_t *next)
{
    static const char *const action[] = {"?", "issue", "ari_check", "wait", "rollover"};
    acme_jw_object_begin(w);
    acme_jw_key(w, "action");
    acme_jw_string(w, next->action <= ACME_NEXT_ROLLOVER ? action[next->action] : "?");
    json_time(w, "at", next->at_s);
    acme_jw_key(w, "why");
    acme_jw_string(w, cli_renew_why(next->basis));
    json_time(w, "renew_at", next->renew_at_s);
    acme_jw_object_end(w);
}

void cli_json_ari_members(acme_json_writer_t *w, const acme_renewal_info_t *r)
{
    acme_jw_key(w, "window");
    if (r->ari_end_s > r->ari_start_s) {
        acme_jw_object_begin(w);
        json_time(w, "start", r->ari_start_s);
        json_time(w, "end", r->ari_end_s);
        acme_jw_object_end(w);
    } else {
        acme_jw_null(w);
    }
    if (r->ari_next_check_s == ACME_ARI_NEVER) {
        acme_jw_key(w, "next_check");
        acme_jw_string(w, "never");
    } else if (r->ari_next_check_s != 0) {
        json_time(w, "next_check", r->ari_next_check_s);
    } else {
        acme_jw_key(w, "next_check");
        acme_jw_null(w);
    }
    acme_jw_key(w, "replaced");
    acme_jw_bool(w, r->replaced);
}
