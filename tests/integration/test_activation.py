"""Socket activation end to end as PID 1: sockets from systemd-socket-activate reach libsystemd peers,
python-systemd and real nginx exactly right; bad LISTEN_* input is explained in one line."""
import json
import os
import shutil
import signal
import unittest

from support.activation import Activated, free_port, poke_tcp, poke_udp
from support.servers import http_get, nginx_command, nginx_site
from support.shim import HELPERS, require_root, scratch_dir, wait_idle

PEER = os.path.join(HELPERS, "listen_peer")


def peer_report(text):
    lines = text.splitlines()
    head = dict(kv.split("=", 1) for kv in lines[0].split())
    fds = lines[1].split("=", 1)[1]
    n = int(lines[2].split("=", 1)[1])
    socks = lines[3:3 + max(n, 0)]
    return head, fds, n, socks


class Activation(unittest.TestCase):
    def setUp(self):
        require_root(self)

    def test_libsystemd_peer_sees_tcp_and_unix_with_names(self):
        port = free_port()
        with Activated(["-l", f"127.0.0.1:{port}", "-l", "/tmp/sdshim-test-admin.sock", "--fdname=http:admin"],
                       [PEER]) as a:
            c = poke_tcp(port)
            self.assertEqual(a.wait(), 0, a.stderr())
            c.close()
            head, fds, n, socks = peer_report(a.stdout())
        self.assertEqual(head["LISTEN_PID"], head["getpid"], "LISTEN_PID is not the server's own pid")
        self.assertEqual(head["LISTEN_PIDFDID"], "-")
        self.assertEqual(n, 2)
        self.assertEqual(fds, "0,1,2,3,4", "the server got other fds than 0-2 and the sockets")
        self.assertEqual(socks[0], "fd 3 name=http inet=1 unix=0 stream=1 dgram=0")
        self.assertEqual(socks[1], "fd 4 name=admin inet=0 unix=1 stream=1 dgram=0")

    def test_udp_socket(self):
        port = free_port()
        with Activated(["-l", f"127.0.0.1:{port}", "--fdname=quic"], [PEER], datagram=True) as a:
            poke_udp(port)
            self.assertEqual(a.wait(), 0, a.stderr())
            _, fds, n, socks = peer_report(a.stdout())
        self.assertEqual((n, fds), (1, "0,1,2,3"))
        self.assertEqual(socks[0], "fd 3 name=quic inet=1 unix=0 stream=0 dgram=1")

    def test_python_systemd_sees_names(self):
        port = free_port()
        code = "from systemd import daemon; print(sorted(daemon.listen_fds_with_names().items()))"
        with Activated(["-l", f"127.0.0.1:{port}", "-l", f"127.0.0.1:{free_port()}", "--fdname=web:api"],
                       ["/usr/bin/python3", "-c", code]) as a:
            c = poke_tcp(port)
            self.assertEqual(a.wait(), 0, a.stderr())
            c.close()
            self.assertEqual(a.stdout().strip(), "[(3, 'web'), (4, 'api')]")

    def test_missing_fdnames_means_unknown(self):
        port = free_port()
        with Activated(["-l", f"127.0.0.1:{port}"], [PEER]) as a:
            c = poke_tcp(port)
            self.assertEqual(a.wait(), 0, a.stderr())
            c.close()
            _, _, n, socks = peer_report(a.stdout())
        self.assertEqual(n, 1)
        self.assertIn("name=unknown", socks[0])

    def test_shim_holds_no_socket_after_launch(self):
        port = free_port()
        with Activated(["-l", f"127.0.0.1:{port}"], ["sleep", "30"]) as a:
            c = poke_tcp(port)
            pid = a.shim_pid()
            wait_idle(pid)
            fds = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
            os.kill(pid, signal.SIGTERM)
            a.wait()
            c.close()
        self.assertFalse([f for f in fds if f.startswith("socket:")], fds)

    def test_inspect_text_for_each_socket_type(self):
        port = free_port()
        with Activated(["-l", f"127.0.0.1:{port}", "-l", "/tmp/sdshim-test-insp.sock", "--fdname=http:admin"],
                       ["inspect", "nginx", "-g", "daemon off;"]) as a:
            c = poke_tcp(port)
            self.assertEqual(a.wait(), 0, a.stderr())
            c.close()
            out = a.stdout().splitlines()
        self.assertRegex(out[0], rf"^fd 3 name=http family=ipv4 type=stream protocol=tcp address=127.0.0.1:{port} "
                                 r"listening inode=\d+ exports: LISTEN_FD_HTTP=3 NGINX=3;4;$")
        self.assertRegex(out[1], r"^fd 4 name=admin family=unix type=stream protocol=unix "
                                 r"address=/tmp/sdshim-test-insp.sock listening inode=\d+ exports: LISTEN_FD_ADMIN=4")
        self.assertIn("server adapter: nginx", out)
        self.assertIn("env NGINX=3;4;", out)

    def test_inspect_json_for_udp(self):
        port = free_port()
        with Activated(["-l", f"127.0.0.1:{port}", "--fdname=quic"], ["inspect", "--json", "caddy", "run"],
                       datagram=True) as a:
            poke_udp(port)
            self.assertEqual(a.wait(), 0, a.stderr())
            report = json.loads(a.stdout())
        self.assertEqual(report["server"], "caddy")
        self.assertEqual(report["sockets"][0]["type"], "datagram")
        self.assertEqual(report["sockets"][0]["protocol"], "udp")
        self.assertEqual(report["sockets"][0]["address"], f"127.0.0.1:{port}")
        self.assertFalse(report["sockets"][0]["listening"])
        self.assertEqual(report["env"], {"LISTEN_FD_QUIC": "3"})


@unittest.skipUnless(shutil.which("nginx") or os.path.exists("/usr/sbin/nginx"), "nginx-light is not installed")
class RealNginx(unittest.TestCase):
    def setUp(self):
        require_root(self)

    def test_nginx_serves_through_the_inherited_socket_without_a_hand_written_NGINX(self):
        port = free_port()
        with scratch_dir() as tmp:
            d = tmp
            nginx_site(d, f"127.0.0.1:{port}")
            env_before = os.environ.pop("NGINX", None)
            self.assertIsNone(env_before)
            with Activated(["-l", f"127.0.0.1:{port}"], ["--log-level", "debug", *nginx_command(d)]) as a:
                response = http_get(port, timeout=10, sock=poke_tcp(port))
                pid = a.shim_pid()
                os.kill(pid, signal.SIGTERM)  # mapped to QUIT for nginx: graceful
                rc = a.wait()
                err = a.stderr()
        self.assertIn(b"200 OK", response, err)
        self.assertIn(b"hello from socket-activated nginx", response)
        self.assertEqual(rc, 0, err)
        self.assertIn("received SIGTERM, sent SIGQUIT", err)


if __name__ == "__main__":
    unittest.main()
