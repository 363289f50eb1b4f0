#!/usr/bin/env bash
# tests/integration/test_daemon.sh -- `acme-agent run` as a daemon against a real Pebble on
# 127.0.0.1 that issues 60-second certificates: it issues, renews at about half-life, deploys
# every certificate once through its hook, backs off after failures across restarts, and stops
# cleanly on SIGTERM, resuming an interrupted order at the next start.
#
#   test_daemon.sh ACME_AGENT_BINARY BUILD_DIR [SCENARIO ...]
#
# Registered in ctest as integration.test_daemon. Scenarios (functions scenario_*), in this
# order unless named on the command line:
#   once_renew   run --once issues (and checks ARI), a second run --once with the fresh
#                certificate sends no request to Pebble, renew forces a new certificate
#   stop_resume  SIGTERM while the daemon's order is in progress: exit 0 within 1.5 s, no
#                certificate, the order kept; the restarted daemon's first order request is a
#                POST-as-GET of that order (Pebble's log) and it gets the certificate
#   hook_retry   a deploy hook that fails is run again at the daemon's next wake-up
#                (--hook-retry 2) and not again once it succeeded; the same with --once across
#                runs; a hook that overruns --hook-timeout is killed with its children
#   backoff      the CA stopped: run --once fails (1 failure, next attempt 1 min later); run
#                --once again (a restart) attempts nothing; renew forces an attempt (2
#                failures, next 10 min later); the daemon started then waits for that too,
#                also after SIGHUP made it re-read the state
#   rollover     a key rollover cut short (the CA unreachable: a trust anchor it does not
#                chain to) leaves the new key stored; status says "rollover"; run --once
#                finishes it first (keyChange at Pebble), keeps the account URL, and renew
#                then works with the new key
#   renewals     the daemon with a deploy hook for 60-second certificates: the first within
#                seconds, then at least 2 renewals at about half the lifetime, the hook once per
#                certificate with the right environment and files, SIGTERM -> exit 0 at once
#
# The numbers measured (certificates, renewal times against half-life, hook runs, shutdown
# latency, request counts) are printed and kept in $work/numbers.log. Every wait is bounded,
# every process started here is stopped on exit, and everything listens on 127.0.0.1 only.
set -uo pipefail

agent=${1:?usage: test_daemon.sh ACME_AGENT BUILD_DIR [SCENARIO ...]}
build=${2:?usage: test_daemon.sh ACME_AGENT BUILD_DIR [SCENARIO ...]}
build=$(cd "$build" && pwd)
shift 2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib/pebble.sh
. "$here/lib/pebble.sh"
# shellcheck source=SCRIPTDIR/lib/cert_check.sh
. "$here/lib/cert_check.sh"
# shellcheck source=SCRIPTDIR/lib/agent_run.sh
. "$here/lib/agent_run.sh"

AGENT_TIMEOUT_S=60
VALIDITY_S=60      # Pebble's certificates: notAfter = notBefore + 59 s
SHUTDOWN_MAX_MS=1500
tool=$build/tools/acme-provision/acme-provision
for f in "$agent" "$tool"; do
    [[ -x $f ]] || {
        echo "FAIL: '$f' not found or not executable"
        exit 1
    }
done
agent_run_workdir test_daemon || exit 1

