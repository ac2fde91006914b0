# Shared by scripts/base-images.sh and scripts/rig-images.sh: a Debian rootfs made with debootstrap
# (package downloads cached), slimmed, and imported as a podman image labelled with its recipe, so
# that an image whose recipe is unchanged is kept. Source it after setting ROOTFS_TOOL (the log
# prefix); needs root and scripts/podman-env.sh.

ROOTFS_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
ROOTFS_CACHE=${SDSHIM_CACHE:-/var/cache/sdshim}

rootfs_log() { echo "${ROOTFS_TOOL:-rootfs}: $*" >&2; }

# The recipe of the files given: any change to one of them rebuilds the images made from it.
rootfs_recipe() { cat "$@" | sha256sum | cut -c1-16; }

# rootfs_is_current IMAGE RECIPE: the image exists and was made from this recipe.
rootfs_is_current() {
  local label
  label=$(podman image inspect --format '{{index .Labels "org.sdshim.recipe"}}' "$1" 2>/dev/null) || return 1
  [[ $label == "$2" ]]
}

# rootfs_bootstrap ROOT PACKAGES [SUITE]: a minbase rootfs of SUITE (default bookworm) with the
# comma-separated PACKAGES; fails with debootstrap's last lines, or if a package is left unconfigured.
rootfs_bootstrap() {
  local root=$1 include=$2 suite=${3:-bookworm}
  local cache=$ROOTFS_CACHE/debootstrap/$suite
  mkdir -p "$cache" "$(dirname "$root")"
  if ! debootstrap --variant=minbase --include="$include" --cache-dir="$cache" "$suite" "$root" "$ROOTFS_MIRROR" \
      >"$root.log" 2>&1; then
    tail -20 "$root.log" >&2
    return 1
  fi
  rm -f "$root.log"
  if chroot "$root" dpkg -l | grep -qE '^(iU|iF|iH)'; then
    chroot "$root" dpkg -l | grep -E '^(iU|iF|iH)' >&2
    rootfs_log "unconfigured packages in the $suite rootfs"
    return 1
  fi
}

# rootfs_slim ROOT: no apt lists or package cache, no docs, man pages, locales or old logs.
rootfs_slim() {
  local root=$1
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* \
         "$root"/usr/share/locale/* "$root"/var/log/*.log "$root"/var/cache/debconf/*-old
}

# rootfs_import ROOT IMAGE RECIPE [CHANGE...]: the rootfs as IMAGE, labelled with RECIPE, with
# Containerfile-style CHANGEs; the previous build of IMAGE is dropped unless something still uses it.
rootfs_import() {
  local root=$1 image=$2 recipe=$3; shift 3
  local changes=(--change "LABEL=org.sdshim.recipe=$recipe") old
  for c in "$@"; do changes+=(--change "$c"); done
  old=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
  tar --numeric-owner -C "$root" -c . | podman import --quiet "${changes[@]}" - "$image" >/dev/null
  [[ -z $old || $old == "$(podman image inspect --format '{{.Id}}' "$image")" ]] || podman rmi "$old" >/dev/null 2>&1 || true
}
