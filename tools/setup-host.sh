#!/usr/bin/env bash
# tools/setup-host.sh -- make a Debian bookworm host ready to build and test acme-agent:
# a deb-src entry (CMake fetches mbedTLS and cJSON with `apt-get source`) and the packages the
# build and the test suites need. Idempotent: on a ready host it does nothing and prints
# nothing; it runs `apt-get update` only when it added the entry, a package is missing, or
# the source indexes were never downloaded.
#
# Runs as root, or through sudo when it needs to change something.
# Extra packages: ACME_EXTRA_PACKAGES="lego uacme" tools/setup-host.sh
set -euo pipefail

# build-essential, cmake, clang (+ compiler-rt for libFuzzer and clang's sanitizers),
# cmocka for unit tests, dpkg-dev for dpkg-source, pebble for integration tests,
# openssl/curl/python3 for the Pebble harness (tests/integration/lib/pebble.sh),
# dnsmasq-base (the binary only, no system service) for tests/integration/test_dns_client.sh
# and test_discovery.sh, nginx for test_discovery.sh's CA web sites (lib/nginx.sh runs the
# binary with its own configuration; on a systemd host the package also enables its service).
# gcc-arm-none-eabi + libnewlib-arm-none-eabi build the Cortex-M firmware (boards/qemu-mps2),
# qemu-system-arm boots it, iproute2 (network namespace + tap) and iputils-ping for
# tests/firmware.
PACKAGES=(build-essential cmake clang libclang-rt-14-dev libcmocka-dev dpkg-dev pebble openssl
    curl ca-certificates python3 dnsmasq-base nginx
    gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm iproute2 iputils-ping)
# shellcheck disable=SC2206 # word splitting of the list is intended
PACKAGES+=(${ACME_EXTRA_PACKAGES:-})

APT_DIR=${ACME_APT_DIR:-/etc/apt}
SRC_ENTRY="$APT_DIR/sources.list.d/acme-agent-src.sources"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

as_root() {
    if ((EUID == 0)); then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        echo "setup-host.sh: need root for: $*  (run as root or install sudo)" >&2
        exit 1
    fi
}

# True when an enabled deb-src entry for suite bookworm, component main exists, in one-line
# (sources.list, *.list) or deb822 (*.sources) format.
has_bookworm_deb_src() {
    local f
    for f in "$APT_DIR/sources.list" "$APT_DIR"/sources.list.d/*.list; do
        [[ -f $f ]] || continue
        # deb-src [options] URI SUITE COMPONENT...
        awk '$1 == "deb-src" {
                 i = 2; if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                 if ($(i + 1) == "bookworm") for (j = i + 2; j <= NF; j++) if ($j == "main") found = 1
             }
             END { exit !found }' "$f" && return 0
    done
    for f in "$APT_DIR"/sources.list.d/*.sources; do
        [[ -f $f ]] || continue
        # Stanzas are separated by blank lines; field names are case-insensitive.
        awk 'function check() {
                 if (types ~ /(^| )deb-src( |$)/ && suites ~ /(^| )bookworm( |$)/ &&
                     comps ~ /(^| )main( |$)/ && enabled != "no") found = 1
                 types = suites = comps = enabled = ""
             }
             /^[ \t]*$/ { check(); next }
             /^#/ { next }
             {
                 key = tolower($1); sub(/:$/, "", key)
                 val = $0; sub(/^[^:]*:[ \t]*/, "", val)
                 if (key == "types") types = val
                 else if (key == "suites") suites = val
                 else if (key == "components") comps = val
                 else if (key == "enabled") enabled = tolower(val)
             }
             END { check(); exit !found }' "$f" && return 0
    done
    return 1
}

# deb-src stanzas with the URIs and suites the host already uses for deb: from the deb822
# debian.sources (Debian's container images), else from one-line bookworm entries in
# sources.list (debootstrap, installer), else Debian's default mirror.
write_src_entry() {
    local base="$APT_DIR/sources.list.d/debian.sources" text=""
    if [[ ! -f $base && -f $APT_DIR/sources.list ]]; then
        text=$(awk -v keyring="$KEYRING" '
                 $1 == "deb" {
                     i = 2; if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                     if ($(i + 1) ~ /^bookworm(-updates|-security)?$/)
                         printf "%sTypes: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n",
                                (n++ ? "\n" : ""), $i, $(i + 1), keyring
                 }' "$APT_DIR/sources.list")
    fi
    if [[ -f $base ]]; then
        text=$(awk -v keyring="$KEYRING" '
                 function flush() {
                     if (uris != "" && suites != "")
                         printf "%sTypes: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n",
                                (n++ ? "\n" : ""), uris, suites, keyring
                     uris = suites = ""; deb = 0
                 }
                 /^[ \t]*$/ { flush(); next }
                 /^#/ { next }
                 {
                     key = tolower($1); sub(/:$/, "", key)
                     val = $0; sub(/^[^:]*:[ \t]*/, "", val)
                     if (key == "uris") uris = val
                     else if (key == "suites") suites = val
                 }
                 END { flush() }' "$base")
    fi
    if [[ -z $text ]]; then
        text="Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: $KEYRING

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: $KEYRING"
    fi
    echo "setup-host.sh: adding $SRC_ENTRY (deb-src for bookworm)"
    printf '# Added by acme-agent tools/setup-host.sh: apt-get source for mbedTLS and cJSON.\n%s\n' \
        "$text" | as_root tee "$SRC_ENTRY" >/dev/null
}

is_installed() {
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

have_source_indexes() {
    compgen -G "/var/lib/apt/lists/*_dists_bookworm_main_source_Sources*" >/dev/null
}

main() {
    local need_update=0 missing=() pkg
    if ! has_bookworm_deb_src; then
        write_src_entry
        need_update=1
    fi
    for pkg in "${PACKAGES[@]}"; do
        is_installed "$pkg" || missing+=("$pkg")
    done
    ((${#missing[@]} == 0)) || need_update=1
    have_source_indexes || need_update=1

    if ((need_update)); then
        echo "setup-host.sh: apt-get update"
        as_root apt-get update -qq >/dev/null
    fi
    if ((${#missing[@]})); then
        echo "setup-host.sh: installing ${missing[*]}"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

# Sourcing the file (for tests of the detection) defines the functions without running main.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    main "$@"
fi
