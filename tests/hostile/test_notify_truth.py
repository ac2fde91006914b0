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
            with Shim(["--ready", f"cmd:test -e {flag}", "--log-level", "debug", "--", *peer],
                      env={"NOTIFY_SOCKET": rx.address}) as s:
                # Both reached PID 1 before it is ready (on a loaded machine the server can start late).
                wait_for(lambda: "RELOADING=1 from pid" in s.stderr() and "READY=1 from pid" in s.stderr(), 30,
                         "the server's RELOADING=1 and READY=1 at the shim")
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


class StatusTexts(unittest.TestCase):
    """Every STATUS= that reaches systemd is valid UTF-8 without controls or escape sequences. A
    server's STATUS= with terminal escapes and DEL went out as it was (StatusText and the journal
    show them); a refused reload's nginx line was cut at 400 bytes inside a character, and systemd
    ignores a STATUS= that is not UTF-8."""

    def setUp(self):
        require_root(self)

    def test_a_servers_escape_sequences_and_controls_never_reach_status_text(self):
        rx = notify_receiver(self)
        peer = [PEER, "send", "STATUS=\x1b[31mred\x1b[0m, \x1b]0;title\x07bell\x7f and del", "send", "READY=1", "hold"]
        with Shim(["--", *peer], env={"NOTIFY_SOCKET": rx.address}) as s:
            rx.wait_for("READY=1")
            s.signal(signal.SIGTERM)
            s.wait()
        statuses = [line for m in rx.messages() for line in m.split("\n") if line.startswith("STATUS=")]
        self.assertIn("STATUS=red, bell and del", statuses)
        self.assertFalse([line for line in statuses if any(ord(c) < 32 or ord(c) == 127 for c in line)], statuses)

    def test_a_refused_reload_is_cut_between_two_characters(self):
        if not os.path.exists("/usr/sbin/nginx"):
            self.skipTest("nginx-light is not installed")
        from support.activation import Activated, free_port, poke_tcp
        from support.servers import nginx_command, nginx_site
        # nginx's "[emerg] unknown directive "ééé..."" line: with and without one byte before the é's,
        # byte 400 falls inside an é in one of the two, whatever the length of the text before it.
        for lead in ("", "x"):
            rx = notify_receiver(self)  # decodes with "replace": bytes that are not UTF-8 show as U+FFFD
            with tempfile.TemporaryDirectory(prefix="shimtest-status-") as d:
                port = free_port()
                conf = nginx_site(d, f"127.0.0.1:{port}")
                with Activated(["-l", f"127.0.0.1:{port}"], nginx_command(d), env={"NOTIFY_SOCKET": rx.address},
                               own_netns=True) as a:
                    poke_tcp(port).close()
                    rx.wait_for("READY=1", timeout=30)
                    with open(conf) as f:
                        good = f.read()
                    with open(conf, "w") as f:
                        f.write(good.replace("http {", "http {\n    " + lead + "\u00e9" * 300 + " on;", 1))
                    os.kill(a.shim_pid(), signal.SIGHUP)
                    rx.wait_for(lambda m: m.startswith("STATUS=reload refused: "), timeout=30)
                    os.kill(a.shim_pid(), signal.SIGTERM)
                    a.wait(timeout=30)
            status = next(m for m in rx.messages() if m.startswith("STATUS=reload refused: "))
            self.assertNotIn("\ufffd", status, "cut inside a character (or not UTF-8 at all)")
            self.assertIn("unknown directive", status)
            self.assertIn("\u00e9" * 100, status)

    def test_long_names_never_push_the_newest_certificate_reason_out(self):
        """16 failing names of 120 characters fill the note; a new failure's reason must still show.
        (Before: the note was cut at 1,500 bytes, names first, and sent only when the cut text
        changed: the reason never reached StatusText.)"""
        rx = notify_receiver(self)

        def entry(name, reason):
            return ('{"level":"error","logger":"tls.obtain","msg":"could not get certificate from issuer",'
                    f'"identifier":"{name}","error":"{reason}"}}')
        names = [f"n{i:02d}" + "a" * 117 + ".example" for i in range(16)]
        peer = [PEER, "send", "READY=1"]
        for name in names:
            peer += ["send", entry(name, "reason one")]
        peer += ["sleep", "200", "send", entry(names[0], "reason two"), "hold"]
        with Shim(["--server=caddy", "--", *peer], env={"NOTIFY_SOCKET": rx.address}) as s:
            rx.wait_for(lambda m: m.startswith("STATUS=caddy is ready; no certificate for") and
                        m.endswith(": reason two"), timeout=20)
            s.signal(signal.SIGTERM)
            s.wait()
        last = [m for m in rx.messages() if "no certificate for" in m][-1]
        self.assertLessEqual(len(last.encode()), len("STATUS=caddy is ready") + 1500)
        self.assertIn(" more: reason two", last)
