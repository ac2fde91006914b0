"""Hostile: cmd: probes. Only the probe's shell was killed when it hung, so whatever it started lived
on (20 `sleep 1000` after 10 s with --watchdog 1s); now its whole process group goes. It runs in /,
and says so."""
import os
import tempfile
import time
import unittest

from support.notify import notify_receiver
from support.shim import Shim, require_root


def background_sleepers():
    """`sleep 1001` processes: each probe round starts one in the background."""
    found = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                found += f.read() == b"sleep\x001001\x00"
        except OSError:
            pass
    return found


class HungProbes(unittest.TestCase):
    def setUp(self):
        require_root(self)

    def test_a_hung_probe_takes_its_children_with_it(self):
        rx = notify_receiver(self)
        with tempfile.TemporaryDirectory(prefix="shimtest-probe-") as tmp:
            hang = os.path.join(tmp, "hang")
            # Ready at once; then every round leaves a background sleeper and hangs in another one.
            probe = f"cmd:[ -e {hang} ] || exit 0; sleep 1001 & sleep 1002"
            with Shim(["--ready", probe, "--watchdog", "1s", "--", "sleep", "60"],
                      env={"NOTIFY_SOCKET": rx.address}) as s:
                rx.wait_for("READY=1")
                open(hang, "w").close()
                time.sleep(4)  # 8 rounds of 500 ms
                left = background_sleepers()
                # The running round's, and at most one that SIGKILL has reached but not yet ended.
                self.assertLessEqual(left, 2, f"{left} probe sleepers live on, one more every 500 ms")
                self.assertIn("did not exit within 500ms", s.stderr())

    def test_a_probe_runs_in_the_root_directory(self):
        rx = notify_receiver(self)
        with tempfile.TemporaryDirectory(prefix="shimtest-probe-") as tmp:
            where = os.path.join(tmp, "cwd")
            with Shim(["--ready", f"cmd:pwd > {where}", "--", "sleep", "60"], env={"NOTIFY_SOCKET": rx.address},
                      cwd=tmp):
                rx.wait_for("READY=1")
                with open(where) as f:
                    self.assertEqual(f.read().strip(), "/")

    def test_the_help_says_where_and_how_a_probe_runs(self):
        with Shim(["--help"], pid1=False) as s:
            s.wait()
            text = " ".join(s.stdout().split())
        self.assertIn("cmd:COMMAND (/bin/sh -c COMMAND, run in / with the shim's environment in a process group "
                      "of its own, exits 0)", text)


if __name__ == "__main__":
    unittest.main()
