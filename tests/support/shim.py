"""The shim under test: run the real binary, as PID 1 of a new pid namespace or not, and watch it."""
import os
import signal
import subprocess
import tempfile
import time
import unittest

SHIM = os.environ.get("SHIMTEST_BIN", "")
HELPERS = os.environ.get("SHIMTEST_HELPERS", "")
# A shim for another architecture runs under this emulator (qemu-aarch64-static): tests/cross.
EMULATOR = os.environ.get("SHIMTEST_EMULATOR", "").split()
SANITIZED = os.environ.get("SHIMTEST_SANITIZED", "0") in ("1", "ON", "TRUE", "true")
HERE = os.path.dirname(os.path.abspath(__file__))
TEST_HELPERS = os.path.join(os.path.dirname(HERE), "helpers")  # helper programs in source form
PY = "/usr/bin/python3"


def find_child_of(proc, timeout=10):
    """Host pid of the process unshare forked (the shim), or None if it already came and went."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
                kids = f.read().split()
            if kids:
                return int(kids[0])
        except (FileNotFoundError, ProcessLookupError):
            return None  # unshare already exited
        if proc.poll() is not None:
            return None  # a fast failure: the shim exited before we looked
        time.sleep(0.005)
    raise AssertionError("the shim did not start under unshare")


def require_root(test):
    if os.geteuid() != 0:
        raise unittest.SkipTest("needs root for unshare --pid")


class Shim:
    """One run of the shim. With pid1=True it runs as PID 1 of a fresh pid namespace."""

    def __init__(self, args, pid1=True, env=None, preexec_fn=None, pass_fds=(), cwd=None):
        if not SHIM:
            raise RuntimeError("SHIMTEST_BIN is not set (run through ctest)")
        self.tmp = tempfile.TemporaryDirectory(prefix="shimtest-")
        self.out_path = os.path.join(self.tmp.name, "stdout")
        self.err_path = os.path.join(self.tmp.name, "stderr")
        cmd = (["unshare", "--pid", "--fork", "--mount-proc"] if pid1 else []) + EMULATOR + [SHIM] + list(args)
        full_env = dict(os.environ)
        full_env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        if env:
            full_env.update(env)
        self.started = time.monotonic()
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=full_env,
                                         preexec_fn=preexec_fn, pass_fds=pass_fds, close_fds=True, cwd=cwd)
        self.pid1 = pid1
        self.shim_pid = self._find_shim_pid() if pid1 else self.proc.pid

    def _find_shim_pid(self):
        return find_child_of(self.proc)

    def signal(self, sig):
        os.kill(self.shim_pid, sig)

    def wait(self, timeout=30):
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the shim did not exit within {timeout}s; {self._where()}; its stderr:\n"
                                 f"{self._read(self.err_path)}") from None
        self.elapsed = time.monotonic() - self.started
        self._out, self._err = self._read(self.out_path), self._read(self.err_path)
        return rc

    def _where(self):
        """What the shim's tree is doing: each process's name, state and kernel wait channel."""
        parts, pending = [], [self.shim_pid] if self.shim_pid else []
        while pending and len(parts) < 20:
            pid = pending.pop(0)
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)
                with open(f"/proc/{pid}/wchan") as f:
                    wchan = f.read()
                with open(f"/proc/{pid}/task/{pid}/children") as f:
                    pending += [int(c) for c in f.read().split()]
            except (FileNotFoundError, ProcessLookupError):
                continue
            parts.append(f"{pid} {fields[0].split('(', 1)[1]} {fields[1].split()[0]} in {wchan or '-'}")
        return "processes: " + (", ".join(parts) or "none")

    @staticmethod
    def _read(path):
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stdout(self):
        return self._out if self.proc.poll() is not None and hasattr(self, "_out") else self._read(self.out_path)

    def stderr(self):
        return self._err if self.proc.poll() is not None and hasattr(self, "_err") else self._read(self.err_path)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            if self.pid1 and self.shim_pid:
                try:
                    os.kill(self.shim_pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
        self.tmp.cleanup()


def wait_for(predicate, timeout=10, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def wait_idle(pid, timeout=10):
    """Waits until the process sleeps in its event loop, done with setup: in epoll_wait, or in
    sigtimedwait when the signalfd is all the loop watches and no deadline is armed."""
    def idle():
        with open(f"/proc/{pid}/wchan") as f:
            return f.read().split(".")[0] in ("do_epoll_wait", "do_sigtimedwait")  # .isra.0 and such: compiler clones
    wait_for(idle, timeout, "the shim to enter its event loop")


def read_lines(path):
    try:
        with open(path) as f:
            return f.read().split()
    except FileNotFoundError:
        return []


def proc_status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def recorder(out_file, *flags):
    """Command line of the signal recorder child (tests/helpers/recorder.py)."""
    return [PY, os.path.join(TEST_HELPERS, "recorder.py"), out_file, *flags]


def scratch_dir():
    """A temporary directory for a test's files, removed at the end of its `with` block."""
    return tempfile.TemporaryDirectory(prefix="shimtest-")
