#!/usr/bin/env bash
# tests/integration/test_discovery.sh -- acme-agent finds its CA from DNS CAA records
# (draft-vanbrouwershaven-acme-auto-discovery-03) among real servers on loopback, tries the
# candidates in the right order, falls back when one fails, and refuses when CAA says so.
#
#   test_discovery.sh ACME_AGENT_BINARY BUILD_DIR [SCENARIO ...]
#
# Registered in ctest as integration.test_discovery; exit 77 (ctest: skipped) when not root,
# since the draft fixes https://<issuer>/.well-known/acme on port 443.
#
# The servers, all on 127.0.0.1:
#   pebble-challtestsrv  the agent's DNS (--dns-server): CAA (flag 0) and A (always 127.0.0.1)
#   Pebble CA_ONE        a CA
#   Pebble CA_TWO        a CA that requires external account binding (kid-1, random key)
#   nginx :443           https://ca-one.test/.well-known/acme -> 302 CA_ONE's directory
#                        ca-two.test  -> 302 CA_TWO's directory
#                        ca-down.test -> 302 https://127.0.0.1:<closed port>/dir
#                        ca-loop.test -> 302 https://ca-loop.test/.well-known/acme (a loop)
#                        ca-http.test -> 302 http://127.0.0.1:<plain port>/dir, where nginx
#                        proxies to CA_ONE: a working directory, but over http
#                        ca-three.test -> 302 CA_TWO's directory (the table must win)
#   dnsmasq              only for the critical-flag scenario (challtestsrv cannot set flags)
# Every TLS certificate chains to one throwaway root ($PEBBLE_TRUST); both Pebbles validate
# http-01 on the same port, where the agent's responder listens. Which CA issued a certificate
# is told by verifying the exported chain against each Pebble's own root and intermediate.
#
# Scenarios (functions scenario_*), run in this order unless named on the command line:
#   priority            ca-one p1, ca-two p2: issued by ca-one, fetched from
#                       https://ca-one.test/.well-known/acme (nginx log: Host and SNI)
#   ties                both p1: over seeds 1..20 each CA comes first at least once, a seed
#                       gives the same order twice, issuance with two seeds lands on both CAs
#   discovery_false     ca-one discovery=false, ca-two: issued by ca-two, ca-one never fetched
#   ca_down             ca-down p1, ca-one p2: issued by ca-one, warning naming ca-down.test
#   eab                 ca-two p1 (EAB), ca-one p2: no --eab -> ca-one, ca-two eab-required;
#                       --eab -> ca-two; a wrong EAB key -> ca-two fails, ca-one issues
#   multi_name          three names whose CAA disagree: the compromise CA (best rank sum)
#                       issues, a CA missing for one name is not-all-names
#   wildcard            issue ca-one + issuewild ca-two: *.name -> ca-two only, name -> ca-one
#                       only, a child name without CAA climbs to the parent's records
#   critical            dnsmasq serves 128 tbs "unknown": discover and issue exit 2 saying
#                       "critical", nothing stored; the same tag with flags 0 is ignored
#   no_caa              no CAA anywhere: --default-directory issues; without it exit 2
#   caa_forbids         issue ";" with a default directory: exit 2 naming CAA, nothing stored
#   bad_redirects       ca-loop p1, ca-http p2, ca-one p3: issued by ca-one, both skipped as
#                       directory-failed, the http:// directory never contacted
#   explicit_directory  --directory given: no discovery (no .well-known request)
#   ca_directory        --ca-directory ISSUER=URL replaces the .well-known lookup
#   cooldown            a CA that failed with --ca-cooldown is skipped as cooldown afterwards
#
# CLI contract (boards/linux):
#   acme-agent discover --domain NAME ... --trust PEM --dns-server IP:PORT
#       [--ca-directory ISSUER=URL ...] [--eab ISSUER=KID:KEY ...] [--default-directory URL]
#       [--seed N] [--state FILE]
#     stdout: {"names":[...],"candidates":[{"issuer","priority","record","directory"} usable,
#              in try order, then {"issuer","priority","record","skipped":"reason[: detail]"}]}
#     exit 0 with a usable candidate, else 2 with one stderr line
#   acme-agent issue --state FILE --domain NAME ... --trust PEM --dns-server IP:PORT
#       --http01-port N --http01-bind 127.0.0.1 [--directory URL | discovery options]
#       [--ca-cooldown SECONDS] [--seed N]
#     every CA failure: "acme-agent: warning: CA <issuer> failed: <reason>" on stderr
#   acme-agent status --state FILE -> JSON with "ca":{"issuer","directory","terms_of_service"}
set -uo pipefail

