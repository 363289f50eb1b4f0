# Warning policy for the project's own code (never applied to third-party
# sources): C99, -Wall -Wextra -Werror and a few more that catch real bugs
# in byte-handling code. Same flags for gcc and clang.
function(acme_strict target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wpointer-arith -Wformat=2 -Wvla -Wundef -Wcast-qual
    -Wno-missing-field-initializers)
endfunction()
