#!/usr/bin/env bash
# acme-provision end to end: builds blobs from the committed specs
# (tests/data/provision/), decodes them back and checks every field, checks
# that each kind of bad spec value is refused with a message naming its JSON
# field (and never the EAB key), that every EAB key spelling (base64url,
# base64, hex; acme/codec/eab_text.h) and MAC lands in the blob as bytes,
# that usage errors exit 2, that --image puts
# the blob at the offset with 0xFF around it, and that corrupt blobs are
# refused on --decode. Needs python3 for the JSON and byte checks.
#
#   test_acme_provision.sh ACME_PROVISION_BINARY DATA_DIR   (DATA_DIR: tests/data)
set -euo pipefail

TOOL=$1
DATA=$(cd "$2" && pwd)
SPECS="$DATA/provision"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

checks=0
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
ok() {
    checks=$((checks + 1))
}

# ---- build and decode the committed specs ---------------------------------------

"$TOOL" --spec "$SPECS/spec-minimal.json" --out "$T/min.blob" > "$T/out.txt" ||
    fail "spec-minimal.json was refused"
grep -q "wrote a $(stat -c %s "$T/min.blob")-byte blob" "$T/out.txt" || fail "no size line"
"$TOOL" --decode "$T/min.blob" > "$T/min.json" || fail "--decode of the minimal blob"
python3 - "$T/min.json" "$T/min.blob" <<'EOF' || fail "minimal blob fields"
import json, os, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == 1
assert d["blob_size"] == os.path.getsize(sys.argv[2])
assert d["identities"] == {"dns": ["sensor-01.example.test"]}, d["identities"]
assert d["key_type"] == "rsa2048"
assert [t["subject_cn"] for t in d["trust_anchors"]] == ["ACME Agent Test Root"]
assert d["directory_url"] == "https://acme.example.test:14000/dir"
assert d["terms_of_service_agreed"] is True
for absent in ("contact", "discovery", "cas", "renewal", "profile", "device_key"):
    assert absent not in d, absent
EOF
ok

# An RSA device key fits the minimal spec's key_type; a P-256 key does not.
"$TOOL" --spec "$SPECS/spec-minimal.json" --out "$T/min-key.blob" \
    --device-key "$DATA/cert/leaf-rsa.key.pem" > /dev/null || fail "RSA device key refused"
"$TOOL" --decode "$T/min-key.blob" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert 1100 <= d["device_key"]["der_length"] <= 1280, d["device_key"]
assert d["key_type"] == "rsa2048"' || fail "RSA device key not in the blob"
if "$TOOL" --spec "$SPECS/spec-minimal.json" --out "$T/x.blob" \
    --device-key "$DATA/cert/leaf-p256.key.pem" 2> "$T/err.txt"; then
    fail "a P-256 key was accepted for key_type rsa2048"
fi
grep -q "key_type" "$T/err.txt" || fail "key mismatch message: $(cat "$T/err.txt")"
ok

"$TOOL" --spec "$SPECS/spec-full.json" --out "$T/full.blob" \
    --device-key "$DATA/cert/leaf-p256.key.pem" > /dev/null || fail "spec-full.json was refused"
"$TOOL" --decode "$T/full.blob" > "$T/full.json" || fail "--decode of the full blob"
python3 - "$T/full.json" "$T/full.blob" <<'EOF' || fail "full blob fields"
import json, sys
text = open(sys.argv[1]).read()
d = json.loads(text)
blob = open(sys.argv[2], "rb").read()
assert blob[:8] == b"ACPV\x01\x00\x00\x00"
assert int.from_bytes(blob[8:12], "little") == len(blob) - 16
assert d["identities"] == {"dns": ["gw-0042.example.test", "gw-0042.site.example.test"],
                           "ip": ["192.0.2.42", "2001:db8::42"]}, d["identities"]
assert d["contact"] == "mailto:factory@example.test"
assert d["key_type"] == "p256"
cns = [t["subject_cn"] for t in d["trust_anchors"]]
assert cns == ["ACME Agent Test Root", "ACME Test Root", "leaf.test", "ACME Test Root"], cns
assert d["trust_anchors"][1]["der_length"] == 379  # pem/root.der, taken as DER
assert "directory_url" not in d and d["discovery"] is True
assert d["terms_of_service_agreed"] is True
cas = d["cas"]
assert [c["issuer"] for c in cas] == ["ca.example.test", "backup-ca.example.test",
                                      "letsencrypt.org"]