agent=${1:?usage: test_discovery.sh ACME_AGENT BUILD_DIR [SCENARIO ...]}
build=${2:?usage: test_discovery.sh ACME_AGENT BUILD_DIR [SCENARIO ...]}
shift 2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib/pebble.sh
. "$here/lib/pebble.sh"
# shellcheck source=SCRIPTDIR/lib/nginx.sh
. "$here/lib/nginx.sh"
# shellcheck source=SCRIPTDIR/lib/dnsmasq.sh
. "$here/lib/dnsmasq.sh"
# shellcheck source=SCRIPTDIR/lib/agent_run.sh
. "$here/lib/agent_run.sh"

if ((EUID != 0)); then
    echo "SKIP: nginx must serve https://<issuer>/.well-known/acme on 127.0.0.1:443: needs root"
    exit 77
fi
[[ -x $agent ]] || {
    echo "FAIL: acme-agent binary '$agent' not found or not executable"
    exit 1
}
for tool in /usr/sbin/nginx /usr/sbin/dnsmasq; do
    [[ -x $tool ]] || {
        echo "FAIL: $tool is missing (tools/setup-host.sh installs nginx and dnsmasq-base)"
        exit 1
    }
done

AGENT_TIMEOUT_S=60
FALLBACK_BOUND_MS=30000 # a fallback past a broken CA must not take longer than this
EAB_KID=kid-1
EAB_KEY=$(pebble_eab_key)

agent_run_workdir test_discovery || exit 1
trap 'nginx_stop; dnsmasq_stop; pebble_stop' EXIT
trap 'exit 130' INT TERM

# ---- helpers -------------------------------------------------------------------------------

# The EAB credentials for ca-two.test, as the contract spells them.
eab_args() {
    echo "--eab" "ca-two.test=$EAB_KID:$EAB_KEY"
}

# discover NAME ARGS... : acme-agent discover against challtestsrv with the test root.
discover() {
    local name=$1
    shift
    run_agent "$name" discover --trust "$PEBBLE_TRUST" --dns-server "$CHALLTESTSRV_DNS" "$@"
}

# discover_ok NAME ARGS... : discover, expect exit 0.
discover_ok() {
    discover "$@"
    ((rc == 0)) || {
        agent_said "$1"
        fail "discover exited $rc, expected 0"
    }
}

# issue NAME STATE ARGS... : acme-agent issue with the shared http-01 port.
issue() {
    local name=$1 state=$2
    shift 2
    run_agent "$name" issue --state "$state" --trust "$PEBBLE_TRUST" \
        --dns-server "$CHALLTESTSRV_DNS" --http01-port "$PEBBLE_HTTP01_PORT" \
        --http01-bind 127.0.0.1 "$@"
}

issue_ok() {
    issue "$@"
    ((rc == 0)) || {
        agent_said "$1"
        fail "issue exited $rc, expected 0"
    }
}

# expect_refusal NAME WORD : exit 2 with exactly one stderr line that mentions WORD (a regex,
# case-insensitive) and no JSON on stdout that offers a CA.
expect_refusal() {
    local name=$1 word=$2 lines
    ((rc == 2)) || {
        agent_said "$name"
        fail "$name exited $rc, expected 2"
        return 1
    }
    lines=$(grep -c '[^[:space:]]' "$work/$name.err")
    ((lines == 1)) || {
        agent_said "$name"
        fail "$name wrote $lines stderr lines, expected exactly one"
        return 1
    }
    grep -qiE -- "$word" "$work/$name.err" ||
        fail "$name's reason does not mention '$word': $(cat "$work/$name.err")" || return 1
    ! grep -q '"directory"' "$work/$name.out" ||
        fail "$name exited 2 but its output offers a usable CA: $(head -c 300 "$work/$name.out")"
}

