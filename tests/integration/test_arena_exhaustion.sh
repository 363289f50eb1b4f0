#!/usr/bin/env bash
# tests/integration/test_arena_exhaustion.sh -- the agent runs out of arena gracefully.
#
#   test_arena_exhaustion.sh ACME_AGENT_BINARY BUILD_DIR
#
# DESIGN §4: every mbedTLS and cJSON allocation comes from one fixed arena; exhaustion must
# return ACME_ERR_NO_MEMORY and never crash or corrupt state. Against a real Pebble on
# 127.0.0.1 this test:
#   1. issues once with the full arena and reads the measured peak (--stats arena_peak) and
#      that nothing stays allocated afterwards (arena_leaked == 0);
#   2. issues again with arenas from 4 KiB up to the peak in 2 KiB steps, on a copy of a
#      state that holds an account and a certificate: each run either succeeds or fails with
#      exit 2 and the arena message -- never another error, a crash or a sanitizer report --
#      and a failed run leaves the state file byte-identical;
#   3. issues with an arena of peak + 2 KiB, which must succeed (the measured peak is what
#      a device really needs).
set -uo pipefail

agent=${1:?usage: test_arena_exhaustion.sh ACME_AGENT BUILD_DIR}
build=${2:?usage: test_arena_exhaustion.sh ACME_AGENT BUILD_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib/pebble.sh
. "$here/lib/pebble.sh"
# shellcheck source=SCRIPTDIR/lib/cert_check.sh
. "$here/lib/cert_check.sh"

mkdir -p "$build/integration-work"
work=$(mktemp -d "$(cd "$build" && pwd)/integration-work/test_arena.XXXXXX")
trap 'pebble_stop' EXIT
trap 'exit 130' INT TERM

failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

issue() { # STATE ARENA_BYTES -> rc; stdout/stderr in $work/last.{out,err}
    timeout 60 "$agent" issue --state "$1" --directory "$PEBBLE_DIR_URL" \
        --domain arena.demo.test --trust "$PEBBLE_TRUST" --http01-port "$PEBBLE_HTTP01_PORT" \
        --http01-bind 127.0.0.1 --stats --arena-size "$2" >"$work/last.out" 2>"$work/last.err"
}

# No authorization reuse: every run does the full flow, so the peak is comparable.
pebble_start "$work/pebble" PEBBLE_AUTHZREUSE=0 >/dev/null || {
    echo "FAIL: Pebble did not start"
    exit 1
}

issue "$work/state.bin" 98304
rc=$?
if ((rc != 0)); then
    cat "$work/last.err"
    echo "FAIL: baseline issuance with the full arena (exit $rc)"
    exit 1
fi
peak=$(json_field arena_peak <"$work/last.out")
leaked=$(json_field arena_leaked <"$work/last.out")
echo "baseline: peak arena $peak bytes, $leaked bytes still allocated after deinit"
((leaked == 0)) || fail "the agent left $leaked bytes allocated in the arena"
cp "$work/state.bin" "$work/baseline.bin"

ok=0
exhausted=0
for ((size = 4096; size <= peak; size += 2048)); do
    cp "$work/baseline.bin" "$work/try.bin"
    issue "$work/try.bin" "$size"
    rc=$?
    lines=$(wc -l <"$work/last.err")
    if ((rc == 0)); then
        ok=$((ok + 1))
        continue
    fi
    if ((rc != 2)); then
        fail "arena $size: exit $rc (crash or timeout): $(tail -n 3 "$work/last.err")"
    elif grep -q -E 'AddressSanitizer|runtime error' "$work/last.err"; then
        fail "arena $size: sanitizer report"
    elif ((lines != 1)); then
        fail "arena $size: $lines lines on stderr"
    elif ! grep -q 'arena exhausted' "$work/last.err"; then
        fail "arena $size: not reported as exhaustion: $(cat "$work/last.err")"
    elif ! why=$(state_kept "$agent" "$work/baseline.bin" "$work/try.bin"); then
        fail "arena $size: the state changed beyond the failure count: $why"
    else
        exhausted=$((exhausted + 1))
    fi
done
echo "arena sizes 4096..$peak: $exhausted ran out cleanly, $ok succeeded"
((exhausted > 0)) || fail "no run ran out of arena: the sweep proves nothing"

cp "$work/baseline.bin" "$work/try.bin"
if ! issue "$work/try.bin" $((peak + 2048)); then
    fail "an arena of the measured peak + 2 KiB ($((peak + 2048)) bytes) is not enough: $(cat "$work/last.err")"
fi

if ((failures > 0)); then
    echo "$failures failure(s); work directory kept: $work"
    pebble_logs >"$work/servers.log" 2>&1
    exit 1
fi
rm -rf "$work"
echo "PASS"
