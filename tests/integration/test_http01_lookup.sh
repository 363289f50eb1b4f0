#!/usr/bin/env bash
# tests/integration/test_http01_lookup.sh -- a device that runs its own web server.
#
#   test_http01_lookup.sh ACME_AGENT_BINARY BUILD_DIR
#
# own_webserver (built from own_webserver.c) turns the agent's responder off and answers
# Pebble's http-01 fetches from its own server through acme_agent_http01_lookup(), in one
# super-loop. The test checks that a certificate for two names is installed, that the
# challenges were answered by that server, and that the stored chain verifies against
# Pebble's root with exactly the two names.
set -uo pipefail

agent=${1:?usage: test_http01_lookup.sh ACME_AGENT BUILD_DIR}
build=${2:?usage: test_http01_lookup.sh ACME_AGENT BUILD_DIR}
program=$build/tests/integration/own_webserver
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib/pebble.sh
. "$here/lib/pebble.sh"

[[ -x $program ]] || { echo "FAIL: $program not built"; exit 1; }
mkdir -p "$build/integration-work"
work=$(mktemp -d "$(cd "$build" && pwd)/integration-work/test_lookup.XXXXXX")
trap 'pebble_stop' EXIT

pebble_start "$work/pebble" >/dev/null || { echo "FAIL: Pebble did not start"; exit 1; }
if ! timeout 60 "$program" "$work/state.bin" "$PEBBLE_DIR_URL" "$PEBBLE_TRUST" \
    "$PEBBLE_HTTP01_PORT" web.demo.test api.demo.test >"$work/run.out" 2>"$work/run.err"; then
    echo "FAIL: $(cat "$work/run.err")"
    pebble_logs >"$work/servers.log" 2>&1
    exit 1
fi
cat "$work/run.out"
grep -q 'challenge fetches answered' "$work/run.out" || { echo "FAIL: no challenge answered"; exit 1; }

"$agent" export --state "$work/state.bin" --out "$work/out" >/dev/null || { echo "FAIL: export"; exit 1; }
pebble_issuer_root "$work/root.pem" "$work/intermediate.pem" >/dev/null
awk -v dir="$work" '/BEGIN CERTIFICATE/ {n++} {print > (dir "/cert" n ".pem")}' "$work/out/fullchain.pem"
if ! openssl verify -CAfile "$work/root.pem" -untrusted "$work/cert2.pem" "$work/cert1.pem" >/dev/null; then
    echo "FAIL: the stored chain does not verify against Pebble's root"
    exit 1
fi
sans=$(openssl x509 -in "$work/cert1.pem" -noout -ext subjectAltName | tail -n +2 | tr -d ' ')
if [[ $sans != "DNS:web.demo.test,DNS:api.demo.test" && $sans != "DNS:api.demo.test,DNS:web.demo.test" ]]; then
    echo "FAIL: SANs are '$sans'"
    exit 1
fi
rm -rf "$work"
echo "PASS"