# check_discover NAME SPEC... : the discover JSON in $work/NAME.out has the contract's shape
# (usable candidates first, each with an https directory; skipped ones with a reason; ca-one
# and ca-two resolved to their real directories) and meets every SPEC:
#   usable=A,B          exactly these usable issuers, in this order ("null" = no issuer)
#   skipped=ISSUER:R    ISSUER is listed as skipped with reason R (or "R: detail")
#   directory=ISSUER=URL  ISSUER's usable candidate has directory URL
#   priority=ISSUER=N   ISSUER's (first) candidate has priority N ("null" for none)
#   record=ISSUER=TEXT  ISSUER's (first) candidate's record contains TEXT
#   names=A,B           "names" is exactly this list
check_discover() {
    local name=$1
    shift
    _pebble_python - "$work/$name.out" "$@" <<'EOF' || {
import json, os, sys
path, specs = sys.argv[1], sys.argv[2:]
try:
    with open(path) as f:
        doc = json.load(f)
except ValueError as e:
    sys.exit("    discover output is not one JSON object: %s" % e)
problems = []
cands = doc.get("candidates") if isinstance(doc, dict) else None
if not isinstance(cands, list):
    sys.exit("    no \"candidates\" list in the discover output")
def show(v):
    return "null" if v is None else str(v)
usable = [c for c in cands if isinstance(c, dict) and "skipped" not in c]
skipped = [c for c in cands if isinstance(c, dict) and "skipped" in c]
seen_skip = False
known = {"ca-one.test": os.environ["CA_ONE_DIR_URL"], "ca-two.test": os.environ["CA_TWO_DIR_URL"]}
for c in cands:
    if not isinstance(c, dict):
        problems.append("a candidate is not an object: %r" % (c,))
        continue
    for key in ("issuer", "priority", "record"):
        if key not in c:
            problems.append("candidate %r has no %r" % (c, key))
    if "skipped" in c:
        seen_skip = True
        if not isinstance(c["skipped"], str) or not c["skipped"]:
            problems.append("candidate %r: skipped is not a reason" % (c,))
        continue
    if seen_skip:
        problems.append("usable %s listed after a skipped candidate" % show(c.get("issuer")))
    d = c.get("directory")
    if not isinstance(d, str) or not d.startswith("https://"):
        problems.append("usable %s has directory %r" % (show(c.get("issuer")), d))
    elif c.get("issuer") in known and d != known[c["issuer"]]:
        problems.append("%s resolved to %s, not its Pebble %s"
                        % (c["issuer"], d, known[c["issuer"]]))
def first(issuer):
    for c in cands:
        if isinstance(c, dict) and show(c.get("issuer")) == issuer:
            return c
    return None
for spec in specs:
    key, _, val = spec.partition("=")
    if key == "usable":
        want = val.split(",") if val else []
        got = [show(c.get("issuer")) for c in usable]
        if got != want:
            problems.append("usable candidates %s, expected %s" % (got, want))
    elif key == "skipped":
        issuer, _, reason = val.partition(":")
        hits = [c["skipped"] for c in skipped if show(c.get("issuer")) == issuer]
        if not any(h == reason or h.startswith(reason + ":") for h in hits):
            problems.append("%s not skipped as %r (skipped: %s)" % (issuer, reason,
                            [(show(c.get("issuer")), c["skipped"]) for c in skipped]))
    elif key in ("directory", "priority", "record"):
        issuer, _, want = val.partition("=")
        c = first(issuer)
        if c is None:
            problems.append("no candidate for %s" % issuer)
        elif key == "directory" and c.get("directory") != want:
            problems.append("%s directory %r, expected %r" % (issuer, c.get("directory"), want))
        elif key == "priority" and show(c.get("priority")) != want:
            problems.append("%s priority %r, expected %s" % (issuer, c.get("priority"), want))
        elif key == "record" and want not in show(c.get("record")):
            problems.append("%s record %r does not contain %r" % (issuer, c.get("record"), want))
    elif key == "names":
        if doc.get("names") != val.split(","):
            problems.append("names %r, expected %s" % (doc.get("names"), val.split(",")))
    else:
        sys.exit("    check_discover: unknown spec %r" % spec)
if problems:
    sys.exit("    discover JSON: " + "; ".join(problems))
EOF
        sed 's/^/      /' "$work/$name.out" | head -c 3000
        echo
        fail "discover output for $name"
        return 1
    }
}

# first_usable NAME : the issuer of the first usable candidate in $work/NAME.out.
first_usable() {
    _pebble_python - "$work/$1.out" <<'EOF'
import json, sys
try:
    doc = json.load(open(sys.argv[1]))
    print([c for c in doc["candidates"] if "skipped" not in c][0]["issuer"])
except (ValueError, KeyError, IndexError, TypeError):
    print("-")
EOF
}

