# tests/integration/lib/pebble.sh -- start and stop throwaway Pebble ACME servers and their
# shellcheck shell=bash
# pebble-challtestsrv DNS on 127.0.0.1, for integration tests, tools/demo.sh and tests/bench.
#
# Source it (bash only); it defines functions and sets no shell options of its own, so it works
# under the caller's `set -euo pipefail` as well as without.
#
# One Pebble (most tests):
#   pebble_start WORKDIR [--validity SECONDS] [NAME=VALUE ...]
#                                           start challtestsrv and one Pebble; NAME=VALUE go
#                                           into Pebble's env; --validity: see pebble_start_ca
# Several Pebbles, i.e. several CAs sharing one DNS, one test TLS root and one http-01 port:
#   pebble_env_start WORKDIR                the shared part: test TLS root, challtestsrv, ports
#   pebble_start_ca NAME WORKDIR [--eab KID=KEY ...] [--validity SECONDS] [NAME=VALUE ...]
#                                           one more Pebble called NAME (upper case, e.g.
#                                           CA_ONE); --eab makes it require external account
#                                           binding with these MAC keys (base64url, as in
#                                           Pebble's config); --validity makes its certificates
#                                           valid for SECONDS (certificateValidityPeriod;
#                                           notAfter = notBefore + SECONDS - 1; default 5 years)
#   pebble_stop_ca NAME                     stop that one Pebble (its port then refuses)
# Both ways:
#   pebble_stop                             stop exactly what was started here (idempotent)
#   pebble_logs                             print every log (for failure diagnosis)
#   pebble_issuer_root ROOT.pem [INTERMEDIATE.pem]
#   pebble_ca_issuer_root NAME ROOT.pem [INTERMEDIATE.pem]
#                                           fetch the CA that signs issued certificates
#   pebble_eab_key                          print a fresh random EAB MAC key (base64url)
#   pebble_tls_leaf OUT_PREFIX SAN [SAN ...]  a TLS leaf signed by the shared test root:
#                                           OUT_PREFIX.pem and OUT_PREFIX.key; SAN is a DNS
#                                           name or an IPv4 address (for nginx and friends)
#   challtestsrv_add_a HOST IP [IP ...]     challtestsrv_clear_a HOST
#   challtestsrv_add_caa HOST TAG VALUE [TAG VALUE ...]
#   challtestsrv_clear_caa HOST
#   challtestsrv_dns_history HOST           JSON list of DNS questions challtestsrv saw for HOST
#   pebble_request_count [NAME]             ACME requests that Pebble has logged so far (take
#                                           the difference around a client run)
#
# Exported by pebble_env_start (and so by pebble_start):
#   PEBBLE_TRUST            PEM of the throwaway root that signed every test TLS certificate
#                           (all Pebbles, pebble_tls_leaf): what a client must trust
#   PEBBLE_HTTP01_PORT      where every Pebble's VA connects for http-01: the client listens here
#   PEBBLE_TLS_PORT         where every Pebble's VA connects for tls-alpn-01 (unused)
#   PEBBLE_HOSTNAME         acme.pebble.test (in every Pebble's TLS certificate)
#   CHALLTESTSRV_DNS        127.0.0.1:<port> (UDP and TCP)
#   CHALLTESTSRV_MGMT       http://127.0.0.1:<port>
#   CHALLTESTSRV_LOG PEBBLE_WORKDIR
# Exported by pebble_start_ca NAME (pebble_start uses NAME=PEBBLE, hence the PEBBLE_* names):
#   NAME_DIR_URL            https://127.0.0.1:<port>/dir
#   NAME_DIR_URL_BY_NAME    https://acme.pebble.test:<port>/dir (resolvable via challtestsrv)
#   NAME_MGMT_URL           https://127.0.0.1:<port> (management API, same TLS certificate)
#   NAME_PORT NAME_MGMT_PORT NAME_LOG NAME_CONFIG
#
# Ports are picked free on 127.0.0.1 (random, below the kernel's ephemeral range) so parallel
# runs and stray processes cannot collide; override with ACME_PEBBLE_HTTP01_PORT,
# ACME_PEBBLE_TLS_PORT, ACME_CTS_DNS_PORT, ACME_CTS_MGMT_PORT and, per Pebble, ACME_<NAME>_PORT
# and ACME_<NAME>_MGMT_PORT (ACME_PEBBLE_PORT for pebble_start). Pebble always runs with
# PEBBLE_VA_NOSLEEP=1 unless the caller passes another value. Everything binds to 127.0.0.1
# only, and every wait is bounded.
#
# Inside a network namespace a test made itself (tests/firmware: a board behind a tap device),
# ACME_PEBBLE_BIND=<the namespace's own address> makes every server bind there instead (and
# the test TLS leaf carry that address), and ACME_CTS_DEFAULT_IPV4=<the client's address> is
# what challtestsrv answers for every A query, i.e. where the VAs dial for http-01. Both default
# to 127.0.0.1. ACME_PEBBLE_EXTRA_SANS="IP ..." adds addresses to the TLS leaf, for a client
# that reaches Pebble through a forwarder (QEMU user networking's guestfwd).

