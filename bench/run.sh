#!/usr/bin/env bash
# Measures sdshim against tini, catatonit, dumb-init and no init in one run, and writes
# bench/results.md (medians, spreads, ratios to each row's baseline, the machine). Run as root:
#   sudo bench/run.sh            (about 16 minutes on 2 cores; load stays on loopback)
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) -eq 0 ]] || { echo "bench: needs root (unshare --pid, rootful podman) (sudo $0)" >&2; exit 1; }
scripts/install-deps.sh --bench
scripts/build.sh
scripts/images.sh
helpers=$(mktemp -d /tmp/sdshim-bench-helpers.XXXXXX)
tun_mode=$(stat -c %a /dev/net/tun 2>/dev/null || echo missing)
restore() {
  rm -rf "$helpers"
  [[ $tun_mode == missing || $tun_mode == 666 ]] || chmod "$tun_mode" /dev/net/tun
}
trap restore EXIT
# The rootless -p row needs slirp4netns to open /dev/net/tun as a user: 0666 is the distributions'
# default (udev); some sandboxes have 0600. The mode is put back at exit.
if [[ $tun_mode != missing && $tun_mode != 666 ]]; then
  echo "bench: /dev/net/tun is $tun_mode; 0666 for this run" >&2
  chmod 666 /dev/net/tun
fi
for h in orphans sigrecv; do
  gcc -O2 -Wall -Wextra -Werror -o "$helpers/$h" "bench/helpers/$h.c"
done
source scripts/podman-env.sh
# Not exec: the EXIT trap must still run, to put /dev/net/tun's mode back and remove the helpers.
/usr/bin/python3 bench/bench.py build "$helpers" bench/results.md