# check_issued NAME STATE CA ISSUER DOMAIN... : the certificate in STATE names exactly the
# DOMAINs, chains to Pebble CA's (CA_ONE/CA_TWO) root and not to the other's, and status
# reports ISSUER ("null" for the default directory) and CA's directory.
check_issued() {
    local name=$1 state=$2 ca=$3 issuer=$4
    shift 4
    local out=$work/$name.export other
    [[ $ca == CA_ONE ]] && other=CA_TWO || other=CA_ONE
    [[ -s $state ]] || fail "issue succeeded but wrote no state file" || return 1
    rm -rf "$out"
    mkdir -p "$out"
    run_agent "$name.export" export --state "$state" --out "$out"
    ((rc == 0)) || {
        agent_said "$name.export"
        fail "export exited $rc"
        return 1
    }
    awk -v dir="$out" '/-----BEGIN CERTIFICATE-----/ { n++ }
        n == 1 { print > (dir "/leaf.pem") } n > 1 { print > (dir "/chain.pem") }
        END { exit !(n >= 2) }' "$out/fullchain.pem" ||
        fail "fullchain.pem must hold the leaf and at least one intermediate" || return 1
    openssl verify -CAfile "$work/$ca.root.pem" -untrusted "$out/chain.pem" "$out/leaf.pem" \
        >"$out/verify.txt" 2>&1 || {
        local got=unknown
        openssl verify -CAfile "$work/$other.root.pem" -untrusted "$out/chain.pem" \
            "$out/leaf.pem" >/dev/null 2>&1 && got=$other
        fail "the certificate was not issued by $ca (issued by: $got)"
        return 1
    }
    ! openssl verify -CAfile "$work/$other.root.pem" -untrusted "$work/$other.intermediate.pem" \
        "$out/leaf.pem" >/dev/null 2>&1 ||
        fail "the certificate also verifies under $other: the CAs are not told apart" || return 1

    local sans want
    sans=$(openssl x509 -in "$out/leaf.pem" -noout -ext subjectAltName | tail -n +2 |
        tr ',' '\n' | sed 's/^ *//; s/ *$//' | sort | paste -sd' ')
    want=$(printf 'DNS:%s\n' "$@" | sort | paste -sd' ')
    [[ $sans == "$want" ]] || fail "SANs are '$sans', expected '$want'" || return 1

    run_agent "$name.status" status --state "$state"
    ((rc == 0)) || {
        agent_said "$name.status"
        fail "status exited $rc"
        return 1
    }
    local dir_var="${ca}_DIR_URL"
    _pebble_python - "$work/$name.status.out" "$issuer" "${!dir_var}" \
        "$work/$ca.tos" <<'EOF' || fail "status JSON for $name"
import json, sys
path, issuer, directory, tos_file = sys.argv[1:5]
try:
    st = json.load(open(path))
except ValueError as e:
    sys.exit("    status output is not JSON: %s" % e)
ca = st.get("ca")
if not isinstance(ca, dict):
    sys.exit("    status has no \"ca\" object: %r" % (ca,))
problems = []
want_issuer = None if issuer == "null" else issuer
if ca.get("issuer") != want_issuer:
    problems.append("ca.issuer %r, expected %r" % (ca.get("issuer"), want_issuer))
if ca.get("directory") != directory:
    problems.append("ca.directory %r, expected %r" % (ca.get("directory"), directory))
tos = open(tos_file).read().strip()
if ca.get("terms_of_service") != tos:
    problems.append("ca.terms_of_service %r, expected %r" % (ca.get("terms_of_service"), tos))
if problems:
    sys.exit("    status: " + "; ".join(problems))
EOF
}

# A warning line for ISSUER's failure in $work/NAME.err.
expect_warning() {
    grep -qF "acme-agent: warning: CA $2 failed: " "$work/$1.err" || {
        agent_said "$1"
        fail "no 'acme-agent: warning: CA $2 failed: ...' line on stderr"
    }
}

no_warnings() {
    ! grep -q 'warning: CA ' "$work/$1.err" || {
        agent_said "$1"
        fail "unexpected CA failure warning"
    }
}

# Requests nginx logged for https://HOST/.well-known/acme so far.
well_known_count() {
    nginx_requests "$1" /.well-known/acme | wc -l
}

# caa HOST VALUE... : replace HOST's CAA records at challtestsrv with "issue" records; a VALUE
# of the form TAG:VALUE with TAG issuewild/iodef/... sets that tag instead.
caa() {
    local host=$1 v args=()
    shift
    challtestsrv_clear_caa "$host" || return 1
    for v in "$@"; do
        case $v in
        issuewild:* | iodef:* | issue:*) args+=("${v%%:*}" "${v#*:}") ;;
        *) args+=(issue "$v") ;;
        esac
    done
    challtestsrv_add_caa "$host" "${args[@]}"
}

# ---- scenarios -----------------------------------------------------------------------------

scenario_priority() {
    local d=$work/priority name=prio.disc.test before after
    mkdir -p "$d"
    caa "$name" "ca-one.test; priority=1" "ca-two.test; priority=2" || return 1
    # shellcheck disable=SC2046 # eab_args is two words on purpose
    discover_ok prio_discover --domain "$name" $(eab_args) || return 1
    check_discover prio_discover usable=ca-one.test,ca-two.test priority=ca-one.test=1 \
        priority=ca-two.test=2 record=ca-one.test="ca-one.test; priority=1" \
        names="$name" || return 1

    before=$(well_known_count ca-one.test)
    # shellcheck disable=SC2046
    issue_ok prio_issue "$d/state" --domain "$name" $(eab_args) || return 1
    after=$(well_known_count ca-one.test)
    check_issued prio_issue "$d/state" CA_ONE ca-one.test "$name" || return 1
    no_warnings prio_issue || return 1
    ((after > before)) ||
        fail "nginx saw no GET https://ca-one.test/.well-known/acme during issue" || return 1
    # Name-based virtual hosting needs both the Host header and SNI to name the issuer.
    nginx_requests ca-one.test /.well-known/acme | tail -n 1 |
        grep -qF 'host=ca-one.test sni=ca-one.test "GET /.well-known/acme HTTP/1.1" 302' ||
        fail "the .well-known request did not carry SNI ca-one.test: $(nginx_requests \
            ca-one.test /.well-known/acme | tail -n 1)"
}

