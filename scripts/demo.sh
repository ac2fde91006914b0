#!/usr/bin/env bash
# Installs dependencies, builds sdshim and shows it as PID 1 of a fresh pid namespace:
# a child that leaves orphans behind, a forwarded and mapped stop signal, a clean exit.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
[[ $(id -u) -eq 0 ]] || { echo "demo: unshare --pid needs root (sudo $0)" >&2; exit 1; }

server='
trap "echo \"server: got SIGQUIT, finishing gracefully\"; exit 0" QUIT
echo "server: pid $$, leaving 3 orphans behind"
for i in 1 2 3; do (sleep 0.2 &) ; done
while :; do sleep 0.1; done'

echo "\$ unshare --pid --fork --mount-proc build/sdshim --map-signal TERM:QUIT -- sh -c '<server>'"
unshare --pid --fork --mount-proc build/sdshim --log-level debug --map-signal TERM:QUIT -- sh -c "$server" &
unshare_pid=$!
sleep 1
shim_pid=$(tr -d " " < /proc/$unshare_pid/task/$unshare_pid/children)
echo "demo: zombies in the namespace after 1 s: $(ps --ppid "$shim_pid" -o stat= | grep -c Z || true)"
echo "demo: kill -TERM $shim_pid (the shim, PID 1 inside)"
kill -TERM "$shim_pid"
rc=0
wait "$unshare_pid" || rc=$?
echo "demo: exit code $rc"
