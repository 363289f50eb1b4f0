#!/usr/bin/env bash
# tests/integration/test_front.sh -- the test front itself (acme_front.py via lib/front.sh) in
# front of a real Pebble, driven with curl and a minimal Python ACME client (mini_acme.py); no
# acme-agent involved. Before agent tests rely on the front's ARI and profiles, this shows the
# front says what RFC 9773 and draft-ietf-acme-profiles say a server says.
#
#   test_front.sh ACME_AGENT_BINARY BUILD_DIR [SCENARIO ...]   (the agent binary is unused)
#
# Registered in ctest as integration.test_front. Scenarios, in this order unless named:
#   self_test        acme_front.py --self-test: certID of RFC 9773's example, from its parts
#                    and from openssl-made certificates (with and without a leading 0x00)
#   directory        an empty script passes Pebble's directory through (URLs on the front's
#                    port); renewal_info + profiles add renewalInfo and meta.profiles and keep
#                    Pebble's other meta members
#   unknown_cert     renewal-info for a certID the front never saw: 404 problem; a malformed
#                    certID: 400
#   issue            a whole issuance through the front with a listed profile: every order
#                    answer carries the profile; the front logs the certificate's certID, the
#                    one openssl's view of the leaf gives (cert_check.sh's ari_cert_id)
#   windows          renewal-info for that certificate in every mode: due (window open now),
#                    later (notAfter - 2 d .. - 1 d), absolute, invalid (end before start),
#                    status 503; Retry-After and explanationURL as scripted
#   replaces         newOrder replacing it: forwarded once (201), then 409 alreadyReplaced
#                    with a Replay-Nonce that works; certIDs the script marks get 409 too
#   invalid_profile  an unlisted profile, and any profile when none is listed: 400
#                    invalidProfile with a Replay-Nonce that works
#   bad_script       a script that is not valid makes every answer 500 and stderr say why
#   log              every log line is JSON with time/method/path/status/by; POSTs have url
#                    and payload; every request of this run is there
set -uo pipefail

build=${2:?usage: test_front.sh ACME_AGENT BUILD_DIR [SCENARIO ...]}
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

CLIENT_TIMEOUT_S=30
agent_run_workdir test_front || exit 1
trap 'front_stop; pebble_stop' EXIT
trap 'exit 130' INT TERM

# ---- helpers -------------------------------------------------------------------------------

# check_json FILE EXPR WHAT: the Python expression EXPR is true of j, FILE's JSON (and of
# now, the time in seconds, and ts(RFC 3339 string) -> seconds).
check_json() {
    _pebble_python - "$@" <<'EOF'
import calendar, json, sys, time
path, expr, what = sys.argv[1:4]
def ts(v):
    return calendar.timegm(time.strptime(v, "%Y-%m-%dT%H:%M:%SZ"))
try:
    with open(path) as f:
        j = json.load(f)
    ok = eval("(" + expr + ")", {"j": j, "now": time.time(), "ts": ts, "json": json})
except Exception as e:  # a missing member is a failed check, not a crash
    ok, j = False, "%s (%s: %s)" % (open(path).read()[:600], type(e).__name__, e)
if not ok:
    print("    FAIL: %s: %s" % (what, j if isinstance(j, str) else json.dumps(j)[:600]))
    sys.exit(1)
EOF
}

# fetch NAME URL: GET with curl; $work/NAME.body, $work/NAME.head; prints the HTTP status.
fetch() {
    curl -s --max-time 10 --cacert "$PEBBLE_TRUST" -D "$work/$1.head" -o "$work/$1.body" \
        -w '%{http_code}' "$2" || true
}

# header NAME FIELD: a response header's value from $work/NAME.head (last one wins).
header() {
    { grep -i "^$2:" "$work/$1.head" || true; } | tail -n 1 | cut -d: -f2- | tr -d '\r' |
        sed 's/^ *//'
}

