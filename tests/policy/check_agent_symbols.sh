#!/usr/bin/env bash
# Build-level rules for the agent library (DESIGN §4, CRAFT "exported-symbol
# prefix check"):
#   1. no object in agent/ references malloc, calloc, realloc or free — the
#      arena serves every allocation;
#   2. every symbol the library defines for the outside starts with acme_,
#      so it cannot collide with an integrator's code.
# Usage: check_agent_symbols.sh path/to/libacme_agent.a
set -euo pipefail
lib=${1:?usage: $0 libacme_agent.a}
[ -f "$lib" ] || { echo "no such library: $lib"; exit 1; }
status=0

# nm -A prints "archive:member: address type name".
undefined=$(nm -A "$lib" 2>/dev/null | awk '$(NF-1) == "U" {print $0}')
banned=$(echo "$undefined" | grep -E ' U (malloc|calloc|realloc|free|aligned_alloc|posix_memalign)$' || true)
if [ -n "$banned" ]; then
    echo "FAIL: agent objects reference the C allocator:"
    echo "$banned" | sed 's/^/    /'
    status=1
fi

defined=$(nm -A --defined-only -g "$lib" 2>/dev/null | awk 'NF >= 3 {print $NF}' | sort -u)
foreign=$(echo "$defined" | grep -vE '^acme_' || true)
if [ -n "$foreign" ]; then
    echo "FAIL: exported symbols without the acme_ prefix:"
    echo "$foreign" | sed 's/^/    /'
    status=1
fi

count=$(echo "$defined" | grep -c . || true)
if [ $status -eq 0 ]; then
    echo "PASS: $count exported symbols, all acme_*; no allocator references"
fi
exit $status
