"""What the child starts with: empty signal mask, default dispositions, own process group, only fds 0-2."""
import os
import signal
import unittest

from support.shim import PY, Shim, require_root, wait_idle

REPORT = ("import os; s={l.split(':')[0]: l.split(':')[1].strip() for l in open('/proc/self/status')}; "
          "print(s['SigBlk'], s['SigIgn'], os.getpid(), os.getpgrp(), sorted(int(f) for f in os.listdir('/proc/self/fd')))")


def hostile_parent():
    # What a careless caller might leave behind: ignored and blocked signals.
    for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGPIPE, signal.SIGTSTP, signal.SIGTTOU):
        signal.signal(sig, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGTERM, signal.SIGTSTP, signal.SIGTTIN})


class ChildState(unittest.TestCase):
    def setUp(self):
        require_root(self)

    def run_report(self, pid1):
        # Extra fds the shim inherits must not reach the child.
        r1, w1 = os.pipe()
        r2, w2 = os.pipe()
        try:
            with Shim(["/bin/cat", "/proc/self/status"], pid1=pid1, preexec_fn=hostile_parent,
                      pass_fds=(r1, w2)) as s:
                self.assertEqual(s.wait(), 0)
                status = {l.split(":")[0]: l.split(":", 1)[1].strip() for l in s.stdout().splitlines()}
            with Shim([PY, "-c", REPORT], pid1=pid1, preexec_fn=hostile_parent, pass_fds=(r1, w2)) as s:
                self.assertEqual(s.wait(), 0, s.stderr())
                report = s.stdout().split(maxsplit=4)
        finally:
            for fd in (r1, w1, r2, w2):
                os.close(fd)
        return status, report

    def check(self, pid1):
        status, report = self.run_report(pid1)
        self.assertEqual(int(status["SigBlk"], 16), 0, "child starts with blocked signals")
        self.assertEqual(int(status["SigIgn"], 16), 0, "child starts with ignored signals")
        pid, pgid = int(report[2]), int(report[3])
        self.assertEqual(pid, pgid, "child is not the leader of its own process group")
        fds = eval(report[4])  # sorted list printed by the child; the last one is listdir's own fd
        self.assertEqual(fds[:3], [0, 1, 2])
        self.assertEqual(len(fds), 4, f"child got extra fds: {fds}")

    def test_as_pid1(self):
        self.check(pid1=True)

    def test_as_subreaper(self):
        self.check(pid1=False)

    def test_shim_holds_only_stdio_signalfd_and_epoll(self):
        r1, w1 = os.pipe()
        try:
            with Shim(["sleep", "30"], pass_fds=(r1,)) as s:
                wait_idle(s.shim_pid)
                fds = {int(fd): os.readlink(f"/proc/{s.shim_pid}/fd/{fd}") for fd in os.listdir(f"/proc/{s.shim_pid}/fd")}
                s.signal(signal.SIGTERM)
                s.wait()
        finally:
            os.close(r1)
            os.close(w1)
        extra = sorted(v for k, v in fds.items() if k > 2)
        self.assertEqual(extra, ["anon_inode:[eventpoll]", "anon_inode:[signalfd]"], fds)


if __name__ == "__main__":
    unittest.main()
