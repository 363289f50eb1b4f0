#!/usr/bin/env bash
# tests/integration/peer_check.sh -- check the Pebble harness (lib/pebble.sh) with an existing
# ACME client standing in for acme-agent, and measure what a known-good client costs against
# it. A manual tool, not part of ctest.
#
#   tests/integration/peer_check.sh [uacme|lego|all]   (default: uacme)
#   ACME_PEER_RUNS=5 tests/integration/peer_check.sh all
#
# For each client and each Pebble setting (default, PEBBLE_WFE_NONCEREJECT=50) it issues a
# certificate for two names over http-01, first with a fresh account, then again with the
# stored account, and checks: the chain verifies against the root and intermediate fetched
# from Pebble's management port, the SANs are exactly the two names, the key matches.
# Prints wall time and the number of ACME requests Pebble logged for each issuance.
#
# uacme has no CA-file option (libcurl-gnutls reads the system bundle), so it runs in a private
# mount namespace with the test root bind-mounted over /etc/ssl/certs/ca-certificates.crt:
# that needs root. lego reads LEGO_CA_CERTIFICATES.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=SCRIPTDIR/lib/pebble.sh
. "$here/lib/pebble.sh"

which=${1:-uacme}
runs=${ACME_PEER_RUNS:-3}
names=(a.demo.test b.demo.test)
case $which in
uacme | lego) clients=("$which") ;;
all) clients=(uacme lego) ;;
*)
    echo "usage: $0 [uacme|lego|all]" >&2
    exit 2
    ;;
esac
ACME_EXTRA_PACKAGES="${clients[*]}" "$repo/tools/setup-host.sh"
if [[ " ${clients[*]} " == *" uacme "* ]] && ((EUID != 0)); then
    echo "peer_check.sh: uacme needs root (mount namespace for its trust store)" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/acme-peer.XXXXXX")
webroot_pid=""
cleanup() {
    pebble_stop
    stop_webroot
}
trap cleanup EXIT

now() { echo "${EPOCHREALTIME/./}"; }
ms_since() { echo $((($(now) - $1) / 1000)); }

# A static web root on the http-01 port for uacme's hook (lego runs its own responder).
start_webroot() {
    mkdir -p "$work/www/.well-known/acme-challenge"
    if [[ -x /usr/bin/python3 ]]; then py=/usr/bin/python3; else py=python3; fi
    "$py" -m http.server -b 127.0.0.1 -d "$work/www" "$PEBBLE_HTTP01_PORT" \
        >"$work/webroot.log" 2>&1 &
    webroot_pid=$!
    local i
    for ((i = 0; i < 100; i++)); do
        curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PEBBLE_HTTP01_PORT/" && return 0
        sleep 0.05
    done
    echo "webroot did not start" >&2
    return 1
}

stop_webroot() {
    [[ -n $webroot_pid ]] || return 0
    kill "$webroot_pid" 2>/dev/null || true
    wait "$webroot_pid" 2>/dev/null || true
    webroot_pid=""
}

write_uacme_hook() {
    cat >"$work/uacme-hook.sh" <<EOF
#!/bin/sh
# uacme hook: METHOD TYPE IDENT TOKEN KEY_AUTH. Accept only http-01.
[ "\$2" = http-01 ] || exit 1
f="$work/www/.well-known/acme-challenge/\$4"
case "\$1" in begin) printf '%s' "\$5" >"\$f" ;; *) rm -f "\$f" ;; esac
EOF
    chmod +x "$work/uacme-hook.sh"
}

