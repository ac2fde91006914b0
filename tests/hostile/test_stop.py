"""Hostile: the stop sequence. A server stopped with SIGTSTP never saw the stop signal until SIGKILL
(systemd sends SIGCONT after it; so does sdshim now); "grace period over: sending SIGKILL" was logged
with no process left; a storm of stop signals logged one info line each (45,930 lines)."""
import os
import signal
import tempfile
import time
import unittest

from support.activation import Activated, free_port, poke_tcp
from support.servers import connect_echoing
from support.shim import PY, TEST_HELPERS, Shim, recorder, require_root, wait_for

ECHO = os.path.join(TEST_HELPERS, "echo_server.py")


def state_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def only_child(shim_pid):
    with open(f"/proc/{shim_pid}/task/{shim_pid}/children") as f:
        return int(f.read().split()[0])


class Stop(unittest.TestCase):
    def setUp(self):
        require_root(self)
        self.tmp = tempfile.TemporaryDirectory(prefix="shimtest-stop-")
        self.addCleanup(self.tmp.cleanup)

    def test_a_stopped_server_is_continued_and_stops_gracefully(self):
        # SIGTSTP keeps its default action (stop); SIGTERM ends it at once with 0.
        server = [PY, "-c", "import signal, sys, time\n"
                            "signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))\n"
                            "print('up', flush=True)\n"
                            "while True: time.sleep(1)\n"]
        with Shim(["--grace", "4s", "--", *server]) as s:
            wait_for(lambda: os.path.exists(f"/proc/{s.shim_pid}/task/{s.shim_pid}/children") and
                     open(f"/proc/{s.shim_pid}/task/{s.shim_pid}/children").read().split(), 10, "the server")
            child = only_child(s.shim_pid)
            wait_for(lambda: "up" in s.stdout(), 10, "its handler")
            s.signal(signal.SIGTSTP)
            wait_for(lambda: state_of(child) == "T", 10, "the server to stop")
            started = time.monotonic()
            s.signal(signal.SIGTERM)
            rc = s.wait(timeout=20)
            self.assertEqual(rc, 0, s.stderr())
            self.assertLess(time.monotonic() - started, 4, "the grace ran out: the stopped server never ran")
            self.assertNotIn("sending SIGKILL", s.stderr())
            self.assertIn("exited with code 0", s.stderr())

    def test_no_sigkill_line_when_no_process_is_left(self):
        port, target = free_port(), free_port()
        a = Activated(["-l", f"127.0.0.1:{port}"],
                      ["--bridge", f"3=127.0.0.1:{target}", "--grace", "2s", "--", PY, ECHO, str(target), "echo"])
        with a:
            poke_tcp(port).close()
            c = connect_echoing(port)  # a client whose connection stays open after the server is gone
            os.kill(a.shim_pid(), signal.SIGTERM)
            a.wait(timeout=20)
            c.close()
            err = a.stderr()
        self.assertNotIn("grace period over", err)
        self.assertNotIn("still present", err)

    def test_a_storm_of_stop_signals_is_logged_within_bounds(self):
        out = os.path.join(self.tmp.name, "signals")
        with Shim(["--grace", "3s", "--", *recorder(out, "--ignore-term")]) as s:
            wait_for(lambda: os.path.exists(out) or open(f"/proc/{s.shim_pid}/task/{s.shim_pid}/children").read(),
                     10, "the server")
            time.sleep(0.3)
            sent = 0
            end = time.monotonic() + 1.5
            while time.monotonic() < end:
                try:
                    os.kill(s.shim_pid, signal.SIGTERM)
                except ProcessLookupError:
                    break
                sent += 1
            s.wait(timeout=30)
            lines = [l for l in s.stderr().splitlines() if "forwarded SIGTERM" in l or "similar message" in l]
        self.assertGreater(sent, 1000)
        self.assertLessEqual(len(lines), 20, f"{len(lines)} lines for {sent} signals")


if __name__ == "__main__":
    unittest.main()
