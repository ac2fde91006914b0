"""A rig: real systemd as PID 1 of a privileged podman container (scripts/rig-images.sh), with podman
inside it, so the shipped units and quadlet files run exactly as on a Debian host. Also the guard
that proves the host's cgroup mounts and global sysctls were left as they were."""
import json
import os
import shutil
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
from support.podman import image_id, podman, project_version, require_podman

UNITS = os.path.join(REPO, "docker", "systemd")
QUADLET = os.path.join(REPO, "docker", "quadlet")
INIT = os.path.join(REPO, "docker", "init")
NGINX_BASE = "localhost/sdshim-base/nginx"            # unmodified, laid out like the official image
OFFICIAL_NGINX = "docker.io/library/nginx:stable"      # the name setup 5's files use; the base stands in
CADDY_BASE = "localhost/sdshim-base/caddy"            # caddy 2.11, laid out like the official image
OFFICIAL_CADDY = "docker.io/library/caddy:2"
WEBUSER, WEBUID = "webuser", 1001  # made by scripts/rig-images.sh; docker/systemd/nginx-rootless.service names them


def shipped_units():
    """The unit files of docker/systemd/ (not the drop-in folders)."""
    return sorted(f for f in os.listdir(UNITS) if os.path.isfile(os.path.join(UNITS, f)))


def require_rig(suite):
    require_podman()
    image = f"localhost/sdshim-rig/{suite}"
    if image_id(image) is None:
        raise AssertionError(f"{image} is missing: the 'systemd: rigs' fixture (scripts/rig-images.sh) builds it")
    return image


def host_snapshot():
    """What a privileged systemd could change on the host: cgroup mounts and global sysctls."""
    with open("/proc/self/mountinfo") as f:
        mounts = sorted(" ".join((line.split()[4], line.split()[-1])) for line in f if "/sys/fs/cgroup" in line)
    sysctls = {}
    for name in ("fs/protected_fifos", "fs/protected_hardlinks", "fs/protected_regular", "fs/protected_symlinks",
                 "kernel/core_pattern", "kernel/pid_max", "fs/file-max", "fs/nr_open", "kernel/printk"):
        with open(f"/proc/sys/{name}") as f:
            sysctls[name] = f.read().strip()
    return {"mounts": mounts, "cgroup dir": sorted(os.listdir("/sys/fs/cgroup")), "sysctls": sysctls}


class HostGuard(unittest.TestCase):
    """Mixed into each rig's test class: the host must look the same after the class as before it."""

    @classmethod
    def setUpClass(cls):
        cls.host_before = host_snapshot()

    @classmethod
    def tearDownClass(cls):
        after = host_snapshot()
        if after != cls.host_before:
            raise AssertionError(f"the rig changed the host: before {cls.host_before}, after {after}")


