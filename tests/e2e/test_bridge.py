"""Bridge mode in real podman with --network=none: the images as shipped, told only SDSHIM_BRIDGE.
nginx binds its own 8080 inside the container and never sees the activated socket; caddy 2.6.2,
which cannot take one, serves through it; a PROXY v1 header gives nginx the client's address."""
import os
import socket
import tempfile
import time
import unittest

from support.podman import (CADDY_26, NGINX_8080, ActivatedContainer, RootlessUser, require_image, require_podman,
                        serve_ready_stop)
from support.servers import concurrent_gets, download, write_random

NGINX_PROXY_CONF = """server {
    listen 8080 proxy_protocol;
    set_real_ip_from 127.0.0.1;
    real_ip_header proxy_protocol;
    location / { root /usr/share/nginx/html; }
}
"""
CADDYFILE = """{
	admin off
	auto_https off
}
http://:8080 {
	respond "caddy 2.6.2 through the bridge"
}
"""


class Bridge(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_podman()
        require_image(NGINX_8080)
        require_image(CADDY_26)

    def file(self, name, text):
        d = tempfile.mkdtemp(prefix="sdshim-e2e-bridge-")
        os.chmod(d, 0o755)
        path = os.path.join(d, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
        return path

    def nginx(self, name, user=None):
        with ActivatedContainer(NGINX_8080, "0.0.0.0:8080", name, user=user,
                                podman_args=["-e", "SDSHIM_BRIDGE=3=127.0.0.1:8080"]) as c:
            out = serve_ready_stop(self, c, 8080, "Welcome to nginx!")
        self.assertIn("[sdshim] info: bridging fd 3 'unknown' (0.0.0.0:8080) to 127.0.0.1:8080", out)
        self.assertIn("[sdshim] info: nginx is ready: 127.0.0.1:8080 accepts connections", out)
        self.assertNotIn("using inherited sockets", out)  # nginx bound its own socket
        self.assertIn("exited with code 0", out)

    def test_nginx_rootful(self):
        self.nginx("sdshim-e2e-bridge-nginx")

    def test_nginx_rootless(self):
        user = RootlessUser()
        user.load_image(NGINX_8080)
        self.nginx("sdshim-e2e-bridge-rootless", user=user)

    def test_100_mib_and_1000_concurrent_connections_under_podmans_fd_limit(self):
        # podman's nofile here is 1024, so the shim takes at most (1024 - 32) / 6 = 165 connections
        # at once; the rest wait in the backlog of the activated socket and are answered in turn.
        html = tempfile.mkdtemp(prefix="sdshim-e2e-bridge-html-")
        os.chmod(html, 0o755)
        with open(os.path.join(html, "index.html"), "w") as f:
            f.write("through the bridge\n")
        os.chmod(os.path.join(html, "index.html"), 0o644)
        want = write_random(os.path.join(html, "big"), 100 << 20)
        with ActivatedContainer(NGINX_8080, "0.0.0.0:8080", "sdshim-e2e-bridge-load",
                                podman_args=["-e", "SDSHIM_BRIDGE=3=127.0.0.1:8080", "-e", "SDSHIM_LOG_LEVEL=debug",
                                             "-v", f"{html}:/usr/share/nginx/html:ro"]) as c:
            self.assertEqual(download(8080, "/big"), (200, 100 << 20, want))  # the first connection starts it
            c.receiver.wait_for("READY=1", timeout=30)
            responses = concurrent_gets(8080, 1000)
            self.assertEqual(len(responses), 1000)
            ok = sum(r.startswith(b"HTTP/1.1 200") and r.endswith(b"through the bridge\n") for r in responses)
            self.assertEqual(ok, 1000)
            c.stop(timeout=10)
            self.assertEqual(c.wait(), 0, c.output())
            out = c.output()
        self.assertIn("[sdshim] debug: bridge: at most 165 connection(s) at once", out)

    def test_proxy_v1_gives_nginx_the_clients_address(self):
        conf = self.file("default.conf", NGINX_PROXY_CONF)
        with ActivatedContainer(NGINX_8080, "0.0.0.0:8080", "sdshim-e2e-bridge-proxy",
                                podman_args=["-e", "SDSHIM_BRIDGE=3=127.0.0.1:8080",
                                             "-e", "SDSHIM_BRIDGE_PROXY_PROTOCOL=v1",
                                             "-v", f"{conf}:/etc/nginx/conf.d/default.conf:ro"]) as c:
            deadline = time.monotonic() + 30
            while True:
                try:
                    s = socket.socket()
                    s.bind(("127.0.0.7", 0))
                    s.settimeout(10)
                    s.connect(("127.0.0.1", 8080))
                    s.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
                    if b"200 OK" in s.recv(4096):
                        break
                except OSError:
                    pass
                finally:
                    s.close()
                self.assertLess(time.monotonic(), deadline, c.output())
                time.sleep(0.1)
            c.stop(timeout=10)
            self.assertEqual(c.wait(), 0, c.output())
            out = c.output()
        # nginx's access log (stdout) starts with $remote_addr: the client's, not the bridge's 127.0.0.1.
        self.assertRegex(out, r'(?m)^127\.0\.0\.7 - - \[.*\] "GET / HTTP/1\.0" 200 ')

    def test_caddy_2_6_that_cannot_take_a_socket(self):
        caddyfile = self.file("Caddyfile", CADDYFILE)
        with ActivatedContainer(CADDY_26, "0.0.0.0:18080", "sdshim-e2e-bridge-caddy", fdnames=["http"],
                                podman_args=["-e", "SDSHIM_BRIDGE=http=127.0.0.1:8080",
                                             "-v", f"{caddyfile}:/etc/caddy/Caddyfile:ro"]) as c:
            out = serve_ready_stop(self, c, 18080, "caddy 2.6.2 through the bridge")
        self.assertIn("[sdshim] info: caddy is ready: 127.0.0.1:8080 accepts connections", out)
        self.assertIn("caddy (pid", out)


if __name__ == "__main__":
    unittest.main()