scenario_ties() {
    local d=$work/ties name=tie.disc.test s first seed_one="" seed_two=""
    mkdir -p "$d"
    caa "$name" "ca-one.test; priority=1" "ca-two.test; priority=1" || return 1
    for s in $(seq 1 20); do
        # shellcheck disable=SC2046
        discover_ok "ties_$s" --domain "$name" --seed "$s" $(eab_args) || return 1
        first=$(first_usable "ties_$s")
        case $first in
        ca-one.test)
            check_discover "ties_$s" usable=ca-one.test,ca-two.test || return 1
            [[ -n $seed_one ]] || seed_one=$s
            ;;
        ca-two.test)
            check_discover "ties_$s" usable=ca-two.test,ca-one.test || return 1
            [[ -n $seed_two ]] || seed_two=$s
            ;;
        *) check_discover "ties_$s" usable=ca-one.test,ca-two.test || return 1 ;;
        esac
    done
    [[ -n $seed_one && -n $seed_two ]] ||
        fail "20 seeds never put both CAs first (ca-one first with seed ${seed_one:-none}," \
            "ca-two first with seed ${seed_two:-none})" || return 1
    # shellcheck disable=SC2046
    discover_ok ties_again --domain "$name" --seed "$seed_two" $(eab_args) || return 1
    [[ $(first_usable ties_again) == ca-two.test ]] ||
        fail "seed $seed_two put ca-two first once, then $(first_usable ties_again)" || return 1

    # shellcheck disable=SC2046
    issue_ok ties_issue_one "$d/state1" --domain "$name" --seed "$seed_one" $(eab_args) ||
        return 1
    check_issued ties_issue_one "$d/state1" CA_ONE ca-one.test "$name" || return 1
    # shellcheck disable=SC2046
    issue_ok ties_issue_two "$d/state2" --domain "$name" --seed "$seed_two" $(eab_args) ||
        return 1
    check_issued ties_issue_two "$d/state2" CA_TWO ca-two.test "$name"
}

scenario_discovery_false() {
    local d=$work/discovery_false name=dfalse.disc.test before
    mkdir -p "$d"
    caa "$name" "ca-one.test; discovery=false" "ca-two.test" || return 1
    before=$(well_known_count ca-one.test)
    # shellcheck disable=SC2046
    discover_ok dfalse_discover --domain "$name" $(eab_args) || return 1
    check_discover dfalse_discover usable=ca-two.test skipped=ca-one.test:discovery-false \
        record=ca-one.test="discovery=false" || return 1
    # shellcheck disable=SC2046
    issue_ok dfalse_issue "$d/state" --domain "$name" $(eab_args) || return 1
    check_issued dfalse_issue "$d/state" CA_TWO ca-two.test "$name" || return 1
    (($(well_known_count ca-one.test) == before)) ||
        fail "the agent fetched ca-one.test's .well-known although it said discovery=false"
}

scenario_ca_down() {
    local d=$work/ca_down name=down.disc.test before
    mkdir -p "$d"
    caa "$name" "ca-down.test; priority=1" "ca-one.test; priority=2" || return 1
    before=$(well_known_count ca-down.test)
    issue_ok down_issue "$d/state" --domain "$name" || return 1
    check_issued down_issue "$d/state" CA_ONE ca-one.test "$name" || return 1
    expect_warning down_issue ca-down.test || return 1
    ((elapsed_ms < FALLBACK_BOUND_MS)) ||
        fail "falling back past a CA that is down took ${elapsed_ms} ms" || return 1
    (($(well_known_count ca-down.test) > before)) ||
        fail "ca-down.test was never tried (no .well-known request)" || return 1

    discover_ok down_discover --domain "$name" || return 1
    check_discover down_discover usable=ca-one.test skipped=ca-down.test:directory-failed
}

scenario_eab() {
    local d=$work/eab name=eab.disc.test
    mkdir -p "$d"
    caa "$name" "ca-two.test; priority=1" "ca-one.test; priority=2" || return 1

    discover_ok eab_discover_without --domain "$name" || return 1
    check_discover eab_discover_without usable=ca-one.test skipped=ca-two.test:eab-required ||
        return 1
    issue_ok eab_issue_without "$d/state1" --domain "$name" || return 1
    check_issued eab_issue_without "$d/state1" CA_ONE ca-one.test "$name" || return 1

    # shellcheck disable=SC2046
    discover_ok eab_discover_with --domain "$name" $(eab_args) || return 1
    check_discover eab_discover_with usable=ca-two.test,ca-one.test || return 1
    # shellcheck disable=SC2046
    issue_ok eab_issue_with "$d/state2" --domain "$name" $(eab_args) || return 1
    check_issued eab_issue_with "$d/state2" CA_TWO ca-two.test "$name" || return 1
    no_warnings eab_issue_with || return 1

    # A key Pebble does not know: ca-two refuses the account, ca-one issues.
    issue_ok eab_issue_wrong "$d/state3" --domain "$name" \
        --eab "ca-two.test=$EAB_KID:$(pebble_eab_key)" || return 1
    check_issued eab_issue_wrong "$d/state3" CA_ONE ca-one.test "$name" || return 1
    expect_warning eab_issue_wrong ca-two.test
}

