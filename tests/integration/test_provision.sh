#!/usr/bin/env bash
# tests/integration/test_provision.sh -- the factory flow end to end on 127.0.0.1: a JSON spec
# becomes a blob (tools/acme-provision), the blob goes into the state's config partition
# (acme-agent provision), the first run issues from a real Pebble for the provisioned names,
# status shows certificate and config, a second run sends nothing, and the exported chain
# verifies. Bad blobs are refused (exit 2, with the reason and byte offset) and change nothing.
# The same flow runs on an emulated NOR MTD device (/dev/mtdN through an LD_PRELOAD library,
# tests/integration/mtd_shim.c: no MTD hardware or kernel module is used) and on a flash image
# made by acme-provision --config-partition.
#
#   test_provision.sh ACME_AGENT_BINARY BUILD_DIR [SCENARIO ...]
#
# Scenarios (functions scenario_*), in this order unless named on the command line:
#   factory_flow   spec -> blob -> provision -> run --once (issues) -> status -> run --once (none at
#                  Pebble, no new order) -> export + chain check; same blob again writes
#                  nothing; --force re-provision keeps the store (keys, certificate) byte for byte
#   bad_blobs      flipped byte (bad CRC), unknown version, key type out of range (CRC repaired),
#                  truncated: exit 2 naming reason/tag/byte, state file unchanged, no new file;
#                  a different config without --force: exit 2, state unchanged
#   refused_fields IP identifiers: provision warns, run exits 2 naming identities.ip and sends
#                  nothing; status never shows the EAB key
#   eab            a Pebble that requires EAB; the CA entry's EAB credentials come from the blob
#   mtd            factory_flow on /dev/mtd7 emulated over a 1 MiB file (64 KiB erase blocks,
#                  1-byte writes); the emulation refuses bit-setting writes, misaligned writes,
#                  fsync; it must have refused nothing
#   image          acme-provision --image --config-partition into a 96 KiB image, then run on it
set -uo pipefail

agent=${1:?usage: test_provision.sh ACME_AGENT BUILD_DIR [SCENARIO ...]}
build=${2:?usage: test_provision.sh ACME_AGENT BUILD_DIR [SCENARIO ...]}
build=$(cd "$build" && pwd)
shift 2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib/pebble.sh
. "$here/lib/pebble.sh"
# shellcheck source=SCRIPTDIR/lib/cert_check.sh
. "$here/lib/cert_check.sh"
# shellcheck source=SCRIPTDIR/lib/agent_run.sh
. "$here/lib/agent_run.sh"

AGENT_TIMEOUT_S=60
tool=$build/tools/acme-provision/acme-provision
shim=$build/tests/integration/libmtd_shim.so
for f in "$agent" "$tool"; do
    [[ -x $f ]] || {
        echo "FAIL: '$f' not found or not executable"
        exit 1
    }
done
[[ -f $shim ]] || {
    echo "FAIL: the MTD emulation '$shim' was not built"
    exit 1
}
# The state layout of acme-agent (docs/factory.md): config partition, then the store.
STATE_SIZE=98304
CONFIG_SIZE=32768

agent_run_workdir test_provision || exit 1
trap 'pebble_stop' EXIT
trap 'exit 130' INT TERM

# ---- helpers -------------------------------------------------------------------------------

# AGENT_PREFIX (an array) is put in front of acme-agent by run_agent (lib/agent_run.sh),
# e.g. env LD_PRELOAD=... for the MTD emulation.
AGENT_PREFIX=()

# make_spec FILE NAME... : a spec for the running Pebble (directory, TLS root as trust anchor).
# SPEC_EXTRA is merged into it (JSON object text).
SPEC_EXTRA='{}'
make_spec() {
    local out=$1
    shift
    _pebble_python - "$out" "$PEBBLE_DIR_URL" "$PEBBLE_TRUST" "$SPEC_EXTRA" "$@" <<'EOF'
import json, sys
out, directory, trust, extra = sys.argv[1:5]
spec = {"version": 1, "identities": {"dns": sys.argv[5:]},
        "contact": "mailto:factory@demo.test", "key_type": "p256",
        "trust_anchors": [trust], "directory_url": directory,
        "terms_of_service_agreed": True,
        "renewal": {"ari": True, "renew_at_remaining_permille": 333, "backoff_max_s": 86400},
        "profile": "shortlived"}
spec.update(json.loads(extra))
with open(out, "w") as f:
    json.dump(spec, f, indent=2)
EOF
}

