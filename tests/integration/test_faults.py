"""Faults around the shim as PID 1: a server that crash-loops under an outer supervisor."""
import os
import socket
import unittest

from shimtest import require_root
from test_activation_input import run_with_fds


def open_fds():
    return sorted(int(fd) for fd in os.listdir("/proc/self/fd"))


class CrashLoop(unittest.TestCase):
    def setUp(self):
        require_root(self)

    def test_segfaulting_server_restarted_five_times(self):
        # The supervisor (this test, standing in for systemd + podman) keeps the listening socket and
        # starts the shim again after each crash, as Restart=on-failure would.
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        before = open_fds()
        for run in range(5):
            p = run_with_fds([sock], {"LISTEN_PID": "1", "LISTEN_FDS": "1"},
                             ["--", "sh", "-c", "sleep 0.05 & kill -SEGV $$"])
            self.assertEqual(p.returncode, 139, f"run {run}: {p.stderr}")
            self.assertIn("killed by SIGSEGV", p.stderr)
            # The crash and the stop of what it left behind (the sleep), as info: nothing went wrong in the shim.
            self.assertTrue(all(line.startswith("[sdshim] info: ") for line in p.stderr.splitlines()), p.stderr)
            self.assertEqual(open_fds(), before, f"run {run}: the supervisor's fds changed")
            with open(f"/proc/self/task/{os.getpid()}/children") as f:
                self.assertEqual(f.read().split(), [], f"run {run}: the supervisor has a child left")
        # The socket survived every run: still listening, still the supervisor's.
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            conn, _ = sock.accept()
            conn.close()
        sock.close()


if __name__ == "__main__":
    unittest.main()
