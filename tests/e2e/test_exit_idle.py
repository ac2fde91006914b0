"""--exit-idle in real podman, where it runs: the socket bound on the host (systemd-socket-activate,
standing in for a .socket unit), the container in a network namespace of its own (--network=none, or
podman's own network), rootful and rootless. A keep-alive connection held idle for 3 limits and a
stream of short requests keep nginx running; then, idle, the container stops with exit 0 and the
reason. (Before: the container's /proc/net showed none of the host listener's clients, and nginx
was stopped under a held connection.)"""
import socket
import time
import unittest

from support.podman import NGINX_8080, ActivatedContainer, RootlessUser, require_image, require_podman

LIMIT = 2  # seconds
IDLE_LINE = ("[sdshim] info: no client connection for 2s (--exit-idle): stopping nginx; the socket stays with "
             "systemd, and the next connection starts it again")


def request(sock, close=False):
    sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n" + (b"Connection: close\r\n" if close else b"") + b"\r\n")
    data = b""
    while b"Welcome to nginx!" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


class ExitIdle(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_podman()
        require_image(NGINX_8080)

    def busy_then_idle(self, name, network="none", user=None):
        with ActivatedContainer(NGINX_8080, "0.0.0.0:8080", name, user=user, network=network,
                                podman_args=["-e", f"SDSHIM_EXIT_IDLE={LIMIT}s"]) as c:
            held = socket.create_connection(("127.0.0.1", 8080), timeout=30)  # starts the container
            self.assertIn(b"200 OK", request(held))
            c.receiver.wait_for("READY=1", timeout=60)
            time.sleep(3 * LIMIT)  # idle on an open keep-alive connection
            self.assertIn(b"200 OK", request(held, close=True), c.output())
            held.close()
            self.assertIsNone(c.proc.poll(), "stopped while a client held a connection: " + c.output())
            for _ in range(int(3 * LIMIT / 0.3)):  # short requests, each over between two looks
                with socket.create_connection(("127.0.0.1", 8080), timeout=10) as s:
                    self.assertIn(b"200 OK", request(s, close=True))
                time.sleep(0.3)
            self.assertIsNone(c.proc.poll(), "stopped while clients kept coming: " + c.output())
            stopping = time.monotonic()
            self.assertEqual(c.wait(timeout=60), 0, c.output())
            self.assertGreaterEqual(time.monotonic() - stopping + 0.3, LIMIT)
            out = c.output()
        self.assertEqual(out.count(IDLE_LINE), 1, out)
        self.assertIn("exited with code 0", out)
        return out

    def test_rootful_with_no_network(self):
        self.busy_then_idle("sdshim-e2e-idle-none")

    def test_rootful_on_podmans_network(self):
        self.busy_then_idle("sdshim-e2e-idle-podman", network="podman")

    def test_rootless_with_no_network(self):
        user = RootlessUser()
        user.load_image(NGINX_8080)
        self.busy_then_idle("sdshim-e2e-idle-rootless", user=user)


if __name__ == "__main__":
    unittest.main()
