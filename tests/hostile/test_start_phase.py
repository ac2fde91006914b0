"""Hostile: nothing fails after the launch that could fail before it. The notify relay's sockets were
watched only after the server had been launched; when the kernel refused that watch, PID 1 returned 1
with the server running (killed with the namespace, without the stop sequence or STOPPING=1). Now the
relay is set up and watched before the launch, and a refusal means the server never starts."""
import errno
import os
import tempfile
import unittest

from support.notify import notify_receiver
from support.shim import Shim, require_root

try:
    import seccomp
except ImportError:  # python3-seccomp
    seccomp = None

EPOLL_CTL_ADD = 1
RELAY_INNER_FD = 5  # after stdio, the signalfd (3) and the epoll fd (4): the relay's own socket


def refuse_watching_the_relay():
    """In the shim, before its exec: epoll_ctl(ADD) of fd 5 fails with ENOMEM, as when the kernel is
    out of memory or of epoll watches (fs.epoll.max_user_watches, global: not changed by a test)."""
    f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    f.add_rule(seccomp.ERRNO(errno.ENOMEM), "epoll_ctl", seccomp.Arg(1, seccomp.EQ, EPOLL_CTL_ADD),
               seccomp.Arg(2, seccomp.EQ, RELAY_INNER_FD))
    f.load()


@unittest.skipIf(seccomp is None, "python3-seccomp is missing")
class StartPhase(unittest.TestCase):
    def test_a_relay_that_cannot_be_watched_fails_the_start_before_the_server_runs(self):
        require_root(self)
        rx = notify_receiver(self)
        with tempfile.TemporaryDirectory(prefix="shimtest-start-") as d:
            mark = os.path.join(d, "server-ran")
            with Shim(["sh", "-c", f"touch {mark}; exec sleep 30"], pid1=False, env={"NOTIFY_SOCKET": rx.address},
                      preexec_fn=refuse_watching_the_relay) as s:
                rc = s.wait(timeout=30)
                err = s.stderr()
            self.assertEqual(rc, 1, err)
            self.assertFalse(os.path.exists(mark), "the server was launched before the relay could be watched: " + err)
            errors = [line for line in err.splitlines() if "error" in line or "critical" in line]
            self.assertEqual(len(errors), 1, err)
            self.assertIn("notify relay: ", errors[0])
            self.assertIn("Cannot allocate memory", errors[0])


if __name__ == "__main__":
    unittest.main()
