#!/usr/bin/env bash
# tests/firmware/test_nettest.sh -- the mps2 board's network under QEMU: fw-nettest answers
# ping and echoes TCP, on both cores, and exits through semihosting with status 0.
#
#   test_nettest.sh FIRMWARE_M4_DIR FIRMWARE_M3_DIR BUILD_DIR
#
# Namespace mode (root): a throwaway network namespace with a tap device (10.77.0.1/24); for
# mps2-an386 (Cortex-M4) and mps2-an385 (Cortex-M3) the board boots with the static address
# 10.77.0.2/24, is pinged 3 times from inside the namespace (every reply must come back),
# echoes 4000 random bytes over TCP unchanged, stops when told, and QEMU's exit status is 0.
# User mode (always, also the fallback path when no namespace can be made): QEMU's user-mode
# network with restrict=on, the address from QEMU's DHCP server, the echo port forwarded to
# 127.0.0.1. Nothing leaves the namespace or loopback. Prints boot-to-ping timings.
set -uo pipefail

m4=${1:?usage: test_nettest.sh FIRMWARE_M4_DIR FIRMWARE_M3_DIR BUILD_DIR}/boards/qemu-mps2
m3=${2:?usage}/boards/qemu-mps2
build=${3:?usage}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib/qemu.sh
. "$here/lib/qemu.sh"
py=python3
[[ -x /usr/bin/python3 ]] && py=/usr/bin/python3

for elf in "$m4/fw-nettest.elf" "$m3/fw-nettest.elf"; do
    [[ -f $elf ]] || { echo "FAIL: $elf not built"; exit 1; }
done
mkdir -p "$build/firmware-work"
work=$(mktemp -d "$(cd "$build" && pwd)/firmware-work/nettest.XXXXXX")
cleanup() {
    qemu_stop
    qemu_netns_down
}
trap cleanup EXIT
trap 'exit 1' INT TERM # so that the EXIT trap stops QEMU and removes the namespace

failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
# expect_log LOG REGEX WHAT
expect_log() {
    grep -Eq -- "$2" "$1" || fail "$3: no line matching '$2' in $1"
}
now_ms() {
    local t=${EPOCHREALTIME/./}
    echo $((t / 1000))
}

# ---- namespace + tap: ping and echo on both cores ---------------------------------------
netns_run() {
    local elf=$1 machine=$2 log=$work/netns-$2.log t0 t_ready t_ping
    t0=$(now_ms)
    qemu_start netns "$log" "$elf" "$machine" --ip "$QEMU_GUEST_IP/24" --gw "$QEMU_HOST_IP" \
        --seconds 60 || { fail "$machine: QEMU did not start"; return; }
    if ! qemu_wait_log "$log" 'nettest: echo server on port 7' 20; then
        fail "$machine: the board did not come up"
        qemu_stop
        cat "$log"
        return
    fi
    t_ready=$(now_ms)
    # The first reply can race the board's ARP reply to the host: wait for one, then count.
    qemu_netns_exec ping -c 1 -W 2 "$QEMU_GUEST_IP" >/dev/null 2>&1
    t_ping=$(now_ms)
    local pings
    pings=$(qemu_netns_exec ping -c 3 -W 1 -i 0.2 "$QEMU_GUEST_IP" 2>&1)
    if ! grep -q '3 received' <<<"$pings"; then
        fail "$machine: ping lost replies:"
        printf '    %s\n' "$pings"
    fi
    qemu_netns_exec "$py" "$here/lib/echo_check.py" "$QEMU_GUEST_IP" 7 ||
        fail "$machine: TCP echo"
    local rc=0
    qemu_wait || rc=$?
    ((rc == 0)) || fail "$machine: QEMU exit status $rc, expected 0"
    expect_log "$log" '^nettest: LAN9118 ID_REV 0x01180001' "$machine"
    expect_log "$log" "^nettest: address $QEMU_GUEST_IP \\(static\\)" "$machine"
    expect_log "$log" '^nettest: stopped after' "$machine"
    expect_log "$log" '^board: exit 0; main stack [0-9]+ of 16384 bytes' "$machine"
    echo "$machine (tap): QEMU start to echo server $((t_ready - t0)) ms," \
        "to first ping reply $((t_ping - t0)) ms; $(grep -E '^nettest: address' "$log")"
    if ((failures > 0)); then
        cat "$log"
    fi
}

if qemu_netns_up "acme-fw-$$"; then
    netns_run "$m4/fw-nettest.elf" mps2-an386
    netns_run "$m3/fw-nettest.elf" mps2-an385
    qemu_netns_down
else
    echo "NOTE: no network namespace here; only the user-mode network is tested"
fi

# ---- QEMU user mode (the fallback): DHCP, echo through a hostfwd port ----------------------
port=$(qemu_free_port)
log=$work/user-mps2-an386.log
QEMU_USER_FWDS=",hostfwd=tcp:127.0.0.1:$port-:7"
t0=$(now_ms)
qemu_start user "$log" "$m4/fw-nettest.elf" mps2-an386 --ip dhcp --seconds 60
if qemu_wait_log "$log" 'nettest: echo server on port 7' 20; then
    t_ready=$(now_ms)
    "$py" "$here/lib/echo_check.py" 127.0.0.1 "$port" || fail "user mode: TCP echo"
    rc=0
    qemu_wait || rc=$?
    ((rc == 0)) || fail "user mode: QEMU exit status $rc, expected 0"
    expect_log "$log" '^nettest: address 10\.0\.2\.15 \(dhcp\)' "user mode"
    expect_log "$log" '^board: exit 0;' "user mode"
    echo "mps2-an386 (user): QEMU start to echo server $((t_ready - t0)) ms;" \
        "$(grep -E '^nettest: address' "$log")"
else
    fail "user mode: the board did not come up"
    qemu_stop
fi
((failures == 0)) || cat "$log"

if ((failures > 0)); then
    echo "test_nettest: $failures failure(s); logs in $work"
    exit 1
fi
echo "test_nettest: ok"
