#!/usr/bin/env bash
# tests/integration/test_renewal.sh -- renewal against Pebble behind the ARI/profiles test front
# (tests/integration/acme_front.py; Debian's Pebble 2.4.0 has neither ARI nor profiles).
#
#   test_renewal.sh ACME_AGENT BUILD_DIR [SCENARIO ...]
#
# Registered in ctest as integration.test_renewal. Scenarios:
#   replaces          a renewal at a CA with renewalInfo names the certificate it replaces: the
#                     second issuance's newOrder carries "replaces" = the first certificate's
#                     certID (as openssl computes it), and the CA creates the order
#   already_replaced  the CA answers 409 alreadyReplaced: exactly one more newOrder, without
#                     "replaces", and the renewal succeeds (no loop)
#   no_ari            a CA without renewalInfo gets no "replaces" (it might refuse the member)
#   profile           --profile shortlived: sent when meta.profiles lists it, and the CA's
#                     choice shows in status; not listed: not sent, status shows none
#   profile_refused   listed, but newOrder answers invalidProfile: one more newOrder without
#                     it, issued under the CA's default, a warning says so
#   ari_window        'acme-agent ari' through the front: the window, explanationURL and
#                     Retry-After are stored and shown by ari and status; an answer with
#                     end <= start is none (exit 2, the old window kept, its Retry-After of
#                     5 s clamped to 1 min); a 500 plans the next check 6 h out and exits 2
#   rollover          'acme-agent rollover': keyChange reaches the CA, the account URL stays,
#                     and the next issuance (signed with the new key: Pebble verifies it
#                     against the account's key) succeeds without a new account
#   rollover_cut_after  the CA changes the key but the answer never arrives: issue refuses
#                     to use the account, status says rollover, the next rollover asks the CA
#                     (onlyReturnExisting with the new key), keeps the new key without a
#                     second keyChange, and issuance works
#   rollover_cut_before the request never reaches the CA: the next rollover asks, hears
#                     accountDoesNotExist, sends keyChange, and issuance works
#   rollover_replay   the CA changes the key and the answer is lost once; the client's
#                     retries (the same request again, then one signed anew by the old key)
#                     are refused because the old key no longer names the account: the
#                     agent asks before it believes the refusal, finds the account under
#                     the new key and keeps it (dropping it would lose the account)
set -uo pipefail

agent=${1:?usage: test_renewal.sh ACME_AGENT BUILD_DIR [SCENARIO ...]}
build=${2:?usage: test_renewal.sh ACME_AGENT BUILD_DIR [SCENARIO ...]}
shift 2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib/pebble.sh
. "$here/lib/pebble.sh"
# shellcheck source=SCRIPTDIR/lib/front.sh
. "$here/lib/front.sh"
# shellcheck source=SCRIPTDIR/lib/cert_check.sh
. "$here/lib/cert_check.sh"
# shellcheck source=SCRIPTDIR/lib/agent_run.sh
. "$here/lib/agent_run.sh"

AGENT_TIMEOUT_S=60
[[ -x $agent ]] || {
    echo "FAIL: acme-agent binary '$agent' not found or not executable"
    exit 1
}
agent_run_workdir test_renewal || exit 1
trap 'front_stop; pebble_stop' EXIT
trap 'exit 130' INT TERM

# issue_via NAME STATE DOMAIN [ARGS...]: issue through the front; expect exit 0.
issue_via() {
    local name=$1 state=$2 domain=$3
    shift 3
    timeout "$AGENT_TIMEOUT_S" "$agent" issue --state "$state" --directory "$FRONT_DIR_URL" \
        --trust "$PEBBLE_TRUST" --http01-port "$PEBBLE_HTTP01_PORT" --http01-bind 127.0.0.1 \
        --domain "$domain" "$@" >"$work/$name.out" 2>"$work/$name.err" || {
        sed 's/^/      /' "$work/$name.err" | tail -n 5
        fail "issue $name failed"
    }
}

