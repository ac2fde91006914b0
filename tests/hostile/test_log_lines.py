"""Hostile: a value from outside cannot make a log line of any length (a 100 KB LISTEN_FDNAMES made a
200,163-byte line); every line is capped and says how much was left out."""
import socket
import unittest

from support.activation import run_with_fds
from support.shim import require_root


class LogLineCap(unittest.TestCase):
    def setUp(self):
        require_root(self)

    def test_a_huge_fdname_gives_a_bounded_line(self):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        try:
            for fmt in ("text", "json"):
                p = run_with_fds([sock], {"LISTEN_PID": "1", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "a" * 100_000},
                                 ["--log-format", fmt, "--", "true"])
                self.assertEqual(p.returncode, 2, p.stderr[:300])
                lines = p.stderr.splitlines()
                self.assertTrue(lines)
                for line in lines:
                    self.assertLessEqual(len(line), 4096 + 200, f"{fmt}: a {len(line)}-byte line")
                self.assertIn("more bytes not logged", p.stderr)
                self.assertIn("LISTEN_FDNAMES='aaaa", p.stderr)
        finally:
            sock.close()


if __name__ == "__main__":
    unittest.main()
