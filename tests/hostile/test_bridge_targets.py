"""Hostile: targets that do not answer at once. A unix target with a full backlog refused at once
(EAGAIN) and the bridge dropped the client, where TCP queues the SYN: 4 of 6 clients got nothing.
A TCP target with a full accept queue held clients for 134 s of SYN retries: now
--bridge-connect-timeout closes them."""
import os
import socket
import tempfile
import threading
import time
import unittest

from support.activation import Activated, free_port, poke_tcp
from support.shim import PY, require_root, wait_for

SLOW_UNIX_SERVER = """
import socket, sys, threading, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(1)
print("listening", flush=True)
time.sleep(float(sys.argv[2]))  # a backlog of 1 fills up meanwhile
def serve(c):
    with c:
        c.sendall(c.recv(100))
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,)).start()
"""


def ask(port, payload, results, timeout=20):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as c:
            c.sendall(payload)
            results.append(c.recv(100))
    except OSError as e:
        results.append(e)


class Targets(unittest.TestCase):
    def setUp(self):
        require_root(self)
        self.tmp = tempfile.TemporaryDirectory(prefix="shimtest-targets-")
        self.addCleanup(self.tmp.cleanup)
        os.chmod(self.tmp.name, 0o755)

    def test_a_unix_target_with_a_full_backlog_serves_every_client(self):
        path = os.path.join(self.tmp.name, "app.sock")
        port = free_port()
        a = Activated(["-l", f"127.0.0.1:{port}"],
                      ["--ready", "exec", "--bridge", f"3=unix:{path}", "--", PY, "-c", SLOW_UNIX_SERVER, path, "1.5"])
        with a:
            poke_tcp(port).close()
            wait_for(lambda: "listening" in a.stdout(), 20, "the unix server")
            results = []
            clients = [threading.Thread(target=ask, args=(port, f"client {i}".encode(), results)) for i in range(6)]
            for c in clients:
                c.start()
            for c in clients:
                c.join(timeout=30)
            answered = sorted(r for r in results if isinstance(r, bytes) and r)
            self.assertEqual(answered, sorted(f"client {i}".encode() for i in range(6)),
                             f"answers: {results}; shim: {a.stderr()}")

    def test_a_target_that_never_answers_is_given_up_after_the_connect_timeout(self):
        port, target = free_port(), free_port()
        deaf = socket.socket()
        deaf.bind(("127.0.0.1", target))
        deaf.listen(0)
        fillers = []
        for _ in range(3):  # the accept queue is full: later SYNs are dropped, as by a wedged server
            f = socket.socket()
            f.setblocking(False)
            f.connect_ex(("127.0.0.1", target))
            fillers.append(f)
        self.addCleanup(lambda: [s.close() for s in fillers + [deaf]])
        a = Activated(["-l", f"127.0.0.1:{port}"],
                      ["--ready", "exec", "--bridge", f"3=127.0.0.1:{target}", "--bridge-connect-timeout", "1s",
                       "--", "sleep", "60"])
        with a:
            poke_tcp(port).close()
            time.sleep(0.2)
            started = time.monotonic()
            with socket.create_connection(("127.0.0.1", port), timeout=30) as c:
                self.assertEqual(c.recv(10), b"", "the client was not closed")
            waited = time.monotonic() - started
            self.assertLess(waited, 6, f"the client waited {waited:.1f}s")
            wait_for(lambda: "no answer within 1s (--bridge-connect-timeout)" in a.stderr(), 10, "the log line")

    def test_the_default_connect_timeout_is_documented(self):
        import subprocess
        from support.shim import SHIM
        out = subprocess.run([SHIM, "--help"], capture_output=True, text=True).stdout
        self.assertIn("--bridge-connect-timeout DURATION", out)
        self.assertIn("(default 10s)", " ".join(out.split("--bridge-connect-timeout", 1)[1].split()[:60]))


if __name__ == "__main__":
    unittest.main()