# Daemons started here, by PID: stopped on exit whatever happened.
DAEMONS=()
cleanup() {
    local pid i
    for pid in "${DAEMONS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || continue
        for ((i = 0; i < 40; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    DAEMONS=()
    pebble_stop
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- helpers -------------------------------------------------------------------------------

number() {
    echo "    $*"
    echo "$*" >>"$work/numbers.log"
}

now_ms() {
    local t=${EPOCHREALTIME/./}
    echo $((t / 1000))
}

# start_daemon NAME ARGS... : acme-agent run ARGS in the background (a daemon: no timeout of
# its own, the cleanup stops it); DAEMON_PID, output in $work/NAME.out and $work/NAME.err.
start_daemon() {
    local name=$1
    shift
    echo "    \$ acme-agent run $* &" >>"$work/commands.log"
    "$agent" run "$@" >"$work/$name.out" 2>"$work/$name.err" &
    DAEMON_PID=$!
    DAEMONS+=("$DAEMON_PID")
}

# stop_daemon PID : SIGTERM, then wait (at most 10 s) for it to exit. STOP_MS: from the signal
# to the exit as seen by this shell; STOP_RC: its exit status (137 when it had to be killed).
stop_daemon() {
    local pid=$1 t0 i keep=()
    t0=$(now_ms)
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 1000; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.01
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid"
    STOP_RC=$?
    STOP_MS=$(($(now_ms) - t0))
    for i in "${DAEMONS[@]}"; do
        [[ $i == "$pid" ]] || keep+=("$i")
    done
    DAEMONS=("${keep[@]}")
}

# wait_for SECONDS COMMAND... : run COMMAND every 20 ms until it succeeds; 1 after SECONDS.
wait_for() {
    local deadline=$(($(now_ms) + $1 * 1000))
    shift
    while (($(now_ms) < deadline)); do
        "$@" && return 0
        sleep 0.02
    done
    return 1
}

lines_at_least() {
    [[ -f $1 ]] && (($(wc -l <"$1") >= $2))
}

# provision STATE DIRECTORY_URL NAME... : a config for these names and that CA, in STATE.
provision() {
    local state=$1 url=$2
    shift 2
    _pebble_python - "$state.spec.json" "$url" "$PEBBLE_TRUST" "$@" <<'EOF' || return 1
import json, sys
out, directory, trust = sys.argv[1:4]
spec = {"version": 1, "identities": {"dns": sys.argv[4:]}, "key_type": "p256",
        "trust_anchors": [trust], "directory_url": directory, "terms_of_service_agreed": True}
with open(out, "w") as f:
    json.dump(spec, f)
EOF
    "$tool" --spec "$state.spec.json" --out "$state.blob" >"$state.tool.out" 2>&1 &&
        "$agent" provision --state "$state" --blob "$state.blob" >"$state.provision.out" 2>&1 ||
        fail "could not provision $state: $(cat "$state.tool.out" "$state.provision.out")"
}

# The responder where Pebble's VA looks.
NET=()

# status_json NAME STATE : status as JSON in $work/NAME.json (whatever its exit status).
status_json() {
    "$agent" status --state "$2" >"$work/$1.json" 2>"$work/$1.err"
}

# json FILE EXPR : print a Python expression over the JSON in FILE (bound to st).
json() {
    _pebble_python - "$1" "$2" <<'EOF'
import json, sys
st = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))
EOF
}

# epoch of an RFC 3339 time the agent printed.
epoch() {
    date -u -d "$1" +%s
}

# Pebble's request log lines after line $1 of PEBBLE_LOG that are ACME requests.
requests_since() {
    grep -E -- '-> calling handler' "$PEBBLE_LOG" | tail -n +$(($1 + 1))
}

# ---- scenarios -----------------------------------------------------------------------------

scenario_once_renew() {
    local d=$work/once_renew before after first second
    mkdir -p "$d"
    provision "$d/state" "$PEBBLE_DIR_URL" once.demo.test || return 1
    before=$(pebble_request_count)
    run_agent once_1 run --once --state "$d/state" "${NET[@]}"
    expect_rc once_1 0 || return 1
    after=$(pebble_request_count)
    grep -q "certificate installed in" "$work/once_1.out" ||
        fail "the first run --once did not install a certificate" || return 1
    grep -q "ARI check: the CA offers no renewalInfo" "$work/once_1.err" ||
        fail "the first run did not check ARI (or called it an error): $(cat "$work/once_1.err")" ||
        return 1
    number "once_renew: first run --once: $((after - before)) requests (issue + ARI check)"

    before=$(pebble_request_count)
    run_agent once_2 run --once --state "$d/state" "${NET[@]}"
    expect_rc once_2 0 || return 1
    after=$(pebble_request_count)
    grep -q "certificate held" "$work/once_2.out" ||
        fail "the second run --once did not say a certificate is held" || return 1
    ((after == before)) ||
        fail "run --once with a fresh certificate sent $((after - before)) requests" || return 1
    number "once_renew: second run --once with a fresh certificate: $((after - before)) requests"

    status_json once_s1 "$d/state"
    first=$(json "$work/once_s1.json" 'st["serial"]')
    before=$(pebble_request_count)
    run_agent renew_1 renew --state "$d/state" "${NET[@]}"
    expect_rc renew_1 0 || return 1
    after=$(pebble_request_count)
    status_json once_s2 "$d/state"
    second=$(json "$work/once_s2.json" 'st["serial"]')
    [[ -n $second && $second != "$first" ]] ||
        fail "renew did not install a new certificate ($first -> $second)" || return 1
    grep -q "serial $second" "$work/renew_1.out" ||
        fail "renew did not report serial $second: $(cat "$work/renew_1.out")" || return 1
    number "once_renew: renew: new serial $second (was $first), $((after - before)) requests"
}

# The kill must land while the order is in progress: after the daemon logged the order (the
# agent stores it first) and before it finished. The agent polls the authorization 250 ms after
# answering the challenge at the earliest, which is plenty; should the certificate come first
# all the same (a stalled machine), the attempt is repeated on a new state, 3 times at most.
scenario_stop_resume() {
    local d=$work/stop_resume attempt order="" state pid
    mkdir -p "$d"
    for attempt in 1 2 3; do
        state=$d/state$attempt
        provision "$state" "$PEBBLE_DIR_URL" resume.demo.test || return 1
        start_daemon "resume_$attempt" --state "$state" "${NET[@]}" --verbose
        pid=$DAEMON_PID
        wait_for 20 grep -q "order https://" "$work/resume_$attempt.err" || {
            stop_daemon "$pid"
            agent_said "resume_$attempt"
            fail "the daemon logged no order within 20 s"
            return 1
        }
        stop_daemon "$pid"
        status_json "resume_s$attempt" "$state"
        if [[ $(json "$work/resume_s$attempt.json" 'st.get("certificate", 1) is None') != True ]]
        then
            echo "    attempt $attempt: the certificate came before SIGTERM; again"
            continue
        fi
        order=$(sed -n 's/.*order \(https:[^ ]*\)$/\1/p' "$work/resume_$attempt.err" | head -n 1)
        break
    done
    [[ -n $order ]] || fail "3 attempts, and SIGTERM never landed mid-issuance" || return 1
    ((STOP_RC == 0)) || fail "SIGTERM mid-issuance: exit $STOP_RC, expected 0" || return 1
    ((STOP_MS <= SHUTDOWN_MAX_MS)) ||
        fail "SIGTERM mid-issuance: exit after $STOP_MS ms (limit $SHUTDOWN_MAX_MS)" || return 1
    grep -q "stopping on SIGTERM: the issuance in progress stays" "$work/resume_$attempt.err" ||
        fail "the daemon did not say it left the issuance for the next start" || return 1
    # No failure was counted: an interruption is not a failed run.
    [[ $(json "$work/resume_s$attempt.json" 'st["renewal"]["failures"]') == 0 ]] ||
        fail "the interrupted issuance counted as a failure" || return 1
    number "stop_resume: SIGTERM mid-issuance (attempt $attempt): exit $STOP_RC after $STOP_MS ms"

    local before
    before=$(pebble_request_count)
    start_daemon resume_restart --state "$state" "${NET[@]}" --verbose
    pid=$DAEMON_PID
    wait_for 30 grep -q "certificate installed" "$work/resume_restart.err" || {
        stop_daemon "$pid"
        agent_said resume_restart
        fail "the restarted daemon installed no certificate within 30 s"
        return 1
    }
    stop_daemon "$pid"
    ((STOP_RC == 0)) || fail "restarted daemon: exit $STOP_RC on SIGTERM" || return 1
    grep -qF "resuming $order" "$work/resume_restart.err" ||
        fail "the restarted daemon did not resume $order" || return 1
    requests_since "$before" | grep -oE "POST /(my-order/|order-plz)" | head -n 2 \
        >"$d/order-requests"
    [[ $(head -n 1 "$d/order-requests") == "POST /my-order/" ]] ||
        fail "the first order request after the restart was" \
            "'$(tr '\n' ' ' <"$d/order-requests")', not the stored order" || return 1
    number "stop_resume: restart: first order request $(head -n 1 "$d/order-requests")" \
        "(the stored order), then $(sed -n 2p "$d/order-requests")"
}

# The hook logs each run (serial, exit status it is about to return) and fails while $d/fail
# exists.
write_hook() {
    cat >"$1/hook.sh" <<EOF
#!/bin/sh
if [ -e "$1/fail" ]; then code=3; else code=0; fi
echo "\$ACME_AGENT_SERIAL \$code" >>"$1/hook.log"
exit \$code
EOF
    chmod +x "$1/hook.sh"
}

# Gone, or a zombie waiting for init (state Z): either way it no longer runs.
child_gone() {
    ! kill -0 "$1" 2>/dev/null || [[ $(ps -o stat= -p "$1" 2>/dev/null) == Z* ]]
}

hook_runs() {
    [[ -f $1/hook.log ]] && wc -l <"$1/hook.log" || echo 0
}

scenario_hook_retry() {
    local d=$work/hook_retry pid serial marker runs
    mkdir -p "$d"
    provision "$d/state" "$PEBBLE_DIR_URL" hook.demo.test || return 1
    write_hook "$d"
    local deploy=(--deploy-dir "$d/deploy" --deploy-hook "$d/hook.sh")
    touch "$d/fail"
    start_daemon hook_daemon --state "$d/state" "${NET[@]}" "${deploy[@]}" --hook-retry 2
    pid=$DAEMON_PID
    wait_for 20 lines_at_least "$d/hook.log" 1 || {
        stop_daemon "$pid"
        agent_said hook_daemon
        fail "the hook did not run within 20 s"
        return 1
    }
    rm -f "$d/fail"
    wait_for 10 lines_at_least "$d/hook.log" 2 || {
        stop_daemon "$pid"
        agent_said hook_daemon
        fail "the failed hook was not run again within 10 s (--hook-retry 2)"
        return 1
    }
    sleep 5 # two more retry periods: a hook that succeeded must not run again
    stop_daemon "$pid"
    ((STOP_RC == 0)) || fail "daemon: exit $STOP_RC on SIGTERM" || return 1
    serial=$(awk 'NR == 1 { print $1 }' "$d/hook.log")
    [[ $(cat "$d/hook.log") == "$serial 3"$'\n'"$serial 0" ]] ||
        fail "hook runs: $(tr '\n' ',' <"$d/hook.log"); expected '$serial 3' then '$serial 0'" ||
        return 1
    grep -q "hook exited 3" "$work/hook_daemon.err" ||
        fail "the daemon did not log the failed hook's exit status" || return 1
    marker=$(cat "$d/deploy/.acme-agent-deployed" 2>/dev/null)
    [[ $marker == "$serial" ]] || fail "marker '$marker', expected $serial" || return 1
    number "hook_retry: daemon: hook failed (exit 3), run again after --hook-retry 2 s" \
        "(exit 0), then not again for 5 s: $(hook_runs "$d") runs for serial $serial"

    run_agent hook_once_1 run --once --state "$d/state" "${NET[@]}" "${deploy[@]}"
    expect_rc hook_once_1 0 || return 1
    runs=$(hook_runs "$d")
    ((runs == 2)) || fail "run --once ran the hook again for a deployed certificate" || return 1

    # --once: a failed hook fails the run (exit 2, certificate kept) and the next run retries.
    touch "$d/fail"
    run_agent hook_renew renew --state "$d/state" "${NET[@]}" "${deploy[@]}"
    expect_rc hook_renew 2 || return 1
    serial=$(sed -n 's/.*serial \([0-9a-f]*\),.*/\1/p' "$work/hook_renew.out")
    [[ -n $serial && $(cat "$d/deploy/.acme-agent-deployed") != "$serial" ]] ||
        fail "after a failed hook the marker names the new certificate" || return 1
    rm -f "$d/fail"
    run_agent hook_once_2 run --once --state "$d/state" "${NET[@]}" "${deploy[@]}"
    expect_rc hook_once_2 0 || return 1
    run_agent hook_once_3 run --once --state "$d/state" "${NET[@]}" "${deploy[@]}"
    expect_rc hook_once_3 0 || return 1
    [[ $(tail -n 2 "$d/hook.log") == "$serial 3"$'\n'"$serial 0" &&
        $(hook_runs "$d") == 4 && $(cat "$d/deploy/.acme-agent-deployed") == "$serial" ]] ||
        fail "--once retry: hook runs $(tr '\n' ',' <"$d/hook.log")" || return 1
    number "hook_retry: --once: failed with renew (exit 2), ran again by the next run, not by" \
        "the one after: $(hook_runs "$d") runs in all"

    # A hook that overruns its time is killed, and so is what it started.
    local t0 elapsed child
    t0=$(now_ms)
    run_agent hook_slow renew --state "$d/state" "${NET[@]}" --deploy-dir "$d/deploy" \
        --deploy-hook "sleep 30 & echo \$! >'$d/child.pid'; wait" --hook-timeout 1
    elapsed=$(($(now_ms) - t0))
    expect_rc hook_slow 2 || return 1
    grep -q "hook timed out after 1 s: killed" "$work/hook_slow.err" ||
        fail "no timeout reported: $(cat "$work/hook_slow.err")" || return 1
    # Killed means signalled: the orphan may need a moment to be reaped by init.
    child=$(cat "$d/child.pid" 2>/dev/null)
    [[ -n $child ]] && wait_for 3 child_gone "$child" ||
        fail "the hook's child ($child) survived the timeout" || return 1
    ((elapsed < 6000)) || fail "renew with a 1 s hook timeout took $elapsed ms" || return 1
    number "hook_retry: a hook sleeping 30 s with --hook-timeout 1: killed with its child," \
        "renew returned after $elapsed ms"
}

scenario_backoff() {
    local d=$work/backoff t1 t2 at at1 pid
    mkdir -p "$d"
    pebble_start_ca DOWN "$work/pebble-down" || fail "could not start a second Pebble" ||
        return 1
    provision "$d/state" "$DOWN_DIR_URL" backoff.demo.test || return 1
    pebble_stop_ca DOWN # the CA is down from now on

    run_agent backoff_1 run --once --state "$d/state" "${NET[@]}"
    expect_rc backoff_1 2 || return 1
    status_json backoff_s1 "$d/state"
    [[ $(json "$work/backoff_s1.json" 'st["renewal"]["failures"]') == 1 ]] ||
        fail "after one failed run: $(cat "$work/backoff_s1.json")" || return 1
    t1=$(epoch "$(json "$work/backoff_s1.json" 'st["renewal"]["last_failure"]["at"]')")
    at1=$(epoch "$(json "$work/backoff_s1.json" 'st["next"]["at"]')")
    [[ $(json "$work/backoff_s1.json" 'st["next"]["action"] + " " + st["next"]["why"]') == \
        "wait backoff" ]] && ((at1 == t1 + 60)) ||
        fail "next after 1 failure: $(json "$work/backoff_s1.json" 'st["next"]'), failed at $t1" ||
        return 1

    # A restart within the backoff attempts nothing: the count is still 1.
    run_agent backoff_2 run --once --state "$d/state" "${NET[@]}"
    expect_rc backoff_2 0 || return 1
    status_json backoff_s2 "$d/state"
    [[ $(json "$work/backoff_s2.json" 'st["renewal"]["failures"]') == 1 ]] ||
        fail "run --once within the backoff made an attempt" || return 1
    grep -q "next: issue at .* (backoff)" "$work/backoff_2.out" ||
        fail "run --once within the backoff did not say when: $(cat "$work/backoff_2.out")" ||
        return 1

    # renew forces the second attempt: 2 failures, the next one 10 minutes later.
    run_agent backoff_3 renew --state "$d/state" "${NET[@]}"
    expect_rc backoff_3 2 || return 1
    status_json backoff_s3 "$d/state"
    [[ $(json "$work/backoff_s3.json" 'st["renewal"]["failures"]') == 2 ]] ||
        fail "after renew: $(json "$work/backoff_s3.json" 'st["renewal"]')" || return 1
    t2=$(epoch "$(json "$work/backoff_s3.json" 'st["renewal"]["last_failure"]["at"]')")
    at=$(epoch "$(json "$work/backoff_s3.json" 'st["next"]["at"]')")
    ((at == t2 + 600)) &&
        [[ $(json "$work/backoff_s3.json" 'st["renewal"]["next"]["why"]') == backoff ]] ||
        fail "next after 2 failures: $(json "$work/backoff_s3.json" 'st["next"]')," \
            "failed at $t2" || return 1

    # The daemon started now waits for that time too.
    start_daemon backoff_daemon --state "$d/state" "${NET[@]}"
    pid=$DAEMON_PID
    wait_for 10 grep -q "next: issue at .* (backoff)" "$work/backoff_daemon.err" || {
        stop_daemon "$pid"
        agent_said backoff_daemon
        fail "the daemon did not log its wait for the backoff"
        return 1
    }
    # SIGHUP wakes it to read the state again: still in backoff, no attempt.
    kill -HUP "$pid"
    wait_for 5 grep -q "woken by SIGHUP" "$work/backoff_daemon.err" || {
        stop_daemon "$pid"
        agent_said backoff_daemon
        fail "the daemon did not wake up on SIGHUP"
        return 1
    }
    stop_daemon "$pid"
    status_json backoff_s4 "$d/state"
    ((STOP_RC == 0)) && [[ $(json "$work/backoff_s4.json" 'st["renewal"]["failures"]') == 2 ]] ||
        fail "the daemon in backoff: exit $STOP_RC, failures" \
            "$(json "$work/backoff_s4.json" 'st["renewal"]["failures"]')" || return 1
    number "backoff: CA down: run --once -> 1 failure, next attempt +$((at1 - t1)) s;" \
        "run --once again -> no attempt (still 1); renew -> 2 failures, next +$((at - t2)) s;" \
        "daemon waits, SIGHUP re-reads, still 2 ($STOP_MS ms to stop)"
}

# The hook keeps what it was given: its environment, the key's mode, and copies of the files.
write_copy_hook() {
    cat >"$1/hook.sh" <<EOF
#!/bin/sh
n=\$(( \$(cat "$1/hook.count" 2>/dev/null || echo 0) + 1 ))
echo \$n >"$1/hook.count"
mkdir -p "$1/runs/\$n"
cp "\$ACME_AGENT_CERT" "$1/runs/\$n/fullchain.pem"
cp "\$ACME_AGENT_KEY" "$1/runs/\$n/privkey.pem"
chmod 600 "$1/runs/\$n/privkey.pem"
printf '%s|%s|%s|%s|%s|%s|%s\n' "\$(date +%s.%N)" "\$ACME_AGENT_SERIAL" "\$ACME_AGENT_NAMES" \\
    "\$ACME_AGENT_STATE" "\$ACME_AGENT_CERT" "\$ACME_AGENT_KEY" \\
    "\$(stat -c %a "\$ACME_AGENT_KEY")" >>"$1/hook.log"
EOF
    chmod +x "$1/hook.sh"
}

# check_copy DIR NAME... : DIR/fullchain.pem and DIR/privkey.pem as a hook saw them: the chain
# verifies to Pebble's root (at the certificate's notBefore: by the time this runs, the
# first 60-second certificate has expired), the SANs are the names, the key matches, and
# Pebble logged issuing it. Like cert_check.sh's check_export, for certificates that expire.
check_copy() {
    local out=$1 sans want nb
    shift
    awk -v dir="$out" '/-----BEGIN CERTIFICATE-----/ { n++ }
        n == 1 { print > (dir "/leaf.pem") } n > 1 { print > (dir "/chain.pem") }
        END { exit !(n >= 2) }' "$out/fullchain.pem" ||
        fail "$out/fullchain.pem must hold the leaf and at least one intermediate" || return 1
    [[ -s $work/pebble-root.pem ]] || pebble_issuer_root "$work/pebble-root.pem" ||
        fail "could not fetch Pebble's root" || return 1
    nb=$(date -u -d "$(openssl x509 -in "$out/leaf.pem" -noout -startdate | cut -d= -f2)" +%s)
    openssl verify -attime "$((nb + 1))" -CAfile "$work/pebble-root.pem" \
        -untrusted "$out/chain.pem" "$out/leaf.pem" >"$out/verify.txt" 2>&1 ||
        fail "$out: the chain does not verify: $(tail -n 2 "$out/verify.txt")" || return 1
    sans=$(openssl x509 -in "$out/leaf.pem" -noout -ext subjectAltName | tail -n +2 |
        tr ',' '\n' | sed 's/^ *//; s/ *$//' | sort | paste -sd' ')
    want=$(printf 'DNS:%s\n' "$@" | sort | paste -sd' ')
    [[ $sans == "$want" ]] || fail "$out: SANs '$sans', expected '$want'" || return 1
    cmp -s <(openssl pkey -in "$out/privkey.pem" -pubout 2>/dev/null) \
        <(openssl x509 -in "$out/leaf.pem" -noout -pubkey) ||
        fail "$out: privkey.pem does not match the certificate" || return 1
    pebble_issued_serials | grep -qx "$(cert_serial "$out/leaf.pem")" ||
        fail "$out: not a certificate this Pebble issued" || return 1
}

scenario_renewals() {
    local d=$work/renewals pid t_start installed
    mkdir -p "$d"
    provision "$d/state" "$PEBBLE_DIR_URL" daemon-a.demo.test daemon-b.demo.test || return 1
    write_copy_hook "$d"
    t_start=$(now_ms)
    start_daemon renewals --state "$d/state" "${NET[@]}" --deploy-dir "$d/deploy" \
        --deploy-hook "$d/hook.sh"
    pid=$DAEMON_PID
    # 3 certificates: the first, then renewals near 29 s and 58 s.
    wait_for 75 lines_at_least "$d/hook.log" 3
    local waited=$(($(now_ms) - t_start))
    stop_daemon "$pid"
    lines_at_least "$d/hook.log" 3 || {
        agent_said renewals
        fail "after $waited ms the hook ran $(hook_runs "$d") times, expected 3"
        return 1
    }
    ((STOP_RC == 0)) || fail "SIGTERM: exit $STOP_RC, expected 0" || return 1
    ((STOP_MS <= SHUTDOWN_MAX_MS)) ||
        fail "SIGTERM: exit after $STOP_MS ms (limit $SHUTDOWN_MAX_MS)" || return 1
    installed=$(grep -c "certificate installed" "$work/renewals.err")
    ((installed == $(hook_runs "$d"))) ||
        fail "$installed certificates installed, hook ran $(hook_runs "$d") times" || return 1
    ((installed >= 3)) || fail "$installed certificates in $waited ms" || return 1
    ! grep -q "failed" "$work/renewals.err" ||
        fail "the daemon logged a failure: $(grep failed "$work/renewals.err" | head -n 2)" ||
        return 1

    # Each hook run: its own serial, the names, absolute paths into the deploy dir, key 0600,
    # and files that are that certificate (chain to Pebble's root, SANs, matching key).
    local n serial names st cert key mode prev_nb="" nb na life delta deltas=() seen=" "
    local state_abs
    state_abs=$(cd "$d" && pwd)/state
    for ((n = 1; n <= installed; n++)); do
        IFS='|' read -r _ serial names st cert key mode < <(sed -n "${n}p" "$d/hook.log")
        [[ $seen != *" $serial "* ]] || fail "hook run $n: serial $serial deployed twice" ||
            return 1
        seen+="$serial "
        [[ $names == "daemon-a.demo.test daemon-b.demo.test" ]] ||
            fail "hook run $n: ACME_AGENT_NAMES='$names'" || return 1
        [[ $st == "$state_abs" && $cert == "$d/deploy/fullchain.pem" &&
            $key == "$d/deploy/privkey.pem" ]] ||
            fail "hook run $n: STATE=$st CERT=$cert KEY=$key" || return 1
        [[ $mode == 600 ]] || fail "hook run $n: privkey.pem mode $mode" || return 1
        check_copy "$d/runs/$n" daemon-a.demo.test daemon-b.demo.test || return 1
        [[ $(cert_serial "$d/runs/$n/leaf.pem") == "$(sed 's/^0*//' <<<"$serial")" ]] ||
            fail "hook run $n: ACME_AGENT_SERIAL $serial, the files hold" \
                "$(cert_serial "$d/runs/$n/leaf.pem")" || return 1
        nb=$(date -u -d "$(openssl x509 -in "$d/runs/$n/leaf.pem" -noout -startdate |
            cut -d= -f2)" +%s)
        na=$(date -u -d "$(openssl x509 -in "$d/runs/$n/leaf.pem" -noout -enddate |
            cut -d= -f2)" +%s)
        life=$((na - nb))
        ((life == VALIDITY_S - 1)) || fail "certificate $n lives $life s" || return 1
        if [[ -n $prev_nb ]]; then
            # Renewed when half the lifetime was left, up to 1/16 earlier (jitter), in whole
            # seconds, plus the issuance itself (well under 3 s here).
            delta=$((nb - prev_nb))
            deltas+=("$delta")
            ((delta >= life - life / 2 - life / 16 && delta <= life - life / 2 + 3)) ||
                fail "certificate $n came $delta s after the one before (lifetime $life s:" \
                    "expected $((life - life / 2 - life / 16))..$((life - life / 2 + 3)) s)" ||
                return 1
        fi
        prev_nb=$nb
    done
    local rel=()
    for delta in "${deltas[@]}"; do
        rel+=("$(awk -v d="$delta" -v l="$life" 'BEGIN { printf "%+.1f", d - l / 2 }')")
    done
    number "renewals: $installed certificates in $waited ms (lifetime $life s); renewed" \
        "${deltas[*]} s after the previous notBefore (half-life $((life / 2)).5 s: ${rel[*]} s);" \
        "hook runs $(hook_runs "$d"), one per serial; SIGTERM -> exit $STOP_RC after $STOP_MS ms"
}

# ---- main ----------------------------------------------------------------------------------

scenario_rollover() {
    local d=$work/rollover acct before
    mkdir -p "$d"
    provision "$d/state" "$PEBBLE_DIR_URL" rollover.demo.test || return 1
    run_agent roll_1 run --once --state "$d/state" "${NET[@]}"
    expect_rc roll_1 0 || return 1
    status_json roll_s1 "$d/state"
    acct=$(json "$work/roll_s1.json" 'st["account"]')
    # The new key is stored before anything is sent; the TLS check then fails.
    run_agent roll_2 rollover --state "$d/state" --trust "$here/../data/cert/ca.cert.pem"
    expect_rc roll_2 2 || return 1
    status_json roll_s2 "$d/state"
    [[ $(json "$work/roll_s2.json" 'st["next"]["action"]') == rollover ]] ||
        fail "status next: $(json "$work/roll_s2.json" 'st["next"]')" || return 1
    before=$(grep -c 'POST /rollover-account-key' "$PEBBLE_LOG")
    run_agent roll_3 run --once --state "$d/state" "${NET[@]}"
    expect_rc roll_3 0 || return 1
    grep -q "key rollover finished" "$work/roll_3.err" ||
        fail "run --once did not finish the rollover: $(cat "$work/roll_3.err")" || return 1
    number "rollover: cut short: $(tail -n 1 "$work/roll_2.err")"
    number "rollover: run --once: $(grep -m1 "key rollover" "$work/roll_3.err")"
    (($(grep -c 'POST /rollover-account-key' "$PEBBLE_LOG") == before + 1)) ||
        fail "Pebble did not get exactly one keyChange" || return 1
    status_json roll_s3 "$d/state"
    [[ $(json "$work/roll_s3.json" 'st["account"]') == "$acct" ]] ||
        fail "the account changed: $(json "$work/roll_s3.json" 'st["account"]')" || return 1
    [[ $(json "$work/roll_s3.json" 'st["next"]["action"]') != rollover ]] ||
        fail "status still says rollover" || return 1
    run_agent roll_4 renew --state "$d/state" "${NET[@]}"
    expect_rc roll_4 0
}

scenarios=("$@")
((${#scenarios[@]})) || scenarios=(once_renew stop_resume hook_retry backoff rollover renewals)

pebble_start "$work/pebble" --validity "$VALIDITY_S" || {
    echo "FAIL: could not start Pebble"
    exit 1
}
grep -q "Using certificate validity period of $VALIDITY_S seconds" "$PEBBLE_LOG" || {
    echo "FAIL: Pebble did not take --validity $VALIDITY_S"
    exit 1
}
NET=(--http01-port "$PEBBLE_HTTP01_PORT" --http01-bind 127.0.0.1)
echo "work dir: $work"
pebble_run_scenarios "${scenarios[@]}"

cleanup
if ((${#failed[@]})); then
    echo "FAILED: ${failed[*]} (commands in $work/commands.log, outputs in $work)"
    exit 1
fi
echo "all ${#scenarios[@]} scenarios passed"
rm -rf "$work"
