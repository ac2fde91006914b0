"""Hostile: exhaustion while PID 1 runs. A cmd: probe that hit EMFILE ended the shim ("cannot go on",
exit 1, no stop sequence, the server orphaned); remote clients could cause it when
--bridge-max-connections is above what nofile allows. Out of fds, processes or memory, the shim now
sheds work (refuses the connection, skips the probe round), says so, and goes on."""
import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from support.activation import Activated, free_port, poke_tcp
from support.notify import NotifyReceiver, notify_receiver
from support.servers import connect_echoing
from support.shim import PY, SANITIZED, SHIM, TEST_HELPERS, find_child_of, require_root, wait_for

ECHO = os.path.join(TEST_HELPERS, "echo_server.py")


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


class OutOfDescriptors(unittest.TestCase):
    def setUp(self):
        require_root(self)
        if SANITIZED:
            self.skipTest("ASan needs descriptors of its own")

    def test_clients_that_exhaust_the_fds_do_not_end_the_shim(self):
        rx = notify_receiver(self)
        port, target = free_port(), free_port()
        a = Activated(["-l", f"127.0.0.1:{port}"],
                      ["--ready", "cmd:true", "--watchdog", "1s", "--bridge", f"3=127.0.0.1:{target}",
                       "--bridge-max-connections", "1000", "--", PY, ECHO, str(target), "echo"],
                      env={"NOTIFY_SOCKET": rx.address}, wrapper=["prlimit", "--nofile=40:40"])
        with a:
            poke_tcp(port).close()
            rx.wait_for("READY=1", timeout=20)
            shim = a.shim_pid()
            connect_echoing(port).close()  # the echo server listens
            clients = []
            for _ in range(60):  # more than 40 fds can carry: accept, socket() and the probes hit EMFILE
                c = socket.socket()
                c.settimeout(5)
                c.connect(("127.0.0.1", port))
                clients.append(c)
            wait_for(lambda: "Too many open files" in a.stderr(), 20, "the shim to run out of fds")
            time.sleep(2.5)  # several watchdog rounds with no fd to start a probe
            self.assertTrue(alive(shim), "the shim died: " + a.stderr()[-2000:])
            self.assertNotIn("cannot go on", a.stderr())
            self.assertIn("not checked this round", a.stderr())
            for c in clients:
                c.close()
            pings = len([m for m in rx.messages() if m == "WATCHDOG=1"])
            rx.wait_for("WATCHDOG=1", timeout=20, count=pings + 1)  # checks and pings resume
            with socket.create_connection(("127.0.0.1", port), timeout=10) as c:  # and the bridge serves again
                c.sendall(b"again")
                self.assertEqual(c.recv(10), b"again")
            os.kill(shim, signal.SIGTERM)
            a.wait(timeout=30)
            self.assertIn("stop requested", a.stderr())

    def test_out_of_fds_for_the_notify_relay_is_exit_1_with_the_hint(self):
        for nofile in (4, 5, 6, 7):
            with NotifyReceiver(abstract=True) as rx:
                p = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "prlimit", f"--nofile={nofile}",
                                    SHIM, "--", "true"], capture_output=True, text=True, timeout=30,
                                   env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "NOTIFY_SOCKET": rx.address})
            self.assertNotEqual(p.returncode, 2, f"nofile={nofile}: a usage error for an fd limit: {p.stderr}")
            if p.returncode != 0:
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertIn(f"RLIMIT_NOFILE is {nofile}", p.stderr)


