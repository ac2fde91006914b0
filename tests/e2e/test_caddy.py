"""The caddy image in real podman: the named sockets and their LISTEN_FD_* variables as caddy's own
Caddyfile parser resolves them, and real caddy's READY/RELOADING/STOPPING relayed.

Debian's caddy is 2.6.2, which cannot bind fd/N (caddy >= 2.9 can): so here the shipped Caddyfile
is checked as far as caddy 2.6.2 goes (it resolves each {$LISTEN_FD_<NAME>} to the fd the shim
exports), and the notify tests run caddy on a Caddyfile of their own that binds inside the container."""
import json
import os
import re
import socket
import tempfile
import unittest

from podmantest import CADDY, ActivatedContainer, require_image, require_podman

ADMIN_SOCKET = "/run/sdshim-e2e-caddy-admin.sock"
SOCKETS = dict(listen=["0.0.0.0:18080", "0.0.0.0:18443", ADMIN_SOCKET], datagram=["0.0.0.0:18443"],
               fdnames=["http", "https", "admin", "quic"])
CADDYFILE_262 = """{
	admin unix//run/caddy-admin.sock
	auto_https off
}
:8080 {
	respond "caddy 2.6.2 behind sdshim"
}
"""


def activated(name, **kw):
    c = ActivatedContainer(CADDY, SOCKETS["listen"], name, datagram=SOCKETS["datagram"],
                           fdnames=SOCKETS["fdnames"], **kw)
    socket.create_connection(("127.0.0.1", 18080), timeout=5).close()  # starts the service
    return c


def states(container):
    """The datagrams relayed, less the shim's own STATUS lines."""
    return [m for m in container.receiver.messages() if not m.startswith("STATUS=")]


class CaddyImage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_podman()
        require_image(CADDY)

    def test_inspect_lists_the_named_sockets_and_their_variables(self):
        with activated("sdshim-e2e-caddy-inspect", podman_args=["-e", "SDSHIM_INSPECT=1"]) as c:
            self.assertEqual(c.wait(), 0, c.output())
            out = c.output()
        expected = [(3, "http", "type=stream protocol=tcp address=0.0.0.0:18080 listening"),
                    (4, "https", "type=stream protocol=tcp address=0.0.0.0:18443 listening"),
                    (5, "admin", f"type=stream protocol=unix address={ADMIN_SOCKET} listening"),
                    (6, "quic", "type=datagram protocol=udp address=0.0.0.0:18443 not-listening")]
        for fd, name, details in expected:
            self.assertRegex(out, rf"(?m)^fd {fd} name={name} family=\S+ {re.escape(details)} inode=\d+ "
                                  rf"exports: LISTEN_FD_{name.upper()}={fd}$")
            self.assertRegex(out, rf"(?m)^env LISTEN_FD_{name.upper()}={fd}$")
        self.assertIn("server adapter: caddy", out)

    def test_caddyfile_takes_each_socket_by_name(self):
        # `caddy adapt` runs under the shim, so it sees exactly the environment caddy run would.
        with activated("sdshim-e2e-caddy-adapt",
                       command=["caddy", "adapt", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]) as c:
            self.assertEqual(c.wait(), 0, c.output())
            config = json.loads(next(line for line in c.output().splitlines() if line.startswith("{")))
        self.assertEqual(config["admin"]["listen"], "fd/5")
        servers = config["apps"]["http"]["servers"]
        listens = sorted(a for s in servers.values() for a in s["listen"])
        # caddy 2.6.2 appends the site's port to fd/N and reads the `protocols` block as addresses;
        # caddy >= 2.9 takes `fd/3` and `fdgram/6` as they are.
        for want in ("fd/3", "fd/4", "fdgram/6"):
            self.assertTrue(any(a == want or a.startswith(want + ":") for a in listens), (want, listens))
        self.assertFalse(any(re.match(r"(fd|fdgram)/(\D|$)", a) for a in listens), listens)

    def run_caddy(self, name, **kw):
        d = self.enterContext(tempfile.TemporaryDirectory(prefix="sdshim-e2e-caddyfile-"))
        os.chmod(d, 0o755)
        path = os.path.join(d, "Caddyfile")
        with open(path, "w") as f:
            f.write(CADDYFILE_262)
        os.chmod(path, 0o644)
        c = ActivatedContainer(CADDY, None, name, podman_args=["-v", f"{path}:/etc/caddy/Caddyfile:ro"], **kw)
        self.addCleanup(c.close)
        c.wait_running()
        return c

    def test_ready_reaches_podmans_notify_socket(self):
        c = self.run_caddy("sdshim-e2e-caddy-ready")
        c.receiver.wait_for("READY=1", timeout=30)
        c.stop()
        self.assertEqual(c.wait(), 0, c.output())
        self.assertIn("caddy (pid", c.output())

    def test_reloading_ready_and_stopping_are_relayed(self):
        # podman 4.3's conmon (2.1.6) passes only READY=1 and WATCHDOG=1 on, so this test mounts its
        # receiver into the container and reads what the shim relays before conmon filters it.
        c = self.run_caddy("sdshim-e2e-caddy-relay", notify_through_conmon=False)
        c.receiver.wait_for("READY=1", timeout=30)
        self.assertEqual(states(c)[:2], ["RELOADING=1", "READY=1"], c.receiver.messages())
        r = c.exec("caddy", "reload", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile",
                   "--address", "unix//run/caddy-admin.sock", "--force")
        self.assertEqual(r.returncode, 0, r.stderr)
        c.receiver.wait_for("READY=1", timeout=30, count=2)
        self.assertEqual(states(c)[2:4], ["RELOADING=1", "READY=1"], c.receiver.messages())
        c.stop()
        self.assertEqual(c.wait(), 0, c.output())
        messages = c.receiver.messages()
        # The shim announces its stop (with a STATUS); caddy's own STOPPING=1 follows, relayed as sent.
        self.assertTrue(any(m.startswith("STOPPING=1\nSTATUS=stopping") for m in messages), messages)
        self.assertIn("STOPPING=1", messages)


if __name__ == "__main__":
    unittest.main()
