#!/usr/bin/env bash
# tests/integration/test_bad_input.sh -- a hostile ACME server (hostile_acme.py on 127.0.0.1)
# answers one phase of the flow with bad input; acme-agent must fail with exit 2 and one clear
# line on stderr, must not crash, and must leave the state file byte for byte as it was.
#
#   test_bad_input.sh ACME_AGENT_BINARY BUILD_DIR [PHASE:KIND[/fresh] ...]
#
# Registered in ctest as integration.test_bad_input. Steps:
#   1. a throwaway TLS root + server leaf and a separate issuing CA (EC P-256, openssl);
#   2. hostile_acme.py in good mode; one issuance (keep.hostile.test) must succeed, its export
#      must verify against the issuing CA, `status` must name the certificate: this state
#      (account + certificate) and its `status` output are the baseline;
#   3. for every PHASE:KIND that `hostile_acme.py --list-cases` prints (except hang), a copy of
#      the baseline state is given to `acme-agent issue` for x.hostile.test + y.hostile.test
#      while the server answers that phase with that fault. Checked: exit 2 (not a timeout,
#      not a signal), exactly one line on stderr, no sanitizer report, the line matches the
#      fault's class (expect_re below), the server really sent the fault, the state file is
#      unchanged (cmp) and `status` prints what it printed before;
#      newAccount is only sent for a directory without a stored account, so account:* cases
#      use the server's second directory URL (/dir-b): the stored key registers again there;
#   4. the cert:* faults again with a fresh state: no certificate may get installed (`status`
#      exits 2 saying there is none); the account the run created may stay;
#   5. a good issuance with the baseline state still succeeds (the server was not the problem).
#
# `hang` (the server reads the request and never answers) costs the agent's 30 s I/O timeout
# per case, so it is opt-in: name it (e.g. `poll:hang`) or set ACME_HOSTILE_HANG=1 for all.
# Cases named on the command line run instead of the table; add /fresh for step 4's mode.
# A failed run keeps its work directory under BUILD_DIR/integration-work/ (server.log, and per
# case the agent's stdout/stderr and state).
set -uo pipefail

agent=${1:?usage: test_bad_input.sh ACME_AGENT BUILD_DIR [PHASE:KIND[/fresh] ...]}
build=${2:?usage: test_bad_input.sh ACME_AGENT BUILD_DIR [PHASE:KIND[/fresh] ...]}
shift 2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib/cert_check.sh
. "$here/lib/cert_check.sh"
server_py=$here/hostile_acme.py

AGENT_TIMEOUT_S=15 # a fault case takes well under a second; hang cases get HANG_TIMEOUT_S
HANG_TIMEOUT_S=45  # the agent's I/O timeout (ACME_IO_TIMEOUT_MS) is 30 s
NAMES=(--domain x.hostile.test --domain y.hostile.test)

[[ -x $agent ]] || {
    echo "FAIL: acme-agent binary '$agent' not found or not executable"
    exit 1
}
# Debian's python3 when present: a pyenv or venv shim on PATH may be slow or absent in ctest.
# A plain path, not a function: `$PY ... &` must make $! the server's own pid.
PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3) || {
    echo "FAIL: python3 not found"
    exit 1
}

mkdir -p "$build/integration-work" || exit 1
find "$build/integration-work" -maxdepth 1 -name 'test_bad_input.*' -printf '%T@ %p\n' |
    sort -rn | tail -n +3 | cut -d' ' -f2- | xargs -r rm -rf --
work=$(mktemp -d "$(cd "$build" && pwd)/integration-work/test_bad_input.XXXXXX") || exit 1
server_pid=""
stop_server() {
    if [[ -n $server_pid ]]; then
        kill "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
        server_pid=""
    fi
}
trap stop_server EXIT
trap 'exit 130' INT TERM

now_ms() {
    local t=${EPOCHREALTIME/./}
    echo $((t / 1000))
}

# ---- setup ---------------------------------------------------------------------------------