assert cas[0]["directory_url"] == "https://ca.example.test/acme/directory"
assert cas[0]["eab"] == {"kid": "kid-0042", "hmac_key_length": 32, "alg": "HS256"}
assert cas[1]["eab"]["kid"] == "kid-hex" and cas[1]["eab"]["hmac_key_length"] == 32
assert "directory_url" not in cas[2] and "eab" not in cas[2]
assert d["renewal"] == {"ari": True, "renew_at_remaining_permille": 333, "backoff_max_s": 86400}
assert d["profile"] == "shortlived"
assert d["device_key"] == {"der_length": 121}
# Both spellings of the EAB key (base64url, hex) are the same 32 bytes in the
# blob, and no secret is printed.
key = b"factory-test-eab-key-32-bytes!!!"
assert blob.count(key) == 2
for secret in ("ZmFjdG9yeS10ZXN0", "666163746f72792d", "factory-test-eab"):
    assert secret not in text, secret
EOF
ok

# ---- rejected specs name their field --------------------------------------------------

# Variants of spec-full.json with one change each, written to $T (file names
# made absolute so they still resolve there).
python3 - "$SPECS/spec-full.json" "$SPECS" "$T" <<'EOF'
import copy, json, os, sys
base = json.load(open(sys.argv[1]))
base["trust_anchors"] = [os.path.normpath(os.path.join(sys.argv[2], p))
                         for p in base["trust_anchors"]]
out = sys.argv[3]

def variant(name, change):
    spec = copy.deepcopy(base)
    change(spec)
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(spec, f)

def setter(path, value):
    def change(spec):
        obj = spec
        for k in path[:-1]:
            obj = obj[k]
        obj[path[-1]] = value
    return change

def deleter(path):
    def change(spec):
        obj = spec
        for k in path[:-1]:
            obj = obj[k]
        del obj[path[-1]]
    return change

variant("dns", setter(["identities", "dns", 1], "bad..name.example"))
variant("dns_wild", setter(["identities", "dns", 0], "*.example.test"))
variant("ip", setter(["identities", "ip", 0], "192.0.2.256"))
variant("ids_none", setter(["identities"], {}))
variant("ids_many", setter(["identities", "dns"], ["a.test", "b.test", "c.test"]))
variant("ids_unknown", setter(["identities", "email"], ["x@example.test"]))
variant("contact", setter(["contact"], "mailto:two words@example.test"))
variant("key_type", setter(["key_type"], "ed25519"))
variant("trust_missing", setter(["trust_anchors", 0], "/nonexistent/ca.pem"))
variant("trust_many", lambda s: s["trust_anchors"].append(s["trust_anchors"][0]))
variant("trust_notcert", setter(["trust_anchors", 0],
                                os.path.join(sys.argv[2], "spec-full.json")))
variant("dir_http", setter(["directory_url"], "http://insecure.example.test/dir"))
variant("no_dir", deleter(["discovery"]))
variant("discovery", setter(["discovery"], "yes"))
variant("tos", setter(["terms_of_service_agreed"], 1))
variant("issuer", setter(["cas", 0, "issuer"], "bad issuer"))
variant("issuer_missing", deleter(["cas", 2, "issuer"]))
variant("ca_dir", setter(["cas", 0, "directory_url"], "https://ca.example.test/#frag"))
variant("kid", setter(["cas", 0, "eab", "kid"], "has space"))
variant("key_short", setter(["cas", 0, "eab", "hmac_key"], "c2VjcmV0"))
variant("key_chars", setter(["cas", 0, "eab", "hmac_key"], "secret*key*that*is*long*enough"))
variant("key_missing", deleter(["cas", 1, "eab", "hmac_key"]))
variant("key_empty", setter(["cas", 0, "eab", "hmac_key"], ""))
variant("key_long", setter(["cas", 0, "eab", "hmac_key"], "hex:" + "ab" * 65))
variant("key_huge", setter(["cas", 0, "eab", "hmac_key"], "Q" * 400))
variant("key_std_bare", setter(["cas", 0, "eab", "hmac_key"], "secret+key/that+is+long+enough="))
variant("key_hex_bare", setter(["cas", 1, "eab", "hmac_key"], "666163746f72792d" * 4))
variant("key_hex_odd", setter(["cas", 0, "eab", "hmac_key"], "hex:" + "666" * 11))
variant("key_b64_url", setter(["cas", 0, "eab", "hmac_key"], "base64:secret-key_that-is-long-enough"))
variant("alg", setter(["cas", 0, "eab", "alg"], "HS1024"))
variant("alg_case", setter(["cas", 0, "eab", "alg"], "hs384"))
variant("cas_many", lambda s: s["cas"].extend([{"issuer": "x.test"}, {"issuer": "y.test"}]))
variant("permille", setter(["renewal", "renew_at_remaining_permille"], 1000))
variant("permille_frac", setter(["renewal", "renew_at_remaining_permille"], 33.3))
variant("backoff_exp", setter(["renewal", "backoff_max_s"], 8.64e4))
variant("backoff", setter(["renewal", "backoff_max_s"], 59))
variant("ari", setter(["renewal", "ari"], 1))
variant("profile", setter(["profile"], "x" * 65))
variant("version", setter(["version"], 2))
variant("typo", setter(["diskovery"], True))
EOF

