#!/usr/bin/env bash
# tests/integration/test_issue.sh -- acme-agent gets a certificate from a real Pebble on
# 127.0.0.1 (with pebble-challtestsrv as its DNS) and stores, exports and reports it as the CLI
# contract says; failures exit 2 and leave the stored state untouched.
#
#   test_issue.sh ACME_AGENT_BINARY BUILD_DIR [SCENARIO ...]
#
# Registered in ctest as integration.test_issue. Scenarios (functions scenario_*), run in this
# order unless named on the command line:
#   two_names         issue for two names, export, verify chain/SANs/key/mode, status JSON
#   account_reuse     a second issuance with the same state adds no account at Pebble
#   rsa2048           --key-type rsa2048 gives an RSA 2048 key that matches the certificate
#   dns_server        directory by host name, resolved through --dns-server (challtestsrv)
#   wrong_trust       an untrusted ACME server: exit 2, reason names trust/verify, state intact
#   server_dates      a server certificate expired or not yet valid is refused (verify); one
#                     valid now passes TLS
#   unreachable       a closed loopback port: exit 2 within 10 s, state intact
#   nonce_reject      Pebble restarted with PEBBLE_WFE_NONCEREJECT=50: fresh + stored issue
#
# CLI contract (boards/linux):
#   acme-agent issue --state FILE --directory URL --domain NAME [--domain NAME ...]
#       --trust PEMFILE [--http01-port N] [--http01-bind IP] [--key-type p256|rsa2048]
#       [--contact mailto:...] [--dns-server IP:PORT]
#   acme-agent export --state FILE --out DIR  -> DIR/fullchain.pem, DIR/privkey.pem (0600)
#   acme-agent status --state FILE            -> JSON {"names":[...],"issuer":"...",
#                                                "serial":"...","not_before":"...","not_after":"..."}
#   exit 0 on success, 2 on failure with a one-line reason on stderr.
set -uo pipefail

agent=${1:?usage: test_issue.sh ACME_AGENT BUILD_DIR [SCENARIO ...]}
build=${2:?usage: test_issue.sh ACME_AGENT BUILD_DIR [SCENARIO ...]}
shift 2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib/pebble.sh
. "$here/lib/pebble.sh"
# shellcheck source=SCRIPTDIR/lib/cert_check.sh
. "$here/lib/cert_check.sh"
# shellcheck source=SCRIPTDIR/lib/agent_run.sh
. "$here/lib/agent_run.sh"

AGENT_TIMEOUT_S=60
[[ -x $agent ]] || {
    echo "FAIL: acme-agent binary '$agent' not found or not executable"
    exit 1
}
agent_run_workdir test_issue || exit 1
trap 'pebble_stop' EXIT
trap 'exit 130' INT TERM

# ---- helpers -------------------------------------------------------------------------------

# issue NAME STATE EXTRA_ARGS... : issue with the running Pebble's defaults; expect exit 0.
issue_ok() {
    local name=$1 state=$2
    shift 2
    run_agent "$name" issue --state "$state" --trust "$PEBBLE_TRUST" \
        --http01-port "$PEBBLE_HTTP01_PORT" --http01-bind 127.0.0.1 "$@"
    if ((rc != 0)); then
        agent_said "$name"
        fail "issue exited $rc, expected 0"
        return 1
    fi
}

# export_ok NAME STATE OUTDIR
export_ok() {
    rm -rf "$3"
    mkdir -p "$3"
    run_agent "$1" export --state "$2" --out "$3"
    ((rc == 0)) || {
        agent_said "$1"
        fail "export exited $rc, expected 0"
    }
}

# Highest "There are now N accounts in memory" Pebble has logged (0 if none).
pebble_account_count() {
    { grep -oE 'There are now [0-9]+ accounts in memory' "$PEBBLE_LOG" || true; } |
        awk '{ if ($4 > n) n = $4 } END { print n + 0 }'
}

# A closed loopback port: free now, nobody listening.
closed_port() {
    _pebble_free_ports 1
}

