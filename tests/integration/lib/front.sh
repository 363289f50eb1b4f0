# tests/integration/lib/front.sh -- start and stop acme_front.py, a scripted HTTPS front that
# shellcheck shell=bash
# proxies a running Pebble and adds ACME Renewal Information (RFC 9773) and profiles
# (draft-ietf-acme-profiles), for integration tests. The module docstring of
# tests/integration/acme_front.py says what the front does and what its script may say.
#
# Source it after lib/pebble.sh (bash only); like pebble.sh it sets no shell options and works
# under the caller's `set -euo pipefail` as well as without.
#
#   front_start NAME UPSTREAM_DIR_URL SCRIPT_FILE
#                               after pebble_start (or pebble_env_start + pebble_start_ca):
#                               a front called NAME (upper case, e.g. FRONT) for that
#                               directory, with a TLS leaf under $PEBBLE_TRUST; waits (bounded)
#                               until its directory answers. SCRIPT_FILE need not exist yet.
#   front_set_script NAME JSON  replace NAME's script atomically (the front reads it again on
#                               every request, so the next request sees the new one)
#   front_stop [NAME]           stop that front, or every front started here (idempotent,
#                               trap-safe; only processes started here)
#   front_requests NAME [ERE]   the front's request log (one compact JSON object per line),
#                               only lines matching the extended regex ERE if given, e.g.
#                               front_requests FRONT '"path":"/renewal-info/'
#   front_request_count NAME [ERE]  how many such lines
#   front_logs                  every front's stderr and request log (for failure diagnosis)
#
# Exported by front_start NAME:
#   NAME_DIR_URL     https://127.0.0.1:<port><the upstream directory's path>
#   NAME_PORT        the front's port on 127.0.0.1 (chosen by the kernel)
#   NAME_LOG         the request log (JSON lines; keys in acme_front.py's docstring)
#   NAME_SCRIPT      SCRIPT_FILE, absolute
#   NAME_STDERR      the front's own diagnostics
# FRONT_LIFETIME_S (default 300) bounds how long a front lives if nobody stops it;
# FRONT_START_TIMEOUT_S (default 10) bounds the wait in front_start.

FRONT_LIFETIME_S=${FRONT_LIFETIME_S:-300}
FRONT_START_TIMEOUT_S=${FRONT_START_TIMEOUT_S:-10}
_FRONT_PY="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/acme_front.py"
declare -gA _FRONT_PIDS=() # NAME -> PID
_FRONT_DIRS=()              # every front's directory, for front_logs

_front_die() {
    echo "front.sh: $*" >&2
    return 1
}

# python3 from Debian when present (as pebble.sh), run directly so that $! is its PID.
_front_python_path() {
    if [[ -x /usr/bin/python3 ]]; then echo /usr/bin/python3; else command -v python3; fi
}

# True while PID is still a front we started (bash reaps exited children at once, so an old
# PID may belong to someone else by now).
_front_ours() {
    local cmd
    cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline") || return 1
    [[ $cmd == *"$_FRONT_PY"* ]]
}

