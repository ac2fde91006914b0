#!/usr/bin/env bash
# Builds the committed HEAD twice, at two different paths, and packages each: the static binary and
# the .deb must come out byte-identical (paths are mapped away, the package's times come from
# SOURCE_DATE_EPOCH, which is the commit's time). Prints the SHA-256 of each artifact. The first
# build is this checkout's own build/ when the checkout is HEAD with no change (CI's: one build of
# the four less); else, as the second always is, a clone of its own.
#   scripts/check-reproducible.sh [--arch amd64|arm64]
set -euo pipefail
cd "$(dirname "$0")/.."
arch=amd64
case ${1:-} in
  "") ;;
  --arch) arch=${2:?--arch needs amd64 or arm64} ;;
  *) echo "check-reproducible: usage: scripts/check-reproducible.sh [--arch amd64|arm64]" >&2; exit 2 ;;
esac
case $arch in amd64) preset=release ;; arm64) preset=release-arm64 ;; *) echo "check-reproducible: --arch amd64|arm64" >&2; exit 2 ;; esac
work=$(mktemp -d /var/tmp/sdshim-repro.XXXXXX)
trap 'rm -rf "$work"' EXIT
sides="a b"
# Never rebuilt here: other tests may be running build/sdshim. A build of another commit, or of
# changes since, says so in --version.
if [[ $arch == amd64 && -z $(git status --porcelain --untracked-files=no) && -x build/make_man_page &&
      -z $(find src -newer build/make_man_page -print -quit) ]]; then
  if build/sdshim --version 2>/dev/null | grep -q "commit $(git rev-parse --short=12 HEAD),"; then
    scripts/package.sh --out "$work/own" 2>/dev/null
    ln -s "$work/own" "$work/dist-a"
    sides=b
    echo "side a: this checkout's build/ ($PWD)"
  fi
fi
for side in $sides; do
  # Different depths as well as names: nothing of the path may reach the artifacts.
  dir=$work/$side
  [[ $side == a ]] || dir+=/deeper/tree
  git clone --quiet --no-hardlinks . "$dir"
  (
    cd "$dir"
    cmake --preset release >/dev/null
    cmake --build --preset release -j "$(nproc)" --target sdshim make_man_page >/dev/null
    if [[ $preset != release ]]; then
      cmake --preset "$preset" >/dev/null
      cmake --build --preset "$preset" -j "$(nproc)" --target sdshim >/dev/null
    fi
    scripts/package.sh --arch "$arch" 2>/dev/null
  ) || { echo "check-reproducible: the build in $dir failed" >&2; exit 1; }
  ln -s "$dir/dist" "$work/dist-$side"
done
status=0
for f in "$work"/dist-a/*; do
  name=$(basename "$f")
  if cmp -s "$f" "$work/dist-b/$name"; then
    echo "same  $(sha256sum "$f" | cut -c1-64)  $name"
  else
    echo "DIFF  $name: $(sha256sum "$f" | cut -c1-16) vs $(sha256sum "$work/dist-b/$name" | cut -c1-16)"
    status=1
  fi
done
exit $status