# new_orders: the newOrder lines of the front's log since line $1, one per line:
# "STATUS REPLACES PROFILE" ("-" for an absent member).
new_orders() {
    front_requests FRONT '"path":"/order-plz"' | tail -n +"$1" | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    p = r.get("payload") or {}
    print(r["status"], p.get("replaces", "-"), p.get("profile", "-"))'
}

log_lines() {
    front_requests FRONT '"path":"/order-plz"' | wc -l
}

scenario_replaces() {
    local d=$work/replaces id mark got
    mkdir -p "$d"
    front_set_script FRONT '{"renewal_info": true}'
    issue_via rep_1 "$d/state" replaces.demo.test || return 1
    "$agent" export --state "$d/state" --out "$d/out" >/dev/null 2>&1 || fail "export" || return 1
    id=$(ari_cert_id "$d/out/fullchain.pem")
    mark=$(($(log_lines) + 1))
    issue_via rep_2 "$d/state" replaces.demo.test || return 1
    got=$(new_orders "$mark")
    [[ $got == "201 $id -" ]] || fail "renewal newOrders: '$got', expected '201 $id -'"
}

scenario_already_replaced() {
    local d=$work/already mark got
    mkdir -p "$d"
    front_set_script FRONT '{"renewal_info": true}'
    issue_via alr_1 "$d/state" already.demo.test || return 1
    front_set_script FRONT '{"renewal_info": true, "already_replaced": true}'
    mark=$(($(log_lines) + 1))
    issue_via alr_2 "$d/state" already.demo.test || return 1
    got=$(new_orders "$mark" | awk '{ print $1, ($2 == "-" ? "-" : "id") }' | tr '\n' ';')
    [[ $got == "409 id;201 -;" ]] || fail "newOrders after alreadyReplaced: '$got'"
}

scenario_no_ari() {
    local d=$work/no_ari mark got
    mkdir -p "$d"
    front_set_script FRONT '{}'
    issue_via noari_1 "$d/state" noari.demo.test || return 1
    mark=$(($(log_lines) + 1))
    issue_via noari_2 "$d/state" noari.demo.test || return 1
    got=$(new_orders "$mark")
    [[ $got == "201 - -" ]] || fail "newOrder at a CA without ARI: '$got'"
}

# status_profile STATE: the "ca.profile" of status (None when null).
status_profile() {
    "$agent" status --state "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ca"].get("profile"))'
}

scenario_profile() {
    local d=$work/profile mark got
    mkdir -p "$d"
    front_set_script FRONT '{"profiles": {"classic": "90 days", "shortlived": "6 days"}}'
    mark=$(($(log_lines) + 1))
    issue_via prof_1 "$d/state" profile.demo.test --profile shortlived || return 1
    got=$(new_orders "$mark")
    [[ $got == "201 - shortlived" ]] || fail "newOrder with a listed profile: '$got'" || return 1
    [[ $(status_profile "$d/state") == shortlived ]] ||
        fail "status shows profile '$(status_profile "$d/state")'" || return 1
    front_set_script FRONT '{"profiles": {"classic": "90 days"}}'
    mark=$(($(log_lines) + 1))
    issue_via prof_2 "$d/state" profile.demo.test --profile shortlived || return 1
    got=$(new_orders "$mark")
    [[ $got == "201 - -" ]] || fail "newOrder with an unlisted profile: '$got'" || return 1
    [[ $(status_profile "$d/state") == None ]] ||
        fail "status after the CA's default shows '$(status_profile "$d/state")'"
}

scenario_profile_refused() {
    local d=$work/profile_refused mark got
    mkdir -p "$d"
    front_set_script FRONT \
        '{"profiles": {"classic": "90 days", "shortlived": "6 days"}, "refuse_profiles": ["shortlived"]}'
    mark=$(($(log_lines) + 1))
    issue_via profr_1 "$d/state" refused.demo.test --profile shortlived --verbose || return 1
    got=$(new_orders "$mark" | tr '\n' ';')
    [[ $got == "400 - shortlived;201 - -;" ]] || fail "newOrders after invalidProfile: '$got'" ||
        return 1
    grep -q "refused profile shortlived" "$work/profr_1.err" ||
        fail "no warning about the refused profile" || return 1
    [[ $(status_profile "$d/state") == None ]] ||
        fail "status after invalidProfile shows '$(status_profile "$d/state")'"
}

