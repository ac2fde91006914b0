#!/usr/bin/env bash
# Installs the Debian 12 packages sdshim needs to build and test (idempotent; quick when all are present).
set -euo pipefail

packages=(
  g++ cmake make pkg-config file procps util-linux python3 nginx-light
  libboost1.81-dev libspdlog-dev libfmt-dev catch2
  libsystemd-dev python3-systemd systemd caddy
  podman runc uidmap slirp4netns debootstrap iproute2 busybox-static python3-seccomp curl
  clang-14 libclang-rt-14-dev clang-format-14
  g++-aarch64-linux-gnu qemu-user-static lintian man-db
)

case ${1:-} in
  # --demo: only what scripts/demo.sh runs: the static binary and one nginx image in rootful podman.
  --demo)
    packages=(g++ cmake make file python3 libboost1.81-dev libspdlog-dev libfmt-dev systemd podman runc
              debootstrap) ;;
  # --bench: also what bench/run.sh compares against and measures with.
  --bench) packages+=(tini dumb-init catatonit wrk gcc) ;;
  # --dev: what scripts/dev.sh builds and runs (unit and integration tests, no podman, no cross build).
  --dev)
    packages=(g++ cmake make pkg-config file procps util-linux python3 nginx-light libboost1.81-dev
              libspdlog-dev libfmt-dev catch2 libsystemd-dev python3-systemd systemd python3-seccomp curl
              busybox-static iproute2 clang-format-14 caddy) ;;
  "") ;;
  *) echo "install-deps: unknown argument '$1' (usage: scripts/install-deps.sh [--demo|--dev|--bench])" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root (or: sudo $0)" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Packages such as nginx-light must not start their services here (policy-rc.d answer 101: "not allowed").
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
