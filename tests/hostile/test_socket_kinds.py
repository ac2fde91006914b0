"""Hostile: nginx and caddy handed a connected stream socket (what an Accept=yes unit passes) or one
that is not listening. nginx's workers spun on accept4() EINVAL (873,859 log lines in 8 s) while
sdshim sent READY=1; now the shim refuses before launch with one line naming the unit's mistake."""
import os
import socket
import tempfile
import unittest

from support.activation import run_with_fds
from support.notify import NotifyReceiver
from support.shim import require_root


def connected_pair():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.create_connection(server.getsockname())
    conn, _ = server.accept()
    server.close()
    return conn, client


class RefusedBeforeLaunch(unittest.TestCase):
    def setUp(self):
        require_root(self)
        self.tmp = tempfile.TemporaryDirectory(prefix="shimtest-kinds-")
        self.addCleanup(self.tmp.cleanup)
        self.started = os.path.join(self.tmp.name, "started")

    def run_server(self, sock, server):
        with NotifyReceiver(abstract=True) as rx:
            p = run_with_fds([sock], {"LISTEN_PID": "1", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "http",
                                      "NOTIFY_SOCKET": rx.address},
                             ["--server", server, "--", "sh", "-c", f"touch {self.started}; sleep 30"])
            return p, rx.messages()

    def test_a_connected_socket_is_refused_for_nginx_and_caddy(self):
        for server in ("nginx", "caddy"):
            conn, client = connected_pair()
            try:
                p, sent = self.run_server(conn, server)
            finally:
                conn.close()
                client.close()
            self.assertEqual(p.returncode, 2, p.stderr)
            lines = p.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, p.stderr)
            self.assertRegex(lines[0], r"^\[sdshim\] error: fd 3 'http' \(127\.0\.0\.1:\d+\) is a connected stream "
                                       rf"socket, not a listening one: {server} accepts .*Accept=yes: set Accept=no$")
            self.assertFalse(os.path.exists(self.started), "the server was started")
            self.assertNotIn("READY=1", sent)

    def test_a_socket_that_is_not_listening_is_refused(self):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        try:
            p, sent = self.run_server(sock, "nginx")
        finally:
            sock.close()
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("is a stream socket that is not listening: nginx can only accept on listening sockets", p.stderr)
        self.assertFalse(os.path.exists(self.started))
        self.assertNotIn("READY=1", sent)

    def test_a_generic_inetd_style_server_may_take_a_connection(self):
        conn, client = connected_pair()
        try:
            with NotifyReceiver(abstract=True) as rx:
                p = run_with_fds([conn], {"LISTEN_PID": "1", "LISTEN_FDS": "1", "NOTIFY_SOCKET": rx.address},
                                 ["--ready", "exec", "--server", "generic", "--", "sh", "-c", "echo hi >&3"])
        finally:
            conn.close()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(client.recv(16), b"hi\n")
        client.close()


if __name__ == "__main__":
    unittest.main()