reject() { # variant, text the message must contain
    local name=$1 field=$2
    if "$TOOL" --spec "$T/$name.json" --out "$T/x.blob" > /dev/null 2> "$T/err.txt"; then
        fail "$name: accepted"
    else
        local rc=$?
        [ "$rc" -eq 1 ] || fail "$name: exit $rc, expected 1"
    fi
    grep -qF -- "$field" "$T/err.txt" || fail "$name: message does not name '$field': $(cat "$T/err.txt")"
    [ "$(wc -l < "$T/err.txt")" -eq 1 ] || fail "$name: more than one line: $(cat "$T/err.txt")"
    if grep -qE "ZmFjdG9yeS10ZXN0|666163746f72792d|secret.key|abababab|QQQQQQQQ" "$T/err.txt"; then
        fail "$name: the message shows the EAB key"
    fi
    [ ! -e "$T/x.blob" ] || fail "$name: a blob was written"
    ok
}
reject dns "identities.dns[1]"
reject dns_wild "identities.dns[0]"
reject ip "identities.ip[0]"
reject ids_none "identities"
reject ids_many "ACME_MAX_IDENTIFIERS"
reject ids_unknown "email"
reject contact "contact"
reject key_type "key_type"
reject trust_missing "/nonexistent/ca.pem"
reject trust_many "ACME_PROVISION_TRUST_MAX"
reject trust_notcert "trust_anchors[0]"
reject dir_http "directory_url"
reject no_dir "directory_url"
reject discovery "discovery"
reject tos "terms_of_service_agreed"
reject issuer "cas[0].issuer"
reject issuer_missing "cas[2].issuer"
reject ca_dir "cas[0].directory_url"
reject kid "cas[0].eab.kid"
reject key_short "cas[0].eab.hmac_key"
reject key_chars "cas[0].eab.hmac_key"
reject key_missing "cas[1].eab"
reject key_empty "cas[0].eab.hmac_key: the key is empty"
reject key_long "cas[0].eab.hmac_key: decodes to 65 bytes; an EAB key must be 16..64 bytes"
reject key_huge "cas[0].eab.hmac_key: the key decodes to more than"
reject key_std_bare "write it as \"base64:KEY\""
reject key_hex_bare "cas[1].eab.hmac_key: the key is only hex digits"
reject key_hex_odd "cas[0].eab.hmac_key: the key is not hex"
reject key_b64_url "cas[0].eab.hmac_key: the key is not standard base64"
reject alg "cas[0].eab.alg"
reject alg_case "cas[0].eab.alg"
reject cas_many "ACME_PROVISION_CAS_MAX"
reject permille "renewal.renew_at_remaining_permille"
reject permille_frac "renew_at_remaining_permille: numbers in the spec are whole"
reject backoff "renewal.backoff_max_s"
reject backoff_exp "backoff_max_s: numbers"
reject ari "renewal.ari"
reject profile "profile"
reject version "version"
reject typo "diskovery"