# issue CLIENT CONFDIR FRESH(0|1) -> sets cert (fullchain) and key paths. Called in an `if`,
# where errexit is off: every step returns on failure explicitly.
issue() {
    local client=$1 conf=$2 fresh=$3
    case $client in
    uacme)
        local cmds=""
        ((fresh)) && cmds="uacme -y -c '$conf' -a '$PEBBLE_DIR_URL' -t EC new >/dev/null && "
        cmds+="uacme -f -c '$conf' -a '$PEBBLE_DIR_URL' -t EC -h '$work/uacme-hook.sh' issue ${names[*]}"
        unshare -m sh -c "mount --bind '$PEBBLE_TRUST' /etc/ssl/certs/ca-certificates.crt && $cmds" \
            >>"$work/client.log" 2>&1 || return 1
        cert=$conf/${names[0]}/cert.pem
        key=$conf/private/${names[0]}/key.pem
        ;;
    lego)
        local domains=() n
        for n in "${names[@]}"; do domains+=(--domains "$n"); done
        LEGO_CA_CERTIFICATES=$PEBBLE_TRUST timeout 60 lego --server "$PEBBLE_DIR_URL" \
            --path "$conf" --email peer@demo.test --accept-tos "${domains[@]}" --http \
            --http.port "127.0.0.1:$PEBBLE_HTTP01_PORT" run >>"$work/client.log" 2>&1 || return 1
        cert=$conf/certificates/${names[0]}.crt
        key=$conf/certificates/${names[0]}.key
        ;;
    esac
}

# The checks a user cares about: chain, names, key.
check_cert() {
    local d=$1
    pebble_issuer_root "$d/root.pem" "$d/intermediate.pem" || return 1
    openssl x509 -in "$cert" -out "$d/leaf.pem" || return 1
    openssl verify -CAfile "$d/root.pem" -untrusted "$d/intermediate.pem" "$d/leaf.pem" \
        >"$d/verify.txt" 2>&1 || {
        cat "$d/verify.txt"
        return 1
    }
    local sans want
    sans=$(openssl x509 -in "$d/leaf.pem" -noout -ext subjectAltName | tail -n +2 |
        tr -d ' ' | tr ',' '\n' | sed 's/^DNS://' | sort | paste -sd' ')
    want=$(printf '%s\n' "${names[@]}" | sort | paste -sd' ')
    [[ $sans == "$want" ]] || {
        echo "SANs '$sans' != '$want'"
        return 1
    }
    cmp -s <(openssl pkey -in "$key" -pubout) <(openssl x509 -in "$d/leaf.pem" -noout -pubkey) ||
        {
            echo "private key does not match the certificate"
            return 1
        }
}

# A client that gives up (uacme stops after a few badNonce in a row, which happens at
# NONCEREJECT=50) is reported but is the peer's limit, not the harness's; a certificate that
# fails the checks, or no success at all, fails the run.
failed=0 client_errors=0 verified=0
for client in "${clients[@]}"; do
    for env_setting in "" "PEBBLE_WFE_NONCEREJECT=50"; do
        label=${env_setting:-default}
        for ((run = 1; run <= runs; run++)); do
            d="$work/$client-${label//=/_}-$run"
            mkdir -p "$d"
            # shellcheck disable=SC2086 # empty setting -> no argument
            pebble_start "$d/pebble" $env_setting
            [[ $client == uacme ]] && {
                write_uacme_hook
                start_webroot
            }
            for account in fresh stored; do
                fresh=0
                [[ $account == fresh ]] && fresh=1
                r0=$(pebble_request_count)
                t0=$(now)
                if ! issue "$client" "$d/conf" "$fresh"; then
                    status="client-error"
                    client_errors=$((client_errors + 1))
                elif check_cert "$d"; then
                    status=ok
                    verified=$((verified + 1))
                else
                    status=CHECK-FAILED
                    failed=1
                fi
                printf '%-5s %-26s run %d %-7s account: %-12s %5d ms %3d requests\n' \
                    "$client" "$label" "$run" "$account" "$status" "$(ms_since "$t0")" \
                    $(($(pebble_request_count) - r0))
                if [[ $status == CHECK-FAILED ]]; then
                    pebble_logs
                elif [[ $status == client-error ]]; then
                    { grep -E "badNonce|error" "$work/client.log" || true; } | tail -n 2
                fi
                : >"$work/client.log"
            done
            stop_webroot
            pebble_stop
        done
    done
done
echo "peer_check: $verified issuances verified, $client_errors client errors"
((verified > 0)) || failed=1
if ((failed)); then
    echo "peer_check: FAILED (work dir kept: $work)"
    trap - EXIT
    cleanup
    exit 1
fi
echo "peer_check: all issuances verified (openssl verify -CAfile root -untrusted intermediate)"
rm -rf "$work"
