#!/usr/bin/env bash
# tools/test.sh -- install what is missing, then configure, build and run the whole ctest suite
# in three configurations: gcc (build/gcc), clang (build/clang) and gcc with ASan+UBSan
# (build/asan). Build directories are reused, so a second run only rebuilds what changed.
#
#   tools/test.sh                      everything (what CI runs, via .ci/run)
#   tools/test.sh -L unit              extra arguments go to every ctest call
#   ACME_TEST_BUILDS="gcc" tools/test.sh -R base64
#
# Exits non-zero if any configure, build or test fails; ends with a per-build summary.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)
t_start=$EPOCHREALTIME
builds=${ACME_TEST_BUILDS:-gcc clang asan}
jobs=$(nproc)

# Elapsed seconds since $1 (an EPOCHREALTIME value), one decimal.
elapsed() {
    local now=${EPOCHREALTIME/./} then=${1/./}
    local ds=$(((now - then) / 100000))
    echo "$((ds / 10)).$((ds % 10))"
}

# Print the tail of a log after a failure, so CI output shows the cause without the noise.
show_log() {
    echo "---- last lines of $1" >&2
    tail -n 80 "$1" >&2
}

tools/setup-host.sh

# Sanitizer runtime options: abort on the first report so ctest sees a failure.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

summary=()
failed=0
for build in $builds; do
    case $build in
    gcc) cc=gcc opts=() ;;
    # The Cortex-M firmware is cross-built with arm-none-eabi-gcc whatever the host compiler,
    # so only the gcc build builds and boots it.
    clang) cc=clang opts=(-DACME_FIRMWARE_TESTS=OFF) ;;
    asan) cc=gcc opts=(-DACME_SANITIZE=ON) ;;
    *)
        echo "test.sh: unknown build '$build' (known: gcc clang asan)" >&2
        exit 2
        ;;
    esac
    dir=$repo/build/$build
    t_build=$EPOCHREALTIME
    echo "==== $build: configure + build ($dir)"
    mkdir -p "$dir"
    # The compiler is fixed at the first configure; passing it again would make CMake
    # discard the cache whenever the path spelling differs.
    [[ -f $dir/CMakeCache.txt ]] || opts+=("-DCMAKE_C_COMPILER=$cc")
    if ! cmake -S "$repo" -B "$dir" "${opts[@]}" >"$dir/configure.log" 2>&1; then
        show_log "$dir/configure.log"
        summary+=("$(printf '%-6s FAILED configure  %6ss  (%s)' "$build" "$(elapsed "$t_build")" \
            "$dir/configure.log")")
        failed=1
        continue
    fi
    if ! cmake --build "$dir" -j "$jobs" >"$dir/build.log" 2>&1; then
        show_log "$dir/build.log"
        summary+=("$(printf '%-6s FAILED build      %6ss  (%s)' "$build" "$(elapsed "$t_build")" \
            "$dir/build.log")")
        failed=1
        continue
    fi
    echo "==== $build: ctest"
    rc=0
    ctest --test-dir "$dir" --output-on-failure -j "$jobs" "$@" 2>&1 | tee "$dir/ctest.log" ||
        rc=$?
    # ctest's own last line, e.g. "100% tests passed, 0 tests failed out of 23".
    result=$(grep -E 'tests passed|No tests were found' "$dir/ctest.log" | tail -n 1 || true)
    if ((rc != 0)); then
        failed=1
        summary+=("$(printf '%-6s FAILED tests      %6ss  %s' "$build" "$(elapsed "$t_build")" \
            "${result:-ctest exited $rc}")")
    else
        summary+=("$(printf '%-6s ok                %6ss  %s' "$build" "$(elapsed "$t_build")" \
            "$result")")
    fi
done

echo "==== summary"
printf '%s\n' "${summary[@]}"
echo "total $(elapsed "$t_start")s"
exit "$failed"
