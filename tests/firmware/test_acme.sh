#!/usr/bin/env bash
# tests/firmware/test_acme.sh -- the agent on the Cortex-M board gets a certificate from a real
# Pebble over http-01 under QEMU, stores it in (emulated) flash, and a second boot loads it from
# flash without asking the CA again.
#
#   test_acme.sh FIRMWARE_M4_DIR FIRMWARE_M3_DIR BUILD_DIR
#
# Namespace mode (root): a throwaway network namespace with a tap device; Pebble and
# pebble-challtestsrv run inside it on the host side of the tap (10.77.0.1), challtestsrv
# answers every A query with the board's address (10.77.0.2), so Pebble's VA fetches the
# http-01 token from the board itself. User mode (when no namespace can be made, and once on
# the M4 in any case so the fallback keeps working): Pebble on 127.0.0.1, the board on QEMU's
# user-mode network (restrict=on, DHCP), reaching Pebble through guestfwd (10.0.2.100, relayed
# to 127.0.0.1) and reached by the VA through hostfwd on 127.0.0.1. Nothing leaves the
# namespace or loopback.
#
# Per core (mps2-an386 Cortex-M4, mps2-an385 Cortex-M3), what a user relies on:
#   boot 1: exit 0 and "ACME: issued serial=S"; the flash image holds the chain and key:
#           acme-agent export of that image (the Linux board's state format) verifies against
#           Pebble's root, carries exactly the board's name, the key matches, and S is a serial
#           Pebble logged issuing; Pebble validated http-01 (the only listener at the board's
#           address is the board); the arena peak is within the 40 KiB budget.
#   boot 2: exit 0, "ACME: stored serial=S" (the same certificate) and no request at Pebble.
# Then the factory flow on the M4 (fw-acme-factory, docs/factory.md): a JSON spec becomes a
# blob in the image's config partition (acme-provision); the first boot takes names,
# directory and trust anchor from there and gets a certificate; acme-agent status of the
# image shows it and the config; the second boot loads it. A blank config partition is
# refused at boot with exit 7 before anything is sent.
# Then renewal on the device (M4, namespace mode): Pebble restarted with 30-second
# certificates; boot 1 issues, boot 2 right after keeps it and prints when it is due
# ("ACME: next ... renew_at=T", half the lifetime less jitter), boot 3 after T renews it
# at boot and then stays up (--renewals 2) as a device's main loop: it sleeps until each
# certificate is due and renews it, twice, each on time (not before its renew_at, within
# 10 s after), with a new serial each time; the flash image holds the last one.
# Writes the measured figures to BUILD_DIR/firmware-work/acme-<machine>.txt (key=value) for
# tools/size_report.py, and prints them.
set -uo pipefail

usage="usage: test_acme.sh FIRMWARE_M4_DIR FIRMWARE_M3_DIR BUILD_DIR"
m4=${1:?$usage}/boards/qemu-mps2
m3=${2:?$usage}/boards/qemu-mps2
build=$(cd "${3:?$usage}" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
integration=$(cd "$here/../integration" && pwd)
# shellcheck source=SCRIPTDIR/lib/qemu.sh
. "$here/lib/qemu.sh"
# shellcheck source=SCRIPTDIR/../integration/lib/pebble.sh
. "$integration/lib/pebble.sh"
# shellcheck source=SCRIPTDIR/../integration/lib/cert_check.sh
. "$integration/lib/cert_check.sh"
py=python3
[[ -x /usr/bin/python3 ]] && py=/usr/bin/python3

ARENA_BUDGET=$((40 * 1024))
BOOT_TIMEOUT_S=${ACME_FW_BOOT_TIMEOUT_S:-120}
agent_cli=$build/boards/linux/acme-agent
provision_cli=$build/tools/acme-provision/acme-provision

failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
    return 1
}

for f in "$m4/fw-acme.elf" "$m3/fw-acme.elf" "$m4/fw-acme-factory.elf" "$agent_cli" \
    "$provision_cli"; do
    [[ -e $f ]] || { echo "FAIL: $f not built"; exit 1; }
