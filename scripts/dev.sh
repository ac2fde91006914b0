#!/usr/bin/env bash
# The developer's loop: a debug build (dynamic, no LTO: quick to rebuild) and its unit and
# integration tests, the integration tier with the shim as PID 1 (root, for unshare --pid).
# scripts/test.sh runs every tier as CI does.
#   scripts/dev.sh [CTEST ARGS...]    e.g. scripts/dev.sh -R test_watchdog
set -euo pipefail
cd "$(dirname "$0")/.."
began=$(date +%s)
scripts/install-deps.sh --dev
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$(nproc)"
echo "dev: built in $(($(date +%s) - began)) s"
# The integration tests mostly wait on the shim, not on the CPU: four at a time on two cores.
ctest --preset dev -j "$(($(nproc) * 2))" "$@"
echo "dev: built and tested in $(($(date +%s) - began)) s"
