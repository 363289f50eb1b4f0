# tests/firmware/lib/qemu.sh -- boot the mps2 firmware (boards/qemu-mps2) in qemu-system-arm
# shellcheck shell=bash
# with a network: a tap device inside a throwaway network namespace (needs root; fast, and the
# host side can ping the board), or QEMU's user-mode network as the fallback (no root; the
# host reaches the board only through hostfwd= ports on 127.0.0.1).
#
# Source it (bash only); it sets no shell options of its own.
#
#   qemu_netns_up NAME          network namespace NAME with tap device $QEMU_TAP at
#                               $QEMU_HOST_IP/24, up. Non-zero (and nothing left behind) when
#                               namespaces or tap devices cannot be made here.
#   qemu_netns_down             delete that namespace (idempotent; kills what runs in it)
#   qemu_netns_exec CMD...      run CMD inside the namespace (ping, python3, ...)
#   qemu_run ELF MACHINE ARG... boot ELF on MACHINE (mps2-an386 or mps2-an385) in the
#                               namespace, the firmware's argv = basename(ELF) ARG...;
#                               serial output on stdout; returns the firmware's exit status
#                               (124 when QEMU_TIMEOUT_S ran out)
#   qemu_run_user ELF MACHINE ARG...   the same on QEMU's user-mode network, restrict=on, plus
#                               the ",hostfwd=...,guestfwd=..." options in $QEMU_USER_FWDS
#   qemu_start MODE LOG ELF MACHINE ARG...  qemu_run (MODE netns) or qemu_run_user (MODE user)
#                               in the background, serial output to LOG; sets QEMU_PID
#   qemu_wait_log LOG REGEX SECONDS    wait until LOG has a line matching REGEX (non-zero on
#                               timeout or when QEMU ended first)
#   qemu_wait                   wait for the background QEMU; returns its status
#   qemu_stop                   kill the background QEMU if it still runs (idempotent)
#   qemu_free_port              a free TCP port on 127.0.0.1 (for hostfwd)
#
# Addresses: the board is $QEMU_GUEST_IP (pass it as --ip "$QEMU_GUEST_IP/24"), the host side
# of the tap $QEMU_HOST_IP; both exist only inside the namespace. In user mode the board gets
# 10.0.2.15 by DHCP and QEMU's gateway is 10.0.2.2. Each run prints the mode it used.

QEMU_TAP=${QEMU_TAP:-qtap0}
QEMU_HOST_IP=${QEMU_HOST_IP:-10.77.0.1}
QEMU_GUEST_IP=${QEMU_GUEST_IP:-10.77.0.2}
QEMU_MAC=${QEMU_MAC:-52:54:00:77:00:02}
QEMU_TIMEOUT_S=${QEMU_TIMEOUT_S:-60}
QEMU_USER_FWDS=${QEMU_USER_FWDS:-}
QEMU_NETNS=${QEMU_NETNS:-} # inherited by a script that runs inside the namespace
QEMU_PID=""

_qemu_die() {
    echo "qemu.sh: $*" >&2
    return 1
}