front_start() {
    local usage="usage: front_start NAME UPSTREAM_DIR_URL SCRIPT_FILE"
    local name="${1:?$usage}" upstream="${2:?$usage}" script="${3:?$usage}"
    [[ $name =~ ^[A-Z][A-Z0-9_]*$ ]] ||
        _front_die "front_start: NAME '$name' must be upper case (it prefixes variables)" ||
        return 1
    [[ -z ${_FRONT_PIDS[$name]:-} ]] || _front_die "front_start: $name is already running" ||
        return 1
    [[ -n ${PEBBLE_WORKDIR:-} && -n ${PEBBLE_TRUST:-} ]] ||
        _front_die "front_start: call pebble_start (or pebble_env_start) first" || return 1
    [[ $upstream =~ ^https://[^/]+(/.*)$ ]] ||
        _front_die "front_start: '$upstream' is not an https URL with a path" || return 1
    local path=${BASH_REMATCH[1]}
    local dir="$PEBBLE_WORKDIR/front-${name,,}"
    mkdir -p "$dir" || return 1
    [[ " ${_FRONT_DIRS[*]} " == *" $dir "* ]] || _FRONT_DIRS+=("$dir")
    [[ $script == /* ]] || script="$PWD/$script"
    pebble_tls_leaf "$dir/tls" localhost "$PEBBLE_HOSTNAME" 127.0.0.1 || return 1
    rm -f "$dir/port"
    : >"$dir/requests.jsonl"
    local python
    python=$(_front_python_path) || _front_die "front_start: no python3" || return 1
    "$python" "$_FRONT_PY" --upstream "$upstream" --trust "$PEBBLE_TRUST" \
        --tls-cert "$dir/tls.pem" --tls-key "$dir/tls.key" --script "$script" \
        --log "$dir/requests.jsonl" --port-file "$dir/port" --lifetime "$FRONT_LIFETIME_S" \
        >"$dir/stderr.log" 2>&1 </dev/null &
    local pid=$!
    _FRONT_PIDS[$name]=$pid

    # Ready when the port file exists and the directory answers through the front.
    local t0=${EPOCHREALTIME/./} port="" code
    while (((${EPOCHREALTIME/./} - t0) / 1000 < FRONT_START_TIMEOUT_S * 1000)); do
        kill -0 "$pid" 2>/dev/null || break
        if [[ -z $port && -s $dir/port ]]; then
            port=$(<"$dir/port")
        fi
        if [[ -n $port ]]; then
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$PEBBLE_TRUST" \
                "https://127.0.0.1:$port$path" 2>/dev/null) || true
            if [[ $code == 200 ]]; then
                export "${name}_PORT=$port" "${name}_DIR_URL=https://127.0.0.1:$port$path"
                export "${name}_LOG=$dir/requests.jsonl" "${name}_SCRIPT=$script"
                export "${name}_STDERR=$dir/stderr.log"
                return 0
            fi
        fi
        sleep 0.05
    done
    echo "front.sh: front $name did not answer within ${FRONT_START_TIMEOUT_S}s" >&2
    tail -n 20 "$dir/stderr.log" >&2
    front_stop "$name"
    return 1
}

front_set_script() {
    local usage="usage: front_set_script NAME JSON"
    local name="${1:?$usage}" var="${1}_SCRIPT"
    [[ -n ${!var:-} ]] || _front_die "front_set_script: no front $name" || return 1
    printf '%s\n' "${2:?$usage}" >"${!var}.tmp" && mv -f "${!var}.tmp" "${!var}"
}

# Stop one front (TERM, up to 3 s, then KILL) or all. Always returns 0.
front_stop() {
    local names=("$@") name pid i
    ((${#names[@]})) || names=("${!_FRONT_PIDS[@]}")
    for name in "${names[@]}"; do
        pid=${_FRONT_PIDS[$name]:-}
        [[ -n $pid ]] || continue
        if _front_ours "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
        for ((i = 0; i < 60; i++)); do
            _front_ours "$pid" || break
            sleep 0.05
        done
        if _front_ours "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
        wait "$pid" 2>/dev/null || true
        unset "_FRONT_PIDS[$name]"
    done
    return 0
}

front_requests() {
    local var="${1:?usage: front_requests NAME [ERE]}_LOG"
    [[ -n ${!var:-} ]] || _front_die "front_requests: no front $1" || return 1
    grep -E -- "${2:-.}" "${!var}" || true
}

front_request_count() {
    local var="${1:?usage: front_request_count NAME [ERE]}_LOG"
    [[ -n ${!var:-} ]] || _front_die "front_request_count: no front $1" || return 1
    grep -cE -- "${2:-.}" "${!var}" || true
}

front_logs() {
    local d f
    for d in "${_FRONT_DIRS[@]}"; do
        for f in "$d/stderr.log" "$d/requests.jsonl"; do
            [[ -f $f ]] || continue
            echo "----- $f (last 40 lines)"
            tail -n 40 "$f"
        done
    done
    return 0
}
