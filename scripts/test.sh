#!/usr/bin/env bash
# README's second command: every test tier through CTest. The static release build runs unit,
# integration and end-to-end (real podman; the fixture builds the images); the ASan+UBSan build
# runs unit and integration again.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh --asan
echo "== build/sdshim: $(stat -c %s build/sdshim) bytes, $(file -b build/sdshim | cut -d, -f1-5)"
file -b build/sdshim | grep -q "statically linked" || { echo "build/sdshim is not statically linked" >&2; exit 1; }
status=0
echo "== unit, integration and e2e tests against the static release binary"
ctest --preset release -j 2 || status=1
echo "== unit and integration tests under ASan+UBSan"
ctest --preset asan -j 2 -L "unit|integration" || status=1
exit $status
