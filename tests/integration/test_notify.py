"""The notify relay as PID 1: libsystemd peers' messages reach the outer socket filtered for podman,
only the shim's own processes may speak, fds are closed, bad datagrams are refused (floods: test_faults)."""
import os
import re
import signal
import socket
import unittest

from support.notify import NotifyReceiver, notify_receiver
from support.shim import HELPERS, PY, Shim, require_root, wait_for

PEER = os.path.join(HELPERS, "notify_peer")


def waiting_status(m):
    return m.startswith("STATUS=waiting for")


class Relay(unittest.TestCase):
    def setUp(self):
        require_root(self)
        self.rx = notify_receiver(self)

    def run_shim(self, args, **kw):
        env = {"NOTIFY_SOCKET": self.rx.address, **kw.pop("env", {})}
        return Shim(args, env=env, **kw)

    def test_libsystemd_peer_ready_status_stopping_arrive_mainpid_does_not(self):
        with self.run_shim(["--log-level=debug", PEER, "send", "READY=1\\nSTATUS=serving\\nMAINPID=4242",
                            "send", "STOPPING=1"]) as s:
            self.assertEqual(s.wait(), 0, s.stderr())
            out, err = s.stdout(), s.stderr()
        self.rx.wait_for("STATUS=notify_peer exited with code 0")  # the last word: why the server stopped
        got = [m for m in self.rx.messages() if not waiting_status(m)]
        self.assertEqual(got, ["STATUS=serving", "READY=1", "STOPPING=1", "STATUS=notify_peer exited with code 0"])
        self.assertNotIn("MAINPID", "".join(self.rx.messages()))
        self.assertEqual(out.split(), ["send", "1", "send", "1"], "sd_notify() in the server did not send")
        self.assertIn("MAINPID=4242: a pid inside the container means nothing outside it", err)

    def test_server_gets_the_shims_socket_never_the_outer_one(self):
        code = "import os; print(os.environ.get('NOTIFY_SOCKET'))"
        with self.run_shim(["--ready=exec", PY, "-c", code]) as s:
            self.assertEqual(s.wait(), 0, s.stderr())
            seen = s.stdout().strip()
        self.assertTrue(seen.startswith("@sdshim/notify/"), seen)
        with Shim([PY, "-c", code]) as s:  # no NOTIFY_SOCKET: the server gets none
            self.assertEqual(s.wait(), 0, s.stderr())
            self.assertEqual(s.stdout().strip(), "None")

    def test_notify_access_main_drops_a_grandchilds_message(self):
        with self.run_shim(["--notify-access=main", PEER, "child-send", "STATUS=from grandchild",
                            "send", "STATUS=from main"]) as s:
            self.assertEqual(s.wait(), 0, s.stderr())
            err = s.stderr()
        self.rx.wait_for("STATUS=from main")
        self.assertNotIn("STATUS=from grandchild", self.rx.messages())
        main = re.search(r"notify_peer \(pid (\d+)\) exited", err)
        self.assertIsNotNone(main, err)
        self.assertIn(f"dropped: --notify-access=main accepts only pid {main[1]}", err)

    def test_notify_access_all_relays_a_grandchild(self):
        with self.run_shim([PEER, "child-send", "STATUS=from grandchild"]) as s:
            self.assertEqual(s.wait(), 0, s.stderr())
        self.rx.wait_for("STATUS=from grandchild")

    def test_a_process_outside_the_tree_is_refused(self):
        # The server tells the test its socket name; the test (not a process of the shim) then sends.
        code = ("import os, sys, time; print(os.environ['NOTIFY_SOCKET'], flush=True); time.sleep(30)")
        with self.run_shim(["--ready=exec", PY, "-c", code]) as s:
            name = wait_for(lambda: s.stdout().strip(), what="the server's NOTIFY_SOCKET")
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as out:
                out.sendto(b"STATUS=intruder", "\0" + name[1:])
            wait_for(lambda: "dropped" in s.stderr(), what="the refusal line")
            s.signal(signal.SIGTERM)
            s.wait()
            err = s.stderr()
        self.assertNotIn("STATUS=intruder", self.rx.messages())
        self.assertIn("dropped: the sender is outside the container's pid namespace", err)

    def test_fdstore_fd_is_closed_not_kept(self):
        with self.run_shim([PEER, "fdstore", "send", "READY=1"]) as s:
            self.assertEqual(s.wait(), 0, s.stderr())
            out = s.stdout()
        self.assertIn("fdstore sent=1 receiver_closed=1", out)
        self.rx.wait_for("READY=1")
        self.assertFalse([m for m in self.rx.messages() if "FDSTORE" in m or "FDNAME" in m])

    def test_bad_datagrams_are_refused_with_a_warning(self):
        code = r"""
import os, socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
name = os.environ['NOTIFY_SOCKET']
to = '\0' + name[1:]
for d in [b'STATUS=' + b'x' * 5000, b'STATUS=\xff\xfe', b'READY=1\ngarbage', b'READY=1\0', b'READY=1']:
    s.sendto(d, to)
"""
        with self.run_shim([PY, "-c", code]) as s:
            self.assertEqual(s.wait(), 0, s.stderr())
            err = s.stderr()
        self.rx.wait_for("STATUS=python3 exited with code 0")
        self.assertEqual([m for m in self.rx.messages() if not waiting_status(m)],
                         ["STATUS=python3 is ready", "READY=1", "STATUS=python3 exited with code 0"])
        for reason in ["longer than systemd's limit of 4096 bytes", "not valid UTF-8",
                       "line 'garbage' is not KEY=VALUE", "contains a NUL byte"]:
            self.assertIn(reason, err)

    def test_status_text_never_carries_ready_or_watchdog_to_conmon(self):
        # conmon 2.1.6 forwards any datagram that contains READY=1 as READY=1: a server's STATUS
        # that quotes it must not make systemd think the service started.
        with self.run_shim(["--ready-timeout=60s", PEER, "send", "STATUS=will send READY=1 soon, WATCHDOG=1 later",
                            "send", "ERRNO=0\nSTATUS=READY=1"]) as s:
            self.assertEqual(s.wait(), 0, s.stderr())
        self.rx.wait_for("STATUS=notify_peer exited with code 0 before it was ready")
        self.assertIn("STATUS=will send READY = 1 soon, WATCHDOG = 1 later", self.rx.messages())
        self.assertIn("ERRNO=0\nSTATUS=READY = 1", self.rx.messages())
        self.assertFalse([m for m in self.rx.messages() if "READY=1" in m or "WATCHDOG=1" in m], self.rx.messages())

    def test_abstract_outer_socket(self):
        rx = NotifyReceiver(abstract=True)
        self.addCleanup(rx.close)
        with Shim([PEER, "send", "READY=1"], env={"NOTIFY_SOCKET": rx.address}) as s:
            self.assertEqual(s.wait(), 0, s.stderr())
        rx.wait_for("READY=1")