class Rig:
    """One rig container. `cgroup`: "unified" (a cgroup2 mount of its own cgroup namespace, as a stock
    Debian host has) or "hybrid" (runc's cgroup-v1 view; systemd 252 only)."""

    def __init__(self, suite, cgroup="unified"):
        self.image = require_rig(suite)
        self.suite, self.cgroup = suite, cgroup
        self.name = f"sdshim-rig-{suite}-{cgroup}"
        self.dir = tempfile.mkdtemp(prefix=f"sdshim-rig-{suite}-", dir="/var/tmp")
        self.storage = os.path.join(self.dir, "storage")
        self.home = os.path.join(self.dir, "home")
        os.makedirs(self.storage)
        os.makedirs(os.path.join(self.home, WEBUSER))
        os.chown(os.path.join(self.home, WEBUSER), WEBUID, WEBUID)

    def start(self):
        podman("rm", "--force", "--ignore", self.name)
        # --systemd=false and --cgroupns=private: podman's systemd mode would bind the host's cgroup
        # hierarchy, and systemd would write at its root. Nested storage and /home are host
        # directories, so overlay works inside.
        podman("run", "-d", "--name", self.name, "--privileged", "--systemd=false", "--cgroupns=private",
               "--network=none", "-e", f"RIG_CGROUP={self.cgroup}", "--tmpfs", "/run", "--tmpfs", "/run/lock",
               "--tmpfs", "/tmp", "-v", f"{self.storage}:/var/lib/containers", "-v", f"{self.home}:/home",
               self.image)
        state = ""
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            state = self.sh("systemctl is-system-running", check=False).stdout.strip()
            if state in ("running", "degraded"):
                break
            time.sleep(0.25)
        if state != "running":
            failed = self.sh("systemctl --failed --plain --no-legend", check=False).stdout
            raise AssertionError(f"{self.name}: systemd is '{state}', not running; failed units: {failed}")
        # rig-init kept the global /proc/sys read-only through systemd's boot (it raises fs.file-max
        # and fs.nr_open); the binds go now, lazily (kernel/ is busy), or rootless podman's proc
        # mount is refused under locked overmounts.
        self.sh("for d in fs kernel vm; do umount -l /proc/sys/$d; done; ! grep -q ' /proc/sys/' /proc/self/mountinfo")
        self.sh(f"systemctl start user@{WEBUID}.service")  # lingering: running already, or soon
        return self

    def close(self):
        podman("rm", "--force", "--ignore", "--time=5", self.name, timeout=120)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ commands
    def sh(self, script, user=False, check=True, timeout=120, input=None):
        """bash -c SCRIPT in the rig, as root or as webuser with its user manager's environment."""
        cmd = ["exec", "-i", self.name]
        if user:
            cmd += ["runuser", "-u", WEBUSER, "--", "env", f"XDG_RUNTIME_DIR=/run/user/{WEBUID}",
                    f"DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/{WEBUID}/bus"]
        r = podman(*cmd, "bash", "-c", script, check=False, timeout=timeout, input=input)
        if check and r.returncode != 0:
            raise AssertionError(f"{self.name}: '{script}' exited {r.returncode}: {r.stdout}{r.stderr}")
        return r

    def put(self, text, path, user=False):
        """Writes a file in the rig (owned by webuser with user=True)."""
        owner = f"chown {WEBUSER}: {path} && " if user else ""
        self.sh(f"mkdir -p $(dirname {path}) && cat > {path} && {owner}true", input=text)

    def install(self, src, path, user=False):
        """Copies a shipped file in unchanged."""
        with open(src) as f:
            self.put(f.read(), path, user=user)

    def install_hand_written_units(self):
        """docker/systemd/'s units, unchanged: the system units in /etc/systemd/system, setup 1's in
        webuser's ~/.config/systemd/user; both managers reloaded."""
        for f in shipped_units():
            self.install(os.path.join(UNITS, f), f"/etc/systemd/system/{f}")
        for f in ("nginx-user.socket", "nginx-user.service"):
            self.install(os.path.join(UNITS, f), f"/home/{WEBUSER}/.config/systemd/user/{f}", user=True)
        self.systemctl("daemon-reload")
        self.systemctl("daemon-reload", user=True)

    def load_images(self, *images, user=False):
        """Copies images from the host's root storage into the rig's (root's or webuser's)."""
        for image in images:
            want = image_id(image)
            have = self.sh(f"podman image inspect --format '{{{{.Id}}}}' {image}", user=user, check=False)
            if have.stdout.strip() == want:
                continue
            # One image per save: podman 4.3's 'save a b | load' gives every tag the first image's id.
            archive = os.path.join(self.home, "image.tar")
            podman("save", "--quiet", "--output", archive, image, timeout=600)
            os.chmod(archive, 0o644)
            self.sh("podman load --quiet --input /home/image.tar", user=user, timeout=600)
            os.unlink(archive)

    def install_package(self):
        """dist/'s sdshim .deb (scripts/package.sh) through dpkg, and setup 5's nginx site where its
        units expect it; the unmodified nginx base under the official image's name."""
        deb = os.path.join(REPO, "dist", f"sdshim_{project_version()}_amd64.deb")
        if not os.path.exists(deb):
            raise AssertionError(f"{deb} is missing: the 'package: artifacts' fixture (scripts/package.sh) makes it")
        shutil.copy(deb, os.path.join(self.home, "sdshim.deb"))
        self.sh("dpkg -i /home/sdshim.deb >/dev/null && rm /home/sdshim.deb")
        self.install(os.path.join(INIT, "nginx-default.conf"), "/etc/sdshim/nginx-default.conf")
        self.load_images(NGINX_BASE)
        self.sh(f"podman tag {NGINX_BASE} {OFFICIAL_NGINX}")

    # ------------------------------------------------------------------ systemd
    def systemctl(self, args, user=False, check=True, timeout=120):
        return self.sh(f"systemctl {'--user ' if user else ''}{args}", user=user, check=check, timeout=timeout)

    def show(self, unit, user=False):
        props = "ActiveState,SubState,Result,NRestarts,StatusText,ExecMainStatus,ExecMainCode,MainPID"
        out = self.systemctl(f"show {unit} -p {props}", user=user).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def cursor(self):
        """The journal's position now: entries after it are what a step caused."""
        out = self.sh("journalctl --show-cursor -n 0 -q").stdout
        return out.strip().split("cursor: ", 1)[1]

    def journal(self, cursor, unit=None, user_unit=None):
        """Entries after `cursor` as (monotonic µs, identifier, message), optionally of one unit
        (its own lines, the container's output and systemd's lines about it)."""
        # (--user-unit would also match the caller's uid, root's)
        match = f"-u {unit}" if unit else f"_SYSTEMD_USER_UNIT={user_unit} + USER_UNIT={user_unit}" if user_unit else ""
        out = self.sh(f"journalctl -q -o json --after-cursor='{cursor}' {match}").stdout
        entries = []
        for line in out.splitlines():
            e = json.loads(line)
            msg = e.get("MESSAGE", "")
            if isinstance(msg, list):  # journald stores non-UTF-8 messages as bytes
                msg = bytes(msg).decode("utf-8", "replace")
            entries.append((int(e["__MONOTONIC_TIMESTAMP"]), e.get("SYSLOG_IDENTIFIER", ""), msg))
        return entries

    def journal_until(self, cursor, done, unit=None, user_unit=None, timeout=20):
        """journal() once done(entries) holds, or as it is after `timeout`: conmon's log lines can reach
        journald after systemd's own lines about the same exit."""
        deadline = time.monotonic() + timeout
        while True:
            entries = self.journal(cursor, unit=unit, user_unit=user_unit)
            if done(entries) or time.monotonic() > deadline:
                return entries
            time.sleep(0.2)

    def curl(self, url, timeout=30):
        """(HTTP status, body) of a GET from inside the rig; status 0 when nothing answered."""
        r = self.sh(f"curl -sS -m {timeout} -w '\\n%{{http_code}}' {url}", check=False, timeout=timeout + 30)
        body, _, code = r.stdout.rpartition("\n")
        return int(code or 0), body

    def leftovers(self, user=False):
        """conmon, sdshim and nginx processes, and containers, that are still there."""
        procs = self.sh("ps -eo comm= | grep -E '^(conmon|sdshim|podman-init|nginx|caddy)$' || true").stdout.split()
        containers = self.sh("podman ps -aq", user=user).stdout.split()
        return procs, containers

    def wait_state(self, unit, states, user=False, timeout=120):
        """Waits (a bound on a hang, not a timing check) until ActiveState is one of `states`."""
        deadline = time.monotonic() + timeout
        s = {}
        while time.monotonic() < deadline:
            s = self.show(unit, user=user)
            if s.get("ActiveState") in states:
                return s
            time.sleep(0.2)
        raise AssertionError(f"{unit} never reached {states}: {s}")