make_pki() {
    (
        set -e
        cd "$work"
        umask 077
        key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
        ca() {
            openssl req -x509 -new -key "$1.key" -sha256 -days 1 -subj "/CN=$2" \
                -addext "basicConstraints=critical,CA:TRUE" \
                -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$1.pem"
        }
        key tls-root.key
        ca tls-root "hostile_acme throwaway TLS root"
        key tls.key
        openssl req -new -key tls.key -subj /CN=localhost -out tls.csr
        printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
            "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" >tls.ext
        openssl x509 -req -in tls.csr -CA tls-root.pem -CAkey tls-root.key -sha256 -days 1 \
            -set_serial "0x$(openssl rand -hex 8)" -extfile tls.ext -out tls.pem
        key issuer.key
        ca issuer "hostile_acme throwaway issuing CA"
    ) >"$work/openssl.log" 2>&1
}

# A port free on 127.0.0.1 now, below the ephemeral range, for the agent's http-01 responder.
free_port() {
    "$PY" - <<'EOF'
import random, socket, sys
for _ in range(500):
    port = random.randint(20000, 32767)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    sys.exit(0)
sys.exit("no free loopback port")
EOF
}

start_server() {
    local lifetime=$1 i
    rm -f "$work/port" "$work/fault"
    "$PY" "$server_py" --tls-cert "$work/tls.pem" --tls-key "$work/tls.key" \
        --issuer-cert "$work/issuer.pem" --issuer-key "$work/issuer.key" \
        --port-file "$work/port" --http01-port "$http01_port" --fault-file "$work/fault" \
        --lifetime "$lifetime" 2>>"$work/server.log" &
    server_pid=$!
    for ((i = 0; i < 100; i++)); do
        [[ -s $work/port ]] && break
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.05
    done
    [[ -s $work/port ]] || {
        echo "FAIL: hostile_acme.py did not start:"
        sed 's/^/    /' "$work/server.log" | tail -n 20
        return 1
    }
    base_url="https://127.0.0.1:$(<"$work/port")"
}

# run_agent DIR TIMEOUT ARGS... : acme-agent with a time bound; rc, DIR/out, DIR/err.
run_agent() {
    local dir=$1 limit=$2
    shift 2
    echo "acme-agent $*" >>"$dir/commands"
    timeout "$limit" "$agent" "$@" >"$dir/out" 2>"$dir/err"
    rc=$?
}

# issue DIR TIMEOUT STATE DIRECTORY_URL NAME_ARGS... : acme-agent issue against the server.
issue() {
    local dir=$1 limit=$2 state=$3 url=$4
    shift 4
    run_agent "$dir" "$limit" issue --state "$state" --directory "$url" \
        --trust "$work/tls-root.pem" --http01-port "$http01_port" --http01-bind 127.0.0.1 "$@"
}

set_fault() {
    printf '%s\n' "$1" >"$work/fault.tmp" && mv "$work/fault.tmp" "$work/fault"
}

fired_count() { # how often the server has sent PHASE:KIND so far
    grep -c "FAULT $1 " "$work/server.log"
}

# The good issuance every kept case starts from. Returns 1 when there is no state to start
# from (nothing else can run), 2 when the state exists but export/status checks failed.
baseline() {
    local d=$work/baseline why=()
    mkdir -p "$d/export"
    issue "$d" "$AGENT_TIMEOUT_S" "$d/state" "$base_url/dir" --domain keep.hostile.test
    if ((rc != 0)); then
        echo "FAIL baseline: good-mode issuance exited $rc: $(tail -n 3 "$d/err")"
        return 1
    fi
    cp "$d/state" "$work/state.before"
    run_agent "$d" "$AGENT_TIMEOUT_S" export --state "$d/state" --out "$d/export"
    if ((rc != 0)); then
        why+=("export exited $rc ('$(head -c 160 "$d/err")')")
    elif ! openssl verify -CAfile "$work/issuer.pem" "$d/export/fullchain.pem" >"$d/verify" 2>&1
    then
        why+=("the exported certificate does not verify: $(tail -n 1 "$d/verify")")
    fi
    run_agent "$d" "$AGENT_TIMEOUT_S" status --state "$d/state"
    if ((rc != 0)) || ! grep -q '"keep.hostile.test"' "$d/out"; then
        # Without a readable baseline the kept cases have nothing to be compared with.
        why+=("status exited $rc ('$(head -c 160 "$d/err")'): status checks skipped in every case")
        status_ok=0
    fi
    if ((${#why[@]})); then
        echo "FAIL baseline: issued, but:"
        printf '       - %s\n' "${why[@]}"
        return 2
    fi
    echo "PASS baseline: issued, exported, verified, status names keep.hostile.test"
}

# ---- one case ------------------------------------------------------------------------------

# The words the one line on stderr must contain for a fault (extended regex, lower case).
expect_re() {
    local phase=$1 kind=$2
    case $kind in
    malformed-json) [[ $phase == nonce ]] && echo 'nonce' || echo 'malformed|unusable' ;;
    wrong-types) echo 'malformed|unusable' ;;
    oversize-*) echo 'exceed|oversize|too large|limit' ;;
    truncated | cut-chunked) echo 'cut off|truncat' ;;
    bad-chunk-size | garbage-status) echo 'malformed' ;;
    no-location) echo 'location' ;;
    problem) [[ $phase == nonce ]] && echo '500' || echo 'serverinternal' ;;
    cert-not-pem | cert-junk-between) echo 'malformed|not pem|does not match' ;;
    cert-*) echo 'does not match' ;;
    hang) echo 'timed out|timeout' ;;
    *) echo 'no expectation for this kind' ;;
    esac
}

