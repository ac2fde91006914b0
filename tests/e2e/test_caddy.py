"""The caddy image (caddy 2.11) in real podman, rootful and rootless, serving the shipped Caddyfile from
four activated sockets taken by name: HTTP on the TCP one, HTTPS (HTTP/1.1 and HTTP/2, `tls internal`)
on the other, HTTP/3 on the UDP one (checked with Debian 13's curl, which speaks it), and the admin API
on the unix one, through which the configuration is read and reloaded. caddy's own READY, RELOADING
and STOPPING are relayed, and `podman stop` is graceful."""
import json
import os
import re
import socket
import subprocess
import tempfile
import time
import unittest

from support.podman import (CADDY, ActivatedContainer, RootlessUser, image_id, podman, require_image,
                        require_podman)

HTTP_PORT, HTTPS_PORT = 18080, 18443
FDNAMES = ["http", "https", "admin", "quic"]
# Debian 13's curl 8.14 with nghttp3 (the systemd tier's trixie rig image), on the host's network.
H3_CLIENT = "localhost/sdshim-rig/trixie"


def curl(*args, unix=None):
    """(HTTP status, HTTP version, body or curl's error) of one request by the host's curl."""
    cmd = ["curl", "-sS", "-k", "-m", "20", "--resolve", f"localhost:{HTTPS_PORT}:127.0.0.1",
           "-w", "\n%{http_code} %{http_version}", *(["--unix-socket", unix] if unix else []), *args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    body, _, tail = r.stdout.rpartition("\n")
    code, version = tail.split()
    return int(code), version, body if r.returncode == 0 else r.stderr


def wait_https(timeout=60):
    """caddy sends READY=1 once it listens; `tls internal` makes its certificate in the background,
    so a handshake right after READY can find none yet. Waits (a bound on a hang) for one answer."""
    deadline = time.monotonic() + timeout
    while True:
        status, _, err = curl("-o", "/dev/null", f"https://localhost:{HTTPS_PORT}/")
        if status != 0 or time.monotonic() > deadline:
            return status, err
        time.sleep(0.2)


def http3_get():
    r = podman("run", "--rm", "--network=host", "--entrypoint", "curl", H3_CLIENT, "-sS", "-k", "-m", "20",
               "--http3-only", "--resolve", f"localhost:{HTTPS_PORT}:127.0.0.1", "-o", "/dev/null",
               "-w", "%{http_code} %{http_version}", f"https://localhost:{HTTPS_PORT}/", check=False, timeout=120)
    return r.stdout.strip() or r.stderr.strip()


def states(container):
    """The datagrams relayed, less the shim's own STATUS lines."""
    return [m for m in container.receiver.messages() if not m.startswith("STATUS=")]


class CaddyImage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_podman()
        require_image(CADDY)
        if image_id(H3_CLIENT) is None:
            raise AssertionError(f"{H3_CLIENT} is missing: the 'systemd: rigs' fixture builds it")

    def activated(self, name, user=None, **kw):
        d = self.enterContext(tempfile.TemporaryDirectory(prefix="sdshim-e2e-caddy-"))
        os.chmod(d, 0o777)
        admin = os.path.join(d, "admin.sock")
        c = ActivatedContainer(CADDY, [f"0.0.0.0:{HTTP_PORT}", f"0.0.0.0:{HTTPS_PORT}", admin], name, user=user,
                               datagram=[f"0.0.0.0:{HTTPS_PORT}"], fdnames=FDNAMES, **kw)
        self.addCleanup(c.close)
        socket.create_connection(("127.0.0.1", HTTP_PORT), timeout=5).close()  # starts the service
        return c, admin

    def test_inspect_lists_the_named_sockets_and_their_variables(self):
        c, admin = self.activated("sdshim-e2e-caddy-inspect", podman_args=["-e", "SDSHIM_INSPECT=1"])
        self.assertEqual(c.wait(), 0, c.output())
        out = c.output()
        expected = [(3, "http", f"type=stream protocol=tcp address=0.0.0.0:{HTTP_PORT} listening"),
                    (4, "https", f"type=stream protocol=tcp address=0.0.0.0:{HTTPS_PORT} listening"),
                    (5, "admin", f"type=stream protocol=unix address={admin} listening"),
                    (6, "quic", f"type=datagram protocol=udp address=0.0.0.0:{HTTPS_PORT} not-listening")]
        for fd, name, details in expected:
            self.assertRegex(out, rf"(?m)^fd {fd} name={name} family=\S+ {re.escape(details)} inode=\d+ "
                                  rf"exports: LISTEN_FD_{name.upper()}={fd}$")
            self.assertRegex(out, rf"(?m)^env LISTEN_FD_{name.upper()}={fd}$")
        self.assertIn("server adapter: caddy", out)

    def serve(self, name, user=None):
        # The receiver is mounted into the container: conmon 2.1.6 would pass only READY=1 on.
        c, admin = self.activated(name, user=user, notify_through_conmon=False)
        c.receiver.wait_for("READY=1", timeout=60)

        status, _, body = curl("-o", "/dev/null", "-D", "-", f"http://127.0.0.1:{HTTP_PORT}/")
        self.assertEqual(status, 302)
        self.assertIn("location: https://127.0.0.1/", body.lower())
        self.assertEqual(wait_https()[0], 200)
        for flag, version in (("--http1.1", "1.1"), ("--http2", "2")):
            status, got, body = curl(flag, f"https://localhost:{HTTPS_PORT}/")
            self.assertEqual((status, got), (200, version), body[:300])
        self.assertEqual(http3_get(), "200 3")

        status, _, body = curl("http://localhost/config/", unix=admin)
        self.assertEqual(status, 200, body)
        config = json.loads(body)
        self.assertEqual(config["admin"]["listen"], "fd/5")
        listens = sorted(a for s in config["apps"]["http"]["servers"].values() for a in s.get("listen", []))
        self.assertEqual(listens, ["fd/3", "fd/4", "fdgram/6"])
        return c, admin

    def reload_and_stop(self, c, admin):
        before = len(states(c))
        # what the units' ExecReload= does: the image's Caddyfile, adapted by caddy itself
        caddyfile = c.exec("cat", "/etc/caddy/Caddyfile").stdout
        r = subprocess.run(["curl", "-fsS", "--unix-socket", admin, "-H", "Content-Type: text/caddyfile",
                            "--data-binary", "@-", "http://localhost/load"], input=caddyfile, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        c.receiver.wait_for("READY=1", timeout=30, count=2)
        self.assertEqual([m.split("\n")[0] for m in states(c)[before:before + 2]], ["RELOADING=1", "READY=1"],
                         c.receiver.messages())
        self.assertEqual(curl("--http2", f"https://localhost:{HTTPS_PORT}/")[:2], (200, "2"))
        self.assertEqual(http3_get(), "200 3")

        took = c.stop(timeout=10)
        self.assertEqual(c.wait(), 0, c.output())
        self.assertLess(took, 5.0)
        messages = c.receiver.messages()
        # The shim announces its stop; caddy's own STOPPING=1 is not relayed a second time.
        holding = lambda line: [m for m in messages if line in m.split("\n")]  # noqa: E731
        stopping = holding("STOPPING=1")
        self.assertEqual(len(stopping), 1, messages)
        self.assertTrue(stopping[0].startswith("STOPPING=1\nSTATUS=stopping caddy: SIGTERM sent"), messages)
        # The reload's RELOADING=1; caddy's at start, before its first READY=1, is not relayed.
        self.assertEqual(len(holding("RELOADING=1")), 1, messages)
        # StatusText follows caddy, which sets none of its own.
        self.assertIn("STATUS=caddy is ready", messages)
        self.assertIn("STATUS=caddy reloaded", messages)
        self.assertIn("caddy (pid", c.output())
        self.assertIn("exited with code 0", c.output())

    def test_rootful_serves_http_https_h2_h3_and_admin_reloads_and_stops(self):
        c, admin = self.serve("sdshim-e2e-caddy-rootful")
        self.reload_and_stop(c, admin)

    def test_rootless_serves_http_https_h2_h3_and_admin_reloads_and_stops(self):
        user = RootlessUser()
        user.load_image(CADDY)
        c, admin = self.serve("sdshim-e2e-caddy-rootless", user=user)
        self.reload_and_stop(c, admin)

    def test_caddy_reload_cli_cannot_adapt_outside_the_servers_environment(self):
        # Why the units post to /load instead of running `caddy reload`: the CLI adapts the Caddyfile
        # in its own environment, where no {$LISTEN_FD_*} is set (caddy#6631's neighbour).
        c, admin = self.serve("sdshim-e2e-caddy-reload-cli")
        r = c.exec("caddy", "reload", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("fd/", r.stderr + r.stdout)
        c.stop()
        self.assertEqual(c.wait(), 0, c.output())


if __name__ == "__main__":
    unittest.main()