class OutOfProcesses(unittest.TestCase):
    """RLIMIT_NPROC counts the processes of a real uid: the shim runs as nobody with a limit that its
    own process and the server's fill (root is exempt)."""

    def setUp(self):
        require_root(self)
        if SANITIZED:
            self.skipTest("ASan's own threads count against RLIMIT_NPROC")

    def as_nobody(self, nproc, args, env=None, timeout=30, stop_after_ready=None):
        """The shim's run; with `stop_after_ready` (a NotifyReceiver), stopped by SIGTERM once READY=1 came."""
        cmd = ["unshare", "--pid", "--fork", "--mount-proc", "setpriv", "--reuid=65534", "--regid=65534",
               "--clear-groups", "prlimit", f"--nproc={nproc}", SHIM, *args]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", **(env or {})})
        if stop_after_ready:
            try:
                stop_after_ready.wait_for("READY=1", timeout=timeout)
            except AssertionError:
                pass
            shim = find_child_of(p)
            if shim:
                os.kill(shim, signal.SIGTERM)
        out, err = p.communicate(timeout=timeout)
        return subprocess.CompletedProcess(cmd, p.returncode, out, err)

    def test_a_fork_that_fails_is_not_an_exec_failure(self):
        p = self.as_nobody(1, ["--", "true"])
        self.assertEqual(p.returncode, 1, p.stderr)  # not 126, "cannot execute"
        self.assertIn("cannot start '/usr/bin/true': Resource temporarily unavailable (fork: the process limit is "
                      "reached", p.stderr)
        self.assertNotIn("cannot execute", p.stderr)

    def test_a_probe_that_cannot_fork_is_tried_again(self):
        # The server forks a child that lives 2 s, then says so: meanwhile the shim, the server and its
        # child fill the limit of 3, and every probe's fork fails until the child is gone.
        server = ("import os, sys, time\n"
                  "while True:\n"
                  "    try:\n"
                  "        if os.fork() == 0:\n"
                  "            time.sleep(2)\n"
                  "            os._exit(0)\n"
                  "        break\n"
                  "    except OSError:\n"
                  "        time.sleep(0.01)\n"
                  "open(sys.argv[1], 'w').close()\n"
                  "os.wait()\n"  # a zombie would still count
                  "time.sleep(30)\n")
        with tempfile.TemporaryDirectory(prefix="shimtest-nproc-") as tmp:
            os.chmod(tmp, 0o777)
            flag = os.path.join(tmp, "forked")
            with NotifyReceiver(abstract=True) as rx:
                p = self.as_nobody(3, ["--ready", f"cmd:test -e {flag}", "--ready-timeout", "20s", "--grace", "1s",
                                       "--", PY, "-c", server, flag], env={"NOTIFY_SOCKET": rx.address}, stop_after_ready=rx)
                sent = rx.messages()
        self.assertIn("READY=1", sent, p.stderr)
        self.assertIn("no look this time", p.stderr)


if __name__ == "__main__":
    unittest.main()


class OutOfMemory(unittest.TestCase):
    """RLIMIT_AS set on the running shim a little above what it maps, then thousands of connections:
    allocations fail (std::bad_alloc), and the stack must not need to grow (SIGSEGV)."""

    def setUp(self):
        require_root(self)
        if SANITIZED:
            self.skipTest("ASan maps terabytes of shadow memory: an address-space limit is meaningless")

    def test_thousands_of_connections_under_an_address_space_limit(self):
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        if hard < 12000:
            self.skipTest(f"needs 12000 fds for 5,000 connections (RLIMIT_NOFILE {hard})")
        rx = notify_receiver(self)
        port, target = free_port(), free_port()
        a = Activated(["-l", f"127.0.0.1:{port}"],
                      ["--ready", "exec", "--bridge", f"3=127.0.0.1:{target}", "--", PY, ECHO, str(target), "echo"],
                      env={"NOTIFY_SOCKET": rx.address})
        clients = []
        self.addCleanup(lambda: [c.close() for c in clients])
        with a:
            poke_tcp(port).close()
            rx.wait_for("READY=1", timeout=20)
            shim = a.shim_pid()
            connect_echoing(port).close()  # the echo server listens
            with open(f"/proc/{shim}/status") as f:
                size_kb = next(int(l.split()[1]) for l in f if l.startswith("VmSize:"))
            limit = (size_kb + 256) * 1024  # 256 KiB more than it maps now
            subprocess.run(["prlimit", f"--pid={shim}", f"--as={limit}:unlimited"], check=True)
            for i in range(5000):
                c = socket.socket()
                c.setblocking(False)
                c.connect_ex(("127.0.0.1", port))
                clients.append(c)
            wait_for(lambda: "out of memory" in a.stderr() or not alive(shim), 30, "the shim to run out of memory")
            time.sleep(1)
            self.assertTrue(alive(shim), f"the shim died ({a.proc.poll()}): " + a.stderr()[-3000:])
            for c in clients:
                c.close()
            clients.clear()
            time.sleep(1)
            self.assertTrue(alive(shim), "the shim died: " + a.stderr()[-3000:])
            subprocess.run(["prlimit", f"--pid={shim}", "--as=unlimited:unlimited"], check=True)
            with socket.create_connection(("127.0.0.1", port), timeout=10) as c:  # it serves again
                c.sendall(b"again")
                self.assertEqual(c.recv(10), b"again")
            os.kill(shim, signal.SIGTERM)
            a.wait(timeout=30)
            self.assertIn("stop requested", a.stderr())
