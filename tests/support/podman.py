"""Shared helpers for the end-to-end tests: the project's images in real podman, rootful and rootless,
socket-activated by systemd-socket-activate, with an outer NOTIFY_SOCKET of the test's own."""
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from support import servers
from support.notify import NotifyReceiver

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

CONTAINERS_CONF = os.environ.get("CONTAINERS_CONF") or os.path.join(REPO, "scripts", "containers.conf")
NGINX_80 = "localhost/sdshim-nginx:80"
NGINX_8080 = "localhost/sdshim-nginx:8080"
NGINX_MAINLINE_80 = "localhost/sdshim-nginx:1.30-80"
CADDY = "localhost/sdshim-caddy:latest"
BUSYBOX = "localhost/sdshim-busybox:latest"  # FROM scratch: busybox httpd behind the bridge
WHOAMI = "localhost/sdshim-whoami:latest"    # the proxies' backend: prints the address and headers it got
CADDY_26 = "localhost/sdshim-caddy:2.6"  # caddy 2.6.2: cannot take a socket (the bridge's server)
ROOTLESS_USER = os.environ.get("SDSHIM_E2E_USER", "sdshim-e2e")
AUTO_USERNS_FIRST, AUTO_USERNS_COUNT = 400000, 131072  # after the rootless user's 300000-365535
# In CI a missing podman or root is a failure, never a skip.
REQUIRED = os.environ.get("SDSHIM_E2E_REQUIRED", "0") == "1"


def require_podman():
    reason = None
    if os.geteuid() != 0:
        reason = "the e2e tier needs root (rootful podman, and a rootless user it creates)"
    elif shutil.which("podman") is None or shutil.which("systemd-socket-activate") is None:
        reason = "podman or systemd-socket-activate is not installed (scripts/install-deps.sh)"
    if reason:
        if REQUIRED:
            raise AssertionError(reason + " (SDSHIM_E2E_REQUIRED=1)")
        raise unittest.SkipTest(reason)


def podman_env(user=None):
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "CONTAINERS_CONF": CONTAINERS_CONF, "LANG": "C.UTF-8"}
    if user:
        env.update(HOME=user.home, XDG_RUNTIME_DIR=user.runtime_dir, USER=user.name, LOGNAME=user.name)
    else:
        env["HOME"] = "/root"
    return env


def podman(*args, user=None, check=True, timeout=120, input=None):
    cmd = (user.prefix() if user else []) + ["podman", *args]
    r = subprocess.run(cmd, env=podman_env(user), capture_output=True, text=True, timeout=timeout, input=input)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.strip()}")
    return r


def image_id(image, user=None):
    r = podman("image", "inspect", "--format", "{{.Id}}", image, user=user, check=False)
    return r.stdout.strip() if r.returncode == 0 else None


def require_image(image):
    if image_id(image) is None:
        raise AssertionError(f"{image} is missing: the 'e2e: images' fixture (scripts/images.sh) builds it")


def ensure_auto_userns_ids():
    """--userns=auto takes its ranges from the subordinate ids of the user named "containers"."""
    for path in ("/etc/subuid", "/etc/subgid"):
        with open(path, "a+") as f:
            f.seek(0)
            if not any(line.startswith("containers:") for line in f):
                f.write(f"containers:{AUTO_USERNS_FIRST}:{AUTO_USERNS_COUNT}\n")