# Each name prefers another CA; ca-one has the best rank sum (2+1+1 against ca-two's 1+3+2),
# so it is the compromise although it is not the first choice of one.multi. ca-other.test is
# missing for three.multi and cannot serve all names.
scenario_multi_name() {
    local d=$work/multi_name one=one.multi.disc.test two=two.multi.disc.test
    local three=three.multi.disc.test
    mkdir -p "$d"
    caa "$one" "ca-two.test; priority=1" "ca-one.test; priority=2" \
        "ca-other.test; priority=3" || return 1
    caa "$two" "ca-one.test; priority=1" "ca-other.test; priority=2" \
        "ca-two.test; priority=3" || return 1
    caa "$three" "ca-one.test; priority=1" "ca-two.test; priority=2" || return 1
    # shellcheck disable=SC2046
    discover_ok multi_discover --domain "$one" --domain "$two" --domain "$three" \
        $(eab_args) || return 1
    check_discover multi_discover usable=ca-one.test,ca-two.test \
        skipped=ca-other.test:not-all-names names="$one,$two,$three" || return 1
    # shellcheck disable=SC2046
    issue_ok multi_issue "$d/state" --domain "$one" --domain "$two" --domain "$three" \
        $(eab_args) || return 1
    check_issued multi_issue "$d/state" CA_ONE ca-one.test "$one" "$two" "$three"
}

# Wildcard certificates cannot be issued over http-01, so this is discovery only.
scenario_wildcard() {
    local name=wild.disc.test
    caa "$name" "ca-one.test" "issuewild:ca-two.test" || return 1
    # shellcheck disable=SC2046
    discover_ok wild_star --domain "*.$name" $(eab_args) || return 1
    check_discover wild_star usable=ca-two.test || return 1
    # shellcheck disable=SC2046
    discover_ok wild_plain --domain "$name" $(eab_args) || return 1
    check_discover wild_plain usable=ca-one.test || return 1
    # No CAA at the child: the relevant RRset is the parent's (RFC 8659 §3).
    # shellcheck disable=SC2046
    discover_ok wild_child --domain "www.$name" $(eab_args) || return 1
    check_discover wild_child usable=ca-one.test
}

# challtestsrv cannot set the critical flag, so dnsmasq is the agent's DNS here. The agent
# resolves only the issuers' names itself; Pebble keeps validating through challtestsrv.
scenario_critical() {
    local d=$work/critical crit=crit.disc.test ok=nocrit.disc.test h
    local opts=()
    mkdir -p "$d"
    for h in ca-one ca-two ca-down ca-loop ca-http; do
        opts+=("--address=/$h.test/127.0.0.1")
    done
    opts+=("$(dnsmasq_caa "$crit" 0 issue "ca-one.test; priority=1")"
        "$(dnsmasq_caa "$crit" 128 tbs "unknown")"
        "$(dnsmasq_caa "$ok" 0 issue "ca-one.test; priority=1")"
        "$(dnsmasq_caa "$ok" 0 tbs "unknown")")
    dnsmasq_start "$d/dnsmasq" "${opts[@]}" || fail "dnsmasq did not start" || return 1

    run_agent crit_discover discover --trust "$PEBBLE_TRUST" --dns-server "$DNSMASQ_DNS" \
        --domain "$crit" --default-directory "$CA_ONE_DIR_URL"
    expect_refusal crit_discover critical || return 1
    run_agent crit_issue issue --state "$d/state" --trust "$PEBBLE_TRUST" \
        --dns-server "$DNSMASQ_DNS" --http01-port "$PEBBLE_HTTP01_PORT" \
        --http01-bind 127.0.0.1 --domain "$crit" --default-directory "$CA_ONE_DIR_URL"
    expect_refusal crit_issue critical || return 1
    [[ ! -e $d/state || ! -s $d/state ]] || fail "a refused issuance wrote a state file" ||
        return 1
    grep -q "query\[CAA\] $crit from 127.0.0.1" "$DNSMASQ_LOG" ||
        fail "dnsmasq never saw a CAA query for $crit" || return 1

    # The same unknown tag without the critical flag is ignored.
    run_agent nocrit_discover discover --trust "$PEBBLE_TRUST" --dns-server "$DNSMASQ_DNS" \
        --domain "$ok"
    ((rc == 0)) || {
        agent_said nocrit_discover
        fail "discover for a non-critical unknown tag exited $rc, expected 0"
        return 1
    }
    check_discover nocrit_discover usable=ca-one.test || return 1
    run_agent nocrit_issue issue --state "$d/state_ok" --trust "$PEBBLE_TRUST" \
        --dns-server "$DNSMASQ_DNS" --http01-port "$PEBBLE_HTTP01_PORT" \
        --http01-bind 127.0.0.1 --domain "$ok"
    ((rc == 0)) || {
        agent_said nocrit_issue
        fail "issue for a non-critical unknown tag exited $rc, expected 0"
        return 1
    }
    check_issued nocrit_issue "$d/state_ok" CA_ONE ca-one.test "$ok" || return 1
    dnsmasq_stop
}

