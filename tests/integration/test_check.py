"""sdshim check, as podman's HealthCmd= runs it: one line on stdout, 0 when the target serves, 1 when it
does not (refused, silent, a 4xx/5xx answer), 2 with one line on stderr for a target it cannot parse."""
import http.server
import os
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from support.shim import EMULATOR, SHIM


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        code = {"/ok": 200, "/moved": 301, "/broken": 503}.get(self.path, 404)
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()
        self.server.seen.append((self.path, self.headers.get("Host")))

    def log_message(self, *args):
        pass


def check(*args, timeout=30):
    started = time.monotonic()
    p = subprocess.run([*EMULATOR, SHIM, "check", *args], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - started


class Check(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        cls.http.seen = []
        cls.port = cls.http.server_address[1]
        threading.Thread(target=cls.http.serve_forever, daemon=True).start()

    @classmethod
    def tearDownClass(cls):
        cls.http.shutdown()
        cls.http.server_close()

    def test_http_2xx_and_3xx_serve_4xx_and_5xx_do_not(self):
        base = f"http://127.0.0.1:{self.port}"
        for path, rc, status in (("/ok", 0, "200 OK"), ("/moved", 0, "301 Moved Permanently"),
                                 ("/broken", 1, "503 Service Unavailable"), ("/missing", 1, "404 Not Found")):
            code, out, err, _ = check(base + path)
            self.assertEqual(code, rc, (path, out, err))
            word = "healthy" if rc == 0 else "unhealthy"
            self.assertEqual(out, f"{word}: {base}{path} answered HTTP/1.0 {status}\n")
            self.assertEqual(err, "")
        self.assertIn(("/ok", f"127.0.0.1:{self.port}"), self.http.seen)

    def test_verdicts_as_curl_gives_them(self):
        """A bare LF after the status line (small servers), and 103 Early Hints before the final answer,
        are healthy answers; a status line without a version is not. (Before: the first two were
        called unhealthy, the last healthy.)"""
        answers = {
            b"HTTP/1.1 200 OK\nContent-Length: 0\n\n": (0, "answered HTTP/1.1 200 OK"),
            b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n":
                (0, "answered HTTP/1.1 204 No Content"),
            b"HTTP/ 299 x\r\n\r\n": (1, "the status line has no HTTP version"),
        }
        for answer, (rc, text) in answers.items():
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                s.listen()

                def serve():
                    c, _ = s.accept()
                    c.recv(4096)
                    c.sendall(answer)
                    c.close()
                t = threading.Thread(target=serve, daemon=True)
                t.start()
                code, out, err, _ = check(f"http://127.0.0.1:{s.getsockname()[1]}/")
                t.join(10)
            self.assertEqual(code, rc, (answer, out, err))
            self.assertIn(text, out)

    def test_tcp_and_unix_listeners_serve_closed_ones_do_not(self):
        with socket.socket() as s, tempfile.TemporaryDirectory() as tmp:
            s.bind(("127.0.0.1", 0))
            s.listen()
            port = s.getsockname()[1]
            self.assertEqual(check(f"tcp:127.0.0.1:{port}")[:2], (0, f"healthy: tcp:127.0.0.1:{port} accepts connections\n"))
            path = os.path.join(tmp, "app.sock")
            with socket.socket(socket.AF_UNIX) as u:
                u.bind(path)
                u.listen()
                self.assertEqual(check(f"unix:{path}")[:2], (0, f"healthy: unix:{path} accepts connections\n"))
            code, out, _, _ = check(f"unix:{path}")  # the file is left, nobody listens
            self.assertEqual(code, 1, out)
            self.assertIn("Connection refused", out)
        code, out, _, _ = check(f"tcp:127.0.0.1:{port}")
        self.assertEqual(code, 1, out)
        self.assertTrue(out.startswith(f"unhealthy: tcp:127.0.0.1:{port}: connect: "), out)

    def test_a_server_that_never_answers_is_unhealthy_at_the_timeout(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            port = s.getsockname()[1]
            code, out, _, took = check("--check-timeout=300ms", f"http://127.0.0.1:{port}/")
        self.assertEqual(code, 1, out)
        self.assertEqual(out, f"unhealthy: http://127.0.0.1:{port}/: no answer within 300ms\n")
        self.assertLess(took, 10)

    def test_a_target_it_cannot_parse_is_one_line_and_exit_2(self):
        for target, expected in (("ftp://127.0.0.1/", "expected http://HOST[:PORT][/PATH], tcp:HOST:PORT or unix:PATH"),
                                 ("https://127.0.0.1/", "sdshim speaks no TLS"),
                                 ("http://localhost/", "the host must be numeric")):
            code, out, err, _ = check(target)
            self.assertEqual(code, 2, err)
            self.assertEqual(out, "")
            self.assertEqual(len(err.strip().splitlines()), 1, err)
            self.assertIn(expected, err)


if __name__ == "__main__":
    unittest.main()
