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
source "$(dirname "$0")/podman-env.sh"
[[ $(id -u) -eq 0 ]] || { echo "base-images: debootstrap and podman import need root (sudo $0)" >&2; exit 1; }

mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# caddy from Debian unstable, exactly this build. When unstable moves on, a machine that fetched it
# once keeps it in the cache; elsewhere the build stops and names the package to re-pin.
caddy_version=2.11.4-1
caddy_sha256=76f461ef3a123b18d77c4653a10b14d77b92c4ca13654a05236e9d5e9c49e3f3
cache_dir=${SDSHIM_CACHE:-/var/cache/sdshim}/debootstrap
deb_cache=${SDSHIM_CACHE:-/var/cache/sdshim}/debs
mkdir -p "$cache_dir"
work=$(mktemp -d /var/tmp/sdshim-base.XXXXXX)
trap 'rm -rf "$work"' EXIT

log() { echo "base-images: $*" >&2; }

# The recipe of an image is this script's text: any change to it rebuilds every base.
recipe=$(sha256sum "$0" | cut -c1-16)

is_current() {
  local image=$1 label
  label=$(podman image inspect --format '{{index .Labels "org.sdshim.recipe"}}' "$image" 2>/dev/null) || return 1
  [[ $label == "$recipe" ]]
}

# debootstrap a minbase rootfs of suite $3 (default bookworm) with extra packages into $1; package
# downloads are cached.
bootstrap() {
  local root=$1 include=$2 suite=${3:-bookworm}
  mkdir -p "$cache_dir/$suite"
  debootstrap --variant=minbase --include="$include" --cache-dir="$cache_dir/$suite" \
    "$suite" "$root" "$mirror" >"$root.log" 2>&1 || { tail -20 "$root.log" >&2; return 1; }
  rm -f "$root.log"
}