printf '{"version": 1,\n  "identities": {"dns": ["a.test"]},,\n}\n' > "$T/syntax.json"
reject syntax "syntax.json:2:"

# ---- EAB key spellings ----------------------------------------------------------------

# Each variant's key must land in the blob as these raw bytes.
python3 - "$SPECS/spec-full.json" "$SPECS" "$T" <<'EOF'
import base64, json, os, sys
base = json.load(open(sys.argv[1]))
base["trust_anchors"] = [os.path.normpath(os.path.join(sys.argv[2], p))
                         for p in base["trust_anchors"]]
key = bytes(range(200, 232))  # its base64 has '+' and '/'
std = base64.b64encode(key).decode()
url = base64.urlsafe_b64encode(key).decode()
assert "+" in std and "/" in std
ambiguous = bytes.fromhex("00112233445566778899aabbccddeeff")
# (name, hmac_key text, raw key bytes, alg or None, the blob's alg byte or None)
for name, text, raw, alg, alg_byte in [
        ("url_pad", url, key, None, None), ("url", url.rstrip("="), key, None, None),
        ("prefix_b64", "base64:" + std, key, "HS384", 2),
        ("prefix_b64_nopad", "base64:" + std.rstrip("="), key, None, None),
        ("prefix_url", "base64url:" + url.rstrip("="), key, "HS512", 3),
        ("prefix_hex", "hex:" + key.hex().upper(), key, "HS256", 1),
        # 32 hex digits are also valid base64url (24 bytes): the prefix says which
        ("ambiguous_hex", "hex:" + ambiguous.hex(), ambiguous, None, None),
        ("ambiguous_url", "base64url:" + ambiguous.hex(),
         base64.urlsafe_b64decode(ambiguous.hex()), None, None)]:
    spec = json.loads(json.dumps(base))
    spec["cas"][0]["eab"]["hmac_key"] = text
    spec["cas"][0]["eab"].pop("alg")
    if alg is not None:
        spec["cas"][0]["eab"]["alg"] = alg
    json.dump(spec, open(os.path.join(sys.argv[3], "key_" + name + ".json"), "w"))
    open(os.path.join(sys.argv[3], "key_" + name + ".raw"), "wb").write(raw)
    open(os.path.join(sys.argv[3], "key_" + name + ".alg"), "w").write(
        "" if alg is None else "%s %d" % (alg, alg_byte))
EOF
for v in url_pad url prefix_b64 prefix_b64_nopad prefix_url prefix_hex ambiguous_hex ambiguous_url; do
    "$TOOL" --spec "$T/key_$v.json" --out "$T/key.blob" > /dev/null || fail "key spelling $v refused"
    "$TOOL" --decode "$T/key.blob" > "$T/key.json" || fail "key spelling $v: --decode"
    python3 -c '
import json, sys
raw = open(sys.argv[1], "rb").read()
blob = open(sys.argv[2], "rb").read()
alg = open(sys.argv[3]).read().split()
eab = json.load(open(sys.argv[4]))["cas"][0]["eab"]
tlv = bytes([4, len(raw), 0]) + raw  # the EAB key field of the CA entry
assert tlv in blob, sys.argv[1]
if alg:  # given: field 0x05, one byte; shown by name
    assert bytes([5, 1, 0, int(alg[1])]) in blob, alg
    assert eab["alg"] == alg[0] and "alg_given" not in eab, eab
else:  # not given: no field, HS256 by default
    assert eab["alg"] == "HS256" and eab["alg_given"] is False, eab' \
        "$T/key_$v.raw" "$T/key.blob" "$T/key_$v.alg" "$T/key.json" ||
        fail "key spelling $v: wrong bytes or alg"
    ok
done

# ---- usage errors exit 2 --------------------------------------------------------------

usage() {
    local rc=0
    "$TOOL" "$@" > /dev/null 2>&1 || rc=$?
    [ "$rc" -eq 2 ] || fail "'$*': exit $rc, expected 2"
    ok
}
usage
usage --spec "$SPECS/spec-full.json"
usage --spec "$SPECS/spec-full.json" --out a --image b --offset 0
usage --spec "$SPECS/spec-full.json" --image "$T/f.img"
usage --spec "$SPECS/spec-full.json" --out a --offset 4
usage --spec "$SPECS/spec-full.json" --image "$T/f.img" --offset 010
usage --spec "$SPECS/spec-full.json" --image "$T/f.img" --offset -1
usage --decode "$T/full.blob" --out x
usage --bogus
usage --out
"$TOOL" --help | grep -q "hex" || fail "--help does not explain EAB key spellings"
ok

