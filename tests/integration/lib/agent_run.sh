# shellcheck shell=bash
# tests/integration/lib/agent_run.sh -- what the integration scripts share around acme-agent:
# their work directory, running the agent with a time bound, and saying why a step failed.
# Source it after setting $build (and $agent for run_agent).
#
#   agent_run_workdir NAME   work=$build/integration-work/NAME.XXXXXX, made; of the earlier
#                            ones of NAME only the two newest are kept (a failed run's stays
#                            for a look, the disk does not fill up)
#   fail MSG...              prints "    FAIL: MSG" and returns 1: check || fail "..." || return 1
#   run_agent NAME ARGS...   acme-agent ARGS for at most AGENT_TIMEOUT_S seconds (default 60),
#                            behind the command AGENT_PREFIX (an array, e.g. env LD_PRELOAD=...)
#                            when set; sets rc and elapsed_ms, keeps $work/NAME.out and
#                            $work/NAME.err, appends the command line to $work/commands.log
#   agent_said NAME          the last 25 lines of its stdout and stderr, indented
#   expect_rc NAME RC        0 when rc == RC; else agent_said and fail

agent_run_workdir() {
    local name=$1
    mkdir -p "$build/integration-work" || return 1
    find "$build/integration-work" -maxdepth 1 -name "$name.*" -printf '%T@ %p\n' |
        sort -rn | tail -n +3 | cut -d' ' -f2- | xargs -r rm -rf --
    work=$(mktemp -d "$(cd "$build" && pwd)/integration-work/$name.XXXXXX")
}

fail() {
    echo "    FAIL: $*"
    return 1
}

run_agent() {
    local name=$1 t0
    shift
    echo "    \$ acme-agent $*" >>"$work/commands.log"
    t0=${EPOCHREALTIME/./}
    timeout "${AGENT_TIMEOUT_S:-60}" ${AGENT_PREFIX[@]+"${AGENT_PREFIX[@]}"} "$agent" "$@" \
        >"$work/$name.out" 2>"$work/$name.err"
    rc=$?
    elapsed_ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
    ((rc != 124)) || echo "    acme-agent $1 did not finish within ${AGENT_TIMEOUT_S:-60}s"
    return 0
}

agent_said() {
    echo "    stdout/stderr of acme-agent ($1):"
    cat "$work/$1.out" "$work/$1.err" 2>/dev/null | sed 's/^/      /' | tail -n 25
}

expect_rc() {
    ((rc == $2)) && return 0
    agent_said "$1"
    fail "$1: exit $rc, expected $2"
}
