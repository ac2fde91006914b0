# Cross build for arm64 (aarch64) with Debian's g++-aarch64-linux-gnu: the release preset's static
# binary for arm64 (preset release-arm64, scripts/build.sh --arch arm64). Boost, fmt, spdlog and
# Catch2 are header-only, so the build machine's headers and CMake package files serve; tests and
# try-runs go through qemu-aarch64-static (qemu-user-static).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc-12)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++-12)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
# The header-only packages' CMake files live under the build machine's multiarch directory.
execute_process(COMMAND gcc -print-multiarch OUTPUT_VARIABLE _sdshim_host_multiarch OUTPUT_STRIP_TRAILING_WHITESPACE)
list(APPEND CMAKE_PREFIX_PATH /usr/lib/${_sdshim_host_multiarch}/cmake /usr/lib/cmake)