# client NAME ARGS...: mini_acme.py through the front with the run's account key; its JSON
# result in $work/NAME.json, stderr in $work/NAME.err.
client() {
    local name=$1
    shift
    timeout "$CLIENT_TIMEOUT_S" "$(_front_python_path)" "$here/mini_acme.py" \
        --dir "$FRONT_DIR_URL" --trust "$PEBBLE_TRUST" --key "$work/account.key" \
        --http01-port "$PEBBLE_HTTP01_PORT" "$@" >"$work/$name.json" 2>"$work/$name.err" || {
        fail "mini_acme $* exited $?: $(tail -n 3 "$work/$name.err")"
        return 1
    }
}

renewal_url() {
    echo "https://127.0.0.1:$FRONT_PORT/renewal-info/$1"
}

PROFILES='{"classic": "the usual 90 days", "shortlived": "6 days"}'
script() {
    front_set_script FRONT "$1"
}

# ---- scenarios -----------------------------------------------------------------------------

scenario_self_test() {
    "$(_front_python_path)" "$here/acme_front.py" --self-test >"$work/self_test.out" 2>&1 || {
        sed 's/^/      /' "$work/self_test.out"
        fail "acme_front.py --self-test"
        return 1
    }
    sed 's/^/    /' "$work/self_test.out"
}

scenario_directory() {
    local code
    script '{}'
    code=$(fetch dir_plain "$FRONT_DIR_URL")
    [[ $code == 200 ]] || fail "directory: HTTP $code" || return 1
    curl -s --max-time 10 --cacert "$PEBBLE_TRUST" -o "$work/dir_pebble.body" "$PEBBLE_DIR_URL" ||
        fail "Pebble's own directory" || return 1
    check_json "$work/dir_plain.body" \
        "'renewalInfo' not in j and 'profiles' not in j['meta'] and
         j['newOrder'] == 'https://127.0.0.1:$FRONT_PORT/order-plz' and
         json.load(open('$work/dir_pebble.body'))['meta'] == j['meta']" \
        "an empty script changed the directory or Pebble used another host" || return 1

    script "{\"renewal_info\": true, \"profiles\": $PROFILES}"
    code=$(fetch dir "$FRONT_DIR_URL")
    [[ $code == 200 ]] || fail "directory: HTTP $code" || return 1
    check_json "$work/dir.body" \
        "j['renewalInfo'] == 'https://127.0.0.1:$FRONT_PORT/renewal-info' and
         j['meta']['profiles'] == $PROFILES and
         j['meta']['termsOfService'].startswith('data:') and
         j['meta']['externalAccountRequired'] is False and
         all(j[k].startswith('https://127.0.0.1:$FRONT_PORT/') for k in
             ('newNonce', 'newAccount', 'newOrder', 'revokeCert', 'keyChange'))" \
        "directory with renewal_info and profiles"
}

scenario_unknown_cert() {
    local code
    code=$(fetch unknown "$(renewal_url aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE)")
    [[ $code == 404 ]] || fail "unknown certID: HTTP $code, expected 404" || return 1
    [[ $(header unknown Content-Type) == application/problem+json ]] ||
        fail "unknown certID: Content-Type $(header unknown Content-Type)" || return 1
    check_json "$work/unknown.body" \
        "j['type'] == 'urn:ietf:params:acme:error:malformed' and j['status'] == 404" \
        "unknown certID problem" || return 1
    code=$(fetch malformed "$(renewal_url not-a-cert-id)")
    [[ $code == 400 ]] || fail "malformed certID: HTTP $code, expected 400"
}

cert_id=""
scenario_issue() {
    script "{\"renewal_info\": true, \"profiles\": $PROFILES}"
    client issue issue issue.front.test --profile shortlived --out "$work/issue.pem" ||
        return 1
    check_json "$work/issue.json" \
        "j['created']['profile'] == 'shortlived' and j['order']['profile'] == 'shortlived' and
         j['order']['status'] == 'valid'" "the order's profile" || return 1
    cert_id=$(ari_cert_id "$work/issue.pem")
    [[ $cert_id =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$ ]] ||
        fail "openssl gave no certID for the issued certificate ('$cert_id')" || return 1
    local learned
    learned=$(front_requests FRONT '"path":"/certZ/' | tail -n 1 |
        sed -n 's/.*"cert_id":"\([^"]*\)".*/\1/p')
    [[ $learned == "$cert_id" ]] ||
        fail "the front learned certID '$learned', openssl gives '$cert_id'" || return 1
    # The certificate really is Pebble's, and the order said it through the front's URLs.
    pebble_issued_serials | grep -qx "$(cert_serial "$work/issue.pem")" ||
        fail "Pebble did not log issuing this certificate" || return 1
    front_requests FRONT '"path":"/order-plz","status":201.*"payload":\{.*"profile":"shortlived"' |
        grep -q . || fail "the front did not log the newOrder payload with its profile"
}

