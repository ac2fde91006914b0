"""Reaping as PID 1: thousands of orphans leave no zombie, and an idle shim never wakes up."""
import os
import time
import unittest

from support.shim import HELPERS, Shim, proc_status, require_root, wait_idle


class Reaping(unittest.TestCase):
    def setUp(self):
        require_root(self)

    def test_orphan_storm_leaves_no_zombie(self):
        with Shim([os.path.join(HELPERS, "orphan_storm"), "2000"]) as s:
            rc = s.wait(timeout=120)
            out = s.stdout()
        self.assertEqual(rc, 0, s.stderr())
        self.assertIn("orphans=2000 zombies=0", out)

    def test_idle_shim_has_zero_context_switches(self):
        with Shim(["sleep", "30"]) as s:
            wait_idle(s.shim_pid)
            before = proc_status(s.shim_pid)
            time.sleep(3)
            after = proc_status(s.shim_pid)
            s.signal(15)
            s.wait()
        for key in ("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"):
            self.assertEqual(before[key], after[key], f"{key} changed while idle")


if __name__ == "__main__":
    unittest.main()
