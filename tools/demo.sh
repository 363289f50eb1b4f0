#!/usr/bin/env bash
# tools/demo.sh -- from a fresh Debian bookworm machine to a certificate in one command:
# installs what is missing, builds acme-agent (build/gcc, reused), starts a throwaway Pebble
# ACME server and its DNS on 127.0.0.1, issues a certificate for two demo names over http-01,
# exports it to out/demo/cert/, shows what it got, and stops what it started.
#
#   tools/demo.sh
#   ACME_DEMO_NAMES="x.demo.test y.demo.test" tools/demo.sh
#   ACME_AGENT=build/asan/boards/linux/acme-agent tools/demo.sh   (use that binary, no build)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)
build=$repo/build/gcc
demo=$repo/out/demo
read -r -a names <<<"${ACME_DEMO_NAMES:-gateway.demo.test device.demo.test}"

tools/setup-host.sh

# Configure once (the compiler is fixed then), rebuild only what changed.
build_agent() {
    echo "== building acme-agent ($build)"
    mkdir -p "$build"
    local compiler=()
    [[ -f $build/CMakeCache.txt ]] || compiler=(-DCMAKE_C_COMPILER=gcc)
    cmake -S "$repo" -B "$build" "${compiler[@]}" >"$build/configure.log" 2>&1 || {
        tail -n 40 "$build/configure.log" >&2
        echo "demo.sh: configure failed (log: $build/configure.log)" >&2
        exit 1
    }
    cmake --build "$build" -j "$(nproc)" --target acme-agent >"$build/build-demo.log" 2>&1 || {
        tail -n 40 "$build/build-demo.log" >&2
        echo "demo.sh: building acme-agent failed (log: $build/build-demo.log)" >&2
        exit 1
    }
}

if [[ -n ${ACME_AGENT:-} ]]; then
    agent=$(realpath "$ACME_AGENT")
else
    build_agent
    agent=$build/boards/linux/acme-agent
fi
[[ -x $agent ]] || {
    echo "demo.sh: $agent was not built (does boards/linux have the CLI sources yet?)" >&2
    exit 1
}

# shellcheck source=SCRIPTDIR/../tests/integration/lib/pebble.sh
. "$repo/tests/integration/lib/pebble.sh"
trap pebble_stop EXIT
trap 'exit 130' INT TERM

echo "== starting Pebble and pebble-challtestsrv on 127.0.0.1"
mkdir -p "$demo"
pebble_start "$demo/pebble"
echo "   ACME directory  $PEBBLE_DIR_URL"
echo "   DNS             $CHALLTESTSRV_DNS"

# Pebble forgets its accounts when it stops, so a state from an earlier demo run names an
# account this Pebble never saw: every run starts from an empty state.
state=$demo/state
rm -f "$state"
domain_args=()
for n in "${names[@]}"; do domain_args+=(--domain "$n"); done

echo "== issuing for ${names[*]}"
t0=${EPOCHREALTIME/./}
if ! "$agent" issue --state "$state" --directory "$PEBBLE_DIR_URL" "${domain_args[@]}" \
    --trust "$PEBBLE_TRUST" --http01-port "$PEBBLE_HTTP01_PORT" --http01-bind 127.0.0.1 \
    --contact mailto:admin@demo.test; then
    pebble_logs >&2
    echo "demo.sh: issuance failed" >&2
    exit 1
fi
echo "   done in $(((${EPOCHREALTIME/./} - t0) / 1000)) ms"

cert_dir=$demo/cert
rm -rf "$cert_dir"
mkdir -p "$cert_dir"
"$agent" export --state "$state" --out "$cert_dir"
pebble_issuer_root "$cert_dir/pebble-root.pem"
openssl x509 -in "$cert_dir/fullchain.pem" -out "$cert_dir/leaf.pem"

echo "== certificate"
openssl x509 -in "$cert_dir/leaf.pem" -noout -subject -ext subjectAltName -issuer -enddate |
    sed 's/^/   /'
if openssl verify -CAfile "$cert_dir/pebble-root.pem" -untrusted "$cert_dir/fullchain.pem" \
    "$cert_dir/leaf.pem" >/dev/null 2>&1; then
    echo "   chain verifies against Pebble's root (openssl verify): OK"
else
    echo "   chain does NOT verify against Pebble's root" >&2
    exit 1
fi

echo "== files"
echo "   certificate chain  $cert_dir/fullchain.pem"
echo "   private key        $cert_dir/privkey.pem (mode $(stat -c %a "$cert_dir/privkey.pem"))"
echo "   Pebble's root      $cert_dir/pebble-root.pem (throwaway: this Pebble only)"
echo "   agent state        $state"
echo "== acme-agent status --state $state"
"$agent" status --state "$state" | sed 's/^/   /'
echo "== stopping Pebble"