done

# ---- outer run: make the namespace, run the scenario inside it, always remove it -----------
if [[ ${ACME_FW_INSIDE:-} != 1 ]]; then
    mkdir -p "$build/firmware-work"
    work=$(mktemp -d "$build/firmware-work/acme.XXXXXX")
    trap 'qemu_netns_down' EXIT
    trap 'exit 1' INT TERM
    rc=0
    if qemu_netns_up "acmefw$$"; then
        echo "test_acme: mode netns (namespace $QEMU_NETNS, tap $QEMU_TAP)"
        ip netns exec "$QEMU_NETNS" env ACME_FW_INSIDE=1 ACME_FW_WORK="$work/netns" \
            ACME_FW_MODE=netns QEMU_NETNS="$QEMU_NETNS" \
            timeout -k 5 600 bash "${BASH_SOURCE[0]}" "$@" || rc=$?
        qemu_netns_down
        echo "test_acme: mode user (the fallback path, M4 only)"
        ACME_FW_INSIDE=1 ACME_FW_WORK="$work/user" ACME_FW_MODE=user ACME_FW_CORES=m4 \
            timeout -k 5 600 bash "${BASH_SOURCE[0]}" "$@" || rc=$((rc ? rc : $?))
    else
        echo "test_acme: mode user (no network namespace could be made here)"
        ACME_FW_INSIDE=1 ACME_FW_WORK="$work/user" ACME_FW_MODE=user \
            timeout -k 5 900 bash "${BASH_SOURCE[0]}" "$@" || rc=$?
    fi
    ((rc == 0)) && echo "test_acme: PASS"
    exit "$rc"
fi

# ---- inner run: one network mode, every core asked for ---------------------------------------
work=${ACME_FW_WORK:?}
mode=${ACME_FW_MODE:?}
mkdir -p "$work"
trap 'qemu_stop; pebble_stop' EXIT
trap 'exit 1' INT TERM

case $mode in
netns)
    export ACME_PEBBLE_BIND=$QEMU_HOST_IP ACME_CTS_DEFAULT_IPV4=$QEMU_GUEST_IP
    PEBBLE_BIND_IP=$QEMU_HOST_IP PEBBLE_CLIENT_IP=$QEMU_GUEST_IP
    ;;
user)
    guest_fwd_ip=10.0.2.100
    export ACME_PEBBLE_EXTRA_SANS=$guest_fwd_ip
    PEBBLE_EXTRA_SANS=("$guest_fwd_ip")
    ;;
esac
pebble_start "$work/pebble" || { echo "FAIL: Pebble did not start"; exit 1; }

board_args=()
dir_url=$PEBBLE_DIR_URL
if [[ $mode == netns ]]; then
    board_args=(--ip "$QEMU_GUEST_IP/24" --gw "$QEMU_HOST_IP")
else
    board_args=(--ip dhcp)
    dir_url="https://$guest_fwd_ip:$PEBBLE_PORT/dir"
    QEMU_USER_FWDS=",hostfwd=tcp:127.0.0.1:$PEBBLE_HTTP01_PORT-:$PEBBLE_HTTP01_PORT"
    QEMU_USER_FWDS+=",guestfwd=tcp:$guest_fwd_ip:$PEBBLE_PORT-cmd:$py"
    QEMU_USER_FWDS+=" $here/lib/tcp_relay.py 127.0.0.1 $PEBBLE_PORT $BOOT_TIMEOUT_S"
fi
QEMU_TIMEOUT_S=$BOOT_TIMEOUT_S

# field LOG KEY: the value of KEY=... on the board's "ACME:" lines
field() {
    grep -oE "^ACME: .*\b$2=[^ ]*" "$1" | head -n 1 | sed -E "s/.*\b$2=//"
}