# ari_json NAME: 'acme-agent ari' on $d/state into $work/NAME.json; its exit status in rc.
ari_json() {
    timeout "$AGENT_TIMEOUT_S" "$agent" ari --state "$d/state" --trust "$PEBBLE_TRUST" \
        >"$work/$1.json" 2>"$work/$1.err"
    rc=$?
}

# check_json FILE PYTHON-EXPR: the expression (over j, the JSON, and now, the epoch) holds.
check_json() {
    python3 - "$1" "$2" <<'PY'
import calendar, json, sys, time
j = json.load(open(sys.argv[1]))
now = time.time()
def t(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))
if not eval(sys.argv[2]):
    sys.exit("    %s does not hold for %s" % (sys.argv[2], json.dumps(j)))
PY
}

scenario_ari_window() {
    local d=$work/ari_window id rc
    mkdir -p "$d"
    front_set_script FRONT '{"renewal_info": true, "window": "absolute 2030-01-01T00:00:00Z 2030-01-02T00:00:00Z", "retry_after": 7200, "explanation_url": "https://ca.test/incident/42"}'
    issue_via ari_1 "$d/state" ari.demo.test || return 1
    "$agent" export --state "$d/state" --out "$d/out" >/dev/null 2>&1 || fail "export" || return 1
    id=$(ari_cert_id "$d/out/fullchain.pem")
    ari_json ari_ok
    ((rc == 0)) || fail "ari exited $rc" || return 1
    check_json "$work/ari_ok.json" 'j["result"] == "ok" and j["window"] == {"start": "2030-01-01T00:00:00Z", "end": "2030-01-02T00:00:00Z"} and j["explanation_url"] == "https://ca.test/incident/42" and abs(t(j["next_check"]) - (now + 7200)) < 120' ||
        return 1
    [[ $(front_request_count FRONT "\"path\":\"/renewal-info/$id\"") -ge 1 ]] ||
        fail "the front saw no GET /renewal-info/$id" || return 1
    "$agent" status --state "$d/state" >"$work/ari_status.json" || fail "status" || return 1
    check_json "$work/ari_status.json" 'j["next"]["why"] == "ari window" and t("2030-01-01T00:00:00Z") <= t(j["next"]["renew_at"]) < t("2030-01-02T00:00:00Z") and j["ari"]["window"]["start"] == "2030-01-01T00:00:00Z"' ||
        return 1
    # end <= start is no answer (a failed check, exit 2): the window stays; its Retry-After,
    # below a minute, is clamped to one.
    front_set_script FRONT '{"renewal_info": true, "window": "invalid", "retry_after": 5}'
    ari_json ari_invalid
    ((rc == 2)) || fail "ari (invalid window) exited $rc, expected 2" || return 1
    check_json "$work/ari_invalid.json" 'j["result"] == "failed" and j["window"]["start"] == "2030-01-01T00:00:00Z" and abs(t(j["next_check"]) - (now + 60)) < 30' ||
        return 1
    # A server error: exit 2, the window stays, the next check in 6 hours.
    front_set_script FRONT '{"renewal_info": true, "window": "status 500"}'
    ari_json ari_500
    ((rc == 2)) || fail "ari (500) exited $rc, expected 2" || return 1
    check_json "$work/ari_500.json" 'j["result"] == "failed" and j["window"]["start"] == "2030-01-01T00:00:00Z" and abs(t(j["next_check"]) - (now + 6 * 3600)) < 120'
}

# rollover_run NAME [ARGS...]: 'acme-agent rollover' on $d/state; exit status in rc.
rollover_run() {
    local name=$1
    shift
    timeout "$AGENT_TIMEOUT_S" "$agent" rollover --state "$d/state" --trust "$PEBBLE_TRUST" \
        --verbose "$@" >"$work/$name.out" 2>"$work/$name.err"
    rc=$?
}

account_of() {
    "$agent" status --state "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("account"))'
}

