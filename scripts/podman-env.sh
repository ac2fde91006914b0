# Sourced by the scripts that run podman: the project's containers.conf unless the caller set one.
# (runc instead of crun, which refuses a cgroup-v1 hybrid host; fixed ulimits where the default
# nofile limit cannot be raised. On a usual cgroup-v2 host neither setting is needed.)
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CONTAINERS_CONF=${CONTAINERS_CONF:-$repo_root/scripts/containers.conf}