# The pinned caddy package from Debian unstable, checked against its SHA256; prints its path.
caddy_deb() {
  local deb=$deb_cache/caddy_${caddy_version}_amd64.deb
  if ! echo "$caddy_sha256  $deb" | sha256sum --check --status 2>/dev/null; then
    local sid=$work/sid
    mkdir -p "$sid/lists/partial" "$sid/archives/partial" "$(dirname "$deb")"
    echo "deb $mirror sid main" >"$sid/sources.list"
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

slim() {
  local root=$1
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* \
         "$root"/usr/share/locale/* "$root"/var/log/*.log "$root"/var/cache/debconf/*-old
}

import() {
  local root=$1 image=$2; shift 2
  local changes=(--change "LABEL=org.sdshim.recipe=$recipe")
  for c in "$@"; do changes+=(--change "$c"); done
  local old
  old=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
  tar --numeric-owner -C "$root" -c . | podman import --quiet "${changes[@]}" - "$image" >/dev/null
  # The previous build of this base is now untagged: drop it unless something still uses it.
  [[ -z $old ]] || podman rmi "$old" >/dev/null 2>&1 || true
  log "$image built ($(podman image inspect --format '{{.Size}}' "$image") bytes)"
}

nginx_layout() {
  local root=$1
  # Debian's packages start services from postinst; a chroot must not.
  chroot "$root" groupadd --system --gid 101 nginx
  chroot "$root" useradd --system --uid 101 --gid nginx --no-create-home --home-dir /nonexistent \
    --shell /bin/false nginx
  rm -f "$root"/etc/nginx/sites-enabled/default
  mkdir -p "$root"/etc/nginx/conf.d "$root"/usr/share/nginx/html "$root"/docker-entrypoint.d
  cat >"$root"/etc/nginx/nginx.conf <<'EOF'
user  nginx;
worker_processes  auto;

error_log  /var/log/nginx/error.log notice;
pid        /var/run/nginx.pid;

events {
    worker_connections  1024;
}

http {
    include       /etc/nginx/mime.types;
    default_type  application/octet-stream;

    log_format  main  '$remote_addr - $remote_user [$time_local] "$request" '
                      '$status $body_bytes_sent "$http_referer" '
                      '"$http_user_agent" "$http_x_forwarded_for"';

    access_log  /var/log/nginx/access.log  main;

    sendfile        on;
    keepalive_timeout  65;

    include /etc/nginx/conf.d/*.conf;
}
EOF
  cat >"$root"/etc/nginx/conf.d/default.conf <<'EOF'
server {
    listen       80;
    listen  [::]:80;
    server_name  localhost;

    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }

    error_page   500 502 503 504  /50x.html;
    location = /50x.html {
        root   /usr/share/nginx/html;
    }
}
EOF
  cat >"$root"/usr/share/nginx/html/index.html <<'EOF'
<!DOCTYPE html>
<html>
<head><title>Welcome to nginx!</title></head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and working.</p>
</body>
</html>
EOF
  cp "$root"/usr/share/nginx/html/index.html "$root"/usr/share/nginx/html/50x.html
  # As in the official image: the entrypoint runs /docker-entrypoint.d/*.sh for nginx, then execs.
  cat >"$root"/docker-entrypoint.sh <<'EOF'
#!/bin/sh
set -e
if [ "$1" = "nginx" ] || [ "$1" = "nginx-debug" ]; then
    for f in $(find /docker-entrypoint.d/ -follow -type f -print | sort -V); do
        case "$f" in
            *.envsh) [ -x "$f" ] && . "$f" ;;
            *.sh) [ -x "$f" ] && "$f" ;;
        esac
    done
fi
exec "$@"
EOF
  chmod 755 "$root"/docker-entrypoint.sh
  ln -sf /dev/stdout "$root"/var/log/nginx/access.log
  ln -sf /dev/stderr "$root"/var/log/nginx/error.log
}

caddy_layout() {
  local root=$1
  mkdir -p "$root"/config/caddy "$root"/data/caddy "$root"/etc/caddy "$root"/usr/share/caddy "$root"/srv
  cat >"$root"/etc/caddy/Caddyfile <<'EOF'
:80 {
	root * /usr/share/caddy
	file_server
}
EOF
  [[ -f $root/usr/share/caddy/index.html ]] ||
    echo '<!DOCTYPE html><html><body><h1>Caddy works!</h1></body></html>' >"$root"/usr/share/caddy/index.html
}

build_base() {
  local name=$1 image=localhost/sdshim-base/$1
  if is_current "$image"; then
    log "$image is current (recipe $recipe)"
    return
  fi
  local root=$work/$name
  log "building $image"
  case $name in
    nginx|nginx-1.30)
      bootstrap "$root" nginx-light "$([[ $name == nginx ]] && echo bookworm || echo sid)"
      nginx_layout "$root"
      slim "$root"
      import "$root" "$image" 'ENTRYPOINT ["/docker-entrypoint.sh"]' \
        'CMD ["nginx", "-g", "daemon off;"]' 'STOPSIGNAL SIGQUIT' 'EXPOSE 80'
      ;;
    caddy|caddy-2.6)
      if [[ $name == caddy ]]; then
        local deb
        deb=$(caddy_deb)
        bootstrap "$root" ca-certificates,media-types
        dpkg-deb -x "$deb" "$root"  # the binary and its files; no maintainer scripts in a chroot
      else
        bootstrap "$root" caddy,ca-certificates
      fi
      caddy_layout "$root"
      slim "$root"
      import "$root" "$image" 'ENV XDG_CONFIG_HOME=/config' 'ENV XDG_DATA_HOME=/data' 'WORKDIR /srv' \
        'CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]' \
        'EXPOSE 80' 'EXPOSE 443' 'EXPOSE 443/udp' 'EXPOSE 2019'
      ;;
    builder)
      bootstrap "$root" g++,cmake,make,libboost1.81-dev,libspdlog-dev,libfmt-dev,file
      slim "$root"
      import "$root" "$image" 'CMD ["bash"]'
      ;;
    static)
      mkdir -p "$root"/bin "$root"/tmp "$root"/run
      cp /bin/busybox "$root"/bin/busybox
      file -b "$root"/bin/busybox | grep -q "statically linked" ||
        { echo "base-images: /bin/busybox is not static (install busybox-static)" >&2; return 1; }
      for applet in sh sleep cat echo ls; do ln -s busybox "$root/bin/$applet"; done
      import "$root" "$image" 'ENV PATH=/bin' 'CMD ["sh"]'
      ;;
    *) echo "base-images: unknown base '$name' (nginx, nginx-1.30, caddy, caddy-2.6, builder, static)" >&2; return 2 ;;
  esac
  rm -rf "$root"
}

bases=("$@")
((${#bases[@]})) || bases=(nginx nginx-1.30 caddy caddy-2.6 builder static)
for b in "${bases[@]}"; do build_base "$b"; done
