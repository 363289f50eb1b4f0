# tests/integration/lib/dnsmasq.sh -- a throwaway dnsmasq on 127.0.0.1 that serves raw CAA
# shellcheck shell=bash
# records (any flags, any tag: pebble-challtestsrv can only serve flag 0) and A records, for
# the discovery tests.
#
# Source it (bash only); it sets no shell options of its own.
#
#   caa_rdata_hex FLAGS TAG VALUE           CAA RDATA (RFC 8659 §4.1) as hex: flags octet, tag
#                                           length, tag, value
#   dnsmasq_caa NAME FLAGS TAG VALUE        the dnsmasq option serving that record:
#                                           --dns-rr=NAME,257,<hex>
#   dnsmasq_start WORKDIR [OPTION ...]      start dnsmasq with these extra options, e.g.
#                                           "$(dnsmasq_caa crit.test 128 tbs unknown)"
#                                           --address=/ca-one.test/127.0.0.1
#   dnsmasq_stop                            stop exactly what dnsmasq_start started (idempotent)
#   dnsmasq_logs                            print its query log
#
# After dnsmasq_start: DNSMASQ_DNS (127.0.0.1:<port>, UDP and TCP), DNSMASQ_PORT, DNSMASQ_LOG.
#
# It reads no configuration file, no /etc/hosts and no resolv.conf, forwards nothing, listens
# on 127.0.0.1 only, keeps the caller's user (so it also runs without root) and logs every
# query. Names under .test it has no data for get NXDOMAIN
# (--local=/test/), so a CAA tree climb ends as it would at a real authoritative server rather
# than with REFUSED. Quirk: a name that has only some types (say CAA) also answers NXDOMAIN
# for the other types instead of an empty NOERROR.

DNSMASQ_START_TIMEOUT_S=${DNSMASQ_START_TIMEOUT_S:-10}
_DNSMASQ_PID=""

_dnsmasq_die() {
    echo "dnsmasq.sh: $*" >&2
    return 1
}

_dnsmasq_python() {
    if [[ -x /usr/bin/python3 ]]; then /usr/bin/python3 "$@"; else python3 "$@"; fi
}

caa_rdata_hex() {
    (($# == 3)) || _dnsmasq_die "usage: caa_rdata_hex FLAGS TAG VALUE" || return 1
    _dnsmasq_python - "$@" <<'EOF'
import sys
flags, tag, value = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3].encode()
if not 0 <= flags <= 255 or not 1 <= len(tag) <= 255 or len(value) > 65000:
    sys.exit("caa_rdata_hex: flags 0..255, tag 1..255 octets")
# Tags outside RFC 8659's 1..15 letters and digits stay possible on purpose: a test may want
# to serve a malformed record.
print((bytes([flags, len(tag)]) + tag + value).hex())
EOF
}

dnsmasq_caa() {
    (($# == 4)) || _dnsmasq_die "usage: dnsmasq_caa NAME FLAGS TAG VALUE" || return 1
    local hex
    hex=$(caa_rdata_hex "$2" "$3" "$4") || return 1
    echo "--dns-rr=$1,257,$hex"
}

_dnsmasq_now_ms() {
    local t=${EPOCHREALTIME/./}
    echo $((t / 1000))
}

_dnsmasq_ours() {
    [[ $(readlink "/proc/$1/exe" 2>/dev/null) == */dnsmasq ]]
}

# One free loopback port for TCP and UDP (lib/pebble.sh's picker when it is loaded).
_dnsmasq_free_port() {
    if declare -F _pebble_free_ports >/dev/null; then
        _pebble_free_ports 1
        return
    fi
    _dnsmasq_python - <<'EOF'
import random, socket, sys
for _ in range(2000):
    port = random.randint(20000, 32767)
    try:
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(socket.AF_INET, kind)
            try:
                s.bind(("127.0.0.1", port))
            finally:
                s.close()
    except OSError:
        continue
    print(port)
    sys.exit(0)
sys.exit("no free loopback port")
EOF
}

# Ready when it answers a DNS query over UDP (any rcode): dnsmasq binds before it answers.
_dnsmasq_answers() {
    _dnsmasq_python - "$1" <<'EOF'
import socket, struct, sys
q = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0) + b"\x05ready\x04test\x00" + \
    struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.3)
try:
    s.sendto(q, ("127.0.0.1", int(sys.argv[1])))
    data = s.recv(512)
    sys.exit(0 if data[:2] == b"\x42\x42" else 1)
except OSError:
    sys.exit(1)
EOF
}

dnsmasq_start() {
    local workdir="${1:?usage: dnsmasq_start WORKDIR [OPTION ...]}"
    shift
    command -v dnsmasq >/dev/null || [[ -x /usr/sbin/dnsmasq ]] ||
        _dnsmasq_die "dnsmasq is not installed (apt-get install dnsmasq-base)" || return 1
    [[ -z $_DNSMASQ_PID ]] || _dnsmasq_die "dnsmasq_start: already running" || return 1
    mkdir -p "$workdir" && workdir=$(cd "$workdir" && pwd) || return 1
    local bin
    bin=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
    export DNSMASQ_LOG="$workdir/dnsmasq.log"

    local attempt deadline
    for attempt in 1 2 3; do
        DNSMASQ_PORT=${ACME_DNSMASQ_PORT:-$(_dnsmasq_free_port)} || return 1
        export DNSMASQ_PORT DNSMASQ_DNS="127.0.0.1:$DNSMASQ_PORT"
        : >"$DNSMASQ_LOG"
        "$bin" --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
            --bind-interfaces --listen-address=127.0.0.1 --port="$DNSMASQ_PORT" \
            --pid-file= --user="$(id -un)" --group="$(id -gn)" --log-queries \
            --log-facility="$DNSMASQ_LOG" --local=/test/ "$@" \
            >"$workdir/dnsmasq.out" 2>&1 </dev/null &
        _DNSMASQ_PID=$!
        deadline=$(($(_dnsmasq_now_ms) + DNSMASQ_START_TIMEOUT_S * 1000))
        while (($(_dnsmasq_now_ms) < deadline)) && kill -0 "$_DNSMASQ_PID" 2>/dev/null; do
            _dnsmasq_answers "$DNSMASQ_PORT" && return 0
            sleep 0.05
        done
        dnsmasq_stop
        if grep -qs "in use" "$workdir/dnsmasq.out" "$DNSMASQ_LOG" &&
            [[ $attempt != 3 && -z ${ACME_DNSMASQ_PORT:-} ]]; then
            continue
        fi
        echo "dnsmasq.sh: dnsmasq did not answer on $DNSMASQ_DNS" >&2
        cat "$workdir/dnsmasq.out" >&2
        tail -n 20 "$DNSMASQ_LOG" >&2
        return 1
    done
}

# TERM, up to 3 s, then KILL. Safe to call twice, from a trap, or when nothing runs.
dnsmasq_stop() {
    local pid=$_DNSMASQ_PID i
    _DNSMASQ_PID=""
    [[ -n $pid ]] || return 0
    if _dnsmasq_ours "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
    for ((i = 0; i < 60; i++)); do
        _dnsmasq_ours "$pid" || break
        sleep 0.05
    done
    if _dnsmasq_ours "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
    wait "$pid" 2>/dev/null || true
    return 0
}

dnsmasq_logs() {
    [[ -n ${DNSMASQ_LOG:-} && -f $DNSMASQ_LOG ]] || return 0
    echo "----- $DNSMASQ_LOG (last 40 lines)"
    tail -n 40 "$DNSMASQ_LOG"
}
