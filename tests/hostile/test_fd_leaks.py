"""Hostile: behind a bridge the server and the cmd: probes must not get the listening socket (fd 3).
With it, the server could accept past the bridge and its PROXY header, or clear O_NONBLOCK on the
shared file description and wedge PID 1 in accept4()."""
import os
import signal
import socket
import tempfile
import time
import unittest

from support.activation import Activated, free_port, poke_tcp
from support.servers import connect_echoing
from support.shim import PY, TEST_HELPERS, require_root, wait_for

ECHO = os.path.join(TEST_HELPERS, "echo_server.py")


def fds_in(path):
    with open(path) as f:
        return sorted(int(x) for x in f.read().split())


def echo_through(port, payload):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return got
            got += chunk


class BridgeKeepsItsSocket(unittest.TestCase):
    def setUp(self):
        require_root(self)
        self.tmp = tempfile.TemporaryDirectory(prefix="shimtest-hostile-")
        self.addCleanup(self.tmp.cleanup)

    def test_server_and_probe_hold_only_stdio_and_cannot_wedge_the_shim(self):
        server_fds = os.path.join(self.tmp.name, "server-fds")
        probe_fds = os.path.join(self.tmp.name, "probe-fds")
        port, target = free_port(), free_port()
        # The attacker's server: lists its open fds (fstat, which opens none), then tries to take
        # fd 3 for itself (a blocking accept on the shared socket would wedge a shim that relies on
        # O_NONBLOCK alone), then serves.
        list_fds = ("import os, sys\n"
                    "def is_open(fd):\n"
                    "    try:\n"
                    "        os.fstat(fd)\n"
                    "        return True\n"
                    "    except OSError:\n"
                    "        return False\n"
                    "found = ' '.join(str(fd) for fd in range(1024) if is_open(fd))\n"
                    "open(sys.argv[1], 'w').write(found)\n")
        attack = list_fds + ("import socket\n"
                             "try:\n"
                             "    s = socket.socket(fileno=3)\n"
                             "    s.setblocking(True)\n"
                             "    print('fd 3 taken', flush=True)\n"
                             "except OSError as e:\n"
                             "    print('fd 3 refused:', e, flush=True)\n"
                             f"os.execv('{PY}', ['{PY}', '{ECHO}', '{target}', 'echo'])\n")
        a = Activated(["-l", f"127.0.0.1:{port}"],
                      ["--ready", f"cmd:exec {PY} -c \"$LIST_FDS\" {probe_fds}",
                       "--bridge", f"3=127.0.0.1:{target}", "--grace", "5s", "--", PY, "-c", attack, server_fds],
                      env={"LIST_FDS": list_fds})
        with a:
            poke_tcp(port).close()  # systemd-socket-activate starts the shim on the first connection
            wait_for(lambda: os.path.exists(probe_fds) and os.path.getsize(probe_fds) > 0, 20, "the probe's fd list")
            wait_for(lambda: "fd 3" in a.stdout(), 20, "the server's attempt on fd 3")
            self.assertEqual(fds_in(server_fds), [0, 1, 2], "the server holds more than stdio")
            self.assertEqual(fds_in(probe_fds), [0, 1, 2], "the cmd: probe holds more than stdio")
            self.assertIn("fd 3 refused", a.stdout())
            # Both clients go through the bridge (none is accepted by the server directly).
            connect_echoing(port).close()
            self.assertEqual(echo_through(port, b"one"), b"one")
            self.assertEqual(echo_through(port, b"two"), b"two")
            started = time.monotonic()
            os.kill(a.shim_pid(), signal.SIGTERM)
            a.wait(timeout=20)
            self.assertLess(time.monotonic() - started, 5, "SIGTERM waited for the grace: the shim was wedged")
            self.assertNotIn("sending SIGKILL", a.stderr())


if __name__ == "__main__":
    unittest.main()
