"""Signal forwarding as PID 1: every signal reaches the child, mapped as asked, in order."""
import os
import signal
import time
import unittest

from support.shim import Shim, proc_status, read_lines, recorder, require_root, scratch_dir, wait_for


class Forwarding(unittest.TestCase):
    def setUp(self):
        require_root(self)

    def start(self, tmp, *shim_args, flags=()):
        rec = os.path.join(tmp, "rec")
        s = Shim([*shim_args, *recorder(rec, *flags)])
        wait_for(lambda: os.path.exists(rec + ".ready"), what="recorder ready")
        return s, rec

    def test_hup_usr1_forwarded_and_term_mapped_to_quit(self):
        with scratch_dir() as tmp:
            s, rec = self.start(tmp, "--map-signal", "TERM:QUIT", flags=["--exit-on=SIGQUIT"])
            with s:
                s.signal(signal.SIGHUP)
                wait_for(lambda: read_lines(rec) == ["SIGHUP"], what="HUP")
                s.signal(signal.SIGUSR1)
                wait_for(lambda: read_lines(rec) == ["SIGHUP", "SIGUSR1"], what="USR1")
                s.signal(signal.SIGTERM)
                rc = s.wait()
                self.assertEqual(rc, 0, s.stderr())
                self.assertEqual(read_lines(rec), ["SIGHUP", "SIGUSR1", "SIGQUIT"])
                self.assertIn("received SIGTERM, sent SIGQUIT", s.stderr())

    def test_mapping_to_zero_drops(self):
        with scratch_dir() as tmp:
            s, rec = self.start(tmp, "--map-signal", "HUP:0", flags=["--exit-on=SIGUSR2"])
            with s:
                s.signal(signal.SIGHUP)
                s.signal(signal.SIGUSR2)
                self.assertEqual(s.wait(), 0)
                self.assertEqual(read_lines(rec), ["SIGUSR2"])

    def test_job_control_signals_forwarded_and_shim_never_stops(self):
        with scratch_dir() as tmp:
            s, rec = self.start(tmp, flags=["--exit-on=SIGUSR2"])
            with s:
                s.signal(signal.SIGTSTP)
                wait_for(lambda: read_lines(rec) == ["SIGTSTP"], what="TSTP")
                self.assertNotEqual(proc_status(s.shim_pid)["State"][0], "T")
                s.signal(signal.SIGCONT)
                wait_for(lambda: "SIGCONT" in read_lines(rec), what="CONT")
                s.signal(signal.SIGUSR2)
                self.assertEqual(s.wait(), 0)

    def test_nginx_adapter_maps_term_to_quit_and_never_forwards_winch_or_usr2(self):
        with scratch_dir() as tmp:
            s, rec = self.start(tmp, "--server", "nginx", flags=["--exit-on=SIGQUIT"])
            with s:
                s.signal(signal.SIGWINCH)
                s.signal(signal.SIGUSR2)
                s.signal(signal.SIGHUP)
                wait_for(lambda: read_lines(rec) == ["SIGHUP"], what="HUP")
                s.signal(signal.SIGTERM)
                self.assertEqual(s.wait(), 0)
                self.assertEqual(read_lines(rec), ["SIGHUP", "SIGQUIT"])
                err = s.stderr()
        self.assertIn("SIGUSR2 not forwarded: nginx binary upgrade (USR2) is not supported", err)
        self.assertIn("SIGWINCH not forwarded", err)

    def test_user_mapping_beats_the_adapter_default(self):
        with scratch_dir() as tmp:
            s, rec = self.start(tmp, "--server", "nginx", "--map-signal", "TERM:USR1",
                                flags=["--exit-on=SIGUSR1"])
            with s:
                s.signal(signal.SIGTERM)
                self.assertEqual(s.wait(), 0)
                self.assertEqual(read_lines(rec), ["SIGUSR1"])

    def test_forward_to_group_reaches_every_process_of_the_group(self):
        with scratch_dir() as tmp:
            pidfile = os.path.join(tmp, "grandchild.pid")
            s, rec = self.start(tmp, "--forward-to", "group", "--log-level", "debug",
                                flags=[f"--spawn-grandchild={pidfile}", "--exit-on=SIGUSR2"])
            with s:
                wait_for(lambda: read_lines(pidfile), what="grandchild")
                s.signal(signal.SIGUSR1)
                try:
                    wait_for(lambda: read_lines(rec) == ["SIGUSR1"], what="child USR1")
                    wait_for(lambda: read_lines(rec + ".grandchild") == ["SIGUSR1"], what="grandchild USR1")
                except AssertionError as e:
                    # Once in CI (ASan tier) the grandchild's USR1 never came; say what each one heard.
                    self.fail(f"{e}: the child recorded {read_lines(rec)}, the grandchild (pid "
                              f"{read_lines(pidfile)} in the shim's namespace) {read_lines(rec + '.grandchild')}; "
                              f"the shim's log:\n{s.stderr()}")
                s.signal(signal.SIGUSR2)
                self.assertEqual(s.wait(), 0)

    def test_child_only_by_default(self):
        with scratch_dir() as tmp:
            pidfile = os.path.join(tmp, "grandchild.pid")
            s, rec = self.start(tmp, flags=[f"--spawn-grandchild={pidfile}", "--exit-on=SIGUSR2"])
            with s:
                wait_for(lambda: read_lines(pidfile), what="grandchild")
                s.signal(signal.SIGUSR1)
                wait_for(lambda: read_lines(rec) == ["SIGUSR1"], what="child USR1")
                time.sleep(0.2)
                self.assertEqual(read_lines(rec + ".grandchild"), [])
                s.signal(signal.SIGUSR2)
                self.assertEqual(s.wait(), 0)


if __name__ == "__main__":
    unittest.main()
