#!/usr/bin/env bash
# tests/integration/test_eab.sh -- external account binding (RFC 8555 §7.3.4) against a real
# Pebble that requires it (externalAccountMACKeys, one key per kid): acme-agent gets a
# certificate with each MAC (HS256, HS384, HS512) and each way of writing the MAC key (base64url,
# standard base64, hex), from the command line and from a provisioned blob; a wrong key fails
# with a clear error and leaves no account; bad key text is refused before anything is sent.
# The key text never appears in what the agent prints, --verbose included.
#
#   test_eab.sh ACME_AGENT_BINARY BUILD_DIR [SCENARIO ...]
#
# KEEP_WORK=1 keeps the work directory (keys, outputs, logs) of a run that passed; a failed
# run's is always kept. A build with -DACME_LOG_LEVEL=4 makes --verbose log at debug level.
#
# Registered in ctest as integration.test_eab. Scenarios (functions scenario_*), in this order
# unless named on the command line:
#   hs256         three issuances, key as base64url (no prefix, no ALG: the defaults), as
#                 base64:<padded>:HS256, as hex:<lower case>:HS256
#   hs384         base64url:<key>:HS384, base64:<unpadded>:HS384, hex:<UPPER CASE>:HS384
#   hs512         <base64url>:HS512, base64:<padded>:HS512, hex:<mixed case>:HS512
#                 (each: exit 0, the chain verifies to Pebble's root, status shows the account,
#                 Pebble logged the binding for that kid, the agent logged the kid and the MAC)
#   provisioned   the same through acme-provision (eab.hmac_key "hex:...", eab.alg "HS512") and
#                 acme-agent provision + run
#   wrong_key     a known kid with another key, then an unknown kid: exit 2 with one line that
#                 says the CA refused the external account binding; no account in the state
#                 and none at Pebble
#   no_eab        the CA requires EAB and none is given: exit 2 saying so; nothing at Pebble
#   bad_text      unusable --eab values (empty key, standard base64 or hex without a prefix,
#                 bad hex, unknown MAC, key too long): exit 2 with one line naming --eab and the
#                 issuer, without the key; no request reaches Pebble and no state file is made
#
# CLI contract (boards/linux):
#   acme-agent issue ... --eab ISSUER=KID:KEY[:ALG]   ISSUER: the CA's issuer domain or, as
#       here, the --directory URL; KEY base64url, or hex:KEY, base64:KEY, base64url:KEY;
#       ALG HS256 (default), HS384, HS512
#   acme-provision spec: cas[].eab {"kid", "hmac_key" (same prefixes), "alg"}
set -uo pipefail

agent=${1:?usage: test_eab.sh ACME_AGENT BUILD_DIR [SCENARIO ...]}
build=${2:?usage: test_eab.sh ACME_AGENT BUILD_DIR [SCENARIO ...]}
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
for f in "$agent" "$tool"; do
    [[ -x $f ]] || {
        echo "FAIL: '$f' not found or not executable"
        exit 1
    }
done
agent_run_workdir test_eab || exit 1
trap 'pebble_stop' EXIT
trap 'exit 130' INT TERM

# ---- the EAB keys --------------------------------------------------------------------------

