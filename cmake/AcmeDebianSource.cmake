# Fetch a Debian source package with `apt-get source`, check its pinned .dsc
# hash, and unpack it with dpkg-source (which applies Debian's patches, e.g.
# the cJSON security fixes, and checks every tarball against the .dsc).
#
# Sources live under the build tree (ACME_DEPS_DIR) and are never committed.
# A second configure finds the unpacked tree and does no network access.
#
#   acme_debian_source(<package> <version> <dsc-sha256> <out-var>)
#
# To bump a dependency: change the version, run `apt-get source --download-only
# <pkg>=<version>` once, and pin `sha256sum <pkg>_<version>.dsc`.

set(ACME_DEPS_DIR "${CMAKE_BINARY_DIR}/_deps" CACHE PATH
    "Where Debian source packages are downloaded and unpacked")

function(acme_debian_source package version dsc_sha256 out_var)
  string(REGEX REPLACE "^[0-9]+:" "" file_version "${version}")
  set(dl_dir "${ACME_DEPS_DIR}/download")
  set(src_dir "${ACME_DEPS_DIR}/${package}-${file_version}")
  set(stamp "${src_dir}/.acme-unpacked")
  set(dsc "${dl_dir}/${package}_${file_version}.dsc")

  if(NOT EXISTS "${stamp}")
    file(MAKE_DIRECTORY "${dl_dir}")
    if(NOT EXISTS "${dsc}")
      message(STATUS "Fetching Debian source ${package}=${version}")
      execute_process(
        COMMAND apt-get source --download-only "${package}=${version}"
        WORKING_DIRECTORY "${dl_dir}"
        RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
      if(NOT rc EQUAL 0 OR NOT EXISTS "${dsc}")
        message(FATAL_ERROR
          "apt-get source ${package}=${version} failed (${rc}): ${err}\n"
          "Add a deb-src entry for bookworm (tools/setup-host.sh does it) "
          "or run tools/test.sh, which installs everything.")
      endif()
    endif()
    file(SHA256 "${dsc}" got)
    if(NOT got STREQUAL dsc_sha256)
      message(FATAL_ERROR "${dsc}: sha256 ${got}, pinned ${dsc_sha256}. "
                          "Refusing an unpinned dependency.")
    endif()
    file(REMOVE_RECURSE "${src_dir}")
    execute_process(
      COMMAND dpkg-source --no-copy -x "${dsc}" "${src_dir}"
      WORKING_DIRECTORY "${dl_dir}"
      RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "dpkg-source -x ${dsc} failed: ${err}")
    endif()
    file(WRITE "${stamp}" "${package} ${version} ${dsc_sha256}\n")
  endif()
  set(${out_var} "${src_dir}" PARENT_SCOPE)
endfunction()
