#!/usr/bin/env bash
# Builds the static release binary (build/sdshim) and, with --asan, the sanitizer build too.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
if [[ "${1:-}" == "--asan" ]]; then
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j "$jobs"
fi