# One fresh random key per kid, as long as its MAC's hash (RFC 7518 §3.2), and every text
# the agent is given for it. $work/keys/KID holds "ALG|TEXT" (TEXT: what --eab gets after
# KID:); $work/keys/KID.secrets the key's spellings that must never be printed; $work/pebble.eab
# the KID=base64url pairs for Pebble's config. Made with Python's os.urandom, base64 and hex.
make_keys() {
    mkdir -p "$work/keys"
    _pebble_python - "$work/keys" >"$work/pebble.eab" <<'EOF'
import base64, os, sys
out = sys.argv[1]
url = lambda k: base64.urlsafe_b64encode(k).decode().rstrip("=")
std = lambda k: base64.b64encode(k).decode()
def mixed(h):
    return "".join(c.upper() if i % 2 else c for i, c in enumerate(h))
# kid: (alg, key length, the --eab text after "KID:" for key k)
kids = {
    "kid-hs256-url": ("HS256", 32, lambda k: url(k)),
    "kid-hs256-b64": ("HS256", 32, lambda k: "base64:" + std(k) + ":HS256"),
    "kid-hs256-hex": ("HS256", 32, lambda k: "hex:" + k.hex() + ":HS256"),
    "kid-hs384-url": ("HS384", 48, lambda k: "base64url:" + url(k) + ":HS384"),
    "kid-hs384-b64": ("HS384", 48, lambda k: "base64:" + std(k).rstrip("=") + ":HS384"),
    "kid-hs384-hex": ("HS384", 48, lambda k: "hex:" + k.hex().upper() + ":HS384"),
    "kid-hs512-url": ("HS512", 64, lambda k: url(k) + ":HS512"),
    "kid-hs512-b64": ("HS512", 64, lambda k: "base64:" + std(k) + ":HS512"),
    "kid-hs512-hex": ("HS512", 64, lambda k: "hex:" + mixed(k.hex()) + ":HS512"),
    "kid-factory": ("HS512", 64, lambda k: "hex:" + k.hex()),
    "kid-wrong": ("HS256", 32, lambda k: url(os.urandom(32))),  # not the key Pebble has
}
for kid, (alg, n, text) in kids.items():
    k = os.urandom(n)
    t = text(k)
    if kid.endswith("-url") or kid == "kid-wrong":
        # Unprefixed base64url must not read as hex: draw again in the (tiny) chance it does.
        while all(c in "0123456789abcdefABCDEF" for c in url(k)) and len(url(k)) % 2 == 0:
            k = os.urandom(n)
            t = text(k)
    with open(os.path.join(out, kid), "w") as f:
        f.write("%s|%s\n" % (alg, t))
    with open(os.path.join(out, kid + ".secrets"), "w") as f:
        # the whole text, every encoding, and 16-character pieces of each
        spellings = {t.split(":HS")[0], url(k), std(k), std(k).rstrip("="), k.hex(),
                     k.hex().upper(), mixed(k.hex())}
        if kid == "kid-wrong":
            spellings.add(t)
        pieces = set()
        for s in spellings:
            pieces.add(s)
            pieces.update(s[i:i + 16] for i in range(0, max(len(s) - 16, 0) + 1, 8))
        f.write("\n".join(sorted(p for p in pieces if len(p) >= 16)) + "\n")
    print("%s=%s" % (kid, url(k)))
EOF
}

eab_alg() { cut -d'|' -f1 "$work/keys/$1"; }
eab_text() { cut -d'|' -f2- "$work/keys/$1"; }

# ---- helpers -------------------------------------------------------------------------------

# no_secret NAME KID... : none of the KIDs' key spellings is in NAME's stdout or stderr.
no_secret() {
    local name=$1 kid
    shift
    for kid in "$@"; do
        if grep -qFf "$work/keys/$kid.secrets" "$work/$name.out" "$work/$name.err"; then
            fail "$name printed (part of) the EAB key of $kid"
            return 1
        fi
    done
}

# Highest "There are now N accounts in memory" Pebble has logged (0 if none).
pebble_account_count() {
    { grep -oE 'There are now [0-9]+ accounts in memory' "$PEBBLE_LOG" || true; } |
        awk '{ if ($4 > n) n = $4 } END { print n + 0 }'
}

# account_of STATE : the account URL status reports for STATE ("null" when none).
account_of() {
    "$agent" status --state "$1" 2>/dev/null | _pebble_python -c '
import json, sys
try:
    a = json.load(sys.stdin).get("account")
except ValueError:
    a = "unreadable"
print("null" if a is None else a)'
}

