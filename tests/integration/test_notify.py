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