# ari NAME: renewal-info for the issued certificate; status in $code.
ari() {
    code=$(fetch "$1" "$(renewal_url "$cert_id")")
}

scenario_windows() {
    [[ -n $cert_id ]] || fail "needs the issue scenario" || return 1
    local na code
    na=$(date -u -d "$(openssl x509 -in "$work/issue.pem" -noout -enddate | cut -d= -f2)" +%s)

    script '{"window": "due", "retry_after": 21600, "explanation_url": "https://ca.test/why"}'
    ari due
    [[ $code == 200 ]] || fail "due: HTTP $code" || return 1
    [[ $(header due Content-Type) == application/json ]] ||
        fail "due: Content-Type '$(header due Content-Type)'" || return 1
    [[ $(header due Retry-After) == 21600 ]] ||
        fail "due: Retry-After '$(header due Retry-After)', scripted 21600" || return 1
    check_json "$work/due.body" \
        "ts(j['suggestedWindow']['start']) < now - 600 and
         ts(j['suggestedWindow']['end']) <= now + 1 and
         j['explanationURL'] == 'https://ca.test/why' and sorted(j) ==
         ['explanationURL', 'suggestedWindow']" "due window" || return 1

    script '{"window": "later"}'
    ari later
    [[ $code == 200 && -z $(header later Retry-After) ]] ||
        fail "later: HTTP $code, Retry-After '$(header later Retry-After)'" || return 1
    check_json "$work/later.body" \
        "ts(j['suggestedWindow']['start']) == $na - 2 * 86400 and
         ts(j['suggestedWindow']['end']) == $na - 86400 and 'explanationURL' not in j" \
        "later window for notAfter $na" || return 1

    script "{\"window\": \"due\", \"windows\": {\"$cert_id\":
        \"absolute 2030-01-02T03:04:05Z 2030-01-03T03:04:05Z\"}}"
    ari absolute
    check_json "$work/absolute.body" \
        "j['suggestedWindow'] == {'start': '2030-01-02T03:04:05Z',
                                  'end': '2030-01-03T03:04:05Z'}" "absolute window" ||
        return 1

    script '{"window": "invalid"}'
    ari invalid
    check_json "$work/invalid.body" \
        "ts(j['suggestedWindow']['end']) < ts(j['suggestedWindow']['start'])" \
        "invalid window (end before start)" || return 1

    script '{"window": "status 503", "retry_after": 30}'
    ari status
    [[ $code == 503 && $(header status Retry-After) == 30 ]] ||
        fail "status 503: HTTP $code, Retry-After '$(header status Retry-After)'" || return 1
    check_json "$work/status.body" "j['status'] == 503 and 'suggestedWindow' not in j" \
        "status 503 problem"
}

# expect_refusal NAME STATUS TYPE: a mini_acme new-order result refused with this problem,
# carrying a Replay-Nonce that Pebble then accepts.
expect_refusal() {
    check_json "$work/$1.json" \
        "j['status'] == $2 and j['type'] == 'urn:ietf:params:acme:error:$3' and
         j['nonce'] and j['nonce_status'] == 200" \
        "$1: expected $2 $3 with a working Replay-Nonce"
}

