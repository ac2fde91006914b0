"""systemd-analyze security for every shipped service unit, as a revision had it and as the working tree
has it: in the Debian 13 rig (systemd 257) on the units as loaded, quadlet-generated ones included, and
with systemd 252's --offline=yes on the hand-written files in the Debian 12 rig. Prints docs/setups.md's
table (section Hardening). Run by hand: python3 exposure.py [REVISION] (default HEAD)."""
import os
import re
import subprocess
import sys

from rig import REPO, WEBUSER, Rig
from scenarios import quadlet_dir, unit_dir

HAND_WRITTEN = ["nginx.service", "nginx-user.service", "nginx-rootless.service", "caddy.service",
                "nginx-init.service", "busybox.service"]
# (label, the file that makes the unit, the unit systemd-analyze is given, a user unit)
QUADLETS = [("setup 2", "docker/quadlet/nginx.container", "nginx.service", False),
            ("setup 1", "docker/quadlet/nginx-user.container", "nginx-user.service", True),
            ("setup 4", "docker/quadlet/caddy.container", "caddy.service", False),
            ("setup 5", "docker/quadlet/nginx-init.container", "nginx-init.service", False),
            ("busybox", "docker/quadlet/busybox.container", "busybox.service", False),
            ("setup 6", "docker/caddy-proxy/caddy.container", "caddy.service", False),
            ("setup 6, User=webuser", "docker/caddy-proxy/caddy.service", "caddy.service", False),
            ("setup 6, 7", "docker/quadlet/whoami.container", "whoami.service", False),
            ("setup 7", "docker/nginx-proxy/nginx-proxy.container", "nginx-proxy.service", False),
            ("setup 7", "docker/nginx-proxy/nginx-proxy-acme.service", "nginx-proxy-acme.service", False),
            ("setup 7, User=webuser", "docker/nginx-proxy/nginx-proxy.service", "nginx-proxy.service", False),
            ("setup 7 rootless", "docker/nginx-proxy/rootless/nginx-proxy.container", "nginx-proxy.service", True),
            ("setup 7 rootless", "docker/nginx-proxy/rootless/nginx-proxy-acme.service", "nginx-proxy-acme.service",
             True)]


def text_at(revision, path):
    """The file as `revision` has it ("" if it did not exist then), or as the working tree has it."""
    if revision is None:
        with open(os.path.join(REPO, path)) as f:
            return f.read()
    r = subprocess.run(["git", "-C", REPO, "show", f"{revision}:{path}"], capture_output=True, text=True)
    return r.stdout if r.returncode == 0 else ""


def score(out):
    m = re.search(r"Overall exposure level for \S+: ([0-9.]+)", out)
    return m.group(1) if m else "-"


def loaded(rig, revision):
    """{file: score} with each file installed where it belongs, one at a time, in the Debian 13 rig."""
    scores = {}
    for label, path, unit, user in QUADLETS + [("", f"docker/systemd/{u}", u, u == "nginx-user.service")
                                              for u in HAND_WRITTEN]:
        text = text_at(revision, path)
        if not text:
            continue
        name = os.path.basename(path)
        where = (unit_dir(user) if name.endswith((".service", ".socket")) else quadlet_dir(user)) + "/" + name
        rig.sh(f"rm -f /etc/systemd/system/*.service /etc/containers/systemd/*.container "
               f"/home/{WEBUSER}/.config/systemd/user/*.service /home/{WEBUSER}/.config/containers/systemd/*.container")
        rig.put(text, where, user=user)
        rig.put(text_at(None, "docker/quadlet/web.network"), quadlet_dir(user) + "/web.network", user=user)
        rig.systemctl("daemon-reload", user=user)
        target = "whoami.service" if unit == "whoami.service" else unit
        out = rig.sh(f"systemd-analyze security {'--user ' if user else ''}{target} --no-pager", user=user,
                     check=False).stdout
        scores[path] = score(out)
    return scores


def offline(rig, revision):
    scores = {}
    for u in HAND_WRITTEN:
        text = text_at(revision, f"docker/systemd/{u}")
        rig.put(text, f"/tmp/units/{u}")
        out = rig.sh(f"systemd-analyze security --offline=yes /tmp/units/{u} --no-pager", check=False).stdout
        scores[f"docker/systemd/{u}"] = score(out)
    return scores


def main():
    revision = sys.argv[1] if len(sys.argv) > 1 else "HEAD"
    rigs = {}
    for suite in ("trixie", "bookworm"):
        rig = rigs[suite] = Rig(suite)
        rig.name += "-exposure"  # not the name of a rig a test may be using
    with rigs["trixie"] as rig:
        before13, after13 = loaded(rig, revision), loaded(rig, None)
    with rigs["bookworm"] as rig:
        before12, after12 = offline(rig, revision), offline(rig, None)
    print(f"| unit (file) | Debian 12, offline: {revision} | now | Debian 13, loaded: {revision} | now |")
    print("|---|---:|---:|---:|---:|")
    for label, path, unit, _ in [("", f"docker/systemd/{u}", u, False) for u in HAND_WRITTEN] + QUADLETS:
        print(f"| `{unit}` ({label + ', ' if label else ''}`{path}`) | {before12.get(path, '')} | "
              f"{after12.get(path, '')} | {before13.get(path, '-')} | {after13.get(path, '-')} |")


if __name__ == "__main__":
    main()
