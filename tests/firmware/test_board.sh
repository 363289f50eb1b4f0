#!/usr/bin/env bash
# tests/firmware/test_board.sh -- the mps2 board's own pieces under QEMU, on both cores
# (mps2-an386 Cortex-M4, mps2-an385 Cortex-M3), through fw-nettest:
#
#   faults      an undefined instruction and a main-stack overflow are reported (fault
#               registers, "main stack overflow" from the MPU guard) and end QEMU with 100;
#               abort() ends it with 102; a bad command line with 2
#   entropy     two boots draw different bytes; a missing or empty entropy source makes the
#               board fail with ACME_ERR_RNG (exit 3) instead of handing out weak bytes
#   flash       the image is written back to the host file and the next boot sees it (boot
#               count 1, then 2); a file of the wrong size is refused (exit 4) and left alone
#   time        2 s of board time (the LAN9118's 25 MHz FREE_RUN, extended) take 2 s of host
#               time, also on a busy host; SysTick interrupts come at 1 kHz at most; the wall
#               clock and time() are the host's
#
#   test_board.sh FIRMWARE_M4_DIR FIRMWARE_M3_DIR BUILD_DIR
#
# QEMU's user-mode network with restrict=on: nothing leaves the emulator.
set -uo pipefail

m4=${1:?usage: test_board.sh FIRMWARE_M4_DIR FIRMWARE_M3_DIR BUILD_DIR}/boards/qemu-mps2
m3=${2:?usage}/boards/qemu-mps2
build=${3:?usage}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib/qemu.sh
. "$here/lib/qemu.sh"
QEMU_TIMEOUT_S=30

for elf in "$m4/fw-nettest.elf" "$m3/fw-nettest.elf"; do
    [[ -f $elf ]] || { echo "FAIL: $elf not built"; exit 1; }
done
mkdir -p "$build/firmware-work"
work=$(mktemp -d "$(cd "$build" && pwd)/firmware-work/board.XXXXXX")
trap qemu_stop EXIT
trap 'exit 1' INT TERM # so that the EXIT trap stops QEMU

failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
now_ms() {
    local t=${EPOCHREALTIME/./}
    echo $((t / 1000))
}

# boot NAME EXPECTED_STATUS ARG...: run fw-nettest on $elf/$machine, output in $work/NAME.log
# and $out; a status other than EXPECTED_STATUS is a failure.
boot() {
    local name=$1 expected=$2 rc=0
    shift 2
    qemu_run_user "$elf" "$machine" "$@" >"$work/$name.log" 2>&1 || rc=$?
    out=$(<"$work/$name.log")
    if ((rc != expected)); then
        fail "$machine $name: exit status $rc, expected $expected"
        printf '    %s\n' "${out//$'\n'/$'\n'    }"
    fi
}
# expect REGEX WHAT: the output of the last boot has a line matching REGEX.
expect() {
    grep -Eq -- "$1" <<<"$out" || fail "$machine $2: no line matching '$1'"
}
net=(--ip 10.0.2.15/24 --gw 10.0.2.2)

