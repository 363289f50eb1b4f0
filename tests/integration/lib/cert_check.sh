# tests/integration/lib/cert_check.sh -- what a user checks in a certificate the agent got
# shellcheck shell=bash
# from Pebble: the chain verifies to Pebble's issuing root, the SANs are exactly the names, the
# private key matches and is private, and Pebble logged issuing that serial.
#
# Source it after lib/pebble.sh (bash only). The caller defines fail MESSAGE (report, return
# non-zero), as every test script here does.
#
#   check_export OUT NAME...    OUT/fullchain.pem and OUT/privkey.pem (acme-agent export)
#   pebble_issued_serials       serials $PEBBLE_LOG says were issued (cert_serial's form)
#   cert_serial PEM             a certificate's serial: lower-case hex, no leading zeros
#   state_kept AGENT OLD NEW    NEW is OLD plus one counted failure, nothing else a user sees
#   ari_cert_id PEM             the RFC 9773 certID of a certificate, computed with openssl

# The checks a user cares about for an exported certificate, given the names it must carry:
# files present, key private (0600), chain verifies to Pebble's issuing root, SANs exactly
# the names, private key matches the certificate. Leaves leaf.pem and root.pem in OUT.
check_export() {
    local out=$1
    shift
    [[ -s $out/fullchain.pem ]] || fail "$out/fullchain.pem missing" || return 1
    [[ -s $out/privkey.pem ]] || fail "$out/privkey.pem missing" || return 1
    local mode
    mode=$(stat -c %a "$out/privkey.pem")
    [[ $mode == 600 ]] || fail "privkey.pem mode $mode, expected 600" || return 1

    # Split fullchain.pem: the first certificate is the leaf, the rest the chain the server sent.
    awk -v dir="$out" '/-----BEGIN CERTIFICATE-----/ { n++ }
        n == 1 { print > (dir "/leaf.pem") } n > 1 { print > (dir "/chain.pem") }
        END { exit !(n >= 2) }' "$out/fullchain.pem" ||
        fail "fullchain.pem must hold the leaf and at least one intermediate" || return 1
    pebble_issuer_root "$out/root.pem" || fail "could not fetch Pebble's root" || return 1
    openssl verify -CAfile "$out/root.pem" -untrusted "$out/chain.pem" "$out/leaf.pem" \
        >"$out/verify.txt" 2>&1 || {
        sed 's/^/      /' "$out/verify.txt"
        fail "openssl verify of the exported chain against Pebble's root failed"
        return 1
    }

    local sans want
    sans=$(openssl x509 -in "$out/leaf.pem" -noout -ext subjectAltName | tail -n +2 |
        tr ',' '\n' | sed 's/^ *//; s/ *$//' | sort | paste -sd' ')
    want=$(printf 'DNS:%s\n' "$@" | sort | paste -sd' ')
    [[ $sans == "$want" ]] || fail "SANs are '$sans', expected '$want'" || return 1

    cmp -s <(openssl pkey -in "$out/privkey.pem" -pubout 2>/dev/null) \
        <(openssl x509 -in "$out/leaf.pem" -noout -pubkey) ||
        fail "privkey.pem does not match the certificate's public key" || return 1
    local serial
    serial=$(cert_serial "$out/leaf.pem")
    pebble_issued_serials | grep -qx "$serial" ||
        fail "the certificate (serial $serial) is not one this Pebble issued" || return 1
}

# Serials this Pebble logged as issued, in cert_serial's form (Pebble zero-pads to 16 digits).
pebble_issued_serials() {
    { grep -oE 'Issued certificate serial [0-9a-f]+' "$PEBBLE_LOG" || true; } |
        awk '{ s = $4; sub(/^0+/, "", s); print s }'
}

# Serial in lower-case hex without leading zeros (the form Pebble logs).
cert_serial() {
    openssl x509 -in "$1" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f' | sed 's/^0*//'
}

# A failed run changes one thing a user sees by design: the renewal bookkeeping counts it (so
# that backoff survives a reboot). state_kept AGENT OLD NEW: status of NEW equals status of OLD
# but for that count, which is one more with the failure named, and the store's own counters;
# and the exported certificate and key are byte for byte the same. Prints why not on stdout;
# returns non-zero then.
state_kept() {
    local agent=$1 old=$2 new=$3 tmp
    tmp=$(mktemp -d) || return 1
    "$agent" status --state "$old" >"$tmp/old.json" 2>/dev/null
    "$agent" status --state "$new" >"$tmp/new.json" 2>/dev/null
    "$agent" export --state "$old" --out "$tmp/old" >/dev/null 2>&1
    "$agent" export --state "$new" --out "$tmp/new" >/dev/null 2>&1
    local rc=0
    python3 - "$tmp/old.json" "$tmp/new.json" <<'PYEOF' || rc=1
import json, sys
try:
    old, new = (json.load(open(p)) for p in sys.argv[1:3])
except ValueError as e:
    print("status is not JSON:", e)
    sys.exit(1)
ro, rn = old.pop("renewal"), new.pop("renewal")
old.pop("store"); new.pop("store")
# "next" is derived (the stored facts and the clock: its "at" is now for a due action), not kept.
old.pop("next", None); new.pop("next", None)
if rn["failures"] != ro["failures"] + 1:
    print("failures went from %d to %d, not by one" % (ro["failures"], rn["failures"]))
    sys.exit(1)
if not str((rn.get("last_failure") or {}).get("status", "")).startswith("ACME_ERR_"):
    print("the last failure is not named: %r" % rn.get("last_failure"))
    sys.exit(1)
if old != new:
    print("status differs beyond the failure count:", old, new)
    sys.exit(1)
PYEOF
    if ! cmp -s "$tmp/old/privkey.pem" "$tmp/new/privkey.pem" ||
        ! cmp -s "$tmp/old/fullchain.pem" "$tmp/new/fullchain.pem"; then
        echo "the exported certificate or key differs"
        rc=1
    fi
    rm -rf "$tmp"
    return "$rc"
}

# ari_cert_id PEM: base64url(AKI keyIdentifier) "." base64url(serial DER content), from what
# openssl prints (an independent computation for the agent's own).
ari_cert_id() {
    local aki serial
    aki=$(openssl x509 -in "$1" -noout -ext authorityKeyIdentifier 2>/dev/null | sed -n '2p' |
        sed 's/keyid://' | tr -d ' :')
    serial=$(openssl x509 -in "$1" -noout -serial | cut -d= -f2)
    python3 - "$aki" "$serial" <<'PYEOF'
import base64, sys
aki, serial = sys.argv[1:3]
n = int(serial, 16)
content = n.to_bytes(n.bit_length() // 8 + 1, "big")
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
print(b64(bytes.fromhex(aki)) + "." + b64(content))
PYEOF
}