class RootlessUser:
    """An unprivileged user with subordinate ids and a runtime directory, as rootless podman needs."""

    def __init__(self, name=ROOTLESS_USER):
        self.name = name
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", name], check=True)
            pw = pwd.getpwnam(name)
        self.uid, self.gid, self.home = pw.pw_uid, pw.pw_gid, pw.pw_dir
        for path, flag in (("/etc/subuid", "--add-subuids"), ("/etc/subgid", "--add-subgids")):
            with open(path, "a+") as f:
                f.seek(0)
                if not any(line.startswith(name + ":") for line in f):
                    subprocess.run(["usermod", flag, "300000-365535", name], check=True)
        self.runtime_dir = f"/run/user/{self.uid}"
        os.makedirs(self.runtime_dir, exist_ok=True)
        os.chown(self.runtime_dir, self.uid, self.gid)
        os.chmod(self.runtime_dir, 0o700)

    def prefix(self):
        return ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--init-groups"]

    def load_image(self, image):
        """Copies a root image into the user's storage, unless the same image id is already there."""
        want = image_id(image)
        if want is None:
            raise AssertionError(f"{image} is missing in root's storage")
        if image_id(image, user=self) == want:
            return
        with tempfile.TemporaryDirectory(prefix="sdshim-e2e-image-") as d:
            os.chmod(d, 0o755)
            archive = os.path.join(d, "image.tar")
            podman("save", "--quiet", "--output", archive, image, timeout=300)
            os.chmod(archive, 0o644)
            podman("load", "--quiet", "--input", archive, user=self, timeout=300)
        got = image_id(image, user=self)
        if got != want:
            raise AssertionError(f"{image} loaded for {self.name} as {got}, not {want}")


class Receiver(NotifyReceiver):
    """The outer NOTIFY_SOCKET (what systemd would be): a path any user may send to."""

    def __init__(self):
        super().__init__()
        os.chmod(self.tmp.name, 0o755)
        os.chmod(self.address, 0o777)


def http_get(port, timeout=20):
    """GET / on 127.0.0.1:port (servers.http_get), retried while the activated service starts.
    Returns (status, response text)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            data = servers.http_get(port, timeout=timeout)
            if data:
                text = data.decode("utf-8", "replace")
                return int(text.split(" ", 2)[1]), text
            last = "connection closed without a response"
        except OSError as e:
            last = repr(e)
        time.sleep(0.1)
    raise AssertionError(f"no HTTP response from 127.0.0.1:{port} within {timeout}s: {last}")


def host_tree(pid):
    """pid and all its descendants on the host, with their start times (to tell reused pids apart)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append((int(entry), fields[19]))
    out, todo = {}, [pid]
    start = proc_start(pid)
    if start is not None:
        out[pid] = start
    while todo:
        for child, start in children.get(todo.pop(), []):
            out[child] = start
            todo.append(child)
    return out