for pair in "$m4/fw-nettest.elf mps2-an386" "$m3/fw-nettest.elf mps2-an385"; do
    read -r elf machine <<<"$pair"

    # ---- faults ----
    boot udf 100 --crash udf
    expect '^board: FAULT exception 0x00000006 ' "udf (UsageFault)"
    expect '^CFSR=0x00010000 ' "udf (UNDEFINSTR)"
    expect 'PC=0x[0-9a-f]{8}' "udf (stacked PC)"
    boot stack 100 --crash stack
    expect '^board: main stack overflow' "stack overflow"
    boot abort 102 --crash abort
    expect '^board: abort' "abort"
    boot usage 2
    expect '^usage: fw-nettest ' "usage"

    # ---- entropy ----
    boot rng1 0 "${net[@]}" --seconds 0
    r1=$(grep -E '^nettest: random [0-9a-f]{32}$' <<<"$out")
    boot rng2 0 "${net[@]}" --seconds 0
    r2=$(grep -E '^nettest: random [0-9a-f]{32}$' <<<"$out")
    [[ -n $r1 && -n $r2 && $r1 != "$r2" ]] || fail "$machine: random bytes '$r1' then '$r2'"
    boot rng-missing 3 "${net[@]}" --rng-source "$work/no-such-file"
    expect '^nettest: entropy source failed: ACME_ERR_RNG' "missing entropy source"
    grep -q '^nettest: random' <<<"$out" && fail "$machine: random bytes without a source"
    boot rng-empty 3 "${net[@]}" --rng-source /dev/null
    expect '^nettest: entropy source failed: ACME_ERR_RNG' "empty entropy source"

    # ---- flash persistence ----
    flash=$work/flash-$machine.bin
    boot flash1 0 "${net[@]}" --seconds 0 --flash "$flash"
    expect '^nettest: boot count 1$' "first boot"
    size=$(stat -c %s "$flash" 2>/dev/null || echo none)
    # The Linux state layout: a 32 KiB config partition, then the 64 KiB store.
    [[ $size == 98304 ]] || fail "$machine: flash image size $size, expected 98304"
    boot flash2 0 "${net[@]}" --seconds 0 --flash "$flash"
    expect '^nettest: boot count 2$' "second boot (the image persisted)"
    records=$(tail -c +32769 "$flash" | head -c 32 | tr -d '\0')
    [[ $records == "nettest bootnettest boot" ]] ||
        fail "$machine: the store partition starts with '$records'"
    [[ -z $(head -c 32768 "$flash" | tr -d '\377') ]] ||
        fail "$machine: the config partition was written"
    [[ -e $flash.tmp ]] && fail "$machine: $flash.tmp left behind"
    printf 'not a flash image' >"$work/bad.bin"
    boot flash-bad 4 "${net[@]}" --seconds 0 --flash "$work/bad.bin"
    expect 'flash image .* unusable' "wrong-size image"
    [[ $(<"$work/bad.bin") == "not a flash image" ]] || fail "$machine: wrong-size image changed"

    # ---- time ----
    # Host time from the line that starts the 2-second loop to QEMU's exit (seeing the line
    # can lag by a poll interval and some scheduling, hence the lower bound's slack).
    qemu_start user "$work/clock.log" "$elf" "$machine" "${net[@]}" --seconds 2
    elapsed=none
    if qemu_wait_log "$work/clock.log" '^nettest: echo server' 10; then
        t0=$(now_ms)
        rc=0
        qemu_wait || rc=$?
        elapsed=$(($(now_ms) - t0))
        ((rc == 0)) || fail "$machine clock: exit status $rc"
    fi
    qemu_stop
    out=$(<"$work/clock.log")
    if [[ $elapsed == none ]] || ((elapsed < 1800 || elapsed > 4000)); then
        fail "$machine: 2 s of board time took $elapsed ms of host time"
    fi
    if [[ $out =~ clock:\ ([0-9]+)\ ms,\ ([0-9]+)\ SysTick ]]; then
        ms=${BASH_REMATCH[1]} ticks=${BASH_REMATCH[2]}
        # SysTick at 1 kHz: never more interrupts than milliseconds (on a busy host QEMU
        # drops many, which is why the clock does not count them).
        ((ms >= 2000 && ticks <= ms + 2)) ||
            fail "$machine: $ms ms with $ticks SysTick interrupts"
    else
        fail "$machine: no clock line"
    fi
    if [[ $out =~ wall\ clock\ ([0-9]+),\ time\(\)\ ([0-9]+) ]]; then
        host=$(date +%s)
        wall=${BASH_REMATCH[1]} libc=${BASH_REMATCH[2]}
        ((wall > host - 15 && wall <= host && libc >= wall && libc <= wall + 1)) ||
            fail "$machine: wall clock $wall, time() $libc, host $host"
    else
        fail "$machine: no wall clock line"
    fi
    echo "$machine: 2 s of board time took $elapsed ms of host time;" \
        "$(grep -E '^nettest: clock' <<<"$out")"
    echo "$machine: $(grep -E '^board: exit' <<<"$out")"
done

if ((failures > 0)); then
    echo "test_board: $failures failure(s); logs in $work"
    exit 1
fi
echo "test_board: ok"
