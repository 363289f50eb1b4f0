# tests/integration/lib/pebble.sh -- start and stop a throwaway Pebble ACME server and its
# shellcheck shell=bash
# pebble-challtestsrv DNS on 127.0.0.1, for integration tests, tools/demo.sh and tests/bench.
#
# Source it (bash only); it defines functions and sets no shell options of its own, so it works
# under the caller's `set -euo pipefail` as well as without.
#
#   pebble_start WORKDIR [NAME=VALUE ...]   start both servers; NAME=VALUE go into Pebble's env
#   pebble_stop                             stop exactly what pebble_start started (idempotent)
#   pebble_logs                             print both logs (for failure diagnosis)
#   pebble_issuer_root ROOT.pem [INTERMEDIATE.pem]
#                                           fetch the CA that signs issued certificates
#   challtestsrv_add_a HOST IP [IP ...]     challtestsrv_clear_a HOST
#   challtestsrv_add_caa HOST TAG VALUE [TAG VALUE ...]
#   challtestsrv_clear_caa HOST
#   challtestsrv_dns_history HOST           JSON list of DNS questions challtestsrv saw for HOST
#   pebble_request_count                    ACME requests Pebble has logged so far (take the
#                                           difference around a client run)
#
# After pebble_start these are exported:
#   PEBBLE_DIR_URL          https://127.0.0.1:<port>/dir
#   PEBBLE_DIR_URL_BY_NAME  https://acme.pebble.test:<port>/dir (resolvable via challtestsrv)
#   PEBBLE_HOSTNAME         acme.pebble.test
#   PEBBLE_TRUST            PEM of the throwaway root that signed Pebble's TLS certificate:
#                           what a client must trust to talk to the ACME server
#   PEBBLE_MGMT_URL         https://127.0.0.1:<port> (management API, same TLS certificate)
#   PEBBLE_PORT PEBBLE_MGMT_PORT PEBBLE_TLS_PORT
#   PEBBLE_HTTP01_PORT      where Pebble's VA connects for http-01: the client listens here
#   CHALLTESTSRV_DNS        127.0.0.1:<port> (UDP and TCP)
#   CHALLTESTSRV_MGMT       http://127.0.0.1:<port>
#   PEBBLE_LOG CHALLTESTSRV_LOG  log files
#   PEBBLE_WORKDIR
#
# Ports are picked free on 127.0.0.1 (random, below the kernel's ephemeral range) so parallel
# runs and stray processes cannot collide; override with ACME_PEBBLE_PORT,
# ACME_PEBBLE_MGMT_PORT, ACME_PEBBLE_HTTP01_PORT, ACME_PEBBLE_TLS_PORT, ACME_CTS_DNS_PORT,
# ACME_CTS_MGMT_PORT. Pebble always runs with PEBBLE_VA_NOSLEEP=1 unless the caller passes
# another value. Everything binds to 127.0.0.1 only, and every wait is bounded.

PEBBLE_HOSTNAME=acme.pebble.test
PEBBLE_START_TIMEOUT_S=${PEBBLE_START_TIMEOUT_S:-10}
_PEBBLE_PIDS=()

# python3 from Debian when present: a pyenv or venv shim on PATH may be slow or absent in ctest.
_pebble_python() {
    if [[ -x /usr/bin/python3 ]]; then /usr/bin/python3 "$@"; else python3 "$@"; fi
}

_pebble_die() {
    echo "pebble.sh: $*" >&2
    return 1
}

# Print N distinct ports that are free on 127.0.0.1 for both TCP and UDP right now.
# Random in [20000, 32767]: under Linux's default ephemeral range (32768-60999), so an
# outgoing connection's source port cannot take one between the pick and the bind.
_pebble_free_ports() {
    _pebble_python - "$1" <<'EOF'
import random, socket, sys
want, got = int(sys.argv[1]), []
for _ in range(2000):
    if len(got) == want:
        break
    port = random.randint(20000, 32767)
    if port in got:
        continue
    try:
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(socket.AF_INET, kind)
            try:
                s.bind(("127.0.0.1", port))
            finally:
                s.close()
    except OSError:
        continue
    got.append(port)
if len(got) != want:
    sys.exit("no free loopback ports")
print(" ".join(map(str, got)))
EOF
}

