"""Stop sequence: forward, grace, SIGKILL; leftovers after the main child exits are terminated."""
import os
import signal
import time
import unittest

from support.shim import PY, Shim, recorder, require_root, scratch_dir, wait_for

IGNORE_TERM_FOREVER = "import signal,time; signal.signal(signal.SIGTERM, signal.SIG_IGN); open('{0}','w').close(); time.sleep(100)"


class Shutdown(unittest.TestCase):
    def setUp(self):
        require_root(self)

    def test_grace_then_sigkill_for_a_child_that_ignores_term(self):
        with scratch_dir() as tmp:
            ready = os.path.join(tmp, "ready")
            with Shim(["--grace", "1s", PY, "-c", IGNORE_TERM_FOREVER.format(ready)]) as s:
                wait_for(lambda: os.path.exists(ready), what="child ready")
                t0 = time.monotonic()
                s.signal(signal.SIGTERM)
                rc = s.wait()
                took = time.monotonic() - t0
                err = s.stderr()
        self.assertEqual(rc, 137, err)
        self.assertGreaterEqual(took, 0.9, "SIGKILL came before the grace period ended")
        self.assertLess(took, 10, "the shim did not escalate")
        self.assertIn("stop requested: waiting up to 1s before SIGKILL", err)
        self.assertIn("grace period over: sending SIGKILL", err)

    def test_graceful_child_exits_with_its_own_code(self):
        with scratch_dir() as tmp:
            rec = os.path.join(tmp, "rec")
            with Shim(recorder(rec, "--exit-on=SIGTERM")) as s:
                wait_for(lambda: os.path.exists(rec + ".ready"), what="recorder")
                s.signal(signal.SIGTERM)
                rc = s.wait()
        self.assertEqual(rc, 0)
        self.assertNotIn("grace period over", s.stderr())

    def test_remaining_processes_are_terminated_when_main_exits_pid1(self):
        # The background sleeps are re-parented to the shim when sh exits.
        with Shim(["sh", "-c", "sleep 1000 & sleep 1000 & exit 5"]) as s:
            rc = s.wait()
            err = s.stderr()
        self.assertEqual(rc, 5)
        self.assertIn("sending SIGTERM to the remaining processes", err)
        self.assertLess(s.elapsed, 10)

    def test_remaining_process_ignoring_term_is_killed_after_exit_grace(self):
        with scratch_dir() as tmp:
            ready = os.path.join(tmp, "ready")
            script = f"{PY} -c \"{IGNORE_TERM_FOREVER.format(ready)}\" & while [ ! -e {ready} ]; do sleep 0.01; done; exit 3"
            with Shim(["--exit-grace", "500ms", "sh", "-c", script]) as s:
                rc = s.wait()
                err = s.stderr()
        self.assertEqual(rc, 3, err)
        self.assertIn("grace period over: sending SIGKILL", err)

    def test_nothing_left_running_when_not_pid1(self):
        # Without a pid namespace nobody else would clean up: the subreaper shim must.
        with scratch_dir() as tmp:
            pidfile = os.path.join(tmp, "pid")
            script = f"sleep 1000 & echo $! > {pidfile}; exit 6"
            with Shim(["sh", "-c", script], pid1=False) as s:
                rc = s.wait()
            with open(pidfile) as f:
                pid = int(f.read())
        self.assertEqual(rc, 6)
        with self.assertRaises(ProcessLookupError):
            os.kill(pid, 0)

    def test_stop_when_not_pid1_kills_grandchildren_after_grace(self):
        with scratch_dir() as tmp:
            ready = os.path.join(tmp, "ready")
            pidfile = os.path.join(tmp, "pid")
            script = (f"{PY} -c \"{IGNORE_TERM_FOREVER.format(ready)}\" & echo $! > {pidfile}; "
                      f"trap 'exit 0' TERM; while :; do sleep 0.05; done")
            with Shim(["--grace", "500ms", "sh", "-c", script], pid1=False) as s:
                wait_for(lambda: os.path.exists(ready), what="grandchild ready")
                s.signal(signal.SIGTERM)
                rc = s.wait()
            with open(pidfile) as f:
                pid = int(f.read())
        self.assertEqual(rc, 0, s.stderr())
        with self.assertRaises(ProcessLookupError):
            os.kill(pid, 0)


if __name__ == "__main__":
    unittest.main()