def proc_start(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except OSError:
        return None


def survivors(tree, settle=5.0):
    """Processes of `tree` still alive after `settle` seconds, as {pid: command line}."""
    deadline = time.monotonic() + settle
    while True:
        alive = {pid: start for pid, start in tree.items() if proc_start(pid) == start}
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    out = {}
    for pid in alive:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                out[pid] = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            pass
    return out


def project_version():
    """The version the build directory was configured with (CMakeLists.txt's project())."""
    with open(os.path.join(REPO, "build", "CMakeCache.txt")) as f:
        for line in f:
            if line.startswith("CMAKE_PROJECT_VERSION:STATIC="):
                return line.split("=", 1)[1].strip()
    raise AssertionError("no CMAKE_PROJECT_VERSION in build/CMakeCache.txt")


def assert_dropped_socket_explained(test, container, port):
    """The container's nginx closed the inherited socket on 0.0.0.0:port: the shim exits 1 with one
    error line naming fd 3, the address and the fix, and never said READY=1."""
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass  # starts the service
    rc = container.wait(timeout=60)
    out = container.output()
    test.assertEqual(rc, 1, out)  # the shim's exit code, passed on by podman
    lines = [line for line in out.splitlines() if line.startswith("[sdshim] error:")]
    test.assertEqual(len(lines), 1, out)
    address = re.escape(f"0.0.0.0:{port}")
    test.assertRegex(lines[0], rf"fd 3\b.*\({address}\).*fix: put .listen {address};. in the server block")
    test.assertNotIn("READY=1", container.receiver.messages())


def serve_ready_stop(test, container, port, page):
    """The page is served on `port`, READY=1 arrives, and `podman stop` ends everything gracefully:
    exit 0 within 5 s of its 10, no process of conmon's tree left. Returns the output."""
    status, text = http_get(port)
    test.assertEqual(status, 200, container.output())
    test.assertIn(page, text)
    container.receiver.wait_for("READY=1", timeout=30)
    processes = container.processes()
    took = container.stop(timeout=10)
    rc = container.wait()
    out = container.output()
    test.assertEqual(rc, 0, out)
    test.assertLess(took, 5.0, f"podman stop took {took:.2f}s of its 10s")
    test.assertEqual(survivors(processes), {}, "processes left behind")
    return out


class ActivatedContainer:
    """`systemd-socket-activate -l ADDR ... -- podman run --rm --network=none --sdnotify=container IMAGE`
    (plain `podman run` when listen is None; `network` names another podman network).

    `user` runs systemd-socket-activate and podman as that user (setup 1); `bind_as_root` keeps the
    socket bound by root and runs only podman as the user (setup 3)."""

    def __init__(self, image, listen, name, user=None, bind_as_root=False, datagram=(), fdnames=None,
                 podman_args=(), command=(), receiver=None, notify_through_conmon=True, network="none"):
        self.name = name
        self.user = user
        self.receiver = receiver or Receiver()
        self.tmp = tempfile.TemporaryDirectory(prefix="sdshim-e2e-")
        self.log_path = os.path.join(self.tmp.name, "output")
        podman("rm", "--force", "--ignore", name, user=user, check=False)
        env = podman_env(user)
        if notify_through_conmon:
            env["NOTIFY_SOCKET"] = self.receiver.address
        else:
            # The receiver's directory mounted in the container: what the shim sends arrives unfiltered
            # (conmon 2.1.6 passes only READY=1 and WATCHDOG=1 on).
            podman_args = ["-v", f"{self.receiver.tmp.name}:/run/e2e-notify",
                           "-e", "NOTIFY_SOCKET=/run/e2e-notify/notify.sock", *podman_args]
        passed = [a for var in env for a in ("-E", var)]
        activate = []
        if listen:
            activate = ["systemd-socket-activate"]
            for a in ([listen] if isinstance(listen, str) else listen):
                activate += ["-l", a]
            if datagram:  # one systemd-socket-activate binds one kind: a second one adds the datagram fds
                activate += passed + ["--", "systemd-socket-activate", "--datagram"]
                for a in datagram:
                    activate += ["-l", a]
            if fdnames:
                activate.append("--fdname=" + ":".join(fdnames))
            activate += passed + ["--"]
        run = ["podman", "run", "--rm", "--name", name, f"--network={network}", "--sdnotify=container",
               *podman_args, image, *command]
        if user and bind_as_root:
            cmd = activate + user.prefix() + run
        elif user:
            cmd = user.prefix() + activate + run
        else:
            cmd = activate + run
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        if listen:
            self._wait_bound()

    def _wait_bound(self):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if "Listening on" in self.output():
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"systemd-socket-activate exited {self.proc.returncode}: {self.output()}")
            time.sleep(0.02)
        raise AssertionError(f"systemd-socket-activate did not bind its sockets: {self.output()}")

    def output(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def wait_running(self, timeout=30):
        """Waits until podman reports the container running (for a container not socket-activated)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = podman("inspect", "--format", "{{.State.Running}}", self.name, user=self.user, check=False)
            if r.stdout.strip() == "true":
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"podman run exited {self.proc.returncode}: {self.output()}")
            time.sleep(0.05)
        raise AssertionError(f"{self.name} was not running within {timeout}s: {self.output()}")

    def inspect(self, fmt):
        return podman("inspect", "--format", fmt, self.name, user=self.user).stdout.strip()

    def processes(self):
        """Host pids of conmon, the shim and everything below them."""
        tree = host_tree(int(self.inspect("{{.State.ConmonPid}}")))
        tree.update(host_tree(int(self.inspect("{{.State.Pid}}"))))
        return tree

    def exec(self, *args):
        return podman("exec", self.name, *args, user=self.user, check=False)

    def stop(self, timeout=10):
        """`podman stop -t timeout`; returns the seconds it took."""
        started = time.monotonic()
        podman("stop", "--time", str(timeout), self.name, user=self.user, timeout=timeout + 30)
        return time.monotonic() - started

    def wait(self, timeout=60):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"podman run did not exit within {timeout}s: {self.output()}")

    def close(self):
        if self.proc.poll() is None:
            podman("rm", "--force", "--time", "0", "--ignore", self.name, user=self.user, check=False)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        self.receiver.close()
        self.tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
