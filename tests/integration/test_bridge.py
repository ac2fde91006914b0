"""Bridge mode as PID 1: the shim accepts on the socket systemd-socket-activate passed and splices
each connection to a server that binds its own socket (real nginx, real caddy 2.6.2, an echo
server): 100 MiB intact both ways, half-close, 1,000 connections at once, a target that is down,
the connection limit, PROXY v1/v2 headers read by nginx, and a stop that lets transfers finish."""
import hashlib
import os
import resource
import selectors
import shutil
import signal
import socket
import tempfile
import time
import unittest

from support.activation import Activated, free_port
from support.notify import NotifyReceiver
from support.servers import concurrent_gets, download, nginx_command, nginx_site, read_all, write_random
from support.shim import PY, TEST_HELPERS, require_root

ECHO = os.path.join(TEST_HELPERS, "echo_server.py")
MiB = 1 << 20


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def connect(port, host="127.0.0.1", source=None, timeout=10, attempts=100):
    """A connection that the bridge answers: retried while the server behind it is still starting."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    last = None
    for _ in range(attempts):
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(timeout)
        if source:
            s.bind((source, 0))
        try:
            s.connect((host, port))
            return s
        except OSError as e:
            last = e
            s.close()
            time.sleep(0.05)
    raise AssertionError(f"cannot connect to {host}:{port}: {last}")


class Base(unittest.TestCase):
    def setUp(self):
        require_root(self)
        raise_nofile()
        self.tmp = tempfile.TemporaryDirectory(prefix="shimtest-bridge-")
        self.dir = self.tmp.name
        os.chmod(self.dir, 0o755)
        self.addCleanup(self.tmp.cleanup)

    def stop(self, a, sig=signal.SIGTERM):
        os.kill(a.shim_pid(), sig)
        return a.wait(timeout=30)


class Echo(Base):
    def bridge(self, shim_args, listen=None, target=None, mode="echo"):
        port = free_port()
        target = target or str(free_port())
        where = target if target.startswith("unix:") else f"127.0.0.1:{target}"
        a = Activated(listen or ["-l", f"127.0.0.1:{port}"],
                      ["--bridge", f"3={where}", *shim_args, "--", PY, ECHO, target, mode])
        return a, port

    def test_100_mib_intact_both_ways_and_half_close(self):
        a, port = self.bridge([])
        with a:
            payload = os.urandom(100 * MiB)
            s = connect(port)
            got = hashlib.sha256()
            received = [0]
            sel = selectors.DefaultSelector()
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
            sent, finished = 0, False
            view = memoryview(payload)
            while not finished:
                for key, events in sel.select(timeout=30):
                    if events & selectors.EVENT_WRITE and sent < len(payload):
                        try:
                            sent += s.send(view[sent:sent + MiB])
                        except BlockingIOError:
                            pass
                        if sent == len(payload):
                            s.shutdown(socket.SHUT_WR)  # the echo server sends its FIN after ours
                            sel.modify(s, selectors.EVENT_READ)
                    if events & selectors.EVENT_READ:
                        chunk = s.recv(MiB)
                        if not chunk:
                            finished = True
                            break
                        got.update(chunk)
                        received[0] += len(chunk)
            s.close()
            self.assertEqual(received[0], len(payload))
            self.assertEqual(got.hexdigest(), hashlib.sha256(payload).hexdigest())
            self.assertEqual(self.stop(a), 143)  # the echo server is killed by the forwarded SIGTERM

    def test_half_close_reaches_the_server_and_the_answer_comes_back(self):
        a, port = self.bridge([], mode="count")
        with a:
            data = b"x" * 300000
            s = connect(port)
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            answer = read_all(s)
            s.close()
            self.assertEqual(answer.decode(), f"{len(data)} {hashlib.sha256(data).hexdigest()}")
            self.stop(a)

    def test_unix_target(self):
        path = os.path.join(self.dir, "app.sock")
        a, port = self.bridge([], target=f"unix:{path}")
        with a:
            s = connect(port)
            s.sendall(b"over a unix socket")
            s.shutdown(socket.SHUT_WR)
            self.assertEqual(s.recv(100), b"over a unix socket")
            s.close()
            self.assertIn(f"bridging fd 3 'unknown' (127.0.0.1:{port}) to unix:{path}", a.stderr())
            self.stop(a)

    def test_with_ready_tcp_a_client_waits_in_the_backlog_until_the_server_listens(self):
        # --ready=tcp: (or http://) as --ready=target: the bridge accepts only once the server serves;
        # a client that came earlier would have found its connection refused and closed.
        port, target = free_port(), free_port()
        a = Activated(["-l", f"127.0.0.1:{port}"],
                      ["--bridge", f"3=127.0.0.1:{target}", f"--ready=tcp:127.0.0.1:{target}", "--", "/bin/sh", "-c",
                       f"sleep 1; exec {PY} {ECHO} {target} echo"])
        with a:
            s = connect(port)
            s.sendall(b"early bird")
            s.shutdown(socket.SHUT_WR)
            self.assertEqual(read_all(s), b"early bird")
            s.close()
            self.assertIn(f"is ready: tcp:127.0.0.1:{target} accepts connections", a.stderr())
            self.assertNotIn("the client's connection is closed", a.stderr())
            self.stop(a)

    def test_target_down_closes_that_client_and_others_go_on(self):
        up, down, echo_port = free_port(), free_port(), free_port()
        dead = free_port()
        with Activated(["-l", f"127.0.0.1:{down}", "-l", f"127.0.0.1:{up}"],
                       ["--ready=exec", "--bridge", f"3=127.0.0.1:{dead}", "--bridge", f"4=127.0.0.1:{echo_port}",
                        "--", PY, ECHO, str(echo_port), "echo"]) as a:
            for _ in range(20):
                s = socket.create_connection(("127.0.0.1", down), timeout=5)
                started = time.monotonic()
                try:
                    self.assertEqual(s.recv(10), b"")  # closed, not left hanging
                except ConnectionResetError:
                    pass
                self.assertLess(time.monotonic() - started, 2)
                s.close()
            deadline = time.monotonic() + 10
            while True:  # the echo server starts after the exec: retry until it answers
                s = connect(up)
                try:
                    s.sendall(b"still serving")
                    s.shutdown(socket.SHUT_WR)
                    answer = s.recv(100)
                except OSError:  # closed by the bridge: the echo server was not listening yet
                    answer = b""
                s.close()
                if answer or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            self.assertEqual(answer, b"still serving")
            self.stop(a)
            err = a.stderr()
        refused = [line for line in err.splitlines() if "Connection refused" in line]
        self.assertTrue(refused, err)
        self.assertLessEqual(len(refused), 11, "one line per refused connection: the log budget is not applied")
        self.assertIn(f"[sdshim] warning: bridge fd 3 'unknown' (127.0.0.1:{down}) -> 127.0.0.1:{dead}: connect: "
                      "Connection refused; the client's connection is closed", err)

    def test_connection_limit_leaves_the_rest_in_the_backlog(self):
        a, port = self.bridge(["--bridge-max-connections=2"])
        with a:
            first, second = connect(port), connect(port)
            for s in (first, second):
                s.sendall(b"ping")
                self.assertEqual(s.recv(10), b"ping")
            third = socket.create_connection(("127.0.0.1", port), timeout=5)
            third.sendall(b"third")
            third.settimeout(0.5)
            with self.assertRaises(socket.timeout):
                third.recv(10)  # waits in the kernel's backlog
            first.close()
            third.settimeout(5)
            self.assertEqual(third.recv(10), b"third")
            for s in (second, third):
                s.close()
            self.stop(a)

    def test_bridge_errors_name_the_socket_and_the_fix(self):
        port, other = free_port(), free_port()
        cases = [
            (["--bridge", "http=127.0.0.1:1"], "--bridge http=127.0.0.1:1: no inherited socket is named 'http' "
                                               f"(there are: fd 3 'unknown' (127.0.0.1:{port}), fd 4 'unknown' "
                                               f"(127.0.0.1:{other}))"),
            (["--bridge", "3=127.0.0.1:1"], f"fd 4 'unknown' (127.0.0.1:{other}) is not bridged: with --bridge the "
                                            "server gets no inherited socket, so add --bridge 4=TARGET for it"),
        ]
        for args, line in cases:
            with Activated(["-l", f"127.0.0.1:{port}", "-l", f"127.0.0.1:{other}"], [*args, "--", "true"]) as a:
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
                self.assertEqual(a.wait(), 2)
                self.assertIn(f"[sdshim] error: {line}\n", a.stderr())


class Nginx(Base):
    def site(self, target_port, listen_extra="", http_extra="", server_extra="", connections=64):
        return nginx_site(self.dir, f"127.0.0.1:{target_port}{listen_extra}", connections=connections,
                          http_extra=http_extra,
                          server_extra=f"client_max_body_size 200m; location /up/ {{ dav_methods PUT; "
                                       f"root {self.dir}; }} {server_extra}")

    def run_nginx(self, shim_args=(), **site):
        port, target = free_port(), free_port()
        self.site(target, **site)
        os.makedirs(f"{self.dir}/up", exist_ok=True)
        shutil.chown(f"{self.dir}/up", "www-data")
        a = Activated(["-l", f"127.0.0.1:{port}"],
                      ["--bridge", f"3=127.0.0.1:{target}", *shim_args, "--", *nginx_command(self.dir)])
        return a, port, target

    def test_100_mib_download_and_upload_through_nginx(self):
        big = os.path.join(self.dir, "html", "big")
        a, port, _ = self.run_nginx()
        with a:
            os.makedirs(os.path.dirname(big), exist_ok=True)
            want = write_random(big, 100 * MiB)
            connect(port).close()  # nginx is up
            self.assertEqual(download(port, "/big"), (200, 100 * MiB, want))

            upload = os.urandom(100 * MiB)
            s = connect(port)
            s.sendall(b"PUT /up/file HTTP/1.0\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(upload) + upload)
            self.assertRegex(s.recv(4096).split(b"\r\n")[0].decode(), r"HTTP/1.1 20[14]")
            s.close()
            with open(f"{self.dir}/up/file", "rb") as f:
                self.assertEqual(hashlib.sha256(f.read()).hexdigest(), hashlib.sha256(upload).hexdigest())
            self.assertEqual(self.stop(a, signal.SIGTERM), 0)
            self.assertIn("nginx is ready: 127.0.0.1:", a.stderr())

    def test_1000_concurrent_connections(self):
        a, port, _ = self.run_nginx(connections=4096)
        with a:
            connect(port).close()  # nginx is up
            responses = concurrent_gets(port, 1000)
            answered = len(responses)
            self.assertEqual(answered, 1000)
            self.assertEqual(sum(r.startswith(b"HTTP/1.1 200") and r.endswith(b"hello from socket-activated nginx\n")
                                 for r in responses), 1000)
            self.assertEqual(self.stop(a), 0)

    def proxied(self, version, host, listen):
        log_format = ("log_format proxied '$remote_addr $proxy_protocol_addr $proxy_protocol_port'; "
                      "set_real_ip_from 127.0.0.1; real_ip_header proxy_protocol;")
        port, target = free_port(), free_port()
        self.site(target, listen_extra=" proxy_protocol", http_extra=log_format,
                  server_extra=f"access_log {self.dir}/access.log proxied;")
        with Activated(["-l", listen.format(port=port)],
                       ["--bridge", f"3=127.0.0.1:{target}", f"--bridge-proxy-protocol={version}", "--",
                        *nginx_command(self.dir)]) as a:
            source = "127.0.0.7" if host == "127.0.0.1" else None
            s = connect(port, host, source)
            client_port = s.getsockname()[1]
            s.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
            self.assertIn(b"200 OK", s.recv(4096))
            s.close()
            self.assertEqual(self.stop(a), 0)
        with open(f"{self.dir}/access.log") as f:
            return f.read().split(), client_port

    def test_proxy_protocol_v1_gives_nginx_the_clients_address(self):
        line, client_port = self.proxied("v1", "127.0.0.1", "127.0.0.1:{port}")
        self.assertEqual(line, ["127.0.0.7", "127.0.0.7", str(client_port)])

    def test_proxy_protocol_v2_over_ipv6(self):
        line, client_port = self.proxied("v2", "::1", "[::1]:{port}")
        self.assertEqual(line, ["::1", "::1", str(client_port)])

    def test_proxy_protocol_v2_ipv4_client_on_a_dual_stack_socket(self):
        line, client_port = self.proxied("v2", "127.0.0.1", "[::]:{port}")
        self.assertEqual(line, ["127.0.0.7", "127.0.0.7", str(client_port)])

    def test_stop_lets_a_transfer_finish_and_accepts_no_more(self):
        big = os.path.join(self.dir, "html", "big")
        os.makedirs(os.path.dirname(big), exist_ok=True)
        want = write_random(big, 50 * MiB)
        a, port, _ = self.run_nginx()
        with a:
            s = connect(port)
            s.sendall(b"GET /big HTTP/1.0\r\nHost: x\r\n\r\n")
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
            first = s.recv(65536)
            os.kill(a.shim_pid(), signal.SIGTERM)  # nginx gets QUIT: it finishes what it serves
            time.sleep(0.3)
            late = socket.create_connection(("127.0.0.1", port), timeout=5)
            late.sendall(b"GET / HTTP/1.0\r\n\r\n")
            late.settimeout(0.5)
            with self.assertRaises(socket.timeout):
                late.recv(10)  # nobody accepts any more: it waits for the next start
            data = first + read_all(s)
            s.close()
            late.close()
            self.assertEqual(a.wait(timeout=30), 0, a.stderr())
        body = bytes(data).partition(b"\r\n\r\n")[2]
        self.assertEqual(hashlib.sha256(body).hexdigest(), want)


@unittest.skipUnless(shutil.which("caddy"), "caddy is not installed")
class Caddy(Base):
    def test_caddy_2_6_behind_the_bridge(self):
        port, target = free_port(), free_port()
        os.makedirs(f"{self.dir}/site", exist_ok=True)
        want = write_random(f"{self.dir}/site/big", 100 * MiB)
        caddyfile = os.path.join(self.dir, "Caddyfile")
        with open(caddyfile, "w") as f:
            f.write(f"{{\n\tadmin off\n\tauto_https off\n\tstorage file_system {self.dir}/data\n}}\n"
                    f"http://:{target} {{\n\tbind 127.0.0.1\n\troot * {self.dir}/site\n\tfile_server\n}}\n")
        rx = NotifyReceiver()
        self.addCleanup(rx.close)
        env = {"HOME": self.dir, "XDG_DATA_HOME": self.dir, "XDG_CONFIG_HOME": self.dir, "NOTIFY_SOCKET": rx.address}
        with Activated(["-l", f"127.0.0.1:{port}"],
                       ["--bridge", f"3=127.0.0.1:{target}", "--", "caddy", "run", "--config", caddyfile,
                        "--adapter", "caddyfile"], env=env) as a:
            connect(port).close()  # caddy is up
            self.assertEqual(download(port, "/big"), (200, 100 * MiB, want))
            rx.wait_for("READY=1")
            self.assertEqual(self.stop(a), 0)
            err = a.stderr()
        self.assertIn(f"caddy is ready: 127.0.0.1:{target} accepts connections", err)
        self.assertEqual([m for m in rx.messages() if m == "READY=1"], ["READY=1"])  # caddy's own was not passed on
        self.assertTrue(any("STATUS=stopping caddy" in m for m in rx.messages()), rx.messages())


if __name__ == "__main__":
    unittest.main()