# boot MACHINE ELF LOG DOMAIN FLASH [FIRMWARE ARGS...]: one boot; sets boot_rc
boot() {
    local machine=$1 elf=$2 log=$3 domain=$4 flash=$5
    shift 5
    boot_rc=0
    if [[ $mode == netns ]]; then
        qemu_run "$elf" "$machine" "${board_args[@]}" --directory "$dir_url" \
            --domain "$domain" --trust "$PEBBLE_TRUST" --flash "$flash" \
            --http01-port "$PEBBLE_HTTP01_PORT" "$@" >"$log" 2>&1 || boot_rc=$?
    else
        qemu_run_user "$elf" "$machine" "${board_args[@]}" --directory "$dir_url" \
            --domain "$domain" --trust "$PEBBLE_TRUST" --flash "$flash" \
            --http01-port "$PEBBLE_HTTP01_PORT" "$@" >"$log" 2>&1 || boot_rc=$?
    fi
}

show_log() {
    echo "    --- $1"
    sed 's/^/    /' "$1"
}

# run_core CORE MACHINE ELF
run_core() {
    local core=$1 machine=$2 elf=$3
    local domain="fw-$core-$mode.acme.test" flash="$work/flash-$machine.bin"
    local log1="$work/boot1-$machine.log" log2="$work/boot2-$machine.log"
    local before after serial t0 t1

    # Boot 1: a blank flash chip, so the board creates an account and gets a certificate.
    before=$(pebble_request_count)
    t0=${EPOCHREALTIME/./}
    boot "$machine" "$elf" "$log1" "$domain" "$flash"
    t1=${EPOCHREALTIME/./}
    after=$(pebble_request_count)
    if ((boot_rc != 0)) || ! grep -q '^ACME: issued serial=' "$log1"; then
        fail "$machine ($mode): boot 1 exited $boot_rc without 'ACME: issued'"
        show_log "$log1"
        pebble_logs | tail -n 30
        return 1
    fi
    serial=$(field "$log1" serial | tr 'A-F' 'a-f' | sed 's/^0*//')
    local requests handshakes arena issue_ms agent_size stack
    requests=$(field "$log1" requests)
    handshakes=$(field "$log1" handshakes)
    arena=$(field "$log1" arena_peak)
    issue_ms=$(field "$log1" issue_ms)
    agent_size=$(field "$log1" agent_size)
    stack=$(grep -oE 'main stack [0-9]+' "$log1" | grep -oE '[0-9]+$')
    echo "    $machine ($mode): issued serial $serial in $(((t1 - t0) / 1000)) ms wall" \
        "(agent ${issue_ms} ms): $requests requests ($((after - before)) seen by Pebble)," \
        "$handshakes TLS handshakes, arena peak $arena B, sizeof(acme_agent_t) $agent_size B," \
        "main stack high-water $stack B"
    ((requests == after - before)) ||
        fail "$machine ($mode): the board counted $requests requests, Pebble saw $((after - before))"
    ((arena > 0 && arena <= ARENA_BUDGET)) ||
        fail "$machine ($mode): arena peak $arena B is over the budget of $ARENA_BUDGET B"
    grep -q "set VALID by completed challenge" "$PEBBLE_LOG" ||
        fail "$machine ($mode): Pebble never validated a challenge"

    # The certificate is in the flash image, whole: export it with the Linux CLI (the board's
    # chip has the Linux state layout: a 32 KiB config partition, then the store).
    local out="$work/export-$machine"
    if "$agent_cli" export --state "$flash" --out "$out" >"$work/export-$machine.log" 2>&1; then
        if check_export "$out" "$domain"; then
            [[ $(cert_serial "$out/leaf.pem") == "$serial" ]] ||
                fail "$machine ($mode): the flash image holds serial" \
                    "$(cert_serial "$out/leaf.pem"), the board reported $serial"
        fi
    else
        fail "$machine ($mode): acme-agent export of the board's flash image failed"
        sed 's/^/    /' "$work/export-$machine.log"
    fi
    [[ $mode == netns ]] && {
        printf '%s\n' "machine=$machine" "requests=$requests" "handshakes=$handshakes" \
            "arena_peak=$arena" "agent_size=$agent_size" "main_stack=$stack" \
            "issue_ms=$issue_ms" >"$build/firmware-work/acme-$machine.txt"
    }

    # Boot 2: the stored certificate, not a new one.
    before=$(pebble_request_count)
    boot "$machine" "$elf" "$log2" "$domain" "$flash"
    after=$(pebble_request_count)
    if ((boot_rc != 0)) || ! grep -q '^ACME: stored serial=' "$log2"; then
        fail "$machine ($mode): boot 2 exited $boot_rc without 'ACME: stored'"
        show_log "$log2"
        return 1
    fi
    local serial2
    serial2=$(field "$log2" serial | tr 'A-F' 'a-f' | sed 's/^0*//')
    [[ $serial2 == "$serial" ]] ||
        fail "$machine ($mode): boot 2 reports serial $serial2, boot 1 got $serial"
    ((after == before)) ||
        fail "$machine ($mode): boot 2 sent $((after - before)) requests to Pebble, expected 0"
    echo "    $machine ($mode): boot 2 loaded serial $serial2 from flash," \
        "$((after - before)) requests"
}

