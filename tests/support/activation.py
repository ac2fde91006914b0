"""Helpers for socket-activation tests: systemd-socket-activate in front of the shim as PID 1, with LISTEN_PID=1 as podman sets it."""
import fcntl
import os
import resource
import socket
import subprocess
import tempfile
import time

from support.shim import EMULATOR, SHIM, find_child_of

_next_port = [20000 + (os.getpid() % 2000) * 10]


def free_port():
    while True:
        _next_port[0] += 1
        port = _next_port[0]
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue


class Activated:
    """systemd-socket-activate LISTEN... -- env LISTEN_PID=1 unshare --pid --fork --mount-proc SHIM ARGS.
    `prefix` runs it all under a command (nsenter --net=... for a network namespace of the test's own).
    `own_netns`: the deployment topology. The listeners are made where systemd makes them (the
    namespace the test and its clients are in), and PID 1 runs in a network namespace of its own with
    only a loopback, as podman's --network=none container: the inherited sockets are the only way in."""

    def __init__(self, listen_args, shim_args, datagram=False, pid1=True, env=None, wrapper=(), prefix=(),
                 own_netns=False):
        self.tmp = tempfile.TemporaryDirectory(prefix="shimtest-act-")
        self.out_path = os.path.join(self.tmp.name, "stdout")
        self.err_path = os.path.join(self.tmp.name, "stderr")
        env_args = ["env", f"ASAN_OPTIONS={os.environ.get('ASAN_OPTIONS', '')}",
                    *[f"{k}={v}" for k, v in (env or {}).items()]]
        if pid1:
            env_args += ["LISTEN_PID=1", "unshare", "--pid", "--fork", "--mount-proc", *(["--net"] if own_netns else [])]
        if own_netns:  # podman brings the loopback of a --network=none container up; the shim execs in its place
            wrapper = ("sh", "-c", 'ip link set lo up && exec "$@"', "sh", *wrapper)
        cmd = ([*prefix, "systemd-socket-activate", *(["-d"] if datagram else []), *listen_args, "-E", "PATH", "--"] +
               env_args + [*wrapper, *EMULATOR, SHIM, *shim_args])
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        self.wait_listening()

    def wait_listening(self):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if "Listening on" in self.stderr():
                time.sleep(0.05)
                return
            time.sleep(0.01)
        raise AssertionError("systemd-socket-activate did not start: " + self.stderr())

    def shim_pid(self):
        """Host pid of the shim (unshare's child) once it runs."""
        return find_child_of(self.proc)

    def wait(self, timeout=30):
        return self.proc.wait(timeout=timeout)

    def stdout(self):
        with open(self.out_path, errors="replace") as f:
            return f.read()

    def stderr(self):
        with open(self.err_path, errors="replace") as f:
            return f.read()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            pid = None
            try:
                pid = self.shim_pid()
            except AssertionError:
                pass
            if pid:
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
            self.proc.kill()
            self.proc.wait()
        self.tmp.cleanup()


def poke_tcp(port):
    """Makes systemd-socket-activate exec (it waits for the first connection); the connection stays queued."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return s


def poke_udp(port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"x", ("127.0.0.1", port))


def run_with_fds(fd_objects, env, args, pid1=True, nofile=None):
    """Runs the shim with fd_objects dup2'ed to 3, 4, ... and `env` added to a minimal environment,
    under RLIMIT_NOFILE `nofile` if given."""
    sources = [f.fileno() for f in fd_objects]

    def place_fds():
        # Out of the way first (targets may collide with sources), above any fd the targets use.
        moved = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 100) for fd in sources]
        for i, fd in enumerate(moved):
            os.dup2(fd, 3 + i)
        if nofile:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    full_env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "")}
    full_env.update(env)
    cmd = (["unshare", "--pid", "--fork", "--mount-proc"] if pid1 else []) + [SHIM, *args]
    return subprocess.run(cmd, env=full_env, preexec_fn=place_fds, close_fds=False, capture_output=True, text=True,
                          timeout=30)