# make_blob SPEC BLOB
make_blob() {
    "$tool" --spec "$1" --out "$2" >"$work/tool.out" 2>&1 || {
        sed 's/^/      /' "$work/tool.out"
        fail "acme-provision could not build $2 from $1"
    }
}

# status_json NAME PYTHON_CHECK : run status and check its JSON (st) with python code that
# appends to problems.
status_check() {
    local name=$1 want_rc=$2 check=$3
    run_agent "$name" status --state "$STATE"
    expect_rc "$name" "$want_rc" || return 1
    _pebble_python - "$work/$name.out" "$check" <<'EOF' || fail "$name: status JSON"
import json, sys
try:
    with open(sys.argv[1]) as f:
        st = json.load(f)
except ValueError as e:
    sys.exit("    status output is not JSON: %s" % e)
problems = []
exec(sys.argv[2])
if problems:
    sys.exit("    status JSON: " + "; ".join(problems))
EOF
}

# The flow shared by factory_flow and mtd: STATE is a file or device (created or blank).
# $1 scenario tag, $2.. names.
provision_and_run() {
    local tag=$1 d=$work/$1
    shift
    mkdir -p "$d"
    make_spec "$d/spec.json" "$@" || return 1
    make_blob "$d/spec.json" "$d/blob" || return 1
    echo "    blob: $(stat -c %s "$d/blob") bytes" >>"$work/numbers.log"

    run_agent "${tag}_provision" provision --state "$STATE" --blob "$d/blob"
    expect_rc "${tag}_provision" 0 || return 1
    grep -q "generation 1" "$work/${tag}_provision.out" ||
        fail "provision did not report generation 1: $(cat "$work/${tag}_provision.out")" ||
        return 1

    # Provisioned, not issued: status shows the config and exits 2.
    local names_json
    names_json=$(_pebble_json_strings "$@")
    status_check "${tag}_status_0" 2 "
if st.get('certificate', 1) is not None: problems.append('certificate %r' % st.get('certificate'))
c = st.get('config') or {}
if c.get('names') != $names_json: problems.append('config names %r' % c.get('names'))
if c.get('generation') != 1: problems.append('generation %r' % c.get('generation'))
if c.get('profile') != 'shortlived': problems.append('profile %r' % c.get('profile'))
if 'renewal' not in c.get('not_applied', {}): problems.append('renewal not marked not applied')
" || return 1

    local before_req before_orders after_req after_orders
    before_req=$(pebble_request_count PEBBLE)
    run_agent "${tag}_run_1" run --once --state "$STATE" --http01-port "$PEBBLE_HTTP01_PORT" \
        --http01-bind 127.0.0.1 --stats
    expect_rc "${tag}_run_1" 0 || return 1
    after_req=$(pebble_request_count PEBBLE)
    echo "    first run ($tag): $((after_req - before_req)) requests at Pebble;" \
        "agent stats $(cat "$work/${tag}_run_1.out")" >>"$work/numbers.log"
    ((after_req > before_req)) || fail "the first run sent no request to Pebble" || return 1

    status_check "${tag}_status_1" 0 "
if sorted(st.get('names', [])) != sorted($names_json): problems.append('names %r' % st.get('names'))
if not st.get('serial'): problems.append('no serial')
c = st.get('config') or {}
if c.get('names') != $names_json: problems.append('config names %r' % c.get('names'))
" || return 1

    # Second run: a certificate is held, nothing goes to the network.
    before_req=$(pebble_request_count PEBBLE)
    before_orders=$(pebble_issued_serials | wc -l)
    run_agent "${tag}_run_2" run --once --state "$STATE" --http01-port "$PEBBLE_HTTP01_PORT" \
        --http01-bind 127.0.0.1
    expect_rc "${tag}_run_2" 0 || return 1
    after_req=$(pebble_request_count PEBBLE)
    after_orders=$(pebble_issued_serials | wc -l)
    grep -q "certificate held" "$work/${tag}_run_2.out" ||
        fail "second run did not say a certificate is held: $(cat "$work/${tag}_run_2.out")" ||
        return 1
    ((after_req == before_req && after_orders == before_orders)) ||
        fail "second run: Pebble requests $before_req -> $after_req," \
            "issued $before_orders -> $after_orders" || return 1
    echo "    second run ($tag): $((after_req - before_req)) requests at Pebble" \
        >>"$work/numbers.log"

    rm -rf "$d/out"
    mkdir -p "$d/out"
    run_agent "${tag}_export" export --state "$STATE" --out "$d/out"
    expect_rc "${tag}_export" 0 || return 1
    check_export "$d/out" "$@"
}

