#!/usr/bin/env bash
# Builds local base images from Debian packages (debootstrap + podman import) for hosts that cannot
# pull docker.io/library/{nginx,caddy,debian}; an image whose recipe is unchanged is kept (cached).
#
#   scripts/base-images.sh [nginx] [nginx-1.30] [caddy] [caddy-2.6] [builder] [static]   (default: all)
#
#   localhost/sdshim-base/nginx    Debian 12 nginx-light (1.22), laid out like the official nginx image:
#                                  /docker-entrypoint.sh, /etc/nginx/conf.d/default.conf with
#                                  `listen 80;`, user nginx (101), logs on stdout/stderr, STOPSIGNAL QUIT
#   localhost/sdshim-base/nginx-1.30  the same from Debian unstable's nginx-light (mainline 1.30)
#   localhost/sdshim-base/caddy    caddy 2.11 (takes fd/N and fdgram/N) on Debian 12, laid out like the
#                                  official caddy image: /etc/caddy/Caddyfile, XDG_CONFIG_HOME=/config,
#                                  XDG_DATA_HOME=/data. The binary comes from Debian unstable's package,
#                                  pinned below by version and SHA256 (it needs only libc6 >= 2.34).
#   localhost/sdshim-base/caddy-2.6  the same with Debian 12's caddy 2.6.2, which cannot take a socket
#                                  (the bridge's test server)
#   localhost/sdshim-base/builder  Debian 12 with the toolchain of docker/builder/Containerfile
#   localhost/sdshim-base/static   no libc at all: busybox-static only (stands in for Alpine here:
#                                  the shim must not need any libc from the image)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/podman-env.sh
[[ $(id -u) -eq 0 ]] || { echo "base-images: debootstrap and podman import need root (sudo $0)" >&2; exit 1; }
ROOTFS_TOOL=base-images
source scripts/lib/rootfs.sh

