#!/usr/bin/env bash
# Issuance benchmark (not part of the pass/fail suite).
#
# Starts a local Pebble (loopback only), then times N issuances with a fresh
# account and N with the stored account, each for one name, and prints the
# median of: wall time, HTTP requests, TLS handshakes, peak arena bytes, and
# sizeof(acme_agent_t). Counts come from the agent itself (--stats).
#
# Pebble rejects 5% of nonces and reuses half of all valid authorizations by
# default, which changes request counts at random. The first pass turns both
# off (PEBBLE_WFE_NONCEREJECT=0, PEBBLE_AUTHZREUSE=0) so the counts measure
# the full flow; the second keeps nonce rejection to show the retries.
#
#   tests/bench/run.sh [RUNS]        (default 5; reuses build/gcc)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
runs=${1:-5}
build=${ACME_BENCH_BUILD:-$root/build/gcc}
agent=$build/boards/linux/acme-agent
if [ ! -x "$agent" ]; then
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$build" -j"$(nproc)" --target acme-agent >/dev/null
fi

# shellcheck source=../integration/lib/pebble.sh
. "$root/tests/integration/lib/pebble.sh"
work=$(mktemp -d)
trap 'nginx_stop 2>/dev/null; pebble_stop; rm -rf "$work"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

issue() { # state-file -> stats JSON on stdout, wall ms on fd 3
    local t0 t1 out
    t0=$(date +%s%N)
    out=$("$agent" issue --state "$1" --directory "$PEBBLE_DIR_URL" --domain bench.demo.test \
        --trust "$PEBBLE_TRUST" --http01-port "$PEBBLE_HTTP01_PORT" --http01-bind 127.0.0.1 --stats)
    t1=$(date +%s%N)
    echo "$out"
    echo $(((t1 - t0) / 1000000)) >&3
}

bench_pass() { # label
    local label=$1 fresh_wall=() stored_wall=() fresh_req=() stored_req=() hs=() arena=() size=0 retries=0
    for i in $(seq "$runs"); do
        rm -f "$work/state.bin"
        s=$(issue "$work/state.bin" 3>"$work/wall"); fresh_wall+=("$(cat "$work/wall")")
        fresh_req+=("$(field "$s" http_requests)"); hs+=("$(field "$s" tls_handshakes)")
        arena+=("$(field "$s" arena_peak)"); size=$(field "$s" agent_size)
        retries=$((retries + $(field "$s" badnonce_retries)))
        s=$(issue "$work/state.bin" 3>"$work/wall"); stored_wall+=("$(cat "$work/wall")")
        stored_req+=("$(field "$s" http_requests)"); hs+=("$(field "$s" tls_handshakes)")
        arena+=("$(field "$s" arena_peak)")
        retries=$((retries + $(field "$s" badnonce_retries)))
    done
    printf '%s (%s runs each, medians)\n' "$label" "$runs"
    printf '  fresh account : wall %s ms, %s HTTP requests\n' \
        "$(printf '%s\n' "${fresh_wall[@]}" | median)" "$(printf '%s\n' "${fresh_req[@]}" | median)"
    printf '  stored account: wall %s ms, %s HTTP requests\n' \
        "$(printf '%s\n' "${stored_wall[@]}" | median)" "$(printf '%s\n' "${stored_req[@]}" | median)"
    printf '  TLS handshakes per issuance: max %s\n' "$(printf '%s\n' "${hs[@]}" | sort -n | tail -1)"
    printf '  peak arena: max %s bytes\n' "$(printf '%s\n' "${arena[@]}" | sort -n | tail -1)"
    printf '  sizeof(acme_agent_t): %s bytes\n' "$size"
    printf '  badNonce retries in all runs: %s\n' "$retries"
}

# shellcheck source=../integration/lib/nginx.sh
. "$root/tests/integration/lib/nginx.sh"

pebble_start "$work/pebble" PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 >/dev/null
bench_pass "Pebble, full flow (no nonce rejection, no authorization reuse)"
pebble_stop
pebble_start "$work/pebble2" PEBBLE_AUTHZREUSE=0 >/dev/null
bench_pass "Pebble rejecting 5% of nonces (its default)"

# Discovery: the CA is found from CAA (challtestsrv) and https://ca-one.test/.well-known/acme
# (nginx on 127.0.0.1:443, root only), then issued from as above. Counts: CAA lookups,
# HTTP requests (well-known + ACME), TLS handshakes (nginx + Pebble).
pebble_stop
if [ "$(id -u)" != 0 ]; then
    echo "Discovery: skipped (nginx needs port 443: run as root)"
    exit 0
fi
pebble_env_start "$work/env" >/dev/null
pebble_start_ca CA_ONE "$work/ca-one" PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 >/dev/null
nginx_start "$work/nginx" "ca-one.test=$CA_ONE_DIR_URL" >/dev/null
challtestsrv_add_caa bench.disc.test issue "ca-one.test; priority=1" >/dev/null
walls=() reqs=() hss=() caas=()
for i in $(seq "$runs"); do
    rm -f "$work/state.bin"
    t0=$(date +%s%N)
    out=$("$agent" issue --state "$work/state.bin" --domain bench.disc.test --trust "$PEBBLE_TRUST" \
        --dns-server "$CHALLTESTSRV_DNS" --http01-port "$PEBBLE_HTTP01_PORT" --http01-bind 127.0.0.1 --stats)
    t1=$(date +%s%N)
    walls+=($(((t1 - t0) / 1000000)))
    reqs+=("$(field "$out" http_requests)")
    hss+=("$(field "$out" tls_handshakes)")
    caas+=("$(field "$out" caa_lookups)")
done
printf 'Discovery from CAA, fresh account (%s runs, medians)\n' "$runs"
printf '  wall %s ms, %s CAA lookups, %s HTTP requests, %s TLS handshakes\n' \
    "$(printf '%s\n' "${walls[@]}" | median)" "$(printf '%s\n' "${caas[@]}" | median)" \
    "$(printf '%s\n' "${reqs[@]}" | median)" "$(printf '%s\n' "${hss[@]}" | median)"