# boot_factory LOG FLASH: one boot of fw-acme-factory (M4); sets boot_rc
boot_factory() {
    local log=$1 flash=$2 elf=$m4/fw-acme-factory.elf
    boot_rc=0
    if [[ $mode == netns ]]; then
        qemu_run "$elf" mps2-an386 "${board_args[@]}" --flash "$flash" \
            --http01-port "$PEBBLE_HTTP01_PORT" >"$log" 2>&1 || boot_rc=$?
    else
        qemu_run_user "$elf" mps2-an386 "${board_args[@]}" --flash "$flash" \
            --http01-port "$PEBBLE_HTTP01_PORT" >"$log" 2>&1 || boot_rc=$?
    fi
}

# check_factory_status STATUS_JSON DOMAIN SERIAL DIRECTORY: status shows certificate and config
check_factory_status() {
    "$py" - "$@" <<'PYEOF'
import json, sys
path, domain, serial, directory = sys.argv[1:5]
st = json.load(open(path))
assert st["names"] == [domain], st["names"]
assert st["serial"].lstrip("0").lower() == serial, (st["serial"], serial)
cfg = st["config"]
assert cfg is not None and cfg["names"] == [domain], cfg
assert cfg["directory_url"] == directory, cfg
PYEOF
}

run_factory() {
    local d=$work/factory domain="fw-factory-$mode.acme.test" before after serial serial2
    mkdir -p "$d"
    cp "$PEBBLE_TRUST" "$d/pebble-root.pem"
    printf '%s\n' '{' '  "version": 1,' "  \"identities\": {\"dns\": [\"$domain\"]}," \
        '  "contact": "mailto:factory@acme.test",' '  "key_type": "p256",' \
        '  "trust_anchors": ["pebble-root.pem"],' "  \"directory_url\": \"$dir_url\"," \
        '  "terms_of_service_agreed": true' '}' >"$d/spec.json"
    # A blank chip first: the firmware refuses it before it sends anything.
    head -c 98304 /dev/zero | tr '\0' '\377' >"$d/blank.bin"
    before=$(pebble_request_count)
    boot_factory "$d/boot0.log" "$d/blank.bin"
    after=$(pebble_request_count)
    if ((boot_rc != 7)) || ! grep -q 'never provisioned' "$d/boot0.log" || ((after != before)); then
        fail "factory ($mode): a blank config partition: exit $boot_rc, $((after - before))" \
            "requests (expected exit 7, none)"
        show_log "$d/boot0.log"
    fi
    cp "$d/blank.bin" "$d/flash.bin"
    if ! "$provision_cli" --spec "$d/spec.json" --image "$d/flash.bin" --offset 0 --size 32768 \
        --config-partition 4096 >"$d/provision.log" 2>&1; then
        fail "factory ($mode): acme-provision could not write the config partition"
        show_log "$d/provision.log"
        return 1
    fi
    boot_factory "$d/boot1.log" "$d/flash.bin"
    if ((boot_rc != 0)) || ! grep -qF "ACME: config names=$domain count=1 directory=$dir_url" \
        "$d/boot1.log" || ! grep -q '^ACME: issued serial=' "$d/boot1.log"; then
        fail "factory ($mode): first boot exited $boot_rc without its config and 'ACME: issued'"
        show_log "$d/boot1.log"
        pebble_logs | tail -n 30
        return 1
    fi
    serial=$(field "$d/boot1.log" serial | tr 'A-F' 'a-f' | sed 's/^0*//')
    # The image is an acme-agent state file: status shows the certificate and the config.
    if ! "$agent_cli" status --state "$d/flash.bin" >"$d/status.json" 2>"$d/status.err"; then
        fail "factory ($mode): acme-agent status of the image failed: $(head -c 200 "$d/status.err")"
    elif ! check_factory_status "$d/status.json" "$domain" "$serial" "$dir_url" \
        >"$d/status-check.log" 2>&1; then
        fail "factory ($mode): status of the image does not show the certificate and config"
        show_log "$d/status-check.log"
    fi
    if "$agent_cli" export --state "$d/flash.bin" --out "$d/out" >"$d/export.log" 2>&1; then
        check_export "$d/out" "$domain" || true
    else
        fail "factory ($mode): export of the image failed"
    fi
    before=$(pebble_request_count)
    boot_factory "$d/boot2.log" "$d/flash.bin"
    after=$(pebble_request_count)
    serial2=$(field "$d/boot2.log" serial | tr 'A-F' 'a-f' | sed 's/^0*//')
    if ((boot_rc != 0)) || [[ $serial2 != "$serial" ]] || ((after != before)); then
        fail "factory ($mode): second boot exit $boot_rc, serial '$serial2' (first $serial)," \
            "$((after - before)) requests"
        show_log "$d/boot2.log"
        return 1
    fi
    echo "    factory ($mode): spec -> config partition -> first boot issued serial $serial;" \
        "status of the image shows it; second boot loaded it with 0 requests"
}