# caddy from Debian unstable, exactly this build. When unstable moves on, a machine that fetched it
# once keeps it in the cache; elsewhere the build stops and names the package to re-pin.
caddy_version=2.11.4-1
caddy_sha256=76f461ef3a123b18d77c4653a10b14d77b92c4ca13654a05236e9d5e9c49e3f3
deb_cache=$ROOTFS_CACHE/debs
work=$(mktemp -d /var/tmp/sdshim-base.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The recipe of an image is this script, the shared library and the files under docker/base: any
# change to them rebuilds every base.
recipe=$(rootfs_recipe scripts/base-images.sh scripts/lib/rootfs.sh $(find docker/base -type f | sort))

# The pinned caddy package from Debian unstable, checked against its SHA256; prints its path.
caddy_deb() {
  local deb=$deb_cache/caddy_${caddy_version}_amd64.deb
  if ! echo "$caddy_sha256  $deb" | sha256sum --check --status 2>/dev/null; then
    local sid=$work/sid
    mkdir -p "$sid/lists/partial" "$sid/archives/partial" "$(dirname "$deb")"
    echo "deb $ROOTFS_MIRROR sid main" >"$sid/sources.list"
    local apt=(apt-get -qq -o Dir::Etc::SourceList="$sid/sources.list" -o Dir::Etc::SourceParts=/dev/null
               -o Dir::State::Lists="$sid/lists" -o Dir::Cache::Archives="$sid/archives" -o APT::Sandbox::User=root)
    "${apt[@]}" update >&2
    (cd "$sid" && "${apt[@]}" download "caddy=$caddy_version") >&2 ||
      { echo "base-images: caddy $caddy_version is no longer in Debian unstable: pin the current one (caddy_version, caddy_sha256)" >&2; return 1; }
    echo "$caddy_sha256  $sid/caddy_${caddy_version}_amd64.deb" | sha256sum --check --status ||
      { echo "base-images: caddy_${caddy_version}_amd64.deb does not have the pinned SHA256 $caddy_sha256" >&2; return 1; }
    mv "$sid/caddy_${caddy_version}_amd64.deb" "$deb"
  fi
  echo "$deb"
}

nginx_layout() {
  local root=$1
  # Debian's packages start services from postinst; a chroot must not.
  chroot "$root" groupadd --system --gid 101 nginx
  chroot "$root" useradd --system --uid 101 --gid nginx --no-create-home --home-dir /nonexistent \
    --shell /bin/false nginx
  rm -f "$root"/etc/nginx/sites-enabled/default
  mkdir -p "$root"/etc/nginx/conf.d "$root"/usr/share/nginx/html "$root"/docker-entrypoint.d
  # As in the official image: its nginx.conf and default.conf (`listen 80;`), its welcome page, and
  # the entrypoint that runs /docker-entrypoint.d/*.sh for nginx, then execs.
  install -m 644 docker/base/nginx/nginx.conf "$root"/etc/nginx/nginx.conf
  install -m 644 docker/base/nginx/default.conf "$root"/etc/nginx/conf.d/default.conf
  install -m 644 docker/base/nginx/index.html "$root"/usr/share/nginx/html/index.html
  install -m 644 docker/base/nginx/index.html "$root"/usr/share/nginx/html/50x.html
  install -m 755 docker/base/nginx/docker-entrypoint.sh "$root"/docker-entrypoint.sh
  ln -sf /dev/stdout "$root"/var/log/nginx/access.log
  ln -sf /dev/stderr "$root"/var/log/nginx/error.log
}

caddy_layout() {
  local root=$1
  mkdir -p "$root"/config/caddy "$root"/data/caddy "$root"/etc/caddy "$root"/usr/share/caddy "$root"/srv
  install -m 644 docker/base/caddy/Caddyfile "$root"/etc/caddy/Caddyfile
  [[ -f $root/usr/share/caddy/index.html ]] || install -m 644 docker/base/caddy/index.html "$root"/usr/share/caddy/index.html
}

build_base() {
  local name=$1 image=localhost/sdshim-base/$1
  if rootfs_is_current "$image" "$recipe"; then
    rootfs_log "$image is current (recipe $recipe)"
    return
  fi
  local root=$work/$name
  rootfs_log "building $image"
  case $name in
    nginx|nginx-1.30)
      rootfs_bootstrap "$root" nginx-light "$([[ $name == nginx ]] && echo bookworm || echo sid)"
      nginx_layout "$root"
      rootfs_slim "$root"
      rootfs_import "$root" "$image" "$recipe" 'ENTRYPOINT ["/docker-entrypoint.sh"]' \
        'CMD ["nginx", "-g", "daemon off;"]' 'STOPSIGNAL SIGQUIT' 'EXPOSE 80'
      ;;
    caddy|caddy-2.6)
      if [[ $name == caddy ]]; then
        local deb
        deb=$(caddy_deb)
        rootfs_bootstrap "$root" ca-certificates,media-types
        dpkg-deb -x "$deb" "$root"  # the binary and its files; no maintainer scripts in a chroot
      else
        rootfs_bootstrap "$root" caddy,ca-certificates
      fi
      caddy_layout "$root"
      rootfs_slim "$root"
      rootfs_import "$root" "$image" "$recipe" 'ENV XDG_CONFIG_HOME=/config' 'ENV XDG_DATA_HOME=/data' 'WORKDIR /srv' \
        'CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]' \
        'EXPOSE 80' 'EXPOSE 443' 'EXPOSE 443/udp' 'EXPOSE 2019'
      ;;
    builder)
      rootfs_bootstrap "$root" g++,cmake,make,libboost1.81-dev,libspdlog-dev,libfmt-dev,file
      rootfs_slim "$root"
      rootfs_import "$root" "$image" "$recipe" 'CMD ["bash"]'
      ;;
    static)
      mkdir -p "$root"/bin "$root"/tmp "$root"/run
      cp /bin/busybox "$root"/bin/busybox
      file -b "$root"/bin/busybox | grep -q "statically linked" ||
        { echo "base-images: /bin/busybox is not static (install busybox-static)" >&2; return 1; }
      for applet in sh sleep cat echo ls; do ln -s busybox "$root/bin/$applet"; done
      rootfs_import "$root" "$image" "$recipe" 'ENV PATH=/bin' 'CMD ["sh"]'
      ;;
    *) echo "base-images: unknown base '$name' (nginx, nginx-1.30, caddy, caddy-2.6, builder, static)" >&2; return 2 ;;
  esac
  rm -rf "$root"
  rootfs_log "$image built ($(podman image inspect --format '{{.Size}}' "$image") bytes)"
}

bases=("$@")
((${#bases[@]})) || bases=(nginx nginx-1.30 caddy caddy-2.6 builder static)
for b in "${bases[@]}"; do build_base "$b"; done