# Byte ranges of a state file: config partition, store partition.
store_part() {
    tail -c +$((CONFIG_SIZE + 1)) "$1" | sha256sum | cut -d' ' -f1
}

# ---- scenarios -----------------------------------------------------------------------------

scenario_factory_flow() {
    STATE=$work/factory_flow.state
    provision_and_run factory_flow prov-a.demo.test prov-b.demo.test || return 1
    [[ $(stat -c %s "$STATE") == "$STATE_SIZE" ]] ||
        fail "state file is $(stat -c %s "$STATE") bytes, expected $STATE_SIZE" || return 1

    # The same blob again: nothing written.
    cp "$STATE" "$STATE.before"
    run_agent again provision --state "$STATE" --blob "$work/factory_flow/blob"
    expect_rc again 0 || return 1
    grep -q "nothing written" "$work/again.out" || fail "same blob: $(cat "$work/again.out")" ||
        return 1
    cmp -s "$STATE" "$STATE.before" || fail "provisioning the same blob changed the state" ||
        return 1

    # A field re-provision with --force: new config (generation 2), store untouched.
    local store_before serial_before
    store_before=$(store_part "$STATE")
    serial_before=$(_pebble_python -c 'import json,sys; print(json.load(open(sys.argv[1]))["serial"])' \
        "$work/factory_flow_status_1.out")
    SPEC_EXTRA='{"contact": "mailto:field@demo.test"}' make_spec "$work/factory_flow/spec2.json" \
        prov-a.demo.test prov-b.demo.test || return 1
    make_blob "$work/factory_flow/spec2.json" "$work/factory_flow/blob2" || return 1
    run_agent reprov_noforce provision --state "$STATE" --blob "$work/factory_flow/blob2"
    expect_rc reprov_noforce 2 || return 1
    grep -q -- "--force" "$work/reprov_noforce.err" ||
        fail "refusal does not mention --force: $(cat "$work/reprov_noforce.err")" || return 1
    cmp -s "$STATE" "$STATE.before" || fail "a refused re-provision changed the state" ||
        return 1
    run_agent reprov provision --state "$STATE" --blob "$work/factory_flow/blob2" --force
    expect_rc reprov 0 || return 1
    [[ $(store_part "$STATE") == "$store_before" ]] ||
        fail "re-provisioning changed the store partition" || return 1
    status_check reprov_status 0 "
c = st.get('config') or {}
if c.get('generation') != 2: problems.append('generation %r' % c.get('generation'))
if c.get('contact') != 'mailto:field@demo.test': problems.append('contact %r' % c.get('contact'))
if st.get('serial') != '$serial_before': problems.append('serial %r' % st.get('serial'))
" || return 1
}

# bad_blob NAME BLOB WANT_REGEX : provision refuses BLOB with exit 2, the reason matching
# WANT_REGEX, and neither the existing state nor a fresh path changes.
bad_blob() {
    local name=$1 blob=$2 want=$3 d=$work/bad_blobs
    cp "$d/state" "$d/state.before"
    run_agent "$name" provision --state "$d/state" --blob "$blob"
    expect_rc "$name" 2 || return 1
    grep -qE "$want" "$work/$name.err" ||
        fail "$name: reason '$(cat "$work/$name.err")' does not match /$want/" || return 1
    cmp -s "$d/state" "$d/state.before" || fail "$name: the refused blob changed the state" ||
        return 1
    run_agent "${name}_fresh" provision --state "$d/fresh" --blob "$blob"
    expect_rc "${name}_fresh" 2 || return 1
    [[ ! -e $d/fresh ]] || fail "$name: a refused blob left a new state file behind"
}