scenario_replaces() {
    [[ -n $cert_id ]] || fail "needs the issue scenario" || return 1
    script "{\"profiles\": $PROFILES}"
    client replace_1 new-order issue.front.test --replaces "$cert_id" || return 1
    check_json "$work/replace_1.json" "j['status'] == 201 and j['location']" \
        "the first order replacing $cert_id" || return 1
    client replace_2 new-order issue.front.test --replaces "$cert_id" || return 1
    expect_refusal replace_2 409 alreadyReplaced || return 1
    front_requests FRONT '"path":"/order-plz","status":409,"by":"front"' | grep -qF "$cert_id" ||
        fail "the front's log does not show its 409 for $cert_id" || return 1

    # Marked by the script: refused though never replaced; an unmarked one goes through.
    script '{"already_replaced": ["AAAA.AQ"]}'
    client marked new-order issue.front.test --replaces AAAA.AQ || return 1
    expect_refusal marked 409 alreadyReplaced || return 1
    client unmarked new-order issue.front.test --replaces AAAA.Ag || return 1
    check_json "$work/unmarked.json" "j['status'] == 201" "an unmarked certID" || return 1
    script '{"already_replaced": true}'
    client all_marked new-order issue.front.test --replaces AAAA.Aw || return 1
    expect_refusal all_marked 409 alreadyReplaced
}

scenario_invalid_profile() {
    script "{\"profiles\": $PROFILES}"
    client bad_profile new-order issue.front.test --profile nope || return 1
    expect_refusal bad_profile 400 invalidProfile || return 1
    client good_profile new-order issue.front.test --profile classic || return 1
    check_json "$work/good_profile.json" "j['status'] == 201 and j['body']['profile'] == 'classic'" \
        "a listed profile" || return 1
    script '{}'
    client no_profiles new-order issue.front.test --profile classic || return 1
    expect_refusal no_profiles 400 invalidProfile
}

scenario_bad_script() {
    local code
    printf '{"window": "sometime"}\n' >"$FRONT_SCRIPT"
    code=$(fetch bad_script "$FRONT_DIR_URL")
    [[ $code == 500 ]] || fail "a bad script: HTTP $code, expected 500" || return 1
    grep -q 'BAD SCRIPT.*sometime' "$FRONT_STDERR" ||
        fail "stderr does not say why the script is bad" || return 1
    script '{}'
    code=$(fetch good_again "$FRONT_DIR_URL")
    [[ $code == 200 ]] || fail "after fixing the script: HTTP $code"
}

scenario_log() {
    _pebble_python - "$FRONT_LOG" <<'EOF' || fail "the request log"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
problems, methods = [], set()
for n, text in enumerate(lines, 1):
    try:
        e = json.loads(text)
    except ValueError:
        problems.append("line %d is not JSON" % n)
        continue
    if list(e)[:5] != ["time", "method", "path", "status", "by"]:
        problems.append("line %d starts with %s" % (n, list(e)[:5]))
    if e["method"] == "POST" and not ("url" in e and "payload" in e):
        problems.append("line %d: a POST without url/payload" % n)
    if e["method"] == "POST" and e.get("url", "").split("/", 3)[-1] != e["path"].lstrip("/"):
        problems.append("line %d: url %s for path %s" % (n, e.get("url"), e["path"]))
    methods.add(e["method"])
if len(lines) < 20 or methods != {"GET", "HEAD", "POST"}:
    problems.append("%d lines, methods %s" % (len(lines), sorted(methods)))
if problems:
    sys.exit("    " + "; ".join(problems[:5]))
EOF
}

# ---- main ----------------------------------------------------------------------------------

scenarios=("$@")
((${#scenarios[@]})) || scenarios=(self_test directory unknown_cert issue windows replaces
    invalid_profile bad_script log)

# No badNonce by chance: the Replay-Nonce checks must mean what they say.
pebble_start "$work/pebble" PEBBLE_WFE_NONCEREJECT=0 || {
    echo "FAIL: could not start Pebble"
    exit 1
}
echo '{}' >"$work/script.json"
front_start FRONT "$PEBBLE_DIR_URL" "$work/script.json" || {
    echo "FAIL: could not start the front"
    exit 1
}
echo "work dir: $work"
pebble_run_scenarios "${scenarios[@]}"
((${#failed[@]})) && front_logs | sed 's/^/    /' | tail -n 40

front_stop
pebble_stop
if ((${#failed[@]})); then
    echo "FAILED: ${failed[*]} (outputs in $work)"
    exit 1
fi
echo "all ${#scenarios[@]} scenarios passed"
rm -rf "$work"
