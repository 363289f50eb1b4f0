# Stack usage of every C function, for tools/stack_report.py (cross builds).
#
# -fcallgraph-info=su makes gcc write, next to each object, a <object>.ci
# file (VCG text): one node per function emitted, with its frame size in
# bytes and whether that size is static, bounded or dynamic, and one edge per
# call it emitted (direct, library helper such as memcpy/__aeabi_*, or the
# placeholder __indirect_call). It is an auxiliary output only: the code
# generated is the same (checked by comparing fw-acme.elf text with and
# without it).
#
# Set as a directory option before any target is defined, so the agent,
# mbedTLS, cJSON, lwIP, the port and the board all get it.
add_compile_options($<$<COMPILE_LANGUAGE:C>:-fcallgraph-info=su>)
