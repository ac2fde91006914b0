#!/usr/bin/env bash
# Packs the release build of one architecture into dist/: the bare static binary
# (sdshim-VERSION-ARCH), the Debian package (sdshim_VERSION_ARCH.deb) and SHA256SUMS over every
# artifact there. Reproducible: the same commit gives the same bytes (SOURCE_DATE_EPOCH defaults to
# the commit's time; dpkg-deb clamps every mtime to it and writes root as the owner).
#   scripts/package.sh [--arch amd64|arm64] [--out DIR]   (after scripts/build.sh [--arch arm64]; DIR: dist)
set -euo pipefail
cd "$(dirname "$0")/.."
arch=amd64
out=dist
while [[ $# -gt 0 ]]; do
  case $1 in
    --arch) arch=${2:?--arch needs amd64 or arm64}; shift 2 ;;
    --arch=*) arch=${1#--arch=}; shift ;;
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    *) echo "package: unknown argument '$1' (usage: scripts/package.sh [--arch amd64|arm64] [--out DIR])" >&2; exit 2 ;;
  esac
done
case $arch in
  amd64) build=build; machine="Advanced Micro Devices X86-64"; gnu=x86_64; libc=libc6-dev; libstdcxx=libstdc++-12-dev ;;
  arm64) build=build-arm64; machine=AArch64; gnu=aarch64; libc=libc6-dev-arm64-cross; libstdcxx=libstdc++-12-dev-arm64-cross ;;
  *) echo "package: --arch must be amd64 or arm64, not '$arch'" >&2; exit 2 ;;
esac
binary=$build/sdshim
man_tool=build/make_man_page   # the native build's: the page does not depend on the architecture
for f in "$binary" "$man_tool"; do
  [[ -x $f ]] || { echo "package: $f is missing; run scripts/build.sh${arch:+ --arch $arch} first" >&2; exit 1; }
done
readelf -h "$binary" | grep -q "Machine: *$machine" \
  || { echo "package: $binary is not a $arch binary: $(readelf -h "$binary" | grep Machine)" >&2; exit 1; }
readelf -l "$binary" | grep -q INTERP && { echo "package: $binary is not static (it has an interpreter)" >&2; exit 1; }

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
[[ -n $version ]] || { echo "package: no CMAKE_PROJECT_VERSION in $build/CMakeCache.txt" >&2; exit 1; }
: "${SOURCE_DATE_EPOCH:=$(git log -1 --format=%ct 2>/dev/null || echo 0)}"
export SOURCE_DATE_EPOCH
date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

mkdir -p "$out"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
doc=$root/usr/share/doc/sdshim
install -d -m 0755 "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/man/man1" "$doc/examples/systemd" \
  "$doc/examples/quadlet" "$doc/examples/init" "$doc/examples/caddy-proxy" \
  "$doc/examples/nginx-proxy/rootless" "$root/usr/share/lintian/overrides"
install -m 0755 "$binary" "$root/usr/bin/sdshim"
"$man_tool" "$version" "$date" | gzip -9n > "$root/usr/share/man/man1/sdshim.1.gz"
install -m 0644 packaging/copyright "$doc/copyright"
install -m 0644 docker/systemd/*.socket docker/systemd/*.service "$doc/examples/systemd/"
install -m 0644 docker/quadlet/*.container docker/quadlet/*.network docker/quadlet/sdshim.conf "$doc/examples/quadlet/"
install -m 0644 docker/caddy-proxy/* "$doc/examples/caddy-proxy/"
install -m 0644 docker/nginx-proxy/*.* "$doc/examples/nginx-proxy/"
install -m 0644 docker/nginx-proxy/rootless/* "$doc/examples/nginx-proxy/rootless/"
install -m 0644 docker/init/* "$doc/examples/init/"
gzip -9n -c README.md > "$doc/README.md.gz"
install -d -m 0755 "$doc/docs"
for page in docs/*.md; do gzip -9n -c "$page" > "$doc/docs/$(basename "$page").gz"; done
{
  echo "sdshim ($version) unstable; urgency=medium"
  echo
  echo "  * Release $version, built from commit $commit."
  echo
  echo " -- sdshim maintainers <maintainers@sdshim.invalid>  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n > "$doc/changelog.gz"
install -m 0644 packaging/lintian-overrides "$root/usr/share/lintian/overrides/sdshim"

# Built-Using: the static libraries inside the binary (Debian policy 7.8).
built_using=$(dpkg-query -W -f='${source:Package} (= ${source:Version})' "$libc"),
built_using+=" $(dpkg-query -W -f='${source:Package} (= ${source:Version})' "$libstdcxx")"
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@BUILT_USING@/$built_using/" \
    -e "s/@SIZE@/$(du -k -s --exclude=DEBIAN "$root" | cut -f1)/" packaging/control.in > "$root/DEBIAN/control"
(cd "$root" && find usr -type f | LC_ALL=C sort | xargs md5sum > DEBIAN/md5sums)
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
find "$root" -type d -exec chmod 0755 {} +

deb=$out/sdshim_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
cp "$binary" "$out/sdshim-$version-$gnu"
chmod 0755 "$out/sdshim-$version-$gnu"
(cd "$out" && find . -maxdepth 1 -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort | xargs sha256sum > SHA256SUMS)
echo "package: $deb ($(stat -c %s "$deb") bytes), $out/sdshim-$version-$gnu, $out/SHA256SUMS" >&2