# requests PATH-ERE [FROM-LINE]: the front's log lines for that path (from line FROM on).
requests() {
    front_requests FRONT "\"path\":\"$1\"" | tail -n +"${2:-1}"
}

# renew_with_same_account DOMAIN: issue again; no newAccount, same account URL as $acct.
renew_with_same_account() {
    local mark
    mark=$(($(front_request_count FRONT '"path":"/sign-me-up"') + 1))
    issue_via "${d##*/}_renew" "$d/state" "$1" || return 1
    [[ -z $(requests /sign-me-up "$mark") ]] ||
        fail "the issuance after the rollover sent newAccount" || return 1
    [[ $(account_of "$d/state") == "$acct" ]] ||
        fail "account is $(account_of "$d/state"), expected $acct"
}

scenario_rollover() {
    local d=$work/rollover acct rc
    mkdir -p "$d"
    front_set_script FRONT '{}'
    issue_via roll_1 "$d/state" rollover.demo.test || return 1
    acct=$(account_of "$d/state")
    [[ $acct == https://* ]] || fail "no account after the issuance" || return 1
    rollover_run roll_2
    ((rc == 0)) || fail "rollover exited $rc: $(tail -n 1 "$work/roll_2.err")" || return 1
    grep -qxF "account key rolled over: $acct" "$work/roll_2.out" ||
        fail "rollover printed '$(cat "$work/roll_2.out")'" || return 1
    [[ $(requests /rollover-account-key | grep -c '"status":200') == 1 ]] ||
        fail "the CA did not confirm one keyChange" || return 1
    requests /rollover-account-key | grep -qF "\"payload\":{\"protected\":" ||
        fail "keyChange's payload is not a JWS" || return 1
    renew_with_same_account rollover.demo.test || return 1
    # The old key is gone at the CA: an account lookup with a stale state would fail; and
    # a second rollover works from the new key.
    rollover_run roll_3
    ((rc == 0)) || fail "a second rollover exited $rc" || return 1
    renew_with_same_account rollover.demo.test
}

scenario_rollover_cut_after() {
    local d=$work/rollover_after acct rc mark
    mkdir -p "$d"
    front_set_script FRONT '{}'
    issue_via rca_1 "$d/state" cutafter.demo.test || return 1
    acct=$(account_of "$d/state")
    front_set_script FRONT '{"cut": {"/rollover-account-key": "after"}}'
    mark=$(($(front_request_count FRONT '"path":"/rollover-account-key"') + 1))
    rollover_run rca_2
    ((rc == 2)) || fail "rollover with the answer cut exited $rc, expected 2" || return 1
    requests /rollover-account-key "$mark" | grep -qF '"upstream_status":200' ||
        fail "the CA did not change the key behind the cut" || return 1
    front_set_script FRONT '{}'
    # Until it is settled, the account is not used, and status says what is next.
    timeout "$AGENT_TIMEOUT_S" "$agent" issue --state "$d/state" --directory "$FRONT_DIR_URL" \
        --trust "$PEBBLE_TRUST" --http01-port "$PEBBLE_HTTP01_PORT" --http01-bind 127.0.0.1 \
        --domain cutafter.demo.test >"$work/rca_3.out" 2>"$work/rca_3.err"
    rc=$?
    ((rc == 2)) || fail "issue during an unsettled rollover exited $rc, expected 2" || return 1
    grep -q "rollover at this CA is unfinished" "$work/rca_3.err" ||
        fail "issue said '$(tail -n 1 "$work/rca_3.err")'" || return 1
    "$agent" status --state "$d/state" >"$work/rca_status.json" || fail "status" || return 1
    check_json "$work/rca_status.json" 'j["next"]["action"] == "rollover"' || return 1
    mark=$(($(front_request_count FRONT '"path":"/rollover-account-key"') + 1))
    local probe_mark
    probe_mark=$(($(front_request_count FRONT '"path":"/sign-me-up"') + 1))
    rollover_run rca_4
    ((rc == 0)) || fail "finishing the rollover exited $rc: $(tail -n 1 "$work/rca_4.err")" ||
        return 1
    grep -qF "the change had reached the CA before" "$work/rca_4.err" ||
        fail "the agent did not find the change done" || return 1
    [[ -z $(requests /rollover-account-key "$mark") ]] ||
        fail "a second keyChange was sent" || return 1
    requests /sign-me-up "$probe_mark" | grep -F '"payload":{"onlyReturnExisting":true}' |
        grep -qF '"status":200' ||
        fail "no onlyReturnExisting probe answered 200: $(requests /sign-me-up "$probe_mark")" ||
        return 1
    renew_with_same_account cutafter.demo.test
}

scenario_rollover_cut_before() {
    local d=$work/rollover_before acct rc mark
    mkdir -p "$d"
    front_set_script FRONT '{}'
    issue_via rcb_1 "$d/state" cutbefore.demo.test || return 1
    acct=$(account_of "$d/state")
    front_set_script FRONT '{"cut": {"/rollover-account-key": "before"}}'
    rollover_run rcb_2
    ((rc == 2)) || fail "rollover with the request cut exited $rc, expected 2" || return 1
    front_set_script FRONT '{}'
    mark=$(($(front_request_count FRONT '"path":"/sign-me-up"') + 1))
    rollover_run rcb_3
    ((rc == 0)) || fail "finishing the rollover exited $rc: $(tail -n 1 "$work/rcb_3.err")" ||
        return 1
    requests /sign-me-up "$mark" | grep -F '"payload":{"onlyReturnExisting":true}' |
        grep -qF '"status":400' ||
        fail "the probe did not hear accountDoesNotExist" || return 1
    ! grep -qF "reached the CA before" "$work/rcb_3.err" ||
        fail "the agent claims the cut request had reached the CA" || return 1
    renew_with_same_account cutbefore.demo.test
}

scenario_rollover_replay() {
    local d=$work/rollover_replay acct rc mark
    mkdir -p "$d"
    front_set_script FRONT '{}'
    issue_via rrp_1 "$d/state" replay.demo.test || return 1
    acct=$(account_of "$d/state")
    front_set_script FRONT '{"cut": {"/rollover-account-key": "after-once"}}'
    mark=$(($(front_request_count FRONT '"path":"/sign-me-up"') + 1))
    local kc_mark
    kc_mark=$(($(front_request_count FRONT '"path":"/rollover-account-key"') + 1))
    rollover_run rrp_2
    front_set_script FRONT '{}'
    ((rc == 0)) || fail "rollover after a lost answer exited $rc: $(tail -n 1 "$work/rrp_2.err")" ||
        return 1
    requests /rollover-account-key "$kc_mark" | grep -qF '"upstream_status":200' ||
        fail "the CA did not change the key behind the cut" || return 1
    requests /rollover-account-key "$kc_mark" | grep -vqF '"cut":' ||
        fail "no retry of keyChange got an answer" || return 1
    requests /sign-me-up "$mark" | grep -F '"payload":{"onlyReturnExisting":true}' |
        grep -qF '"status":200' || fail "the refusal was not checked with the probe" || return 1
    grep -qF "the change had reached the CA before" "$work/rrp_2.err" ||
        fail "the agent did not find the change done" || return 1
    renew_with_same_account replay.demo.test
}

scenarios=("$@")
((${#scenarios[@]})) || scenarios=(replaces already_replaced no_ari profile profile_refused ari_window
    rollover rollover_cut_after rollover_cut_before rollover_replay)
echo '{}' >"$work/script.json"
# No rejected nonces: the scenarios count newOrder answers, and a badNonce retry (tested in
# test_issue's nonce_reject) would add a 400 line to them.
pebble_start "$work/pebble" PEBBLE_WFE_NONCEREJECT=0 || exit 1
front_start FRONT "$PEBBLE_DIR_URL" "$work/script.json" || exit 1
pebble_run_scenarios "${scenarios[@]}"
if ((${#failed[@]})); then
    front_logs | tail -n 20 | sed 's/^/    /'
    echo "FAILED: ${failed[*]} (outputs in $work)"
    exit 1
fi
echo "all ${#scenarios[@]} scenarios passed"