# ---- --image --------------------------------------------------------------------------

# A new image: 0xFF before the blob, the blob, 0xFF to the end of --size.
"$TOOL" --spec "$SPECS/spec-full.json" --image "$T/new.img" --offset 4096 --size 0x2000 \
    > /dev/null || fail "--image on a new file"
# An existing image: only the blob's bytes change (no --size), the file keeps its length.
head -c 65536 /dev/zero > "$T/old.img"
"$TOOL" --spec "$SPECS/spec-full.json" --image "$T/old.img" --offset 0x3000 \
    > /dev/null || fail "--image on an existing file"
# Past the end of an existing image: the gap is erased flash.
head -c 100 /dev/zero > "$T/short.img"
"$TOOL" --spec "$SPECS/spec-minimal.json" --image "$T/short.img" --offset 1000 \
    > /dev/null || fail "--image past the end"
"$TOOL" --spec "$SPECS/spec-minimal.json" --out "$T/min.blob" > /dev/null
# The spec-full blob (without a device key) for comparison.
"$TOOL" --spec "$SPECS/spec-full.json" --out "$T/full-nokey.blob" > /dev/null
python3 - "$T" <<'EOF' || fail "image contents"
import sys
t = sys.argv[1]
blob = open(t + "/full-nokey.blob", "rb").read()
img = open(t + "/new.img", "rb").read()
assert len(img) == 4096 + 0x2000, len(img)
assert img[:4096] == b"\xff" * 4096
assert img[4096:4096 + len(blob)] == blob
assert img[4096 + len(blob):] == b"\xff" * (0x2000 - len(blob))
img = open(t + "/old.img", "rb").read()
assert len(img) == 65536
assert img[:0x3000] == bytes(0x3000) and img[0x3000 + len(blob):] == bytes(65536 - 0x3000 - len(blob))
assert img[0x3000:0x3000 + len(blob)] == blob
mini = open(t + "/min.blob", "rb").read()
img = open(t + "/short.img", "rb").read()
assert len(img) == 1000 + len(mini)
assert img[:100] == bytes(100) and img[100:1000] == b"\xff" * 900 and img[1000:] == mini
EOF
ok
"$TOOL" --decode "$T/new.img" --offset 4096 | grep -q '"gw-0042.example.test"' ||
    fail "--decode of an image at its offset"
ok
if "$TOOL" --spec "$SPECS/spec-full.json" --image "$T/small.img" --offset 0 --size 1024 \
    2> "$T/err.txt" > /dev/null; then
    fail "a blob larger than --size was written"
fi
grep -q "does not fit --size 1024" "$T/err.txt" || fail "--size message: $(cat "$T/err.txt")"
[ ! -e "$T/small.img" ] || [ ! -s "$T/small.img" ] || fail "--size failure wrote the image"
ok

# ---- corrupt blobs on --decode ---------------------------------------------------------

decode_refused() { # file, text
    if "$TOOL" --decode "$1" > /dev/null 2> "$T/err.txt"; then
        fail "$1: corrupt blob decoded"
    fi
    grep -qF -- "$2" "$T/err.txt" || fail "$1: expected '$2': $(cat "$T/err.txt")"
    ok
}
python3 - "$T" <<'EOF'
import sys
t = sys.argv[1]
b = bytearray(open(t + "/full.blob", "rb").read())
b[100] ^= 1
open(t + "/crc.blob", "wb").write(b)
open(t + "/cut.blob", "wb").write(open(t + "/full.blob", "rb").read()[:-1])
open(t + "/erased.blob", "wb").write(b"\xff" * 64)
b = bytearray(open(t + "/full.blob", "rb").read())
b[4] = 2
open(t + "/v2.blob", "wb").write(b)
EOF
decode_refused "$T/crc.blob" "bad CRC"
decode_refused "$T/cut.blob" "truncated"
decode_refused "$T/erased.blob" "bad magic"
decode_refused "$T/v2.blob" "unsupported format version"

echo "PASS: $checks checks"
