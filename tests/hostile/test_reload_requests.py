"""Hostile: `sdshim reload` askers, as `podman exec NAME sdshim reload` makes them (a process that
joins PID 1's pid namespace from outside), with PID 1 in a network namespace of its own (the
deployment topology). Each asker gets exactly one answer, and a true one. Before: with no
NOTIFY_SOCKET (plain podman run) PID 1 waited in sigwaitinfo, which left the request's value out, and
no asker was ever answered; concurrent requests were lost (a second SIGHUP pending is dropped by the
kernel): one of 2, 35 of 100 never answered; an asker whose request came while another's check was
failing was told "refused" with it, though its own re-check passed and nginx reloaded; any other
signal forwarded while a check ran (`podman kill --signal USR1` to reopen nginx's logs) told every
waiting asker "sent" before the check had decided anything."""
import concurrent.futures
import os
import signal
import subprocess
import tempfile
import unittest

from support.activation import Activated, free_port, poke_tcp
from support.notify import notify_receiver
from support.servers import http_get, nginx_command, nginx_site
from support.shim import SANITIZED, SHIM, require_root, wait_for


# Askers at once. Under ASan each asker is a sanitized process whose start is heavy: 100 of them at
# once (300 in a run) made the machine's load average 43 and starved the tests beside them (ASan tier,
# CI: servers not started within 30 s in test_watchdog and test_stop). 25 still fill the kernel's
# one pending SIGHUP many times over; the release tier runs 100.
STORM = 25 if SANITIZED else 100


