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

AGENT_TIMEOUT_S=60
[[ -x $agent ]] || {
    echo "FAIL: acme-agent binary '$agent' not found or not executable"
    exit 1
}
mkdir -p "$build/integration-work"
find "$build/integration-work" -maxdepth 1 -name 'test_renewal.*' -printf '%T@ %p\n' |
    sort -rn | tail -n +3 | cut -d' ' -f2- | xargs -r rm -rf --
work=$(mktemp -d "$(cd "$build" && pwd)/integration-work/test_renewal.XXXXXX")
trap 'front_stop; pebble_stop' EXIT
trap 'exit 130' INT TERM

fail() {
    echo "    FAIL: $*"
    return 1
}

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

scenarios=("$@")
((${#scenarios[@]})) || scenarios=(replaces already_replaced no_ari profile)
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