PEBBLE_HOSTNAME=acme.pebble.test
PEBBLE_BIND_IP=${ACME_PEBBLE_BIND:-127.0.0.1}
PEBBLE_CLIENT_IP=${ACME_CTS_DEFAULT_IPV4:-127.0.0.1}
read -r -a PEBBLE_EXTRA_SANS <<<"${ACME_PEBBLE_EXTRA_SANS:-}"
PEBBLE_START_TIMEOUT_S=${PEBBLE_START_TIMEOUT_S:-10}
_PEBBLE_PIDS=()              # every process started here, challtestsrv first
_PEBBLE_CTS_PID=""           # challtestsrv, once pebble_env_start ran
declare -gA _PEBBLE_CA_PIDS=() # Pebble instance NAME -> PID

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
    _pebble_python - "$1" "$PEBBLE_BIND_IP" <<'EOF'
import random, socket, sys
want, got, bind_ip = int(sys.argv[1]), [], sys.argv[2]
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
                s.bind((bind_ip, port))
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

# A throwaway root and a TLS leaf for the ACME servers: EC P-256, two days. Kept across starts
# in the same WORKDIR while more than an hour of validity is left. The root key stays in the
# directory (mode 600) so pebble_tls_leaf can sign more leaves under the same root.
_pebble_make_tls() {
    local dir="$1/tls" ip
    local sans=(localhost "$PEBBLE_HOSTNAME" 127.0.0.1)
    [[ $PEBBLE_BIND_IP == 127.0.0.1 ]] || sans+=("$PEBBLE_BIND_IP")
    sans+=("${PEBBLE_EXTRA_SANS[@]}")
    if [[ -s $dir/root.pem && -s $dir/root.key && -s $dir/leaf.pem && -s $dir/leaf.key ]] &&
        openssl x509 -in "$dir/leaf.pem" -noout -checkend 3600 >/dev/null 2>&1 &&
        openssl x509 -in "$dir/root.pem" -noout -checkend 3600 >/dev/null 2>&1; then
        local all=1
        for ip in "${sans[@]:2}"; do
            openssl x509 -in "$dir/leaf.pem" -noout -checkip "$ip" 2>/dev/null |
                grep -q 'does match' || all=0
        done
        ((all)) && return 0
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
        chmod 644 root.pem
    ) || _pebble_die "could not create the test TLS root in $dir" || return 1
    _pebble_sign_leaf "$dir" "$dir/leaf" "${sans[@]}"
}