# ---- scenarios -----------------------------------------------------------------------------

scenario_two_names() {
    local d=$work/two_names
    mkdir -p "$d"
    issue_ok issue_two "$d/state" --directory "$PEBBLE_DIR_URL" \
        --domain a.demo.test --domain b.demo.test --contact mailto:admin@demo.test || return 1
    [[ -s $d/state ]] || fail "issue succeeded but wrote no state file" || return 1
    export_ok export_two "$d/state" "$d/out" || return 1
    check_export "$d/out" a.demo.test b.demo.test || return 1

    run_agent status_two status --state "$d/state"
    ((rc == 0)) || {
        agent_said status_two
        fail "status exited $rc"
        return 1
    }
    local serial issuer_cn
    serial=$(cert_serial "$d/out/leaf.pem")
    issuer_cn=$(openssl x509 -in "$d/out/leaf.pem" -noout -issuer -nameopt multiline |
        sed -n 's/^ *commonName *= *//p')
    local cert_id
    cert_id=$(ari_cert_id "$d/out/leaf.pem")
    _pebble_python - "$work/status_two.out" "$serial" "$issuer_cn" "$cert_id" <<'EOF' || fail "status JSON"
import json, sys
path, serial, issuer_cn, cert_id = sys.argv[1:5]
try:
    with open(path) as f:
        st = json.load(f)
except ValueError as e:
    sys.exit("    status output is not JSON: %s" % e)
problems = []
if sorted(st.get("names", [])) != ["a.demo.test", "b.demo.test"]:
    problems.append("names %r" % st.get("names"))
got = str(st.get("serial", "")).replace(":", "").lower().lstrip("0")
if got != serial:
    problems.append("serial %r, certificate has %s" % (st.get("serial"), serial))
if issuer_cn not in str(st.get("issuer", "")):
    problems.append("issuer %r does not name %r" % (st.get("issuer"), issuer_cn))
for key in ("not_before", "not_after"):
    if not isinstance(st.get(key), str) or not st[key]:
        problems.append("%s missing" % key)
# Wear report: one erase count per block of the state file; the blocks the
# issuance wrote were erased at least once, and state changes are few.
store = st.get("store", {})
counts = store.get("erase_counts", [])
if not isinstance(counts, list) or len(counts) != store.get("blocks") or len(counts) < 3:
    problems.append("store.erase_counts %r for %r blocks" % (counts, store.get("blocks")))
else:
    used = [c for c in counts if c is not None]
    if not used or min(used) < 1 or max(used) > 2:
        problems.append("erase counts after one issuance: %r" % counts)
if not 0 < store.get("live_bytes", 0) <= store.get("blocks", 0) * store.get("erase_size", 0):
    problems.append("store.live_bytes %r" % store.get("live_bytes"))
# The next renewal: a third of the lifetime before expiry (half under 10 days), up to 1/16
# of it earlier (jitter), and why.
import datetime
def ts(v):
    return datetime.datetime.strptime(v, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()
nxt = (st.get("renewal") or {}).get("next") or {}
try:
    nb, na, at = ts(st["not_before"]), ts(st["not_after"]), ts(nxt.get("at", ""))
    life = na - nb
    latest = na - (life / 2 if life < 10 * 86400 else life / 3)
    if nxt.get("why") != "lifetime" or not latest - life / 16 - 1 <= at <= latest + 1:
        problems.append("renewal.next %r for %s..%s" % (nxt, st["not_before"], st["not_after"]))
except (KeyError, ValueError) as e:
    problems.append("renewal.next %r: %s" % (nxt, e))
# RFC 9773: the certID the agent computes is the one openssl's view of the leaf gives.
if st.get("ari_cert_id") != cert_id:
    problems.append("ari_cert_id %r, openssl gives %r" % (st.get("ari_cert_id"), cert_id))
if problems:
    sys.exit("    status JSON: " + "; ".join(problems))
EOF
}

# Reuse is checked at the server: Pebble logs its account count on every new account, so a
# second issuance with the same state must leave that count where the first one left it.
scenario_account_reuse() {
    local d=$work/account_reuse before after first second
    mkdir -p "$d"
    issue_ok reuse_1 "$d/state" --directory "$PEBBLE_DIR_URL" --domain reuse.demo.test ||
        return 1
    export_ok reuse_export_1 "$d/state" "$d/out1" || return 1
    before=$(pebble_account_count)
    issue_ok reuse_2 "$d/state" --directory "$PEBBLE_DIR_URL" --domain reuse.demo.test ||
        return 1
    after=$(pebble_account_count)
    ((after == before)) ||
        fail "Pebble went from $before to $after accounts: the stored account was not reused" ||
        return 1
    export_ok reuse_export_2 "$d/state" "$d/out2" || return 1
    check_export "$d/out2" reuse.demo.test || return 1
    first=$(cert_serial "$d/out1/fullchain.pem")
    second=$(cert_serial "$d/out2/fullchain.pem")
    [[ $first != "$second" ]] ||
        fail "the second issuance exported the first certificate again (serial $first)"
}

# An order cut short is resumed by the next run: the first run's http-01 responder listens
# where Pebble does not look, so the authorization fails and the order ends invalid; the run
# fails with the order and its key stored. The second run fetches that order (no newOrder
# first), finds it invalid, orders once more with the same key, and gets the certificate.
scenario_resume_order() {
    local d=$work/resume_order port first_order second_order
    mkdir -p "$d"
    port=$(closed_port) || return 1
    run_agent resume_1 issue --state "$d/state" --directory "$PEBBLE_DIR_URL" \
        --domain resume.demo.test --trust "$PEBBLE_TRUST" --http01-port "$port" \
        --http01-bind 127.0.0.1 --verbose
    ((rc == 2)) || {
        agent_said resume_1
        fail "the run with an unreachable responder exited $rc, expected 2"
        return 1
    }
    first_order=$(sed -n 's/.*order \(https:[^ ]*\)$/\1/p' "$work/resume_1.err" | head -n 1)
    [[ -n $first_order ]] || fail "the first run logged no order" || return 1
    local before
    before=$(pebble_request_count)
    issue_ok resume_2 "$d/state" --directory "$PEBBLE_DIR_URL" --domain resume.demo.test \
        --verbose || return 1
    grep -qF "resuming $first_order" "$work/resume_2.err" ||
        fail "the second run did not resume $first_order" || return 1
    # Pebble's log (paths without ids): this run fetched an order (POST /my-order/) before
    # its newOrder (POST /order-plz).
    grep -E -- '-> calling handler' "$PEBBLE_LOG" | tail -n +$((before + 1)) |
        grep -oE "POST /(my-order/|order-plz)" | head -n 2 >"$d/order-requests"
    [[ $(head -n 1 "$d/order-requests") == "POST /my-order/" ]] ||
        fail "the resumed order was not the first order request: $(tr '\n' ' ' <"$d/order-requests")" ||
        return 1
    second_order=$(sed -n 's/.*order \(https:[^ ]*\)$/\1/p' "$work/resume_2.err" | head -n 1)
    [[ -n $second_order && $second_order != "$first_order" ]] ||
        fail "the invalid order was not replaced by a new one ('$second_order')" || return 1
    export_ok resume_export "$d/state" "$d/out" || return 1
    check_export "$d/out" resume.demo.test
}

# The private scalar of the exported P-256 key, as lower-case hex.
_ec_scalar_hex() {
    openssl ec -in "$1" -noout -text 2>/dev/null |
        awk '/^priv:/ { p = 1; next } /^pub:/ { p = 0 } p' | tr -d ' :\n' | sed 's/^00//'
}

# Keys at rest sealed with a device secret (ACME_AGENT_SEAL_KEY_FILE): the state file never
# holds the private key (a state issued without the secret, the control, does); the keys
# open with the secret only; the next run with it reuses the sealed account.
scenario_sealed_keys() {
    local d=$work/sealed_keys scalar before after
    mkdir -p "$d"
    openssl rand -hex 32 >"$d/secret"
    openssl rand -hex 32 >"$d/other-secret"
    ACME_AGENT_SEAL_KEY_FILE=$d/secret issue_ok sealed_1 "$d/state" \
        --directory "$PEBBLE_DIR_URL" --domain sealed.demo.test || return 1
    ACME_AGENT_SEAL_KEY_FILE=$d/secret export_ok sealed_export "$d/state" "$d/out" || return 1
    check_export "$d/out" sealed.demo.test || return 1
    scalar=$(_ec_scalar_hex "$d/out/privkey.pem")
    ((${#scalar} >= 60)) || fail "could not read the exported key's scalar" || return 1
    if xxd -p "$d/state" | tr -d '\n' | grep -q "$scalar"; then
        fail "the sealed state file holds the device key in the clear"
        return 1
    fi
    issue_ok clear_1 "$d/clear-state" --directory "$PEBBLE_DIR_URL" --domain clear.demo.test ||
        return 1
    export_ok clear_export "$d/clear-state" "$d/clear-out" || return 1
    xxd -p "$d/clear-state" | tr -d '\n' | grep -q "$(_ec_scalar_hex "$d/clear-out/privkey.pem")" ||
        fail "control: the key of an unsealed state was not found in it" || return 1

    run_agent sealed_nosecret export --state "$d/state" --out "$d/out2"
    ((rc == 2)) && grep -qi 'sealed' "$work/sealed_nosecret.err" ||
        fail "export without the secret: exit $rc, '$(head -c 200 "$work/sealed_nosecret.err")'" ||
        return 1
    ACME_AGENT_SEAL_KEY_FILE=$d/other-secret run_agent sealed_wrong export --state "$d/state" \
        --out "$d/out3"
    ((rc == 2)) && grep -qi 'sealed' "$work/sealed_wrong.err" ||
        fail "export with another secret: exit $rc, '$(head -c 200 "$work/sealed_wrong.err")'" ||
        return 1
    printf 'short' >"$d/bad-secret"
    ACME_AGENT_SEAL_KEY_FILE=$d/bad-secret run_agent sealed_bad status --state "$d/state"
    ((rc == 2)) && grep -q 'ACME_AGENT_SEAL_KEY_FILE' "$work/sealed_bad.err" ||
        fail "an unusable secret file: exit $rc, '$(head -c 200 "$work/sealed_bad.err")'" ||
        return 1

    before=$(pebble_account_count)
    ACME_AGENT_SEAL_KEY_FILE=$d/secret issue_ok sealed_2 "$d/state" \
        --directory "$PEBBLE_DIR_URL" --domain sealed.demo.test || return 1
    after=$(pebble_account_count)
    ((after == before)) || fail "the sealed account was not reused ($before -> $after)"
}

# Revocation and deactivation, confirmed by the server: Pebble's management API reports the
# certificate Revoked with the reason given; a bad reason is refused before anything is sent;
# status then plans no renewal of the revoked certificate (the next run issues anew); and
# deactivation drops the stored account, after which there is nothing to revoke with.
scenario_revoke() {
    local d=$work/revoke serial before
    mkdir -p "$d"
    issue_ok revoke_issue "$d/state" --directory "$PEBBLE_DIR_URL" --domain revoke.demo.test ||
        return 1
    export_ok revoke_export "$d/state" "$d/out" || return 1
    serial=$(cert_serial "$d/out/fullchain.pem")
    before=$(pebble_request_count)
    run_agent revoke_bad revoke --state "$d/state" --trust "$PEBBLE_TRUST" --reason 7
    ((rc == 2)) || fail "revoke --reason 7 exited $rc, expected 2" || return 1
    (($(pebble_request_count) == before)) || fail "revoke --reason 7 sent requests" || return 1
    run_agent revoke revoke --state "$d/state" --trust "$PEBBLE_TRUST" --reason 4
    ((rc == 0)) || { agent_said revoke; fail "revoke exited $rc"; return 1; }
    _pebble_mgmt_get PEBBLE "/cert-status-by-serial/$serial" "$d/cert_status.json" ||
        fail "Pebble does not know serial $serial" || return 1
    python3 - "$d/cert_status.json" <<'PYEOF' || return 1
import json, sys
st = json.load(open(sys.argv[1]))
if st.get("Status") != "Revoked" or st.get("Reason") != 4:
    sys.exit("    Pebble says %s reason %r, expected Revoked reason 4" % (st.get("Status"), st.get("Reason")))
PYEOF
    run_agent revoke_status status --state "$d/state"
    python3 - "$work/revoke_status.out" <<'PYEOF' || return 1
import json, sys
st = json.load(open(sys.argv[1]))
if st.get("renewal", {}).get("next") is not None:
    sys.exit("    status plans %r for a revoked certificate" % st["renewal"]["next"])
PYEOF
    run_agent deactivate deactivate --state "$d/state" --trust "$PEBBLE_TRUST"
    ((rc == 0)) || { agent_said deactivate; fail "deactivate exited $rc"; return 1; }
    grep -q "account deactivated" "$work/deactivate.out" || fail "deactivate said nothing" ||
        return 1
    run_agent revoke_again revoke --state "$d/state" --trust "$PEBBLE_TRUST"
    ((rc == 2)) && grep -q "no account" "$work/revoke_again.err" ||
        fail "revoke after deactivation: exit $rc, $(tail -n 1 "$work/revoke_again.err")"
}

scenario_rsa2048() {
    local d=$work/rsa2048
    mkdir -p "$d"
    issue_ok issue_rsa "$d/state" --directory "$PEBBLE_DIR_URL" --domain rsa.demo.test \
        --key-type rsa2048 || return 1
    export_ok export_rsa "$d/state" "$d/out" || return 1
    check_export "$d/out" rsa.demo.test || return 1
    local text
    text=$(openssl pkey -in "$d/out/privkey.pem" -noout -text_pub 2>&1)
    [[ $text == *"Public-Key: (2048 bit)"* && $text == *Modulus:* ]] ||
        fail "privkey.pem is not an RSA 2048 key: $(head -n 1 <<<"$text")"
}

# The directory URL names acme.pebble.test, which only challtestsrv resolves (to 127.0.0.1,
# its default A answer); Pebble's TLS certificate carries that name.
scenario_dns_server() {
    local d=$work/dns_server
    mkdir -p "$d"
    issue_ok issue_dns "$d/state" --directory "$PEBBLE_DIR_URL_BY_NAME" \
        --dns-server "$CHALLTESTSRV_DNS" --domain dns.demo.test || return 1
    export_ok export_dns "$d/state" "$d/out" || return 1
    check_export "$d/out" dns.demo.test || return 1
    local history
    history=$(challtestsrv_dns_history "$PEBBLE_HOSTNAME") ||
        fail "could not read challtestsrv's DNS history" || return 1
    [[ $history == *"$PEBBLE_HOSTNAME."* ]] ||
        fail "challtestsrv never saw a query for $PEBBLE_HOSTNAME"
}

# A state with a certificate in it, and a snapshot to compare after a failed run.
make_good_state() {
    issue_ok "$2" "$1/state" --directory "$PEBBLE_DIR_URL" --domain keep.demo.test || return 1
    cp "$1/state" "$1/state.before"
}

# A trust anchor that did not sign Pebble's TLS certificate.
make_wrong_root() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
        -subj "/CN=not the ACME server's root" -keyout "$1/wrong.key" -out "$1/wrong.pem" \
        >/dev/null 2>&1
}

scenario_wrong_trust() {
    local d=$work/wrong_trust
    mkdir -p "$d"
    make_good_state "$d" wrong_trust_setup || return 1
    make_wrong_root "$d" || fail "openssl could not make a root" || return 1
    run_agent wrong_trust issue --state "$d/state" --directory "$PEBBLE_DIR_URL" \
        --domain keep.demo.test --trust "$d/wrong.pem" --http01-port "$PEBBLE_HTTP01_PORT" \
        --http01-bind 127.0.0.1
    ((rc == 2)) || fail "exit $rc against an untrusted server, expected 2" || return 1
    local reason
    reason=$(grep -v '^[[:space:]]*$' "$work/wrong_trust.err" | tail -n 1)
    [[ ${reason,,} =~ trust|verif ]] ||
        fail "reason on stderr does not mention trust/verification: '$reason'" || return 1
    why=$(state_kept "$agent" "$d/state.before" "$d/state") ||
        fail "a failed issuance changed the state beyond the failure count: $why"
}

scenario_unreachable() {
    local d=$work/unreachable port start elapsed_ms
    mkdir -p "$d"
    make_good_state "$d" unreachable_setup || return 1
    port=$(closed_port) || return 1
    start=${EPOCHREALTIME/./}
    run_agent unreachable issue --state "$d/state" --directory "https://127.0.0.1:$port/dir" \
        --domain keep.demo.test --trust "$PEBBLE_TRUST" --http01-port "$PEBBLE_HTTP01_PORT" \
        --http01-bind 127.0.0.1
    elapsed_ms=$(((${EPOCHREALTIME/./} - start) / 1000))
    ((rc == 2)) || fail "exit $rc for a closed port, expected 2" || return 1
    ((elapsed_ms < 10000)) || fail "took ${elapsed_ms} ms to give up on a closed port" ||
        return 1
    [[ -n $(tr -d '[:space:]' <"$work/unreachable.err") ]] ||
        fail "no reason on stderr" || return 1
    why=$(state_kept "$agent" "$d/state.before" "$d/state") ||
        fail "a failed issuance changed the state beyond the failure count: $why"
}

# _dated_leaf DIR NAME START END : DIR/NAME.{pem,key}, a TLS leaf for 127.0.0.1 signed by the
# test root every run trusts ($PEBBLE_TRUST), valid from START to END (YYYYMMDDHHMMSSZ).
_dated_leaf() {
    local dir=$1 name=$2 ca=$1/ca-$2
    mkdir -p "$ca"
    : >"$ca/index.txt"
    openssl rand -hex 8 >"$ca/serial"
    printf '%s\n' "[ca]" "default_ca = d" "[d]" "database = $ca/index.txt" \
        "new_certs_dir = $ca" "serial = $ca/serial" "default_md = sha256" "policy = p" \
        "[p]" "commonName = supplied" >"$ca/ca.cnf"
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
        "extendedKeyUsage=serverAuth" "subjectAltName=IP:127.0.0.1" >"$ca/leaf.ext"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
        -keyout "$dir/$name.key" -out "$ca/leaf.csr" >/dev/null 2>&1 &&
        openssl ca -batch -config "$ca/ca.cnf" -cert "$PEBBLE_TRUST" \
            -keyfile "$PEBBLE_WORKDIR/tls/root.key" -startdate "$3" -enddate "$4" \
            -extfile "$ca/leaf.ext" -notext -in "$ca/leaf.csr" -out "$dir/$name.pem" \
            >"$ca/openssl.log" 2>&1
}

# _utc OFFSET_DAYS : that day, now, as YYYYMMDDHHMMSSZ
_utc() {
    date -u -d "$1 days" +%Y%m%d%H%M%SZ
}

# Certificate dates are checked against the wall clock (the port's wall_s, handed to mbedTLS):
# a server whose TLS certificate expired yesterday, or becomes valid tomorrow, is refused like
# an untrusted one. The control -- the same server and root with a certificate valid now --
# gets through TLS (and then fails on the non-ACME answer), so the dates made the difference.
scenario_server_dates() {
    local d=$work/server_dates kind port pid
    mkdir -p "$d"
    make_good_state "$d" server_dates_setup || return 1
    _dated_leaf "$d" expired "$(_utc -10)" "$(_utc -1)" &&
        _dated_leaf "$d" future "$(_utc 1)" "$(_utc 10)" &&
        _dated_leaf "$d" current "$(_utc -1)" "$(_utc 1)" ||
        fail "openssl could not make the dated leaves ($(tail -n 1 "$d"/ca-*/openssl.log))" ||
        return 1
    for kind in expired future current; do
        port=$(closed_port) || return 1
        # s_server answers at most 4 connections and lives at most 20 s.
        timeout 20 openssl s_server -quiet -accept "127.0.0.1:$port" -naccept 4 \
            -cert "$d/$kind.pem" -key "$d/$kind.key" -www >"$d/s_server-$kind.log" 2>&1 &
        pid=$!
        for _ in $(seq 100); do
            (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
            sleep 0.05
        done
        cp "$d/state" "$d/state.prev"
        run_agent "dates_$kind" issue --state "$d/state" --directory "https://127.0.0.1:$port/dir" \
            --domain keep.demo.test --trust "$PEBBLE_TRUST" --http01-port "$PEBBLE_HTTP01_PORT" \
            --http01-bind 127.0.0.1
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        local reason
        reason=$(grep -v '^[[:space:]]*$' "$work/dates_$kind.err" | tail -n 1)
        ((rc == 2)) || fail "$kind server certificate: exit $rc, expected 2" || return 1
        if [[ $kind == current ]]; then
            [[ ! ${reason,,} =~ trust|verif ]] ||
                fail "a currently valid server certificate was refused: '$reason'" || return 1
        else
            [[ ${reason,,} =~ trust|verif ]] ||
                fail "$kind server certificate: reason does not mention verification:" \
                    "'$reason'" || return 1
        fi
        why=$(state_kept "$agent" "$d/state.prev" "$d/state") ||
            fail "a failed issuance changed the state beyond the failure count: $why" ||
            return 1
    done
}

# Pebble keeps accounts in memory, so after the restart the state is fresh; the second
# issuance uses the stored account. With 50% of good nonces rejected, about half of all
# POSTs come back badNonce and must be retried with the nonce that came with the error.
scenario_nonce_reject() {
    local d=$work/nonce_reject
    mkdir -p "$d"
    pebble_stop
    pebble_start "$work/pebble-nonce" PEBBLE_WFE_NONCEREJECT=50 ||
        fail "Pebble did not restart" || return 1
    grep -q "reject 50% of good nonces" "$PEBBLE_LOG" ||
        fail "Pebble did not take PEBBLE_WFE_NONCEREJECT=50" || return 1
    issue_ok nonce_1 "$d/state" --directory "$PEBBLE_DIR_URL" --domain n1.demo.test \
        --domain n2.demo.test --key-type p256 || return 1
    issue_ok nonce_2 "$d/state" --directory "$PEBBLE_DIR_URL" --domain n1.demo.test \
        --domain n2.demo.test --key-type p256 || return 1
    export_ok export_nonce "$d/state" "$d/out" || return 1
    check_export "$d/out" n1.demo.test n2.demo.test || return 1
    openssl pkey -in "$d/out/privkey.pem" -noout -text_pub 2>/dev/null | grep -q 'P-256' ||
        fail "--key-type p256 did not give a P-256 key"
}

# ---- main ----------------------------------------------------------------------------------

scenarios=("$@")
((${#scenarios[@]})) || scenarios=(two_names account_reuse resume_order sealed_keys revoke rsa2048 dns_server wrong_trust
    server_dates unreachable nonce_reject)

pebble_start "$work/pebble" || {
    echo "FAIL: could not start Pebble"
    exit 1
}
echo "work dir: $work"
pebble_run_scenarios "${scenarios[@]}"

pebble_stop
if ((${#failed[@]})); then
    echo "FAILED: ${failed[*]} (commands in $work/commands.log, outputs in $work)"
    exit 1
fi
echo "all ${#scenarios[@]} scenarios passed"
rm -rf "$work"