class ReloadRequests(unittest.TestCase):
    def setUp(self):
        require_root(self)
        self.tmp = tempfile.TemporaryDirectory(prefix="shimtest-reload-")
        self.addCleanup(self.tmp.cleanup)
        self.dir = self.tmp.name

    def nginx(self, shim_args=(), notify=False):
        port = free_port()
        nginx_site(self.dir, f"127.0.0.1:{port}")
        env = {}
        if notify:
            self.rx = notify_receiver(self)
            env["NOTIFY_SOCKET"] = self.rx.address
        a = Activated(["-l", f"127.0.0.1:{port}"], [*shim_args, *nginx_command(self.dir)], env=env, own_netns=True)
        self.addCleanup(a.__exit__, None, None, None)
        poke_tcp(port).close()
        shim = a.shim_pid()
        wait_for(lambda: os.path.exists(f"{self.dir}/nginx.pid"), what="nginx to start")
        return a, shim, port

    def nginx_checked(self, check):
        """nginx whose reload check is the shell command `check`, once it serves."""
        a, shim, port = self.nginx([f"--reload-check=cmd:{check}"], notify=True)
        self.rx.wait_for("READY=1", timeout=30)
        return a, shim, port

    def ask_during_check(self, pool, shim, started):
        """An asker whose request starts the check; returns once the check has touched `started`."""
        asker = pool.submit(self.ask, shim)
        wait_for(lambda: os.path.exists(started), timeout=30, what="the check to start")
        return asker

    @staticmethod
    def ask(shim, timeout="60s"):  # an answer that never comes shows as this timeout, however long it is
        r = subprocess.run(["nsenter", "-t", str(shim), "-p", "-m", "--", SHIM, "reload", f"--ready-timeout={timeout}"],
                           capture_output=True, text=True, timeout=120)
        return r.returncode, r.stdout + r.stderr

    def storm(self, shim, count):
        with concurrent.futures.ThreadPoolExecutor(max_workers=count) as pool:
            return list(pool.map(lambda _: self.ask(shim), range(count)))

    def test_without_a_notify_socket_every_asker_is_answered(self):
        """PID 1 waits in sigwaitinfo (its signalfd is all it watches): the request's value must come through."""
        a, shim, port = self.nginx()
        def in_sigwaitinfo():  # once nginx serves: nothing left to look at
            with open(f"/proc/{shim}/wchan") as f:
                return f.read().split(".")[0] == "do_sigtimedwait"
        wait_for(in_sigwaitinfo, timeout=30, what="PID 1 to wait in sigwaitinfo")
        rc, out = self.ask(shim, timeout="5s")
        self.assertEqual(rc, 0, out)
        self.assertIn("PID 1 sent the reload signal on", out)
        results = self.storm(shim, STORM)
        self.assertEqual([rc for rc, _ in results], [0] * STORM, [out for rc, out in results if rc][:3])
        self.assertIn(b"200 OK", http_get(port))
        os.kill(shim, signal.SIGTERM)
        self.assertEqual(a.wait(timeout=60), 0, a.stderr())

    def test_a_hundred_askers_at_once_each_get_the_answer_of_the_check_that_covers_them(self):
        a, shim, port = self.nginx(notify=True)
        self.rx.wait_for("READY=1", timeout=30)
        results = self.storm(shim, STORM)
        self.assertEqual([rc for rc, _ in results], [0] * STORM, [out for rc, out in results if rc][:3])
        # a broken configuration: every asker is refused, and nginx keeps serving
        conf = f"{self.dir}/nginx.conf"
        with open(conf) as f:
            good = f.read()
        with open(conf, "w") as f:
            f.write(good.replace("http {", "http {\n    bogus_directive on;", 1))
        results = self.storm(shim, STORM)
        self.assertEqual([rc for rc, _ in results], [1] * STORM, [out for rc, out in results if rc != 1][:3])
        self.assertIn(b"200 OK", http_get(port))
        status = [m for m in self.rx.messages() if m.startswith("STATUS=reload refused: ")]
        self.assertTrue(status)
        self.assertIn('unknown directive "bogus_directive"', status[-1])
        os.kill(shim, signal.SIGTERM)
        self.assertEqual(a.wait(timeout=60), 0, a.stderr())

    def test_a_request_made_while_a_check_fails_gets_the_answer_of_its_own_recheck(self):
        flag, decided = os.path.join(self.dir, "fixed"), os.path.join(self.dir, "decided")
        # decided by the flag at its start, then long enough for the second request to come meanwhile
        a, shim, port = self.nginx_checked(f"s=1; test -e {flag} && s=0; touch {decided}; sleep 3; exit $s")
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            first = self.ask_during_check(pool, shim, decided)
            open(flag, "w").close()  # the configuration is fixed while the first check still runs
            second = pool.submit(self.ask, shim)
            wait_for(lambda: "one more reload is checked after it" in a.stderr(), what="the second request")
            self.assertEqual(first.result()[0], 1, first.result()[1])  # its check failed: refused
            self.assertEqual(second.result()[0], 0, second.result()[1])  # its own re-check passed: sent
        self.rx.wait_for(lambda m: m.startswith("RELOADING=1"))
        os.kill(shim, signal.SIGTERM)
        self.assertEqual(a.wait(timeout=60), 0, a.stderr())
        self.assertEqual(a.stderr().count("signal 1 (SIGHUP) received"), 1, a.stderr())

    def test_another_signal_during_the_check_answers_no_asker(self):
        """SIGUSR1 (nginx reopens its logs) is forwarded while an asker waits for its check: the asker
        hears the check's outcome, not the other signal's."""
        decided = os.path.join(self.dir, "decided")
        a, shim, port = self.nginx_checked(f"touch {decided}; sleep 2; exit 1")
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            asker = self.ask_during_check(pool, shim, decided)
            os.kill(shim, signal.SIGUSR1)
            wait_for(lambda: "(SIGUSR1) received" in a.stderr(), what="SIGUSR1 to reach nginx")
            rc, out = asker.result()
        self.assertEqual(rc, 1, out)  # the check failed: refused, whatever went to nginx meanwhile
        self.assertIn("refused by PID 1", out)
        self.assertIn(b"200 OK", http_get(port))
        os.kill(shim, signal.SIGTERM)
        self.assertEqual(a.wait(timeout=60), 0, a.stderr())
        self.assertNotIn("signal 1 (SIGHUP) received", a.stderr())


if __name__ == "__main__":
    unittest.main()
