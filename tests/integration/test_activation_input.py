"""LISTEN_* as the shim may receive it, good and bad: every mistake explained in one line before the server starts."""
import os
import socket
import unittest

from support.activation import run_with_fds
from support.notify import NotifyReceiver
from support.shim import HELPERS, SANITIZED, require_root

PEER = os.path.join(HELPERS, "listen_peer")


def listener():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    return s


class BadInput(unittest.TestCase):
    def setUp(self):
        require_root(self)

    def check_error(self, fds, env, expected):
        p = run_with_fds(fds, env, [PEER])
        self.assertEqual(p.returncode, 2, p.stderr)
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertIn(expected, lines[0])
        self.assertEqual(p.stdout, "", "the server must not start")

    def test_listen_fds_not_a_number(self):
        with listener() as s:
            self.check_error([s], {"LISTEN_PID": "1", "LISTEN_FDS": "two"}, "LISTEN_FDS='two': expected the number")

    def test_listen_fds_negative(self):
        self.check_error([], {"LISTEN_PID": "1", "LISTEN_FDS": "-1"}, "LISTEN_FDS='-1'")

    def test_listen_pid_not_a_number(self):
        self.check_error([], {"LISTEN_PID": "one", "LISTEN_FDS": "1"}, "LISTEN_PID='one'")

    def test_more_fds_announced_than_open(self):
        with listener() as s:
            self.check_error([s], {"LISTEN_PID": "1", "LISTEN_FDS": "2"}, "fd 4 ('unknown') is not open")

    def test_more_fds_than_the_fd_limit_allows(self):
        # Found by the fuzz target: 100,000,000 names were made up before the first fd was checked.
        self.check_error([], {"LISTEN_PID": "1", "LISTEN_FDS": "100000000"},
                         "LISTEN_FDS='100000000': more sockets than the fd limit allows (RLIMIT_NOFILE")

    def test_fd_limit_too_low_for_the_inherited_sockets(self):
        if SANITIZED:
            self.skipTest("ASan needs descriptors of its own")
        socks = [listener() for _ in range(8)]
        try:
            with NotifyReceiver(abstract=True) as outer:
                p = run_with_fds(socks, {"LISTEN_PID": "1", "LISTEN_FDS": "8", "NOTIFY_SOCKET": outer.address},
                                 [PEER], nofile=16)
        finally:
            for sock in socks:
                sock.close()
        self.assertEqual(p.returncode, 1, p.stderr)
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertRegex(lines[0], r"^\[sdshim\] error: cannot start '.*listen_peer': Too many open "
                                   r"files.*RLIMIT_NOFILE is 16: 3 go to stdio, 8 to inherited sockets.*--ulimit nofile=")
        self.assertEqual(p.stdout, "", "the server must not start")

    def test_fd_that_is_not_a_socket(self):
        r, w = os.pipe()
        with os.fdopen(r) as rf, os.fdopen(w, "w"):
            self.check_error([rf], {"LISTEN_PID": "1", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "http"},
                             "fd 3 ('http') is a pipe, not a socket")

    def test_invalid_fd_name(self):
        with listener() as s:
            self.check_error([s], {"LISTEN_PID": "1", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "bad\tname"},
                             "is not valid")


class Corrections(unittest.TestCase):
    def setUp(self):
        require_root(self)

    def test_fewer_names_are_padded_with_unknown(self):
        with listener() as a, listener() as b:
            p = run_with_fds([a, b], {"LISTEN_PID": "1", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "web"}, [PEER])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("padded with 'unknown'", p.stderr)
        self.assertIn("sd_listen_fds_with_names=2", p.stdout)
        self.assertIn("fd 3 name=web", p.stdout)
        self.assertIn("fd 4 name=unknown", p.stdout)

    def test_more_names_are_cut(self):
        with listener() as a:
            p = run_with_fds([a], {"LISTEN_PID": "1", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "web:extra"}, [PEER])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("cut", p.stderr)
        self.assertIn("sd_listen_fds_with_names=1", p.stdout)

    def test_listen_pid_of_another_process_passes_nothing(self):
        with listener() as a:
            p = run_with_fds([a], {"LISTEN_PID": "77", "LISTEN_FDS": "1"}, [PEER])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("LISTEN_PID=77 is another process", p.stderr)
        self.assertIn("LISTEN_PID=-", p.stdout)
        self.assertIn("fds=0,1,2\n", p.stdout)
        self.assertIn("sd_listen_fds_with_names=0", p.stdout)

    def test_fds_beyond_listen_fds_never_reach_the_server(self):
        r, w = os.pipe()
        with listener() as a, os.fdopen(r) as rf, os.fdopen(w, "w") as wf:
            p = run_with_fds([a, rf, wf], {"LISTEN_PID": "1", "LISTEN_FDS": "1"}, [PEER])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("fds=0,1,2,3\n", p.stdout)

    def test_listen_pid_of_the_parent_is_accepted_behind_another_init(self):
        with listener() as a:
            # Not PID 1: the test process plays tini, which leaves LISTEN_PID at its own pid.
            p = run_with_fds([a], {"LISTEN_PID": str(os.getpid()), "LISTEN_FDS": "1", "LISTEN_PIDFDID": "12345"},
                             ["--log-level", "debug", PEER], pid1=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("is the shim's parent", p.stderr)
        self.assertIn("sd_listen_fds_with_names=1", p.stdout)
        self.assertIn("LISTEN_PIDFDID=-", p.stdout)


if __name__ == "__main__":
    unittest.main()