# A throwaway root and a TLS leaf for the ACME server: EC P-256, two days. Kept across starts
# in the same WORKDIR while more than an hour of validity is left.
_pebble_make_tls() {
    local dir="$1/tls"
    if [[ -s $dir/root.pem && -s $dir/leaf.pem && -s $dir/leaf.key ]] &&
        openssl x509 -in "$dir/leaf.pem" -noout -checkend 3600 >/dev/null 2>&1 &&
        openssl x509 -in "$dir/root.pem" -noout -checkend 3600 >/dev/null 2>&1; then
        return 0
    fi
    mkdir -p "$dir" || return 1
    (
        set -e
        cd "$dir"
        umask 077
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out root.key 2>/dev/null
        openssl req -x509 -new -key root.key -sha256 -days 2 \
            -subj "/CN=acme-agent throwaway test TLS root $(openssl rand -hex 4)" \
            -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" -out root.pem 2>/dev/null
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out leaf.key 2>/dev/null
        openssl req -new -key leaf.key -subj "/CN=localhost" -out leaf.csr 2>/dev/null
        printf '%s\n' "basicConstraints=critical,CA:FALSE" \
            "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
            "subjectAltName=DNS:localhost,DNS:$PEBBLE_HOSTNAME,IP:127.0.0.1" >leaf.ext
        openssl x509 -req -in leaf.csr -CA root.pem -CAkey root.key -sha256 -days 2 \
            -set_serial "0x$(openssl rand -hex 8)" -extfile leaf.ext -out leaf.pem 2>/dev/null
        chmod 644 root.pem leaf.pem
        rm -f leaf.csr
    ) || _pebble_die "could not create the test TLS certificates in $dir"
}

_pebble_now_ms() {
    local t=${EPOCHREALTIME/./}
    echo $((t / 1000))
}

_pebble_alive() {
    local pid
    for pid in "${_PEBBLE_PIDS[@]}"; do
        kill -0 "$pid" 2>/dev/null || return 1
    done
}

# Wait until both servers answer, the ACME one over TLS with the test root. 0 when ready,
# 1 on timeout or when a process died (_PEBBLE_WHY says which).
_pebble_wait_ready() {
    local deadline=$(($(_pebble_now_ms) + PEBBLE_START_TIMEOUT_S * 1000))
    local dir_ok=0 cts_ok=0 code
    _PEBBLE_WHY="did not answer within ${PEBBLE_START_TIMEOUT_S}s"
    while (($(_pebble_now_ms) < deadline)); do
        _pebble_alive || {
            _PEBBLE_WHY="exited during start-up"
            return 1
        }
        if ((cts_ok == 0)); then
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 \
                "$CHALLTESTSRV_MGMT/" 2>/dev/null) || true
            [[ $code != 000 && -n $code ]] && cts_ok=1
        fi
        if ((dir_ok == 0)) && curl -sf -o /dev/null --max-time 1 --cacert "$PEBBLE_TRUST" \
            "$PEBBLE_DIR_URL" 2>/dev/null; then
            dir_ok=1
        fi
        ((dir_ok && cts_ok)) && return 0
        sleep 0.05
    done
    return 1
}

# Start the two processes once with the ports in the PEBBLE_* variables.
_pebble_launch() {
    local workdir="$1"
    shift
    local cfg="$workdir/pebble-config.json"
    cat >"$cfg" <<EOF
{
  "pebble": {
    "listenAddress": "127.0.0.1:$PEBBLE_PORT",
    "managementListenAddress": "127.0.0.1:$PEBBLE_MGMT_PORT",
    "certificate": "$workdir/tls/leaf.pem",
    "privateKey": "$workdir/tls/leaf.key",
    "httpPort": $PEBBLE_HTTP01_PORT,
    "tlsPort": $PEBBLE_TLS_PORT,
    "ocspResponderURL": "",
    "externalAccountBindingRequired": false
  }
}
EOF
    # Empty -http01/-https01/-tlsalpn01: challtestsrv must not hold the ports the client under
    # test answers challenges on. -defaultIPv6 "": Pebble's VA must only dial 127.0.0.1.
    pebble-challtestsrv -dns01 "$CHALLTESTSRV_DNS" -management "127.0.0.1:$_PEBBLE_CTS_MGMT_PORT" \
        -defaultIPv4 127.0.0.1 -defaultIPv6 "" -http01 "" -https01 "" -tlsalpn01 "" \
        >"$CHALLTESTSRV_LOG" 2>&1 </dev/null &
    _PEBBLE_PIDS+=($!)
    env PEBBLE_VA_NOSLEEP=1 "$@" pebble -config "$cfg" -dnsserver "$CHALLTESTSRV_DNS" \
        >"$PEBBLE_LOG" 2>&1 </dev/null &
    _PEBBLE_PIDS+=($!)
    printf '%s\n' "${_PEBBLE_PIDS[@]}" >"$workdir/pids"
    _pebble_wait_ready
}