# run_case PHASE:KIND MODE -- MODE kept (baseline state) or fresh (no state). Prints one
# PASS/FAIL line (reasons indented below it); returns non-zero on FAIL.
run_case() {
    local spec=$1 mode=$2 phase=${1%%:*} kind=${1#*:}
    local d=$work/cases/${phase}_${kind}_$mode limit=$AGENT_TIMEOUT_S dir_url=$base_url/dir
    local t0 ms fired_before line lines re issue_rc said
    local problems=()
    mkdir -p "$d"
    [[ $kind == hang ]] && limit=$HANG_TIMEOUT_S
    # newAccount is sent only for a directory URL with no stored account.
    [[ $phase == account && $mode == kept ]] && dir_url=$base_url/dir-b
    [[ $mode == kept ]] && cp "$work/state.before" "$d/state"

    if ! kill -0 "$server_pid" 2>/dev/null; then
        printf 'FAIL %-5s %-28s: hostile_acme.py is not running (see server.log)\n' "$mode" "$spec"
        return 1
    fi
    fired_before=$(fired_count "$spec")
    set_fault "$spec"
    t0=$(now_ms)
    issue "$d" "$limit" "$d/state" "$dir_url" "${NAMES[@]}"
    ms=$(($(now_ms) - t0))
    issue_rc=$rc
    set_fault ""

    if ((rc == 124)); then
        problems+=("did not finish within ${limit}s")
    elif ((rc >= 128)); then
        problems+=("crashed: killed by signal $((rc - 128))")
    elif ((rc != 2)); then
        problems+=("exit $rc, expected 2")
    fi
    if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' \
        "$d/err"; then
        problems+=("sanitizer report on stderr")
    fi
    mapfile -t lines <"$d/err"
    line=${lines[0]-}
    if ((${#lines[@]} != 1)); then
        problems+=("${#lines[@]} lines on stderr, expected exactly 1")
    fi
    re=$(expect_re "$phase" "$kind")
    if [[ ! ${line,,} =~ $re ]]; then
        problems+=("stderr line does not match /$re/")
    fi
    if (($(fired_count "$spec") <= fired_before)); then
        problems+=("the server never sent the fault (flow did not reach '$phase')")
    fi

    # What a failed run may add to the state, by design: the failure count (renewal
    # bookkeeping, so that backoff survives a reboot); after a newAccount fault the new CA's
    # account key, stored before newAccount was sent (an EAB key may be single-use); after a
    # fault once the CA created the order, that order and its key (the next run resumes
    # it). The certificate, its key and everything else status shows must be as before,
    # and status must count exactly this one failure.
    if ((!status_ok)); then
        : # baseline status failed: already a FAIL, and nothing to compare with
    elif [[ $mode == kept ]]; then
        local why
        why=$(state_kept "$agent" "$work/state.before" "$d/state") ||
            problems+=("the state changed beyond one counted failure: $why")
    else
        # No certificate may have been installed: status must say there is none.
        run_agent "$d" "$AGENT_TIMEOUT_S" status --state "$d/state"
        if ((rc != 2)) || ! grep -qi 'no certificate' "$d/err"; then
            said=$(head -c 160 "$d/err")
            problems+=("status on the fresh state: exit $rc, '$said'; expected 2, no certificate")
        fi
    fi

    if ((${#problems[@]} == 0)); then
        printf 'PASS %-5s %-28s %6d ms  %s\n' "$mode" "$spec" "$ms" "$line"
        return 0
    fi
    printf 'FAIL %-5s %-28s %6d ms  exit %s: %s\n' "$mode" "$spec" "$ms" "$issue_rc" "$line"
    printf '       - %s\n' "${problems[@]}"
    return 1
}

# ---- main ----------------------------------------------------------------------------------

mapfile -t table < <("$PY" "$server_py" --list-cases)
declare -A known=()
for spec in "${table[@]}"; do known[$spec]=1; done
cases=()
if (($#)); then
    cases=("$@")
else
    for spec in "${table[@]}"; do
        [[ $spec == *:hang && ${ACME_HOSTILE_HANG:-0} != 1 ]] && continue
        cases+=("$spec")
    done
    for spec in "${table[@]}"; do
        [[ $spec == cert:cert-* ]] && cases+=("$spec/fresh")
    done
fi
((${#cases[@]})) || {
    echo "FAIL: no cases (hostile_acme.py --list-cases printed nothing?)"
    exit 1
}

t_start=$(now_ms)
make_pki || {
    echo "FAIL: openssl could not make the test certificates:"
    tail -n 5 "$work/openssl.log"
    exit 1
}
http01_port=$(free_port) || exit 1
# The server's own bound: generous per case, plus the full wait for every hang case.
lifetime=$((60 + ${#cases[@]} * 2))
for spec in "${cases[@]}"; do
    [[ $spec == *:hang* ]] && lifetime=$((lifetime + HANG_TIMEOUT_S))
done
start_server "$lifetime" || exit 1
echo "work dir: $work  server: $base_url  http-01 port: $http01_port"

passed=0
failed=()
status_ok=1
baseline
case $? in
0) ;;
2) failed+=(baseline) ;;
*)
    echo "FAILED: no baseline state, fault cases not run (server log: $work/server.log)"
    exit 1
    ;;
esac
for c in "${cases[@]}"; do
    mode=kept
    spec=$c
    if [[ $c == */fresh ]]; then
        mode=fresh
        spec=${c%/fresh}
    fi
    if [[ -z ${known[$spec]-} ]]; then
        echo "FAIL: '$spec' is not a PHASE:KIND that hostile_acme.py applies"
        failed+=("$c")
        continue
    fi
    if run_case "$spec" "$mode"; then
        passed=$((passed + 1))
    else
        failed+=("$c")
    fi
done

# The server and agent still work together after all that.
d=$work/after
mkdir -p "$d"
cp "$work/state.before" "$d/state"
issue "$d" "$AGENT_TIMEOUT_S" "$d/state" "$base_url/dir" "${NAMES[@]}"
if ((rc == 0)); then
    echo "PASS after: good-mode issuance with the baseline state still succeeds"
else
    echo "FAIL after: good-mode issuance exited $rc: $(head -n 1 "$d/err")"
    failed+=(after)
fi

# A server that drops every connection right after answering (no "Connection: close"):
# each request after the first finds its kept-alive connection dead and is sent again, once,
# on a new one. Issuance must still succeed.
d=$work/drop-idle
mkdir -p "$d"
cp "$work/state.before" "$d/state"
set_fault "any:drop-idle"
issue "$d" "$AGENT_TIMEOUT_S" "$d/state" "$base_url/dir" "${NAMES[@]}" --stats
set_fault ""
drops=$(grep -c "^.*DROP " "$work/server.log" || true)
handshakes=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["tls_handshakes"])' \
    <"$d/out" 2>/dev/null || echo 0)
if ((rc == 0 && drops > 1 && handshakes > 1)); then
    echo "PASS drop-idle: issued over $handshakes connections after $drops dropped ones"
else
    echo "FAIL drop-idle: exit $rc, $drops drops, $handshakes handshakes: $(head -n 1 "$d/err")"
    failed+=(drop-idle)
fi

stop_server
echo "$passed passed, ${#failed[@]} failed, $(($(now_ms) - t_start)) ms"
if ((${#failed[@]})); then
    echo "FAILED: ${failed[*]}"
    echo "(work dir kept: $work; server log: $work/server.log)"
    exit 1
fi
rm -rf "$work"
