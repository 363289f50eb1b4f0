#!/usr/bin/env bash
# tests/integration/test_dns_client.sh -- the agent's DNS client against a real dnsmasq.
#
#   test_dns_client.sh ACME_AGENT_BINARY BUILD_DIR
#
# Starts dnsmasq (the binary, not a system service; package dnsmasq-base) with lib/dnsmasq.sh
# on 127.0.0.1:<free port> with no upstream, no /etc/hosts and no config file, serving:
#   a.dns.test      A      127.0.0.7
#   caa.dns.test    CAA    0 issue "ca.dns.test"
#   alias.dns.test  CNAME  caa.dns.test       (dnsmasq puts the target's CAA in the answer)
#   via.dns.test    CNAME  a.dns.test         (dnsmasq answers the CNAME alone: a second query)
#   big.dns.test    CAA    six records, ~1.6 KB: over the 1232-byte EDNS0 payload the client
#                          advertises, so dnsmasq answers UDP with TC=1 and part of the RRset,
#                          and the full RRset over TCP
#   nx.dns.test     NXDOMAIN
# and runs dns_lookup (built from dns_lookup.c: the real client, POSIX port) against it for
# each, asserting the records, the owner name, the CNAME links, the query count and whether
# TCP was used. Nothing leaves loopback. dnsmasq is killed on exit.
set -uo pipefail

build=${2:?usage: test_dns_client.sh ACME_AGENT BUILD_DIR}
program=$build/tests/integration/dns_lookup
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib/dnsmasq.sh
. "$here/lib/dnsmasq.sh"

[[ -x $program ]] || { echo "FAIL: $program not built"; exit 1; }
mkdir -p "$build/integration-work"
work=$(mktemp -d "$(cd "$build" && pwd)/integration-work/test_dns.XXXXXX")
trap dnsmasq_stop EXIT

records=(--address=/a.dns.test/127.0.0.7
    "$(dnsmasq_caa caa.dns.test 0 issue ca.dns.test)"
    "--cname=alias.dns.test,caa.dns.test"
    "--cname=via.dns.test,a.dns.test"
    --address=/nx.dns.test/)
filler=$(printf 'x%.0s' $(seq 1 220))
for i in 0 1 2 3 4 5; do
    records+=("$(dnsmasq_caa big.dns.test 0 issue "ca$i.dns.test; account=$filler")")
done
dnsmasq_start "$work/dnsmasq" "${records[@]}" || { echo "FAIL: dnsmasq did not start"; exit 1; }

failures=0
# lookup NAME TYPE: run the client, keep its output in $out.
lookup() {
    out=$(timeout 100 "$program" "$DNSMASQ_DNS" "$1" "$2" 2>"$work/$1.$2.err")
    printf '%s\n' "$out" >"$work/$1.$2.out"
}
# expect NAME TYPE LINE...: every LINE must be in the output of the last lookup.
expect() {
    local name=$1 type=$2 line lines
    shift 2
    for line in "$@"; do
        if ! grep -qxF -- "$line" <<<"$out"; then
            echo "FAIL: $name $type: no line '$line' in:"
            mapfile -t lines <<<"$out"
            printf '    %s\n' "${lines[@]}"
            failures=$((failures + 1))
        fi
    done
}
# count NAME TYPE PREFIX N: exactly N lines of the last lookup start with PREFIX.
count() {
    local n
    n=$(grep -c -- "^$3" <<<"$out")
    if [[ $n != "$4" ]]; then
        echo "FAIL: $1 $2: $n lines '$3...', want $4"
        failures=$((failures + 1))
    fi
}

lookup a.dns.test A
expect a.dns.test A "status ACME_OK" "owner a.dns.test" "cname-links 0" "queries 1" "tcp 0" \
    "A 127.0.0.7"
count a.dns.test A "A " 1

lookup caa.dns.test CAA
expect caa.dns.test CAA "status ACME_OK" "owner caa.dns.test" "cname-links 0" "tcp 0" \
    'CAA 0 issue "ca.dns.test"'
count caa.dns.test CAA "CAA " 1

# The CNAME and its target's record in one answer.
lookup alias.dns.test CAA
expect alias.dns.test CAA "status ACME_OK" "owner caa.dns.test" "cname-links 1" "queries 1" \
    'CAA 0 issue "ca.dns.test"'

# The CNAME alone: the client asks for the target itself.
lookup via.dns.test A
expect via.dns.test A "status ACME_OK" "owner a.dns.test" "cname-links 1" "queries 2" \
    "A 127.0.0.7"

# Too big for UDP: TC=1, then the whole RRset over TCP.
lookup big.dns.test CAA
expect big.dns.test CAA "status ACME_OK" "owner big.dns.test" "tcp 1"
for i in 0 1 2 3 4 5; do
    expect big.dns.test CAA "CAA 0 issue \"ca$i.dns.test; account=$filler\""
done
count big.dns.test CAA "CAA " 6
# dnsmasq saw the query twice: over UDP (answered truncated) and over TCP.
n=$(grep -c 'query\[CAA\] big.dns.test from 127.0.0.1' "$DNSMASQ_LOG")
[[ $n == 2 ]] || { echo "FAIL: dnsmasq logged $n CAA queries for big.dns.test, want 2"; failures=$((failures + 1)); }

lookup nx.dns.test A
expect nx.dns.test A "status ACME_ERR_DNS_NXDOMAIN"

if ((failures > 0)); then
    echo "FAIL: $failures checks failed (work directory kept: $work)"
    exit 1
fi
dnsmasq_stop
rm -rf "$work"
echo "PASS"