qemu_netns_up() {
    (($# == 1)) || _qemu_die "usage: qemu_netns_up NAME" || return 1
    command -v ip >/dev/null || _qemu_die "no ip(8) (iproute2)" || return 1
    if ! ip netns add "$1" 2>/dev/null; then
        echo "qemu.sh: cannot create network namespace $1 (not root, or no namespaces here)" >&2
        return 1
    fi
    QEMU_NETNS=$1
    if ! ip -n "$1" link set lo up ||
        ! ip -n "$1" tuntap add dev "$QEMU_TAP" mode tap ||
        ! ip -n "$1" addr add "$QEMU_HOST_IP/24" dev "$QEMU_TAP" ||
        ! ip -n "$1" link set "$QEMU_TAP" up; then
        echo "qemu.sh: cannot set up tap device $QEMU_TAP in namespace $1" >&2
        qemu_netns_down
        return 1
    fi
}

qemu_netns_down() {
    [[ -n $QEMU_NETNS ]] || return 0
    local pid
    for pid in $(ip netns pids "$QEMU_NETNS" 2>/dev/null); do
        kill -KILL "$pid" 2>/dev/null
    done
    ip netns del "$QEMU_NETNS" 2>/dev/null
    QEMU_NETNS=""
}

qemu_netns_exec() {
    [[ -n $QEMU_NETNS ]] || _qemu_die "qemu_netns_exec: no namespace (qemu_netns_up first)" ||
        return 1
    ip netns exec "$QEMU_NETNS" "$@"
}

# QEMU_CMD=(the whole command line) for MODE (netns or user), ELF, MACHINE and the firmware's
# arguments; prints the mode on stderr. Commas in arguments are doubled (QEMU's syntax).
QEMU_CMD=()
_qemu_cmd() {
    local mode=$1 elf=$2 machine=$3 arg
    shift 3
    [[ -f $elf ]] || _qemu_die "no firmware image $elf" || return 1
    local sh
    sh="enable=on,target=native,arg=$(basename "$elf" .elf)"
    for arg in "$@"; do
        [[ $arg != *' '* ]] || _qemu_die "argument with a space: '$arg' (none possible)" ||
            return 1
        sh+=",arg=${arg//,/,,}"
    done
    local -a base=(qemu-system-arm -M "$machine" -nographic -monitor none -serial stdio
        -semihosting-config "$sh" -kernel "$elf")
    case $mode in
    netns)
        [[ -n $QEMU_NETNS ]] || _qemu_die "no namespace (qemu_netns_up first)" || return 1
        echo "qemu.sh: $machine $(basename "$elf"), network: tap $QEMU_TAP in namespace" \
            "$QEMU_NETNS (board $QEMU_GUEST_IP, host $QEMU_HOST_IP)" >&2
        # ip netns exec execs timeout in place: $! of a background run is timeout itself,
        # which passes signals on to QEMU and returns QEMU's status.
        QEMU_CMD=(ip netns exec "$QEMU_NETNS" timeout -k 5 "$QEMU_TIMEOUT_S" "${base[@]}"
            -nic "tap,ifname=$QEMU_TAP,script=no,downscript=no,model=lan9118,mac=$QEMU_MAC")
        ;;
    user)
        echo "qemu.sh: $machine $(basename "$elf"), network: QEMU user mode," \
            "restrict=on${QEMU_USER_FWDS}" >&2
        QEMU_CMD=(timeout -k 5 "$QEMU_TIMEOUT_S" "${base[@]}"
            -nic "user,model=lan9118,mac=$QEMU_MAC,restrict=on${QEMU_USER_FWDS}")
        ;;
    *) _qemu_die "network mode netns or user, not '$mode'" || return 1 ;;
    esac
}

qemu_run() {
    (($# >= 2)) || _qemu_die "usage: qemu_run ELF MACHINE ARG..." || return 1
    _qemu_cmd netns "$@" || return 1
    "${QEMU_CMD[@]}" </dev/null
}

qemu_run_user() {
    (($# >= 2)) || _qemu_die "usage: qemu_run_user ELF MACHINE ARG..." || return 1
    _qemu_cmd user "$@" || return 1
    "${QEMU_CMD[@]}" </dev/null
}

qemu_start() {
    (($# >= 4)) || _qemu_die "usage: qemu_start netns|user LOG ELF MACHINE ARG..." || return 1
    local mode=$1 log=$2
    shift 2
    _qemu_cmd "$mode" "$@" 2>"$log" || return 1
    "${QEMU_CMD[@]}" </dev/null >>"$log" 2>&1 &
    QEMU_PID=$!
}

qemu_wait_log() {
    (($# == 3)) || _qemu_die "usage: qemu_wait_log LOG REGEX SECONDS" || return 1
    local log=$1 regex=$2 i
    for ((i = 0; i < $3 * 20; i++)); do
        grep -Eq -- "$regex" "$log" 2>/dev/null && return 0
        if [[ -n $QEMU_PID ]] && ! kill -0 "$QEMU_PID" 2>/dev/null; then
            grep -Eq -- "$regex" "$log" 2>/dev/null && return 0
            echo "qemu.sh: QEMU ended before '$regex' appeared" >&2
            return 1
        fi
        sleep 0.05
    done
    echo "qemu.sh: no '$regex' in $log after $3 s" >&2
    return 1
}

qemu_wait() {
    [[ -n $QEMU_PID ]] || _qemu_die "qemu_wait: nothing started" || return 1
    local rc=0
    wait "$QEMU_PID" || rc=$?
    QEMU_PID=""
    return "$rc"
}

qemu_stop() {
    [[ -n $QEMU_PID ]] || return 0
    kill "$QEMU_PID" 2>/dev/null
    wait "$QEMU_PID" 2>/dev/null
    QEMU_PID=""
}

qemu_free_port() {
    python3 - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}
