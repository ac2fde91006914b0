#!/usr/bin/env bash
# Builds the static release binary (build/sdshim) and, with --asan, the sanitizer build too; with
# --arch arm64, also the static arm64 binary (build-arm64/sdshim, cross-built with
# g++-aarch64-linux-gnu; its tests run under qemu-aarch64-static and use the native build's helpers).
#   scripts/build.sh [--asan] [--arch amd64|arm64]
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
asan=0 arch=amd64
while [[ $# -gt 0 ]]; do
  case $1 in
    --asan) asan=1; shift ;;
    --arch) arch=${2:?--arch needs amd64 or arm64}; shift 2 ;;
    --arch=*) arch=${1#--arch=}; shift ;;
    *) echo "build: unknown argument '$1' (usage: scripts/build.sh [--asan] [--arch amd64|arm64])" >&2; exit 2 ;;
  esac
done
[[ $arch == amd64 || $arch == arm64 ]] || { echo "build: --arch must be amd64 or arm64, not '$arch'" >&2; exit 2; }
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
if ((asan)); then
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j "$jobs"
fi
if [[ $arch == arm64 ]]; then
  cmake --preset release-arm64 >/dev/null
  cmake --build --preset release-arm64 -j "$jobs"
fi
