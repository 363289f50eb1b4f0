# Toolchain: Debian's gcc-arm-none-eabi (12.2) with newlib-nano, for the
# Cortex-M boards (boards/qemu-mps2). Select the core with ACME_MCPU:
#   cmake -S . -B build/m4 -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake            (cortex-m4)
#   cmake -S . -B build/m3 -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake -DACME_MCPU=cortex-m3
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_OBJCOPY arm-none-eabi-objcopy CACHE FILEPATH "")
set(CMAKE_SIZE arm-none-eabi-size CACHE FILEPATH "")
# Static libraries only: no host executables can run during configure.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(ACME_MCPU "cortex-m4" CACHE STRING "Cortex-M core: cortex-m4 (mps2-an386) or cortex-m3 (mps2-an385)")
set(ACME_CPU_FLAGS "-mcpu=${ACME_MCPU} -mthumb")
set(CMAKE_C_FLAGS_INIT "${ACME_CPU_FLAGS} -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "${ACME_CPU_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${ACME_CPU_FLAGS} --specs=nano.specs -Wl,--gc-sections")
# Size is the budget that matters on a device (see README, "Budgets").
set(CMAKE_C_FLAGS_MINSIZEREL_INIT "-Os -DNDEBUG")
set(CMAKE_BUILD_TYPE MinSizeRel CACHE STRING "")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