if __name__ == "__main__":
    unittest.main()


def caddy_entry(logger, msg, identifier, error=None):
    """One of caddy's JSON log entries as its `log { output net unixgram/{$NOTIFY_SOCKET} }` sends it."""
    entry = f'{{"level":"{"error" if error else "info"}","ts":1764950400.5,"logger":"{logger}","msg":"{msg}",' \
            f'"identifier":"{identifier}","issuer":"acme-v02.api.letsencrypt.org-directory"'
    return entry + (f',"error":"{error}"}}' if error else "}")


FAILED = caddy_entry("tls.obtain", "could not get certificate from issuer", "whoami.example.com",
                     'dial tcp 10.99.0.2:14000: connect: connection refused')
OBTAINED = caddy_entry("tls.obtain", "certificate obtained successfully", "whoami.example.com")


class CertificateStatus(unittest.TestCase):
    """caddy's certificate log entries, sent to its NOTIFY_SOCKET, become the note on its STATUS=."""

    def setUp(self):
        require_root(self)
        self.rx = notify_receiver(self)

    def statuses(self):
        lines = [line for m in self.rx.messages() for line in m.split("\n")]
        return [line for line in lines if line.startswith("STATUS=") and not waiting_status(line)]

    def test_a_failed_certificate_is_in_the_status_until_it_is_obtained(self):
        note = "STATUS=caddy is ready; no certificate for whoami.example.com: dial tcp 10.99.0.2:14000: connect: " \
               "connection refused"
        peer = [PEER, "send", FAILED, "send", "READY=1", "sleep", "300", "send", OBTAINED, "sleep", "300",
                "send", "RELOADING=1", "send", FAILED.replace("whoami", "static"), "send", "READY=1", "hold"]
        reloaded = "STATUS=caddy reloaded; no certificate for static.example.com: dial tcp 10.99.0.2:14000: connect: " \
                   "connection refused"
        with Shim(["--server=caddy", "--log-level=debug", "--", *peer], env={"NOTIFY_SOCKET": self.rx.address}) as s:
            # Failed before caddy's READY=1: said with it, not before (no "ready" while it is not).
            self.rx.wait_for(reloaded)
            s.signal(signal.SIGTERM)
            s.wait()
            err = s.stderr()
        # Obtained: the note goes. A reload starts over: the old names are forgotten, the new one's
        # failure during the reload comes with its READY=1.
        self.assertEqual(self.statuses()[:4], [note, "STATUS=caddy is ready", "STATUS=reloading caddy", reloaded])
        self.assertLess(self.rx.messages().index(note), self.rx.messages().index("READY=1"))
        self.assertNotIn("ignored", err)

    def test_another_servers_json_is_neither_relayed_nor_a_note(self):
        with Shim(["--log-level=debug", "--", PEER, "send", "READY=1", "send", FAILED, "sleep", "200"],
                  env={"NOTIFY_SOCKET": self.rx.address}) as s:
            self.assertEqual(s.wait(), 0, s.stderr())
            err = s.stderr()
        self.rx.wait_for("STATUS=notify_peer exited with code 0")
        self.assertFalse([m for m in self.rx.messages() if "certificate" in m], self.rx.messages())
        self.assertIn("ignored: no certificate event that the generic adapter reads", err)
        self.assertNotIn("[sdshim] warning", err)