pebble_start() {
    local workdir="${1:?usage: pebble_start WORKDIR [NAME=VALUE ...]}"
    shift
    local arg
    for arg in "$@"; do
        [[ $arg == [A-Za-z_]*=* ]] || _pebble_die "pebble_start: '$arg' is not NAME=VALUE" ||
            return 1
    done
    command -v pebble >/dev/null && command -v pebble-challtestsrv >/dev/null ||
        _pebble_die "pebble is not installed (apt-get install pebble; tools/setup-host.sh)" ||
        return 1
    ((${#_PEBBLE_PIDS[@]} == 0)) || _pebble_die "pebble_start: already running" || return 1
    mkdir -p "$workdir" && workdir=$(cd "$workdir" && pwd) || return 1
    _pebble_make_tls "$workdir" || return 1

    export PEBBLE_WORKDIR="$workdir" PEBBLE_HOSTNAME
    export PEBBLE_TRUST="$workdir/tls/root.pem"
    export PEBBLE_LOG="$workdir/pebble.log" CHALLTESTSRV_LOG="$workdir/challtestsrv.log"

    # Random free ports can still be taken by someone else before the servers bind them:
    # try again with fresh ports, unless the caller fixed them.
    local attempt list ports
    local fixed_ports="${ACME_PEBBLE_PORT:-}${ACME_PEBBLE_MGMT_PORT:-}${ACME_PEBBLE_HTTP01_PORT:-}"
    fixed_ports+="${ACME_PEBBLE_TLS_PORT:-}${ACME_CTS_DNS_PORT:-}${ACME_CTS_MGMT_PORT:-}"
    for attempt in 1 2 3; do
        list=$(_pebble_free_ports 6) || return 1
        read -r -a ports <<<"$list"
        export PEBBLE_PORT=${ACME_PEBBLE_PORT:-${ports[0]}}
        export PEBBLE_MGMT_PORT=${ACME_PEBBLE_MGMT_PORT:-${ports[1]}}
        export PEBBLE_HTTP01_PORT=${ACME_PEBBLE_HTTP01_PORT:-${ports[2]}}
        export PEBBLE_TLS_PORT=${ACME_PEBBLE_TLS_PORT:-${ports[3]}}
        export CHALLTESTSRV_DNS="127.0.0.1:${ACME_CTS_DNS_PORT:-${ports[4]}}"
        _PEBBLE_CTS_MGMT_PORT=${ACME_CTS_MGMT_PORT:-${ports[5]}}
        export CHALLTESTSRV_MGMT="http://127.0.0.1:$_PEBBLE_CTS_MGMT_PORT"
        export PEBBLE_DIR_URL="https://127.0.0.1:$PEBBLE_PORT/dir"
        export PEBBLE_DIR_URL_BY_NAME="https://$PEBBLE_HOSTNAME:$PEBBLE_PORT/dir"
        export PEBBLE_MGMT_URL="https://127.0.0.1:$PEBBLE_MGMT_PORT"
        if _pebble_launch "$workdir" "$@"; then
            return 0
        fi
        if grep -qs "address already in use" "$PEBBLE_LOG" "$CHALLTESTSRV_LOG" &&
            [[ $attempt != 3 && -z $fixed_ports ]]; then
            pebble_stop
            continue
        fi
        echo "pebble.sh: Pebble or challtestsrv $_PEBBLE_WHY" >&2
        pebble_logs >&2
        pebble_stop
        return 1
    done
}

# True while PID is still one of the processes we started: bash reaps exited children at
# once, so a PID that died long ago may belong to someone else by now.
_pebble_ours() {
    [[ $(readlink "/proc/$1/exe" 2>/dev/null) == */pebble* ]]
}

# Stop what pebble_start started in this shell: TERM, up to 3 s, then KILL. Safe to call
# twice, from a trap, or when nothing runs. Always returns 0.
pebble_stop() {
    local pid i
    for pid in "${_PEBBLE_PIDS[@]}"; do
        if _pebble_ours "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
    done
    for pid in "${_PEBBLE_PIDS[@]}"; do
        for ((i = 0; i < 60; i++)); do
            _pebble_ours "$pid" || break
            sleep 0.05
        done
        if _pebble_ours "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
        wait "$pid" 2>/dev/null || true
    done
    _PEBBLE_PIDS=()
    [[ -n ${PEBBLE_WORKDIR:-} ]] && rm -f "$PEBBLE_WORKDIR/pids"
    return 0
}

# Pebble logs one "<METHOD> <path> -> calling handler()" line per ACME request (retries after
# badNonce included; the management API is not counted).
pebble_request_count() {
    grep -cE '^Pebble .* [A-Z]+ /[^ ]* -> calling handler' "$PEBBLE_LOG" || true
}

pebble_logs() {
    local f
    for f in "${PEBBLE_LOG:-}" "${CHALLTESTSRV_LOG:-}"; do
        [[ -n $f && -f $f ]] || continue
        echo "----- $f (last 60 lines)"
        tail -n 60 "$f"
    done
    return 0
}

# GET from the management API. Pebble regenerates its CA on every start, so these must be
# fetched from the running instance.
_pebble_mgmt_get() {
    curl -sSf --max-time 5 --cacert "$PEBBLE_TRUST" -o "$2" "$PEBBLE_MGMT_URL$1"
}

pebble_issuer_root() {
    local root="${1:?usage: pebble_issuer_root ROOT.pem [INTERMEDIATE.pem]}"
    _pebble_mgmt_get /roots/0 "$root" || return 1
    if [[ -n ${2:-} ]]; then
        _pebble_mgmt_get /intermediates/0 "$2" || return 1
    fi
}

# POST a JSON body to challtestsrv's management API.
_challtestsrv_post() {
    curl -sSf --max-time 5 -o /dev/null -H 'Content-Type: application/json' \
        --data-binary "$2" "$CHALLTESTSRV_MGMT$1"
}

# JSON-encode one string, or the arguments as a list of strings.
_pebble_json_str() {
    _pebble_python -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$1"
}
_pebble_json_strings() {
    _pebble_python -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@"
}

challtestsrv_add_a() {
    local host="${1:?usage: challtestsrv_add_a HOST IP [IP ...]}"
    shift
    _challtestsrv_post /add-a \
        "{\"host\":$(_pebble_json_str "$host"),\"addresses\":$(_pebble_json_strings "$@")}"
}

challtestsrv_clear_a() {
    _challtestsrv_post /clear-a \
        "{\"host\":$(_pebble_json_str "${1:?usage: challtestsrv_clear_a HOST}")}"
}

# challtestsrv_add_caa HOST TAG VALUE [TAG VALUE ...], e.g.
#   challtestsrv_add_caa a.demo.test issue "pebble.test; discovery=https://..."
# challtestsrv always serves flag 0.
challtestsrv_add_caa() {
    (($# >= 3 && $# % 2 == 1)) || _pebble_die "usage: challtestsrv_add_caa HOST TAG VALUE ..." ||
        return 1
    _challtestsrv_post /add-caa "$(_pebble_python -c '
import json, sys
a = sys.argv[2:]
print(json.dumps({"host": sys.argv[1],
                  "policies": [{"tag": a[i], "value": a[i + 1]} for i in range(0, len(a), 2)]}))
' "$@")"
}

challtestsrv_clear_caa() {
    _challtestsrv_post /clear-caa \
        "{\"host\":$(_pebble_json_str "${1:?usage: challtestsrv_clear_caa HOST}")}"
}

# Print the DNS questions challtestsrv received for HOST (JSON), to prove a client used it.
challtestsrv_dns_history() {
    curl -sSf --max-time 5 -H 'Content-Type: application/json' \
        --data-binary "{\"host\":$(_pebble_json_str "${1:?usage: challtestsrv_dns_history HOST}")}" \
        "$CHALLTESTSRV_MGMT/dns-request-history"
}