# _pebble_sign_leaf TLSDIR OUT_PREFIX SAN... : EC P-256 serverAuth leaf under TLSDIR's root.
_pebble_sign_leaf() {
    local dir=$1 out=$2 san="" name
    shift 2
    for name in "$@"; do
        if [[ $name =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
            san+=",IP:$name"
        else
            san+=",DNS:$name"
        fi
    done
    (
        set -e
        umask 077
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out.key" 2>/dev/null
        openssl req -new -key "$out.key" -subj "/CN=$1" -out "$out.csr" 2>/dev/null
        printf '%s\n' "basicConstraints=critical,CA:FALSE" \
            "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
            "subjectAltName=${san#,}" >"$out.ext"
        openssl x509 -req -in "$out.csr" -CA "$dir/root.pem" -CAkey "$dir/root.key" -sha256 \
            -days 2 -set_serial "0x$(openssl rand -hex 8)" -extfile "$out.ext" \
            -out "$out.pem" 2>/dev/null
        chmod 644 "$out.pem"
        rm -f "$out.csr" "$out.ext"
    ) || _pebble_die "could not sign a test TLS leaf for $*"
}

pebble_tls_leaf() {
    local out="${1:?usage: pebble_tls_leaf OUT_PREFIX SAN [SAN ...]}"
    shift
    (($# >= 1)) || _pebble_die "usage: pebble_tls_leaf OUT_PREFIX SAN [SAN ...]" || return 1
    [[ -n ${PEBBLE_WORKDIR:-} && -s $PEBBLE_WORKDIR/tls/root.key ]] ||
        _pebble_die "pebble_tls_leaf: call pebble_env_start first" || return 1
    _pebble_sign_leaf "$PEBBLE_WORKDIR/tls" "$out" "$@"
}

# A random 48-byte MAC key in base64url without padding: the form Pebble's
# externalAccountMACKeys and clients' --hmac options take.
pebble_eab_key() {
    openssl rand -base64 48 | tr -d '\n=' | tr '+/' '-_'
    echo
}

_pebble_now_ms() {
    local t=${EPOCHREALTIME/./}
    echo $((t / 1000))
}

# True while PID is still one of the processes we started: bash reaps exited children at
# once, so a PID that died long ago may belong to someone else by now.
_pebble_ours() {
    [[ $(readlink "/proc/$1/exe" 2>/dev/null) == */pebble* ]]
}

# _pebble_wait_url PID URL CODES [CURL_ARGS...] : wait until URL answers with an HTTP status
# matching the regex CODES while PID lives. 0 when ready, 1 on timeout or when the process
# died (_PEBBLE_WHY says which).
_pebble_wait_url() {
    local pid=$1 url=$2 codes=$3 code
    shift 3
    local deadline=$(($(_pebble_now_ms) + PEBBLE_START_TIMEOUT_S * 1000))
    _PEBBLE_WHY="did not answer within ${PEBBLE_START_TIMEOUT_S}s"
    while (($(_pebble_now_ms) < deadline)); do
        kill -0 "$pid" 2>/dev/null || {
            _PEBBLE_WHY="exited during start-up"
            return 1
        }
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$@" "$url" 2>/dev/null) ||
            true
        [[ $code =~ ^($codes)$ ]] && return 0
        sleep 0.05
    done
    return 1
}

# Stop the given PIDs if they are still ours: TERM, up to 3 s, then KILL. Always returns 0.
_pebble_kill() {
    local pid i
    for pid in "$@"; do
        if _pebble_ours "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
    done
    for pid in "$@"; do
        for ((i = 0; i < 60; i++)); do
            _pebble_ours "$pid" || break
            sleep 0.05
        done
        if _pebble_ours "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
        wait "$pid" 2>/dev/null || true
    done
    return 0
}

# Forget PID in _PEBBLE_PIDS (after it was stopped on its own).
_pebble_forget() {
    local pid keep=()
    for pid in "${_PEBBLE_PIDS[@]}"; do
        [[ $pid == "$1" ]] || keep+=("$pid")
    done
    _PEBBLE_PIDS=("${keep[@]}")
}

_pebble_write_pids() {
    [[ -n ${PEBBLE_WORKDIR:-} && -d $PEBBLE_WORKDIR ]] || return 0
    printf '%s\n' "${_PEBBLE_PIDS[@]}" >"$PEBBLE_WORKDIR/pids"
}

# ---- the shared part: TLS root, challtestsrv, the ports every Pebble's VA dials ----------------

pebble_env_start() {
    local workdir="${1:?usage: pebble_env_start WORKDIR}"
    command -v pebble >/dev/null && command -v pebble-challtestsrv >/dev/null ||
        _pebble_die "pebble is not installed (apt-get install pebble; tools/setup-host.sh)" ||
        return 1
    [[ -z $_PEBBLE_CTS_PID ]] || _pebble_die "pebble_env_start: already running" || return 1
    mkdir -p "$workdir" && workdir=$(cd "$workdir" && pwd) || return 1
    _pebble_make_tls "$workdir" || return 1

    export PEBBLE_WORKDIR="$workdir" PEBBLE_HOSTNAME
    export PEBBLE_TRUST="$workdir/tls/root.pem"
    export CHALLTESTSRV_LOG="$workdir/challtestsrv.log"

    # Random free ports can still be taken by someone else before the server binds them:
    # try again with fresh ports, unless the caller fixed them.
    local attempt list ports mgmt_port
    local fixed="${ACME_PEBBLE_HTTP01_PORT:-}${ACME_PEBBLE_TLS_PORT:-}${ACME_CTS_DNS_PORT:-}"
    fixed+="${ACME_CTS_MGMT_PORT:-}"
    for attempt in 1 2 3; do
        list=$(_pebble_free_ports 4) || return 1
        read -r -a ports <<<"$list"
        export PEBBLE_HTTP01_PORT=${ACME_PEBBLE_HTTP01_PORT:-${ports[0]}}
        export PEBBLE_TLS_PORT=${ACME_PEBBLE_TLS_PORT:-${ports[1]}}
        export CHALLTESTSRV_DNS="$PEBBLE_BIND_IP:${ACME_CTS_DNS_PORT:-${ports[2]}}"
        mgmt_port=${ACME_CTS_MGMT_PORT:-${ports[3]}}
        export CHALLTESTSRV_MGMT="http://$PEBBLE_BIND_IP:$mgmt_port"
        # Empty -http01/-https01/-tlsalpn01: challtestsrv must not hold the ports the client
        # under test answers challenges on. -defaultIPv6 "": a VA must only dial the IPv4 address.
        pebble-challtestsrv -dns01 "$CHALLTESTSRV_DNS" -management "$PEBBLE_BIND_IP:$mgmt_port" \
            -defaultIPv4 "$PEBBLE_CLIENT_IP" -defaultIPv6 "" -http01 "" -https01 "" -tlsalpn01 "" \
            >"$CHALLTESTSRV_LOG" 2>&1 </dev/null &
        _PEBBLE_CTS_PID=$!
        _PEBBLE_PIDS+=("$_PEBBLE_CTS_PID")
        _pebble_write_pids
        _pebble_wait_url "$_PEBBLE_CTS_PID" "$CHALLTESTSRV_MGMT/" '[1-5][0-9][0-9]' && return 0
        _pebble_kill "$_PEBBLE_CTS_PID"
        _pebble_forget "$_PEBBLE_CTS_PID"
        _PEBBLE_CTS_PID=""
        if grep -qs "address already in use" "$CHALLTESTSRV_LOG" &&
            [[ $attempt != 3 && -z $fixed ]]; then
            continue
        fi
        echo "pebble.sh: challtestsrv $_PEBBLE_WHY" >&2
        tail -n 20 "$CHALLTESTSRV_LOG" >&2
        return 1
    done
}

# ---- one Pebble --------------------------------------------------------------------------------

# _pebble_write_config FILE PORT MGMT_PORT EAB_JSON ("" = EAB not required)
#                      [VALIDITY_SECONDS ("" = Pebble's default)]
_pebble_write_config() {
    local eab_required=false eab_keys="" validity=""
    if [[ -n $4 ]]; then
        eab_required=true
        eab_keys=",
    \"externalAccountMACKeys\": $4"
    fi
    if [[ -n ${5:-} ]]; then
        validity=",
    \"certificateValidityPeriod\": $5"
    fi
    cat >"$1" <<EOF
{
  "pebble": {
    "listenAddress": "$PEBBLE_BIND_IP:$2",
    "managementListenAddress": "$PEBBLE_BIND_IP:$3",
    "certificate": "$PEBBLE_WORKDIR/tls/leaf.pem",
    "privateKey": "$PEBBLE_WORKDIR/tls/leaf.key",
    "httpPort": $PEBBLE_HTTP01_PORT,
    "tlsPort": $PEBBLE_TLS_PORT,
    "ocspResponderURL": "",
    "externalAccountBindingRequired": $eab_required$eab_keys$validity
  }
}
EOF
}

pebble_start_ca() {
    local usage="usage: pebble_start_ca NAME WORKDIR [--eab KID=KEY ...] [--validity SECONDS]"
    usage+=" [NAME=VALUE ...]"
    local name="${1:?$usage}" workdir="${2:?$usage}"
    shift 2
    [[ $name =~ ^[A-Z][A-Z0-9_]*$ ]] ||
        _pebble_die "pebble_start_ca: NAME '$name' must be upper case (it prefixes variables)" ||
        return 1
    [[ -n $_PEBBLE_CTS_PID ]] || _pebble_die "pebble_start_ca: call pebble_env_start first" ||
        return 1
    [[ -z ${_PEBBLE_CA_PIDS[$name]:-} ]] ||
        _pebble_die "pebble_start_ca: $name is already running" || return 1
    local eab=() env_args=() validity=""
    while (($#)); do
        case $1 in
        --eab)
            [[ ${2:-} == ?*=?* ]] || _pebble_die "pebble_start_ca: --eab needs KID=KEY" ||
                return 1
            eab+=("$2")
            shift 2
            ;;
        --validity)
            [[ ${2:-} =~ ^[1-9][0-9]*$ ]] ||
                _pebble_die "pebble_start_ca: --validity needs a number of seconds" || return 1
            validity=$2
            shift 2
            ;;
        [A-Za-z_]*=*)
            env_args+=("$1")
            shift
            ;;
        *)
            _pebble_die "pebble_start_ca: '$1' is neither --eab KID=KEY, --validity SECONDS" \
                "nor NAME=VALUE"
            return 1
            ;;
        esac
    done
    local eab_json=""
    if ((${#eab[@]})); then
        eab_json=$(_pebble_python -c '
import json, sys
print(json.dumps(dict(a.split("=", 1) for a in sys.argv[1:])))' "${eab[@]}") || return 1
    fi
    mkdir -p "$workdir" && workdir=$(cd "$workdir" && pwd) || return 1

    local cfg="$workdir/pebble-config.json" log="$workdir/pebble.log"
    local port_var="ACME_${name}_PORT" mgmt_var="ACME_${name}_MGMT_PORT"
    local fixed="${!port_var:-}${!mgmt_var:-}" attempt list ports port mgmt pid
    for attempt in 1 2 3; do
        list=$(_pebble_free_ports 2) || return 1
        read -r -a ports <<<"$list"
        port=${!port_var:-${ports[0]}}
        mgmt=${!mgmt_var:-${ports[1]}}
        export "${name}_PORT=$port" "${name}_MGMT_PORT=$mgmt" "${name}_LOG=$log"
        export "${name}_CONFIG=$cfg"
        export "${name}_DIR_URL=https://$PEBBLE_BIND_IP:$port/dir"
        export "${name}_DIR_URL_BY_NAME=https://$PEBBLE_HOSTNAME:$port/dir"
        export "${name}_MGMT_URL=https://$PEBBLE_BIND_IP:$mgmt"
        _pebble_write_config "$cfg" "$port" "$mgmt" "$eab_json" "$validity"
        env PEBBLE_VA_NOSLEEP=1 "${env_args[@]}" pebble -config "$cfg" \
            -dnsserver "$CHALLTESTSRV_DNS" >"$log" 2>&1 </dev/null &
        pid=$!
        _PEBBLE_PIDS+=("$pid")
        _PEBBLE_CA_PIDS[$name]=$pid
        _pebble_write_pids
        # Ready when the directory answers over TLS with the test root.
        _pebble_wait_url "$pid" "https://$PEBBLE_BIND_IP:$port/dir" 200 --cacert "$PEBBLE_TRUST" &&
            return 0
        pebble_stop_ca "$name"
        if grep -qs "address already in use" "$log" && [[ $attempt != 3 && -z $fixed ]]; then
            continue
        fi
        echo "pebble.sh: Pebble $name $_PEBBLE_WHY" >&2
        tail -n 20 "$log" >&2
        return 1
    done
}

pebble_stop_ca() {
    local name="${1:?usage: pebble_stop_ca NAME}" pid
    pid=${_PEBBLE_CA_PIDS[$name]:-}
    [[ -n $pid ]] || return 0
    _pebble_kill "$pid"
    _pebble_forget "$pid"
    unset "_PEBBLE_CA_PIDS[$name]"
    _pebble_write_pids
    return 0
}

# ---- the single-Pebble API ---------------------------------------------------------------------

pebble_start() {
    local workdir="${1:?usage: pebble_start WORKDIR [--validity SECONDS] [NAME=VALUE ...]}"
    shift
    local arg validity=()
    if [[ ${1:-} == --validity ]]; then
        validity=(--validity "${2:-}")
        shift 2 || _pebble_die "pebble_start: --validity needs a number of seconds" || return 1
    fi
    for arg in "$@"; do
        [[ $arg == [A-Za-z_]*=* ]] || _pebble_die "pebble_start: '$arg' is not NAME=VALUE" ||
            return 1
    done
    ((${#_PEBBLE_PIDS[@]} == 0)) || _pebble_die "pebble_start: already running" || return 1
    pebble_env_start "$workdir" || return 1
    pebble_start_ca PEBBLE "$workdir" "${validity[@]}" "$@" || {
        pebble_stop
        return 1
    }
}

# Stop everything started here (Pebbles first, then challtestsrv). Safe to call twice, from a
# trap, or when nothing runs. Always returns 0.
pebble_stop() {
    local name
    for name in "${!_PEBBLE_CA_PIDS[@]}"; do
        pebble_stop_ca "$name"
    done
    _pebble_kill "${_PEBBLE_PIDS[@]}"
    _PEBBLE_PIDS=()
    _PEBBLE_CTS_PID=""
    [[ -n ${PEBBLE_WORKDIR:-} ]] && rm -f "$PEBBLE_WORKDIR/pids"
    return 0
}

# Pebble logs one "<METHOD> <path> -> calling handler()" line per ACME request (retries after
# badNonce included; the management API is not counted).
pebble_request_count() {
    local log_var="${1:-PEBBLE}_LOG"
    grep -cE '^Pebble .* [A-Z]+ /[^ ]* -> calling handler' "${!log_var}" || true
}

# pebble_run_scenarios NAME...: run scenario_NAME for each, print PASS/FAIL with its time and
# the servers' logs after a failure; the failed names end up in the array `failed`. An unknown
# name exits 2 (a typo must not pass as a run of nothing).
pebble_run_scenarios() {
    local s t0
    failed=()
    for s in "$@"; do
        declare -F "scenario_$s" >/dev/null || {
            echo "unknown scenario '$s'"
            exit 2
        }
        t0=${EPOCHREALTIME/./}
        if "scenario_$s"; then
            printf 'PASS %-16s %6d ms\n' "$s" $(((${EPOCHREALTIME/./} - t0) / 1000))
        else
            printf 'FAIL %-16s %6d ms\n' "$s" $(((${EPOCHREALTIME/./} - t0) / 1000))
            failed+=("$s")
            pebble_logs | sed 's/^/    /' | tail -n 30
        fi
    done
}

pebble_logs() {
    local f name log_var logs=("${CHALLTESTSRV_LOG:-}")
    for name in "${!_PEBBLE_CA_PIDS[@]}"; do
        log_var="${name}_LOG"
        logs+=("${!log_var:-}")
    done
    # pebble_start's instance may have stopped already; its log still tells the story.
    [[ " ${logs[*]} " == *" ${PEBBLE_LOG:-} "* ]] || logs=("${PEBBLE_LOG:-}" "${logs[@]}")
    for f in "${logs[@]}"; do
        [[ -n $f && -f $f ]] || continue
        echo "----- $f (last 60 lines)"
        tail -n 60 "$f"
    done
    return 0
}

# GET from a Pebble's management API. Pebble regenerates its CA on every start, so these must
# be fetched from the running instance.
_pebble_mgmt_get() {
    local url_var="${1}_MGMT_URL"
    curl -sSf --max-time 5 --cacert "$PEBBLE_TRUST" -o "$3" "${!url_var}$2"
}

pebble_ca_issuer_root() {
    local usage="usage: pebble_ca_issuer_root NAME ROOT.pem [INTERMEDIATE.pem]"
    local name="${1:?$usage}" root="${2:?$usage}"
    _pebble_mgmt_get "$name" /roots/0 "$root" || return 1
    if [[ -n ${3:-} ]]; then
        _pebble_mgmt_get "$name" /intermediates/0 "$3" || return 1
    fi
}

pebble_issuer_root() {
    pebble_ca_issuer_root PEBBLE "${1:?usage: pebble_issuer_root ROOT.pem [INTERMEDIATE.pem]}" \
        "${2:-}"
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
# challtestsrv always serves flag 0 (use lib/dnsmasq.sh for a critical record). A second call
# for the same HOST adds to its records; challtestsrv_clear_caa HOST first to replace them.
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