# No name and no ancestor has CAA (challtestsrv answers an empty NOERROR for all of them).
scenario_no_caa() {
    local d=$work/no_caa name=nocaa.disc.test
    mkdir -p "$d"
    discover_ok nocaa_discover --domain "$name" --default-directory "$CA_ONE_DIR_URL" || return 1
    check_discover nocaa_discover usable=null directory=null="$CA_ONE_DIR_URL" \
        priority=null=null || return 1
    issue_ok nocaa_issue "$d/state" --domain "$name" --default-directory "$CA_ONE_DIR_URL" ||
        return 1
    check_issued nocaa_issue "$d/state" CA_ONE null "$name" || return 1

    issue nocaa_issue_nodefault "$d/state2" --domain "$name"
    expect_refusal nocaa_issue_nodefault 'CAA|default' || return 1
    [[ ! -s $d/state2 ]] || fail "a refused issuance wrote a state file"
}

# CAA exists and names no issuer: the default directory must not be used as a way around it.
scenario_caa_forbids() {
    local d=$work/caa_forbids name=forbid.disc.test
    mkdir -p "$d"
    caa "$name" ";" || return 1
    discover forbid_discover --domain "$name" --default-directory "$CA_ONE_DIR_URL"
    expect_refusal forbid_discover CAA || return 1
    issue forbid_issue "$d/state" --domain "$name" --default-directory "$CA_ONE_DIR_URL"
    expect_refusal forbid_issue CAA || return 1
    [[ ! -s $d/state ]] || fail "a refused issuance wrote a state file"
}

scenario_bad_redirects() {
    local d=$work/bad_redirects name=redir.disc.test loops_before loops
    mkdir -p "$d"
    caa "$name" "ca-loop.test; priority=1" "ca-http.test; priority=2" \
        "ca-one.test; priority=3" || return 1
    loops_before=$(well_known_count ca-loop.test)
    issue_ok redir_issue "$d/state" --domain "$name" || return 1
    check_issued redir_issue "$d/state" CA_ONE ca-one.test "$name" || return 1
    expect_warning redir_issue ca-loop.test || return 1
    expect_warning redir_issue ca-http.test || return 1
    ((elapsed_ms < FALLBACK_BOUND_MS)) ||
        fail "falling back past two bad redirects took ${elapsed_ms} ms" || return 1
    loops=$(($(well_known_count ca-loop.test) - loops_before))
    ((loops >= 1 && loops <= 10)) ||
        fail "the redirect loop was followed $loops times in one run (expected 1..10)" ||
        return 1

    discover_ok redir_discover --domain "$name" || return 1
    check_discover redir_discover usable=ca-one.test skipped=ca-loop.test:directory-failed \
        skipped=ca-http.test:directory-failed || return 1
    [[ -z $(nginx_plain_requests "$PLAIN_PORT") ]] ||
        fail "the agent followed a redirect to http:// ($(nginx_plain_requests "$PLAIN_PORT" |
            head -n 1))"
}

# --directory is today's behaviour: no CAA lookup decides anything and no .well-known fetch.
# CAA here names only ca-two, yet CA_ONE's directory is used as given.
scenario_explicit_directory() {
    local d=$work/explicit_directory name=explicit.disc.test before
    mkdir -p "$d"
    caa "$name" "ca-two.test; priority=1" || return 1
    before=$(wc -l <"$NGINX_ACCESS_LOG")
    issue_ok explicit_issue "$d/state" --domain "$name" --directory "$CA_ONE_DIR_URL" || return 1
    check_issued explicit_issue "$d/state" CA_ONE null "$name" || return 1
    (($(wc -l <"$NGINX_ACCESS_LOG") == before)) ||
        fail "issue --directory still fetched a .well-known URL"
}

