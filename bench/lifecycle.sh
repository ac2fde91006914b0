#!/usr/bin/env bash
# Measures restart, reload and podman auto-update of the shipped nginx and caddy quadlet files under a
# bounded loopback load, and the cold start after an --exit-idle exit, in the Debian 13 rig
# (tests/systemd/test_lifecycle.py), and writes bench/lifecycle.md: failed requests and the longest
# wait, as a ratio to the same load's longest wait with nothing happening, in the same run; the cold
# start as a ratio to a request to the running container. Run as root (about 3 minutes once the
# images exist):
#   sudo bench/lifecycle.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) -eq 0 ]] || { echo "lifecycle: needs root (rootful podman, a privileged systemd rig) (sudo $0)" >&2; exit 1; }
scripts/install-deps.sh
scripts/build.sh
scripts/images.sh
scripts/rig-images.sh trixie
source scripts/podman-env.sh
results=$(mktemp /tmp/sdshim-lifecycle.XXXXXX)
trap 'rm -f "$results"' EXIT
(cd tests/systemd && SHIMTEST_HELPERS="$PWD/../../build/tests" SHIMTEST_RESULTS="$results" \
   PYTHONPATH="$PWD/.." python3 -m unittest -v test_lifecycle)
{
  echo "# Restart, reload, upgrade and cold start under load"
  echo
  echo "Written by \`sudo bench/lifecycle.sh\`; every figure below comes from one run:"
  echo
  echo "- $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, kernel $(uname -r), Debian $(cat /etc/debian_version) host"
  echo "- $(head -1 "$results")"
  echo "- sdshim $(build/sdshim --version | head -1 | sed 's/^sdshim //')"
  echo
  echo "4 clients on loopback, each: connect, GET / with Connection: close, read to the end, 10 ms pause;"
  echo "from 1 s before the action until 1 s after the unit is active again. A request fails when it is"
  echo "refused, reset, answered without a 2xx/3xx status or not at all within 30 s; none is retried."
  echo "The wait is from connect to the end of the answer. Ratio = longest wait / the same server's longest"
  echo "wait under the same load with nothing happening, in the same run."
  echo
  echo "The second table: SDSHIM_EXIT_IDLE=3s; each cold start is curl's first request after the service"
  echo "exited for idleness, against the median of 5 requests to the running container."
  echo
  tail -n +3 "$results"
} > bench/lifecycle.md
cat bench/lifecycle.md
