#!/usr/bin/env bash
# README's second command: every test tier through CTest. The static release build runs unit,
# integration, hostile (attacks on PID 1), end-to-end (real podman; the fixture builds the images),
# systemd and package (the .deb for amd64 and arm64, installed in Debian 12 and 13; a reproducible
# rebuild); the arm64 cross build runs its unit tests and the PID-1 integration subset under
# qemu-user; the ASan+UBSan build runs unit, integration and hostile again; the libFuzzer targets
# run SDSHIM_FUZZ_SECONDS (60) each.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh --asan --arch arm64
echo "== build/sdshim: $(stat -c %s build/sdshim) bytes, $(file -b build/sdshim | cut -d, -f1-5)"
file -b build/sdshim | grep -q "statically linked" || { echo "build/sdshim is not statically linked" >&2; exit 1; }
status=0
echo "== build-arm64/sdshim: $(stat -c %s build-arm64/sdshim) bytes, $(file -b build-arm64/sdshim | cut -d, -f1-5)"
echo "== unit, integration, e2e, systemd and package tests against the static release binary"
ctest --preset release -j 2 || status=1
echo "== arm64: unit tests and the PID-1 integration subset under qemu-aarch64-static"
ctest --preset release-arm64 -j 2 || status=1
echo "== unit, integration and hostile tests under ASan+UBSan"
ctest --preset asan -j 2 -L "unit|integration|hostile" || status=1
echo "== fuzz targets, ${SDSHIM_FUZZ_SECONDS:-60} s each (clang libFuzzer, ASan+UBSan)"
cmake --preset fuzz -DSDSHIM_FUZZ_SECONDS="${SDSHIM_FUZZ_SECONDS:-60}" >/dev/null
cmake --build --preset fuzz -j "$(nproc)"
fuzz_status=0
ctest --preset fuzz -j 2 --verbose >build-fuzz/fuzz.log 2>&1 || fuzz_status=1
grep -E "Test #|number_of_executed_units|tests passed|deadly signal|SUMMARY|crash-" build-fuzz/fuzz.log || true
if ((fuzz_status)); then
  tail -60 build-fuzz/fuzz.log
  status=1
fi
exit $status