# --ca-directory names ca-three.test's directory (CA_ONE's); its .well-known would say CA_TWO.
# The table wins, .well-known is not even fetched, and status names the issuer from CAA and
# the directory from the table.
scenario_ca_directory() {
    local d=$work/ca_directory name=table.disc.test
    mkdir -p "$d"
    caa "$name" "ca-three.test; priority=1" "ca-two.test; priority=2" || return 1
    discover_ok table_discover --domain "$name" --ca-directory "ca-three.test=$CA_ONE_DIR_URL" ||
        return 1
    check_discover table_discover usable=ca-three.test \
        directory=ca-three.test="$CA_ONE_DIR_URL" skipped=ca-two.test:eab-required || return 1
    issue_ok table_issue "$d/state" --domain "$name" \
        --ca-directory "ca-three.test=$CA_ONE_DIR_URL" || return 1
    check_issued table_issue "$d/state" CA_ONE ca-three.test "$name" || return 1
    [[ -z $(nginx_requests ca-three.test) ]] ||
        fail "ca-three.test's .well-known was fetched although the table names its directory"
}

# A CA that failed stays out of the running for --ca-cooldown seconds, recorded in the state.
scenario_cooldown() {
    local d=$work/cooldown name=cool.disc.test before
    mkdir -p "$d"
    caa "$name" "ca-down.test; priority=1" "ca-one.test; priority=2" || return 1
    issue_ok cool_issue "$d/state" --domain "$name" --ca-cooldown 3600 || return 1
    check_issued cool_issue "$d/state" CA_ONE ca-one.test "$name" || return 1
    expect_warning cool_issue ca-down.test || return 1
    before=$(well_known_count ca-down.test)
    discover_ok cool_discover --domain "$name" --state "$d/state" || return 1
    check_discover cool_discover usable=ca-one.test skipped=ca-down.test:cooldown || return 1
    (($(well_known_count ca-down.test) == before)) ||
        fail "a CA in its cool-down was contacted"
}

# ---- main ----------------------------------------------------------------------------------

scenarios=("$@")
((${#scenarios[@]})) || scenarios=(priority ties discovery_false ca_down eab multi_name wildcard
    critical no_caa caa_forbids bad_redirects explicit_directory ca_directory cooldown)
for s in "${scenarios[@]}"; do
    declare -F "scenario_$s" >/dev/null || {
        echo "unknown scenario '$s'"
        exit 2
    }
done

start_servers() {
    pebble_env_start "$work/env" || return 1
    pebble_start_ca CA_ONE "$work/ca-one" || return 1
    pebble_start_ca CA_TWO "$work/ca-two" --eab "$EAB_KID=$EAB_KEY" || return 1
    local ca
    for ca in CA_ONE CA_TWO; do
        pebble_ca_issuer_root "$ca" "$work/$ca.root.pem" "$work/$ca.intermediate.pem" ||
            return 1
        # What status must report as the CA's terms of service.
        local dir_var="${ca}_DIR_URL"
        curl -sSf --max-time 5 --cacert "$PEBBLE_TRUST" "${!dir_var}" | _pebble_python -c \
            'import json, sys; print(json.load(sys.stdin)["meta"]["termsOfService"])' \
            >"$work/$ca.tos" || return 1
    done
    # A closed port for ca-down.test, and the plain-http listener for ca-http.test.
    read -r CLOSED_PORT PLAIN_PORT <<<"$(_pebble_free_ports 2)"
    [[ -n ${PLAIN_PORT:-} ]] || return 1
    nginx_start "$work/nginx" "ca-one.test=$CA_ONE_DIR_URL" "ca-two.test=$CA_TWO_DIR_URL" \
        "ca-down.test=https://127.0.0.1:$CLOSED_PORT/dir" \
        "ca-loop.test=https://ca-loop.test/.well-known/acme" \
        "ca-http.test=http://127.0.0.1:$PLAIN_PORT/dir" \
        "ca-three.test=$CA_TWO_DIR_URL" \
        "plain:$PLAIN_PORT=https://127.0.0.1:$CA_ONE_PORT"
}

if ! start_servers >"$work/start.log" 2>&1; then
    cat "$work/start.log"
    echo "FAIL: could not start the servers"
    pebble_logs
    nginx_logs
    exit 1
fi
echo "work dir: $work"
failed=()
for s in "${scenarios[@]}"; do
    t0=${EPOCHREALTIME/./}
    if "scenario_$s"; then
        printf 'PASS %-20s %6d ms\n' "$s" $(((${EPOCHREALTIME/./} - t0) / 1000))
    else
        printf 'FAIL %-20s %6d ms\n' "$s" $(((${EPOCHREALTIME/./} - t0) / 1000))
        failed+=("$s")
        dnsmasq_stop
    fi
done

nginx_stop
dnsmasq_stop
pebble_stop
if ((${#failed[@]})); then
    echo "FAILED: ${failed[*]} (commands in $work/commands.log, outputs in $work," \
        "server logs in $work/{env,ca-one,ca-two,nginx})"
    exit 1
fi
echo "all ${#scenarios[@]} scenarios passed"
rm -rf "$work"
