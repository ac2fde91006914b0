"""Hostile: what reaches systemd is true and complete. A server's RELOADING=1 was relayed in the modes
where sdshim decides readiness while its READY=1 was dropped, leaving the manager "reloading"; a
NOTIFY_SOCKET that appeared a second late lost STATUS= and READY=1 that the log said would wait."""
import os
import signal
import tempfile
import time
import unittest

from support.notify import NotifyReceiver, notify_receiver
from support.shim import HELPERS, Shim, require_root, wait_for

PEER = os.path.join(HELPERS, "notify_peer")


class ReloadPairs(unittest.TestCase):
    def setUp(self):
        require_root(self)

    def test_a_servers_reload_is_relayed_with_the_ready_that_ends_it(self):
        rx = notify_receiver(self)
        peer = [PEER, "sleep", "300", "send", "RELOADING=1\\nMONOTONIC_USEC=12345", "sleep", "200", "send",
                "READY=1", "hold"]
        with Shim(["--ready", "exec", "--log-level", "debug", "--", *peer], env={"NOTIFY_SOCKET": rx.address}) as s:
            rx.wait_for("READY=1")  # sdshim's own, at the exec
            rx.wait_for(lambda m: "RELOADING=1" in m.split("\n"))
            rx.wait_for("READY=1", count=2)  # the server's, which ends its reload
            msgs = rx.messages()
            reload_at = next(i for i, m in enumerate(msgs) if "RELOADING=1" in m.split("\n"))
            self.assertIn("MONOTONIC_USEC=12345", msgs[reload_at].split("\n"))
            self.assertIn("READY=1", msgs[reload_at + 1:], f"RELOADING=1 without its READY=1: {msgs}")
            self.assertIn("reloaded: pid", s.stderr())

    def test_no_reload_is_relayed_before_sdshim_said_ready(self):
        rx = notify_receiver(self)
        with tempfile.TemporaryDirectory(prefix="shimtest-reload-") as tmp:
            flag = os.path.join(tmp, "ready")
            peer = [PEER, "send", "RELOADING=1", "send", "READY=1", "sleep", "300", "hold"]
            with Shim(["--ready", f"cmd:test -e {flag}", "--", *peer], env={"NOTIFY_SOCKET": rx.address}):
                time.sleep(0.6)
                open(flag, "w").close()
                rx.wait_for("READY=1")
                time.sleep(0.3)
                msgs = rx.messages()
        self.assertFalse(any("RELOADING=1" in m.split("\n") for m in msgs), msgs)
        self.assertEqual(msgs.count("READY=1"), 1, msgs)


class LateOuterSocket(unittest.TestCase):
    def setUp(self):
        require_root(self)

    def test_notifications_wait_for_a_socket_that_appears_late(self):
        with tempfile.TemporaryDirectory(prefix="shimtest-late-") as tmp:
            path = os.path.join(tmp, "notify.sock")
            peer = [PEER, "send", "STATUS=warming up", "send", "READY=1", "hold"]
            with Shim(["--ready", "notify", "--", *peer], env={"NOTIFY_SOCKET": path}) as s:
                wait_for(lambda: "notifications wait until it can be reached" in s.stderr(), 10, "the warning")
                time.sleep(1.0)
                with NotifyReceiver(path=path) as rx:
                    rx.wait_for("READY=1", timeout=10)
                    rx.wait_for(lambda m: "STATUS=warming up" in m.split("\n"), timeout=5)
                    self.assertNotIn("dropped", s.stderr())


if __name__ == "__main__":
    unittest.main()


class LogEntryInjection(unittest.TestCase):
    """A certificate error is the server's (or, through it, an ACME server's) text. Decoded as JSON, its
    escaped newlines would have split the STATUS= line sdshim makes of it into assignments of their own:
    ERRNO=, STOPPING=1, READY=1 that systemd would act on."""

    def setUp(self):
        require_root(self)

    def test_escaped_newlines_in_a_certificate_error_stay_inside_the_status(self):
        rx = notify_receiver(self)
        evil = r"boom\u000aERRNO=5\u000aSTOPPING=1\r\u000aREADY=1\u000d\u000aWATCHDOG=trigger"
        entry = ('{"level":"error","logger":"tls.obtain","msg":"could not get certificate from issuer",'
                 '"identifier":"a.example\\u000aRELOADING=1","error":"' + evil + '"}')
        peer = [PEER, "send", "READY=1", "sleep", "100", "send", entry, "sleep", "200", "hold"]
        with Shim(["--server=caddy", "--", *peer], env={"NOTIFY_SOCKET": rx.address}) as s:
            rx.wait_for(lambda m: "no certificate for" in m)
            time.sleep(0.3)
            lines = [line for m in rx.messages() for line in m.split("\n")]  # before the stop's own STOPPING=1
            s.signal(signal.SIGTERM)
            s.wait()
        for forbidden in ("ERRNO=5", "STOPPING=1", "WATCHDOG=trigger", "RELOADING=1"):
            self.assertFalse([line for line in lines if line.startswith(forbidden)], lines)
        self.assertEqual(lines.count("READY=1"), 1, lines)
        status = next(line for line in lines if "no certificate for" in line)
        self.assertEqual(status, "STATUS=caddy is ready; no certificate for a.example RELOADING=1: boom ERRNO=5 "
                                 "STOPPING=1  READY = 1  WATCHDOG=trigger")