# Renewal on the device: the agent's decision at boot (acme_agent_next), and the main loop
# (--renewals), with short-lived certificates from a Pebble restarted for it.
run_renewal() {
    local d=$work/renewal domain="fw-renew-$mode.acme.test" serial1 serial2 due now before after
    mkdir -p "$d"
    pebble_stop
    pebble_start "$work/pebble-short" --validity 30 || { fail "Pebble (30 s) did not start"; return 1; }
    dir_url=$PEBBLE_DIR_URL
    boot mps2-an386 "$m4/fw-acme.elf" "$d/boot1.log" "$domain" "$d/flash.bin"
    if ((boot_rc != 0)) || ! grep -q '^ACME: issued serial=' "$d/boot1.log"; then
        fail "renewal ($mode): boot 1 exited $boot_rc without 'ACME: issued'"
        show_log "$d/boot1.log"
        return 1
    fi
    serial1=$(field "$d/boot1.log" serial)
    before=$(pebble_request_count)
    boot mps2-an386 "$m4/fw-acme.elf" "$d/boot2.log" "$domain" "$d/flash.bin"
    after=$(pebble_request_count)
    due=$(field "$d/boot2.log" renew_at)
    if ((boot_rc != 0)) || ! grep -q "^ACME: stored serial=$serial1" "$d/boot2.log" ||
        ! grep -qE '^ACME: next action=3 basis=3 ' "$d/boot2.log" || ((after != before)); then
        fail "renewal ($mode): boot 2 exit $boot_rc, $((after - before)) requests, expected" \
            "the stored certificate, a wait on its lifetime and no request"
        show_log "$d/boot2.log"
        return 1
    fi
    now=$(date +%s)
    ((due > now && due - now <= 30)) ||
        fail "renewal ($mode): due at $due, $((due - now)) s from now; expected within 30 s" ||
        return 1
    echo "    renewal ($mode): boot 2 kept serial $serial1, due in $((due - now)) s" \
        "(30-second certificate), 0 requests"
    sleep $((due - now + 1))
    local t0=$SECONDS
    boot mps2-an386 "$m4/fw-acme.elf" "$d/boot3.log" "$domain" "$d/flash.bin" --renewals 2
    serial2=$(field "$d/boot3.log" serial)
    if ((boot_rc != 0)) || ! grep -qE '^ACME: next action=1 basis=3 ' "$d/boot3.log" ||
        ! grep -q '^ACME: issued serial=' "$d/boot3.log" || [[ $serial2 == "$serial1" ]]; then
        fail "renewal ($mode): boot 3 (after the due time) exit $boot_rc, serial '$serial2'" \
            "(was $serial1); expected a renewal"
        show_log "$d/boot3.log"
        return 1
    fi
    # The main loop: each "next ... renew_at=T" line, then "renewed" at T or a little after.
    if ! "$py" - "$d/boot3.log" "$serial2" >"$d/loop-check.log" 2>&1 <<'PYEOF'
import re, sys
lines = open(sys.argv[1], errors="replace").read().splitlines()
serials, due, late = [sys.argv[2]], None, []
for line in lines:
    m = re.match(r"ACME: next action=3 basis=3 renew_at=(\d+)", line)
    if m:
        due = int(m.group(1))
    m = re.match(r"ACME: renewed serial=(\S+) not_after=(\d+)", line)
    if m:
        serials.append(m.group(1))
        # Pebble's notAfter is its notBefore (the issuance) + 29 s for 30-second ones.
        issued = int(m.group(2)) - 29
        assert due is not None, "renewed without a planned time"
        assert due - 2 <= issued <= due + 10, "renewed at %d, due at %d" % (issued, due)
        late.append(issued - due)
        due = None
renewed = serials[1:]
assert len(renewed) == 2, "expected 2 renewals in the loop, got %d" % len(renewed)
assert len(set(serials)) == 3, "serials repeat: %s" % serials
print("serials", " -> ".join(serials) + "; each renewed", late, "s after its planned time")
PYEOF
    then
        fail "renewal ($mode): the main loop did not renew twice with new serials"
        show_log "$d/loop-check.log"
        show_log "$d/boot3.log"
        return 1
    fi
    local last
    last=$(grep -oE '^ACME: renewed serial=[^ ]*' "$d/boot3.log" | tail -n 1 | sed 's/.*=//')
    if "$agent_cli" export --state "$d/flash.bin" --out "$d/out" >"$d/export.log" 2>&1; then
        check_export "$d/out" "$domain" &&
            [[ $(cert_serial "$d/out/leaf.pem") == "$(echo "$last" | tr 'A-F' 'a-f' | sed 's/^0*//')" ]] ||
            fail "renewal ($mode): the flash image does not hold the last renewed certificate"
    else
        fail "renewal ($mode): export of the image failed"
    fi
    echo "    renewal ($mode): boot 3 renewed at boot ($serial1 -> $serial2), then its main" \
        "loop renewed twice in $((SECONDS - t0)) s: $(cat "$d/loop-check.log")"
}

cores=${ACME_FW_CORES:-m4 m3}
for core in $cores; do
    case $core in
    m4) run_core m4 mps2-an386 "$m4/fw-acme.elf" ;;
    m3) run_core m3 mps2-an385 "$m3/fw-acme.elf" ;;
    esac
done
[[ " $cores " == *" m4 "* ]] && run_factory
[[ " $cores " == *" m4 "* && $mode == netns ]] && run_renewal
((failures == 0)) || { echo "test_acme ($mode): $failures failure(s); work in $work"; exit 1; }
exit 0