# issued NAME STATE KID DOMAIN : the checks after an EAB issuance with KID.
issued() {
    local name=$1 state=$2 kid=$3 domain=$4 alg
    alg=$(eab_alg "$kid")
    [[ $(account_of "$state") == https://* ]] ||
        fail "$name: status shows no account after the issuance" || return 1
    grep -qF "Successful newAccount Binding with CA using kid \"$kid\"" "$PEBBLE_LOG" ||
        fail "$name: Pebble did not log a binding for $kid" || return 1
    grep -qF "account bound with EAB kid $kid, $alg" "$work/$name.err" ||
        fail "$name: the agent did not log binding $kid with $alg" || return 1
    run_agent "$name.export" export --state "$state" --out "$work/$name.export"
    ((rc == 0)) || fail "$name: export exited $rc" || return 1
    check_export "$work/$name.export" "$domain" || return 1
    no_secret "$name" "$kid"
}

# issue_with NAME KID DOMAIN : a fresh state, --eab for the directory with KID's text.
issue_with() {
    local name=$1 kid=$2 domain=$3 state=$work/$1/state
    mkdir -p "$work/$name"
    run_agent "$name" issue --state "$state" --directory "$PEBBLE_DIR_URL" --domain "$domain" \
        --trust "$PEBBLE_TRUST" --http01-port "$PEBBLE_HTTP01_PORT" --http01-bind 127.0.0.1 \
        --verbose --eab "$PEBBLE_DIR_URL=$kid:$(eab_text "$kid")"
    ((rc == 0)) || {
        agent_said "$name"
        fail "$name: issue exited $rc, expected 0"
        return 1
    }
    issued "$name" "$state" "$kid" "$domain"
}

# refused NAME STATE WORD : exit 2, one "acme-agent:" line on stderr matching WORD (extended
# regex, any case), no account stored in STATE.
refused() {
    local name=$1 state=$2 word=$3 lines
    ((rc == 2)) || {
        agent_said "$name"
        fail "$name exited $rc, expected 2"
        return 1
    }
    # One line of the CLI's own; --verbose adds the agent's "acme <level>:" log lines.
    lines=$(grep -c '^acme-agent: ' "$work/$name.err")
    ((lines == 1)) || {
        agent_said "$name"
        fail "$name wrote $lines acme-agent: lines on stderr, expected one"
        return 1
    }
    grep '^acme-agent: ' "$work/$name.err" | grep -qiE -- "$word" ||
        fail "$name: the reason does not say '$word': $(cat "$work/$name.err")" || return 1
    # status needs a certificate, so look at the bytes: Pebble's account URLs are
    # https://.../my-account/ID, and the store keeps them as text.
    [[ ! -e $state ]] || ! grep -qa "/my-account/" "$state" ||
        fail "$name: the state holds an account after a refused binding" || return 1
}

# ---- scenarios -----------------------------------------------------------------------------

scenario_hs256() {
    issue_with hs256_url kid-hs256-url hs256-url.eab.test &&
        issue_with hs256_b64 kid-hs256-b64 hs256-b64.eab.test &&
        issue_with hs256_hex kid-hs256-hex hs256-hex.eab.test
}

scenario_hs384() {
    issue_with hs384_url kid-hs384-url hs384-url.eab.test &&
        issue_with hs384_b64 kid-hs384-b64 hs384-b64.eab.test &&
        issue_with hs384_hex kid-hs384-hex hs384-hex.eab.test
}

scenario_hs512() {
    issue_with hs512_url kid-hs512-url hs512-url.eab.test &&
        issue_with hs512_b64 kid-hs512-b64 hs512-b64.eab.test &&
        issue_with hs512_hex kid-hs512-hex hs512-hex.eab.test
}

# The factory path: the spec's key text and MAC become bytes in the blob, the CA entry keeps
# the MAC (acme_provisioned_to_config), and run binds with it.
scenario_provisioned() {
    local d=$work/provisioned
    mkdir -p "$d"
    _pebble_python - "$d/spec.json" "$PEBBLE_DIR_URL" "$PEBBLE_TRUST" \
        "$(eab_text kid-factory)" <<'EOF' || fail "could not write the spec" || return 1
import json, sys
out, directory, trust, key = sys.argv[1:5]
json.dump({"version": 1, "identities": {"dns": ["factory.eab.test"]}, "key_type": "p256",
           "trust_anchors": [trust], "directory_url": directory,
           "terms_of_service_agreed": True,
           "cas": [{"issuer": "eab.test", "directory_url": directory,
                    "eab": {"kid": "kid-factory", "hmac_key": key, "alg": "HS512"}}]},
          open(out, "w"), indent=2)
EOF
    "$tool" --spec "$d/spec.json" --out "$d/blob" >"$work/factory_tool.out" 2>&1 ||
        fail "acme-provision: $(cat "$work/factory_tool.out")" || return 1
    "$tool" --decode "$d/blob" >"$work/factory_decode.out" 2>&1 ||
        fail "acme-provision --decode: $(cat "$work/factory_decode.out")" || return 1
    grep -q '"alg": "HS512"' "$work/factory_decode.out" ||
        fail "the blob does not say HS512: $(cat "$work/factory_decode.out")" || return 1
    run_agent factory_provision provision --state "$d/state" --blob "$d/blob"
    ((rc == 0)) || {
        agent_said factory_provision
        fail "provision exited $rc"
        return 1
    }
    run_agent factory_run run --once --state "$d/state" --http01-port "$PEBBLE_HTTP01_PORT" \
        --http01-bind 127.0.0.1 --verbose
    ((rc == 0)) || {
        agent_said factory_run
        fail "run exited $rc, expected 0"
        return 1
    }
    issued factory_run "$d/state" kid-factory factory.eab.test || return 1
    run_agent factory_status status --state "$d/state"
    ((rc == 0)) || fail "status exited $rc" || return 1
    _pebble_python - "$work/factory_status.out" <<'EOF' || fail "status: the config's EAB"
import json, sys
cas = (json.load(open(sys.argv[1])).get("config") or {}).get("cas") or [{}]
if cas[0].get("eab") != {"kid": "kid-factory", "alg": "HS512"}:
    sys.exit("    config.cas[0].eab is %r" % cas[0].get("eab"))
EOF
    no_secret factory_status kid-factory || return 1
    no_secret factory_provision kid-factory || return 1
    ! grep -qFf "$work/keys/kid-factory.secrets" "$work/factory_decode.out" ||
        fail "acme-provision --decode printed the key"
}

scenario_wrong_key() {
    local d=$work/wrong_key before
    mkdir -p "$d"
    before=$(pebble_account_count)
    # kid-wrong is known to Pebble, with another key than the one given here.
    run_agent wrong_key issue --state "$d/state" --directory "$PEBBLE_DIR_URL" \
        --domain wrong.eab.test --trust "$PEBBLE_TRUST" --http01-port "$PEBBLE_HTTP01_PORT" \
        --http01-bind 127.0.0.1 --eab "$PEBBLE_DIR_URL=kid-wrong:$(eab_text kid-wrong)"
    refused wrong_key "$d/state" "external account binding" || return 1
    no_secret wrong_key kid-wrong || return 1
    # A kid Pebble does not know, with a key it has for another kid.
    run_agent unknown_kid issue --state "$d/state2" --directory "$PEBBLE_DIR_URL" \
        --domain wrong.eab.test --trust "$PEBBLE_TRUST" --http01-port "$PEBBLE_HTTP01_PORT" \
        --http01-bind 127.0.0.1 --verbose \
        --eab "$PEBBLE_DIR_URL=kid-nobody:$(eab_text kid-hs256-url)"
    refused unknown_kid "$d/state2" "kid" || return 1
    no_secret unknown_kid kid-hs256-url || return 1
    (($(pebble_account_count) == before)) ||
        fail "Pebble made an account for a refused binding" || return 1
}

scenario_no_eab() {
    local d=$work/no_eab before
    mkdir -p "$d"
    before=$(pebble_request_count)
    run_agent no_eab issue --state "$d/state" --directory "$PEBBLE_DIR_URL" \
        --domain none.eab.test --trust "$PEBBLE_TRUST" --http01-port "$PEBBLE_HTTP01_PORT" \
        --http01-bind 127.0.0.1
    refused no_eab "$d/state" "external account binding" || return 1
    # The directory told it; no newAccount was tried.
    ! grep -E -- '-> calling handler' "$PEBBLE_LOG" | tail -n +$((before + 1)) |
        grep -q "POST /sign-me-up" || fail "no_eab: newAccount was sent without EAB"
}

# Each value is refused by the option parser: one line naming --eab and the issuer, never the
# key text; nothing is sent and no state file is made.
scenario_bad_text() {
    local d=$work/bad_text before i=0 value why hexkey longkey
    mkdir -p "$d"
    before=$(pebble_request_count)
    hexkey=$(openssl rand -hex 32)
    longkey=$(openssl rand -hex 129)
    local cases=(
        "kid-hs256-url:|KEY is empty"
        "kid-hs256-url::HS384|KEY is empty"
        "kid-hs256-url:$(openssl rand -base64 48 | tr -d '\n')+/|base64:KEY"
        "kid-hs256-url:$hexkey|hex:KEY"
        "kid-hs256-url:hex:${hexkey}0|is not hex"
        "kid-hs256-url:base64:${hexkey}-_|is not standard base64"
        "kid-hs256-url:$(eab_text kid-hs256-url):HS1024|HS256, HS384 or HS512"
        "kid-hs256-url:hex:$longkey|at most 128 bytes"
        ":$(eab_text kid-hs256-url)|ISSUER=KID:KEY"
    )
    for value in "${cases[@]}"; do
        why=${value##*|}
        value=${value%|*}
        i=$((i + 1))
        run_agent "bad_text_$i" issue --state "$d/state$i" --directory "$PEBBLE_DIR_URL" \
            --domain bad.eab.test --trust "$PEBBLE_TRUST" --verbose \
            --eab "$PEBBLE_DIR_URL=$value"
        refused "bad_text_$i" "$d/state$i" "--eab" || return 1
        grep -qF -- "$why" "$work/bad_text_$i.err" ||
            fail "bad_text_$i: the reason does not say '$why': $(cat "$work/bad_text_$i.err")" ||
            return 1
        local key_part=${value#*:}
        key_part=${key_part#hex:}
        key_part=${key_part#base64:}
        key_part=${key_part%:HS*}
        if ((${#key_part} >= 16)) && grep -qF -- "${key_part:0:16}" "$work/bad_text_$i.err"; then
            fail "bad_text_$i printed the key text"
            return 1
        fi
        [[ ! -e $d/state$i ]] || fail "bad_text_$i made a state file" || return 1
    done
    (($(pebble_request_count) == before)) || fail "a refused --eab still sent requests"
}

# ---- main ----------------------------------------------------------------------------------

scenarios=("$@")
((${#scenarios[@]})) || scenarios=(hs256 hs384 hs512 provisioned wrong_key no_eab bad_text)

make_keys || {
    echo "FAIL: could not make the EAB keys"
    exit 1
}
eab_args=()
while IFS= read -r pair; do
    eab_args+=(--eab "$pair")
done <"$work/pebble.eab"
if ! pebble_env_start "$work/pebble" || ! pebble_start_ca PEBBLE "$work/pebble" "${eab_args[@]}"
then
    echo "FAIL: could not start Pebble with EAB required"
    exit 1
fi
grep -q '"externalAccountBindingRequired": true' "$PEBBLE_CONFIG" || {
    echo "FAIL: Pebble does not require EAB"
    exit 1
}
echo "work dir: $work"
pebble_run_scenarios "${scenarios[@]}"

pebble_stop
if ((${#failed[@]})); then
    echo "FAILED: ${failed[*]} (commands in $work/commands.log, outputs in $work)"
    exit 1
fi
echo "all ${#scenarios[@]} scenarios passed"
[[ -n ${KEEP_WORK:-} ]] || rm -rf "$work"
