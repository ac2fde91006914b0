#!/usr/bin/env bash
# Builds the project's images from build/sdshim: the binary-only image, then from it the nginx image
# for ports 80 and 8080 (nginx 1.22, and mainline 1.30 on 80) and the caddy images, on the local bases
# (scripts/base-images.sh) or, with SDSHIM_BASE=official, on docker.io's.
#
#   localhost/sdshim:VERSION, localhost/sdshim:latest        (docker/sdshim/Containerfile: FROM scratch)
#   localhost/sdshim-nginx:80, localhost/sdshim-nginx:8080   (Containerfile, PORT=80 / 8080)
#   localhost/sdshim-nginx:1.30-80                            (the same on nginx 1.30)
#   localhost/sdshim-caddy:latest                             (docker/caddy/Containerfile, caddy 2.11)
#   localhost/sdshim-caddy:2.6                                (the same on caddy 2.6.2: cannot take a socket)
#   localhost/sdshim-busybox:latest                           (docker/busybox/Containerfile: FROM scratch, httpd)
#   localhost/sdshim-whoami:latest                            (docker/whoami/Containerfile: the proxies' backend)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/podman-env.sh
[[ -x build/sdshim ]] || { echo "images: build/sdshim is missing; run scripts/build.sh first" >&2; exit 1; }
# Under CTest: the images must hold the binary under test, which the Containerfiles take from build/.
if [[ -n ${SDSHIM_BIN:-} ]] && ! cmp -s "$SDSHIM_BIN" build/sdshim; then
  echo "images: the binary under test ($SDSHIM_BIN) is not build/sdshim; configure with the release preset" >&2
  exit 1
fi

# `images.sh demo`: only what scripts/demo.sh runs, the binary-only image and nginx on 8080.
demo=0
[[ ${1:-} == demo ]] && demo=1
case ${SDSHIM_BASE:-local} in
  local)
    if ((demo)); then scripts/base-images.sh nginx; else scripts/base-images.sh nginx nginx-1.30 caddy caddy-2.6 builder static; fi
    nginx_base=localhost/sdshim-base/nginx
    nginx_mainline_base=localhost/sdshim-base/nginx-1.30
    caddy_base=localhost/sdshim-base/caddy
    caddy_26_base=localhost/sdshim-base/caddy-2.6
    ;;
  official)
    nginx_base=docker.io/library/nginx:stable
    nginx_mainline_base=docker.io/library/nginx:mainline
    caddy_base=docker.io/library/caddy:2
    caddy_26_base=docker.io/library/caddy:2.6
    ;;
  *) echo "images: SDSHIM_BASE must be 'local' or 'official', not '${SDSHIM_BASE}'" >&2; exit 2 ;;
esac

build() {
  local tag=$1; shift
  podman build --quiet "$@" -t "$tag" . >/dev/null
  echo "images: $tag ($(podman image inspect --format '{{.Size}}' "$tag") bytes)" >&2
}
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' build/CMakeCache.txt)
[[ -n $version ]] || { echo "images: no CMAKE_PROJECT_VERSION in build/CMakeCache.txt" >&2; exit 1; }
revision=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
source_url=$(git remote get-url origin 2>/dev/null || echo unknown)
# --no-cache: buildah 1.28 reuses a cached LABEL layer even when the ARG in it changed (one COPY: cheap).
build "localhost/sdshim:$version" --no-cache -f docker/sdshim/Containerfile --build-arg VERSION="$version" \
  --build-arg REVISION="$revision" --build-arg SOURCE="$source_url"
podman tag "localhost/sdshim:$version" localhost/sdshim:latest
shim=(--build-arg SDSHIM_IMAGE="localhost/sdshim:$version")
if ((demo)); then
  build localhost/sdshim-nginx:8080 "${shim[@]}" --build-arg BASE_IMAGE="$nginx_base" --build-arg PORT=8080
  exit 0
fi
build localhost/sdshim-nginx:80 "${shim[@]}" --build-arg BASE_IMAGE="$nginx_base" --build-arg PORT=80
build localhost/sdshim-nginx:8080 "${shim[@]}" --build-arg BASE_IMAGE="$nginx_base" --build-arg PORT=8080
build localhost/sdshim-nginx:1.30-80 "${shim[@]}" --build-arg BASE_IMAGE="$nginx_mainline_base" --build-arg PORT=80
build localhost/sdshim-caddy:latest "${shim[@]}" -f docker/caddy/Containerfile --build-arg BASE_IMAGE="$caddy_base"
build localhost/sdshim-caddy:2.6 "${shim[@]}" -f docker/caddy/Containerfile --build-arg BASE_IMAGE="$caddy_26_base"
build localhost/sdshim-busybox:latest "${shim[@]}" -f docker/busybox/Containerfile
build localhost/sdshim-whoami:latest "${shim[@]}" -f docker/whoami/Containerfile
