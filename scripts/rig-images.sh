#!/usr/bin/env bash
# Builds the systemd test rigs: Debian rootfs images in which real systemd runs as PID 1 of a
# privileged podman container (tests/systemd). An image whose recipe is unchanged is kept (cached).
#
#   scripts/rig-images.sh [bookworm] [trixie]      (default: both, in parallel)
#
#   localhost/sdshim-rig/bookworm   Debian 12: systemd 252, podman 4.3.1, conmon 2.1.6 (hand-written units)
#   localhost/sdshim-rig/trixie     Debian 13: systemd 257, podman 5.4, conmon 2.1.12, quadlet
#
# A privileged systemd shares this host's kernel. The image is made so that it cannot change the
# host: the units that write global kernel state (sysctl, binfmt, modules) are masked, and
# rig-init gives systemd a cgroup2 mount of the container's own cgroup namespace instead of any
# view of the host's hierarchies (tests/systemd/rig.py starts it with --cgroupns=private and
# --systemd=false, never --systemd=always or a bind of /sys/fs/cgroup).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/podman-env.sh
[[ $(id -u) -eq 0 ]] || { echo "rig-images: debootstrap and podman import need root (sudo $0)" >&2; exit 1; }
ROOTFS_TOOL=rig-images
source scripts/lib/rootfs.sh

recipe=$(rootfs_recipe scripts/rig-images.sh scripts/lib/rootfs.sh scripts/containers.conf)

common=systemd,systemd-sysv,dbus,dbus-user-session,systemd-container,podman,runc,uidmap,slirp4netns,fuse-overlayfs,curl,iproute2,procps,ca-certificates
declare -A packages=(
  # bookworm's podman depends on the virtual container-network-stack, which debootstrap cannot choose
  [bookworm]=$common,libpam-systemd,containernetworking-plugins,iptables
  # setups 6 and 7: a podman network with DNS (aardvark-dns; netavark's firewall), Let's Encrypt's test CA and lego
  [trixie]=$common,passt,aardvark-dns,nftables,iptables,pebble,lego
)
# Units that would write global kernel state from a privileged container, or wait for hardware.
masked=(systemd-sysctl.service systemd-modules-load.service systemd-binfmt.service
        proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount console-getty.service
        getty@tty1.service systemd-random-seed.service sys-kernel-config.mount sys-kernel-debug.mount
        sys-kernel-tracing.mount sys-fs-fuse-connections.mount dev-hugepages.mount
        systemd-firstboot.service systemd-timesyncd.service systemd-hwdb-update.service apt-daily.timer
        apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer fstrim.timer)

write_rig_init() {
  cat >"$1" <<'EOF'
#!/bin/sh
# rig-init: PID 1 of the rig container until it execs systemd.
# RIG_CGROUP=unified (the default): replace runc's cgroup-v1 view, private to this container's
# mount namespace, by one cgroup2 mount of the container's own cgroup namespace, so systemd runs in
# unified mode as on a stock Debian 12/13 host. No nsdelegate: the host's cgroup2 flags must not
# change. A hybrid host binds every controller to v1, so this tree has none and podman must not
# set a pids limit (pids.max does not exist).
# RIG_CGROUP=hybrid: keep the v1 view (systemd 252 only; 257 refuses v1).
set -e
if [ "${RIG_CGROUP:-unified}" = unified ]; then
    umount -R /sys/fs/cgroup
    mount -t cgroup2 -o rw,nosuid,nodev,noexec,relatime cgroup2 /sys/fs/cgroup
    if ! grep -qw pids /sys/fs/cgroup/cgroup.controllers && ! grep -q '^pids_limit' /etc/containers/containers.conf; then
        sed -i 's/^\[containers\]$/[containers]\npids_limit = 0/' /etc/containers/containers.conf
    fi
fi
# systemd as PID 1 raises the global fs.file-max and fs.nr_open at boot, and /proc/sys is writable
# in a privileged container: the global parts are read-only until it has booted (its writes fail
# harmlessly); per-netns net.* stays writable. Rig.start() lifts the binds once systemd runs, since
# rootless podman cannot mount a new proc while locked overmounts cover /proc.
for d in fs kernel vm; do
    mount --bind /proc/sys/$d /proc/sys/$d
    mount -o remount,bind,ro /proc/sys/$d
done
exec /sbin/init "$@"
EOF
  chmod 755 "$1"
}

build_rig() {
  local suite=$1 image=localhost/sdshim-rig/$1
  if rootfs_is_current "$image" "$recipe"; then
    rootfs_log "$image is current (recipe $recipe)"
    return
  fi
  local root work t0=$SECONDS
  work=$(mktemp -d /var/tmp/sdshim-rig.XXXXXX)
  root=$work/rootfs
  rootfs_log "building $image (debootstrap $suite: about 6 minutes)"
  if ! rootfs_bootstrap "$root" "${packages[$suite]}" "$suite"; then
    rm -rf "$work"
    return 1
  fi
  mkdir -p "$root/etc/containers"
  cp scripts/containers.conf "$root/etc/containers/containers.conf"
  cat >"$root/etc/containers/storage.conf" <<'EOF'
# rig: /var/lib/containers and /home are host directories bind-mounted in, so native overlay works nested.
[storage]
driver = "overlay"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
EOF
  echo rig >"$root/etc/hostname"
  : >"$root/etc/machine-id"
  rm -f "$root/var/lib/dbus/machine-id"
  for u in "${masked[@]}"; do ln -sf /dev/null "$root/etc/systemd/system/$u"; done
  # The user that runs rootless podman in setups 1 and 3 (docker/systemd/nginx-rootless.service names uid 1001).
  chroot "$root" useradd --create-home --uid 1001 --shell /bin/bash webuser
  echo "webuser:100000:65536" >"$root/etc/subuid"
  echo "webuser:100000:65536" >"$root/etc/subgid"
  mkdir -p "$root/var/lib/systemd/linger"
  touch "$root/var/lib/systemd/linger/webuser"
  write_rig_init "$root/usr/local/sbin/rig-init"
  rootfs_slim "$root"
  rootfs_import "$root" "$image" "$recipe" 'CMD ["/usr/local/sbin/rig-init"]' 'STOPSIGNAL=SIGRTMIN+3' \
    'ENV container=podman'
  rm -rf "$work"
  rootfs_log "$image built in $((SECONDS - t0)) s ($(podman run --rm --systemd=false "$image" sh -c 'systemctl --version | head -1; podman --version' | paste -sd' '))"
}

suites=("$@")
((${#suites[@]})) || suites=(bookworm trixie)
pids=()
for s in "${suites[@]}"; do
  [[ -n ${packages[$s]:-} ]] || { echo "rig-images: unknown suite '$s' (bookworm, trixie)" >&2; exit 2; }
  build_rig "$s" &
  pids+=($!)
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
exit $status
