"""The client's own address reaches the server through the activated socket: a client in a network
namespace of the test's own (a veth pair on private test addresses) is logged by nginx as itself,
rootful and rootless (no slirp4netns or rootlessport hop rewrites it), and by caddy 2.11 serving the
shipped Caddyfile from its four named sockets."""
import json
import os
import subprocess
import tempfile
import unittest

from support.podman import (CADDY, NGINX_80, NGINX_8080, ActivatedContainer, RootlessUser, require_image,
                        require_podman)

NETNS = "sdshim-e2e-client"
HOST_IF, CLIENT_IF = "sdshim-e2e0", "sdshim-e2e1"
HOST_ADDR, CLIENT_ADDR = "10.213.77.1", "10.213.77.2"
CLIENT = r"""
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
s.sendall(b"GET /source-address-probe HTTP/1.0\r\nHost: localhost\r\n\r\n")
data = b""
while chunk := s.recv(65536):
    data += chunk
print(data.split(b"\r\n", 1)[0].decode())
"""


def sh(*cmd):
    subprocess.run(cmd, check=True, capture_output=True)


class SourceAddress(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_podman()
        subprocess.run(["ip", "netns", "delete", NETNS], capture_output=True)
        subprocess.run(["ip", "link", "delete", HOST_IF], capture_output=True)
        sh("ip", "netns", "add", NETNS)
        sh("ip", "link", "add", HOST_IF, "type", "veth", "peer", "name", CLIENT_IF, "netns", NETNS)
        sh("ip", "addr", "add", f"{HOST_ADDR}/30", "dev", HOST_IF)
        sh("ip", "link", "set", HOST_IF, "up")
        sh("ip", "-n", NETNS, "addr", "add", f"{CLIENT_ADDR}/30", "dev", CLIENT_IF)
        sh("ip", "-n", NETNS, "link", "set", CLIENT_IF, "up")
        sh("ip", "-n", NETNS, "link", "set", "lo", "up")

    @classmethod
    def tearDownClass(cls):
        subprocess.run(["ip", "netns", "delete", NETNS], capture_output=True)
        subprocess.run(["ip", "link", "delete", HOST_IF], capture_output=True)

    def request_from_client(self, port):
        r = subprocess.run(["ip", "netns", "exec", NETNS, "python3", "-c", CLIENT, HOST_ADDR, str(port)],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    def check(self, image, port, name, user=None):
        with ActivatedContainer(image, f"0.0.0.0:{port}", name, user=user) as c:
            self.assertEqual(self.request_from_client(port), "HTTP/1.1 404 Not Found")
            c.receiver.wait_for("READY=1", timeout=30)
            c.stop()
            self.assertEqual(c.wait(), 0, c.output())
            logged = [line for line in c.output().splitlines() if "\"GET /source-address-probe HTTP/1.0\" 404" in line]
            self.assertEqual(len(logged), 1, c.output())
            self.assertTrue(logged[0].startswith(f"{CLIENT_ADDR} - "), logged[0])

    def check_caddy(self, name, user=None):
        with tempfile.TemporaryDirectory(prefix="sdshim-e2e-caddy-src-") as d:
            os.chmod(d, 0o777)
            with ActivatedContainer(CADDY, ["0.0.0.0:18080", "0.0.0.0:18443", os.path.join(d, "admin.sock")], name,
                                    user=user, datagram=["0.0.0.0:18443"],
                                    fdnames=["http", "https", "admin", "quic"]) as c:
                # the http:// site redirects to https, and logs the request first
                self.assertEqual(self.request_from_client(18080), "HTTP/1.0 302 Found")
                c.receiver.wait_for("READY=1", timeout=60)
                c.stop()
                self.assertEqual(c.wait(), 0, c.output())
                logged = [json.loads(line) for line in c.output().splitlines()
                          if line.startswith("{") and "/source-address-probe" in line and "handled request" in line]
                self.assertEqual(len(logged), 1, c.output())
                self.assertEqual(logged[0]["request"]["remote_ip"], CLIENT_ADDR, logged[0])

    def test_caddy_rootful(self):
        require_image(CADDY)
        self.check_caddy("sdshim-e2e-source-caddy")

    def test_caddy_rootless(self):
        require_image(CADDY)
        user = RootlessUser()
        user.load_image(CADDY)
        self.check_caddy("sdshim-e2e-source-caddy-rootless", user=user)

    def test_rootful(self):
        require_image(NGINX_80)
        self.check(NGINX_80, 80, "sdshim-e2e-source-rootful")

    def test_rootless(self):
        require_image(NGINX_8080)
        user = RootlessUser()
        user.load_image(NGINX_8080)
        self.check(NGINX_8080, 8080, "sdshim-e2e-source-rootless", user=user)


if __name__ == "__main__":
    unittest.main()
