# Third-party libraries, compiled from pinned Debian source packages with the
# project's own configuration (agent/config/acme_mbedtls_config.h), so the host
# build runs the same crypto configuration and the same bounded allocator as a
# device. Targets: acme::mbedtls, acme::cjson.

include(${CMAKE_CURRENT_LIST_DIR}/AcmeDebianSource.cmake)

acme_debian_source(mbedtls 2.28.3-1
  a8bf91b5ffb40654efb0ebe0c962ac1e87b8eed5e104880982eaa70dd4bb33e3 MBEDTLS_SRC)
acme_debian_source(cjson 1.7.15-1+deb12u4
  764c2de141d680f4fb4cada30c526dacaa30ead061b9b9c34f2b81e2df0f8439 CJSON_SRC)

# --- mbedTLS: every library file is compiled; the config turns unused modules
# into empty objects, and --gc-sections drops the rest on the device.
file(GLOB ACME_MBEDTLS_SOURCES "${MBEDTLS_SRC}/library/*.c")
add_library(acme_mbedtls STATIC ${ACME_MBEDTLS_SOURCES})
target_include_directories(acme_mbedtls SYSTEM PUBLIC
  "${PROJECT_SOURCE_DIR}/agent/config" "${MBEDTLS_SRC}/include")
target_compile_definitions(acme_mbedtls PUBLIC
  MBEDTLS_CONFIG_FILE="acme_mbedtls_config.h")
if(CMAKE_CROSSCOMPILING)
  # Device: no host-only modules, no error strings (~10 KiB of text).
  target_compile_definitions(acme_mbedtls PUBLIC ACME_MBEDTLS_DEVICE ACME_MBEDTLS_NO_ERROR_STRINGS)
endif()
# Third-party code is built with its own warnings left alone (-w): our
# -Werror policy applies to our code, not to pinned upstream sources.
target_compile_options(acme_mbedtls PRIVATE -w)
add_library(acme::mbedtls ALIAS acme_mbedtls)

# --- cJSON: parsing only (requests are written by our bounded JSON writer).
# Nesting is capped far below the default 1000: cJSON recurses per level, and
# a hostile server must not be able to run a small device out of stack.
#
# Its number conversion is ours (cmake/cjson_strtod.c): cJSON needs strtod only
# to find where a number ends, and newlib's strtod costs ~10 KiB on a device.
# Host builds use the same shim, so the tests and fuzzers exercise it.
add_library(acme_cjson STATIC "${CJSON_SRC}/cJSON.c" "${CMAKE_CURRENT_LIST_DIR}/cjson_strtod.c")
target_include_directories(acme_cjson SYSTEM PUBLIC "${CJSON_SRC}")
target_compile_definitions(acme_cjson PUBLIC CJSON_NESTING_LIMIT=16)
set_source_files_properties("${CJSON_SRC}/cJSON.c" PROPERTIES
  COMPILE_DEFINITIONS "strtod=acme_cjson_strtod")
target_compile_options(acme_cjson PRIVATE -w)
add_library(acme::cjson ALIAS acme_cjson)