scenario_bad_blobs() {
    local d=$work/bad_blobs
    mkdir -p "$d"
    STATE=$d/state
    make_spec "$d/spec.json" bad.demo.test || return 1
    make_blob "$d/spec.json" "$d/blob" || return 1
    run_agent bad_setup provision --state "$d/state" --blob "$d/blob"
    expect_rc bad_setup 0 || return 1
    _pebble_python - "$d" <<'EOF' || fail "could not make the bad blobs" || return 1
import struct, sys, zlib
d = sys.argv[1]
blob = bytearray(open(d + "/blob", "rb").read())
def fix_crc(b):
    b[-4:] = struct.pack("<I", zlib.crc32(bytes(b[:-4])) & 0xFFFFFFFF)
    return b
flipped = bytearray(blob); flipped[40] ^= 0x01
open(d + "/flipped", "wb").write(flipped)
version = bytearray(blob); version[4] = 2; fix_crc(version)
open(d + "/version", "wb").write(version)
# The key type TLV (tag 0x04, length 1): a value the format does not have.
i = 12
while i < len(blob) - 4:
    tag, n = blob[i], struct.unpack("<H", blob[i + 1:i + 3])[0]
    if tag == 0x04:
        break
    i += 3 + n
else:
    sys.exit("no key type TLV")
rng = bytearray(blob); rng[i + 3] = 9; fix_crc(rng)
open(d + "/range", "wb").write(rng)
open(d + "/truncated", "wb").write(blob[:len(blob) // 2])
open(d + "/empty", "wb").write(b"")
EOF
    bad_blob flipped "$d/flipped" "bad CRC.*byte [0-9]+" || return 1
    bad_blob version "$d/version" "unsupported format version.*byte 4" || return 1
    bad_blob range "$d/range" "out of range.*tag 0x04 key_type.*byte [0-9]+" || return 1
    bad_blob truncated "$d/truncated" "truncated" || return 1
    bad_blob empty "$d/empty" "truncated|bad magic" || return 1
    # A valid but different config, without --force.
    make_spec "$d/spec2.json" other.demo.test || return 1
    make_blob "$d/spec2.json" "$d/blob2" || return 1
    cp "$d/state" "$d/state.before"
    run_agent bad_other provision --state "$d/state" --blob "$d/blob2"
    expect_rc bad_other 2 || return 1
    cmp -s "$d/state" "$d/state.before" || fail "a refused different config changed the state"
}

scenario_refused_fields() {
    local d=$work/refused_fields before after
    mkdir -p "$d"
    STATE=$d/state
    SPEC_EXTRA='{"identities": {"dns": ["ip.demo.test"], "ip": ["127.0.0.1"]},
                 "cas": [{"issuer": "eab.demo.test",
                          "eab": {"kid": "kid-secret-check",
                                  "hmac_key": "hex:00112233445566778899aabbccddeeff"}}]}' \
        make_spec "$d/spec.json" ignored.demo.test || return 1
    make_blob "$d/spec.json" "$d/blob" || return 1
    run_agent ip_provision provision --state "$STATE" --blob "$d/blob"
    expect_rc ip_provision 0 || return 1
    grep -q "identities.ip" "$work/ip_provision.err" ||
        fail "provision did not warn about identities.ip" || return 1
    before=$(pebble_request_count PEBBLE)
    run_agent ip_run run --once --state "$STATE" --http01-port "$PEBBLE_HTTP01_PORT" \
        --http01-bind 127.0.0.1
    after=$(pebble_request_count PEBBLE)
    expect_rc ip_run 2 || return 1
    grep -q "identities.ip" "$work/ip_run.err" ||
        fail "run's refusal does not name identities.ip: $(cat "$work/ip_run.err")" || return 1
    ((after == before)) || fail "a refused config still sent $((after - before)) requests" ||
        return 1
    # status never shows the EAB key (hex or base64 forms).
    run_agent ip_status status --state "$STATE"
    expect_rc ip_status 2 || return 1
    if grep -qiE '00112233445566778899aabbccddeeff|ABEiM0RVZneImaq7zN3u' "$work/ip_status.out"; then
        fail "status printed the EAB key"
        return 1
    fi
    grep -q kid-secret-check "$work/ip_status.out" || fail "status does not show the EAB kid"
}

# A device key injected at the factory (acme-provision --device-key) is the key of the issued
# certificate; status shows only that one is present, never the key.
scenario_injected_key() {
    local d=$work/injected_key
    mkdir -p "$d"
    STATE=$d/state
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/factory.key" \
        2>/dev/null || fail "openssl could not make a key" || return 1
    make_spec "$d/spec.json" injected.demo.test || return 1
    "$tool" --spec "$d/spec.json" --out "$d/blob" --device-key "$d/factory.key" \
        >"$work/injected_tool.out" 2>&1 ||
        fail "acme-provision --device-key: $(cat "$work/injected_tool.out")" || return 1
    run_agent injected_provision provision --state "$STATE" --blob "$d/blob"
    expect_rc injected_provision 0 || return 1
    run_agent injected_run run --once --state "$STATE" --http01-port "$PEBBLE_HTTP01_PORT" \
        --http01-bind 127.0.0.1
    expect_rc injected_run 0 || return 1
    run_agent injected_export export --state "$STATE" --out "$d/out"
    expect_rc injected_export 0 || return 1
    local want got cert
    want=$(openssl pkey -in "$d/factory.key" -pubout 2>/dev/null)
    got=$(openssl pkey -in "$d/out/privkey.pem" -pubout 2>/dev/null)
    cert=$(openssl x509 -in "$d/out/fullchain.pem" -noout -pubkey 2>/dev/null)
    [[ -n $want && $got == "$want" && $cert == "$want" ]] ||
        fail "the certificate's key is not the injected key" || return 1
    status_check injected_status 0 "
c = st.get('config') or {}
if c.get('device_key') is not True: problems.append('device_key %r' % c.get('device_key'))
if 'device_key' in c.get('not_applied', {}): problems.append('device key still marked not applied')
" || return 1
    local secret
    secret=$(openssl pkey -in "$d/factory.key" -outform DER 2>/dev/null | xxd -p | tr -d '\n' |
        tail -c 64)
    grep -qi "$secret" "$work/injected_status.out" && fail "status printed the device key"
    return 0
}

scenario_eab() {
    local d=$work/eab key
    mkdir -p "$d"
    STATE=$d/state
    key=$(pebble_eab_key)
    pebble_start_ca EABCA "$work/pebble-eab" --eab "kid-factory=$key" ||
        fail "the EAB Pebble did not start" || return 1
    SPEC_EXTRA="{\"directory_url\": \"$EABCA_DIR_URL\",
                 \"cas\": [{\"issuer\": \"eab.demo.test\", \"directory_url\": \"$EABCA_DIR_URL\",
                           \"eab\": {\"kid\": \"kid-factory\", \"hmac_key\": \"base64url:$key\"}}]}" \
        make_spec "$d/spec.json" eab.demo.test || return 1
    make_blob "$d/spec.json" "$d/blob" || return 1
    run_agent eab_provision provision --state "$STATE" --blob "$d/blob"
    expect_rc eab_provision 0 || return 1
    run_agent eab_run run --once --state "$STATE" --http01-port "$PEBBLE_HTTP01_PORT" \
        --http01-bind 127.0.0.1
    expect_rc eab_run 0 || return 1
    status_check eab_status 0 "
if st.get('names') != ['eab.demo.test']: problems.append('names %r' % st.get('names'))
" || return 1
    pebble_stop_ca EABCA
}

scenario_mtd() {
    local d=$work/mtd
    mkdir -p "$d"
    head -c 1048576 /dev/zero | tr '\0' '\377' >"$d/mtd7.img"
    : >"$d/shim.log"
    local env=(env "LD_PRELOAD=$shim" "ACME_MTD_SHIM_DEV=/dev/mtd7"
        "ACME_MTD_SHIM_FILE=$d/mtd7.img" "ACME_MTD_SHIM_ERASESIZE=65536"
        "ACME_MTD_SHIM_WRITESIZE=1" "ACME_MTD_SHIM_LOG=$d/shim.log"
        "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
    # The emulation itself: a character device with MEMGETINFO that refuses to set bits.
    "${env[@]}" python3 - 2>"$d/selfcheck.err" <<'EOF' ||
        fail "the MTD emulation does not behave like NOR: $(cat "$d/selfcheck.err")" || return 1
import errno, fcntl, os, stat, struct, sys
fd = os.open("/dev/mtd7", os.O_RDWR)
if not stat.S_ISCHR(os.fstat(fd).st_mode):
    sys.exit("    not a character device")
info = bytearray(32)
fcntl.ioctl(fd, 0x80204D01, info)  # MEMGETINFO
typ, flags, size, erase, write = struct.unpack_from("<BxxxIIII", info)
if (typ, size, erase, write) != (3, 1048576, 65536, 1):
    sys.exit("    MEMGETINFO %r" % ((typ, size, erase, write),))
end = size - 1
os.pwrite(fd, b"\x00", end)
try:
    os.pwrite(fd, b"\xff", end)
    sys.exit("    a write that sets bits was accepted")
except OSError as e:
    if e.errno != errno.EIO:
        raise
fcntl.ioctl(fd, 0x40084D02, struct.pack("<II", size - erase, erase))  # MEMERASE
if os.pread(fd, 1, end) != b"\xff":
    sys.exit("    MEMERASE did not erase")
EOF
    : >"$d/shim.log"
    AGENT_PREFIX=("${env[@]}")
    STATE=/dev/mtd7
    provision_and_run mtd mtd-a.demo.test mtd-b.demo.test
    local ok=$?
    AGENT_PREFIX=()
    ((ok == 0)) || return 1
    [[ -s $d/shim.log ]] || fail "the MTD emulation was not used (no log)" || return 1
    echo "    MTD emulation counts: $(awk '{print}' "$d/shim.log" | paste -sd'|')" \
        >>"$work/numbers.log"
    _pebble_python - "$d/shim.log" <<'EOF' || fail "MTD emulation counts" || return 1
import sys
tot = {}
for line in open(sys.argv[1]):
    for kv in line.split():
        k, v = kv.split("=")
        tot[k] = tot.get(k, 0) + int(v)
bad = {k: tot.get(k, 0) for k in ("refused_bits", "refused_align", "fsync", "misuse")}
if any(bad.values()):
    sys.exit("    the agent did what NOR MTD refuses: %r" % bad)
if tot.get("erases", 0) == 0 or tot.get("writes", 0) == 0:
    sys.exit("    no erase or write reached the emulated device: %r" % tot)
EOF
    # The image file is the device: config header at 0, then the store's ring of 4 x 64 KiB
    # blocks from 128 KiB; the blocks the issuance used start with the store's block magic.
    [[ $(head -c 4 "$d/mtd7.img") == ACFG ]] ||
        fail "no config partition header at offset 0 of the emulated device" || return 1
    local b used=0
    for b in 0 1 2 3; do
        [[ $(tail -c +$((131072 + b * 65536 + 1)) "$d/mtd7.img" | head -c 3) == ASR ]] &&
            used=$((used + 1))
    done
    ((used > 0)) || fail "no store block at 128 KiB..384 KiB of the emulated device"
}

scenario_image() {
    local d=$work/image
    mkdir -p "$d"
    STATE=$d/flash.img
    head -c "$STATE_SIZE" /dev/zero | tr '\0' '\377' >"$STATE"
    make_spec "$d/spec.json" image.demo.test || return 1
    "$tool" --spec "$d/spec.json" --image "$STATE" --offset 0 --size "$CONFIG_SIZE" \
        --config-partition 4096 >"$work/image_tool.out" 2>&1 ||
        fail "acme-provision --config-partition: $(cat "$work/image_tool.out")" || return 1
    grep -q "generation 1" "$work/image_tool.out" ||
        fail "tool output: $(cat "$work/image_tool.out")" || return 1
    [[ $(stat -c %s "$STATE") == "$STATE_SIZE" ]] || fail "the tool resized the image" ||
        return 1
    run_agent image_run run --once --state "$STATE" --http01-port "$PEBBLE_HTTP01_PORT" \
        --http01-bind 127.0.0.1
    expect_rc image_run 0 || return 1
    status_check image_status 0 "
if st.get('names') != ['image.demo.test']: problems.append('names %r' % st.get('names'))
if (st.get('config') or {}).get('generation') != 1: problems.append('config %r' % st.get('config'))
"
}

# ---- main ----------------------------------------------------------------------------------

scenarios=("$@")
((${#scenarios[@]})) || scenarios=(factory_flow bad_blobs refused_fields injected_key eab mtd image)

pebble_start "$work/pebble" || {
    echo "FAIL: could not start Pebble"
    exit 1
}
echo "work dir: $work"
: >"$work/numbers.log"
pebble_run_scenarios "${scenarios[@]}"
cat "$work/numbers.log"

pebble_stop
if ((${#failed[@]})); then
    echo "FAILED: ${failed[*]} (commands in $work/commands.log, outputs in $work)"
    exit 1
fi
echo "all ${#scenarios[@]} scenarios passed"
rm -rf "$work"
