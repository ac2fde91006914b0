"""The watchdog as PID 1: WATCHDOG=1 at half of --watchdog only while the server passes its --ready mode's
check (nginx's workers poll the sockets, a cmd: probe exits 0), withheld while it fails, resumed when it
passes again; notify mode leaves the pings to the server, which gets WATCHDOG_USEC as libsystemd reads it."""
import os
import shutil
import signal
import time
import unittest

from support.activation import Activated, free_port, poke_tcp
from support.notify import notify_receiver
from support.servers import http_get, nginx_command, nginx_site
from support.shim import HELPERS, PY, Shim, require_root, wait_for

PEER = os.path.join(HELPERS, "notify_peer")
HAVE_NGINX = os.path.exists("/usr/sbin/nginx")


def pings(rx):
    return [t for t, m in list(rx.received) if m == "WATCHDOG=1"]


class Base(unittest.TestCase):
    def setUp(self):
        require_root(self)
        self.rx = notify_receiver(self)
        self.dir = os.path.join("/tmp", f"shimtest-watchdog-{os.getpid()}-{time.monotonic_ns()}")
        os.makedirs(self.dir)
        self.addCleanup(shutil.rmtree, self.dir, True)

    def withheld_then_resumed(self, server, failing_status):
        """SIGUSR1 makes `server` fail its check: `failing_status`, and no ping after one interval (2 s);
        SIGUSR2 makes it pass again: 'serves again' and pings once more."""
        os.kill(server, signal.SIGUSR1)
        failed_at = time.monotonic()
        self.rx.wait_for(failing_status, timeout=30)
        self.assert_pings_stop(failed_at, 2.0)
        before = len(pings(self.rx))
        os.kill(server, signal.SIGUSR2)
        self.rx.wait_for("STATUS=python3 serves again", timeout=30)
        wait_for(lambda: len(pings(self.rx)) > before, timeout=30, what="pings after the server serves again")

    def assert_pings_stop(self, frozen_at, interval):
        """No ping later than one interval after the server stopped serving; waits two to see it."""
        time.sleep(2 * interval)
        late = [t - frozen_at for t in pings(self.rx) if t > frozen_at + interval]
        self.assertEqual(late, [], "WATCHDOG=1 went on although the server no longer served")


@unittest.skipUnless(HAVE_NGINX, "nginx-light is not installed")
class Nginx(Base):
    def test_pings_stop_while_the_workers_are_frozen_and_resume_after(self):
        interval = 2.0  # --watchdog=2s: a check and a ping every second
        port = free_port()
        nginx_site(self.dir, f"127.0.0.1:{port}")
        with Activated(["-l", f"127.0.0.1:{port}"], ["--watchdog=2s", *nginx_command(self.dir)],
                       env={"NOTIFY_SOCKET": self.rx.address}) as a:
            poke_tcp(port).close()
            self.rx.wait_for("READY=1", timeout=30)
            self.rx.wait_for("WATCHDOG=1", count=3, timeout=30)
            shim = a.shim_pid()
            master = int(open(f"/proc/{shim}/task/{shim}/children").read().split()[0])
            workers = [int(w) for w in open(f"/proc/{master}/task/{master}/children").read().split()]
            self.assertEqual(len(workers), 2)

            for w in workers:
                os.kill(w, signal.SIGSTOP)
            frozen_at = time.monotonic()
            self.rx.wait_for(lambda m: m.startswith("STATUS=not serving: no running process of nginx polls fd 3"),
                             timeout=30)
            self.assert_pings_stop(frozen_at, interval)
            err = a.stderr()
            self.assertIn("[sdshim] warning: nginx fails its liveness check: no running process of nginx polls "
                          f"fd 3 'unknown' (127.0.0.1:{port}); WATCHDOG=1 withheld, so systemd acts after "
                          "WatchdogSec=2s", err)
            self.assertEqual(err.count("fails its liveness check"), 1, "one line per failure, not per check")

            before = len(pings(self.rx))
            for w in workers:
                os.kill(w, signal.SIGCONT)
            self.rx.wait_for("STATUS=nginx serves again", timeout=30)
            wait_for(lambda: len(pings(self.rx)) >= before + 2, timeout=30, what="pings after SIGCONT")
            self.assertIn(b"200 OK", http_get(port))
            self.assertIn("nginx passes its liveness check again: WATCHDOG=1 resumes", a.stderr())
            os.kill(shim, signal.SIGTERM)
            self.assertEqual(a.wait(), 0, a.stderr())
        # conmon 2.1.6 would take a STATUS holding "WATCHDOG=1" for a ping
        self.assertFalse([m for m in self.rx.messages() if "WATCHDOG=1" in m and m != "WATCHDOG=1"])

    def test_watchdog_usec_from_systemd_when_it_names_the_shim(self):
        port = free_port()
        nginx_site(self.dir, f"127.0.0.1:{port}")
        # WATCHDOG_PID=1: the shim, as PID 1, is the process systemd means
        with Activated(["-l", f"127.0.0.1:{port}"], nginx_command(self.dir),
                       env={"NOTIFY_SOCKET": self.rx.address, "WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "1"}) as a:
            poke_tcp(port).close()
            self.rx.wait_for("WATCHDOG=1", count=2, timeout=30)
            os.kill(a.shim_pid(), signal.SIGTERM)
            self.assertEqual(a.wait(), 0, a.stderr())


# A server behind --bridge whose listener closes on SIGUSR1 and opens again on SIGUSR2: alive, not serving.
TOGGLING_SERVER = r"""
import signal, socket, sys, time
port = int(sys.argv[1])
state = {}
def open_listener(*_):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(16); state["s"] = s
def close_listener(*_):
    state.pop("s").close()
signal.signal(signal.SIGUSR1, close_listener)
signal.signal(signal.SIGUSR2, open_listener)
open_listener()
while True:
    time.sleep(1)
"""


class Bridge(Base):
    def test_target_mode_pings_while_the_bridge_target_accepts(self):
        port, target = free_port(), free_port()
        with Activated(["-l", f"127.0.0.1:{port}"], ["--bridge", f"3=127.0.0.1:{target}", "--watchdog=2s", "--", PY,
                                                     "-c", TOGGLING_SERVER, str(target)],
                       env={"NOTIFY_SOCKET": self.rx.address}) as a:
            poke_tcp(port).close()
            self.rx.wait_for("READY=1", timeout=30)
            self.rx.wait_for("WATCHDOG=1", count=2, timeout=30)
            shim = a.shim_pid()
            with open(f"/proc/{shim}/task/{shim}/children") as f:
                server = int(f.read().split()[0])
            self.withheld_then_resumed(server, f"STATUS=not serving: 127.0.0.1:{target} does not accept connections")
            os.kill(shim, signal.SIGTERM)
            a.wait()


class OtherModes(Base):
    def shim(self, args, env=None, **kw):
        return Shim(args, env={"NOTIFY_SOCKET": self.rx.address, **(env or {})}, **kw)

    def test_cmd_probe_decides_and_a_hanging_probe_counts_as_failed(self):
        flag = os.path.join(self.dir, "healthy")
        hang = os.path.join(self.dir, "hang")
        open(flag, "w").close()
        probe = f"cmd:test -e {flag} && ! test -e {hang} || {{ test -e {hang} && sleep 30; false; }}"
        with self.shim([f"--ready={probe}", "--watchdog=2s", PY, "-c", "import time; time.sleep(120)"]) as s:
            self.rx.wait_for("READY=1", timeout=30)
            self.rx.wait_for("WATCHDOG=1", count=2, timeout=30)
            os.unlink(flag)
            failed_at = time.monotonic()
            self.rx.wait_for(lambda m: m.startswith("STATUS=not serving: '"), timeout=30)
            self.assert_pings_stop(failed_at, 2.0)
            self.assertIn("exited with code 1; WATCHDOG=1 withheld", s.stderr())

            open(flag, "w").close()
            self.rx.wait_for("STATUS=python3 serves again", timeout=30)
            open(hang, "w").close()  # the probe now sleeps 30 s: killed after one period
            self.rx.wait_for(lambda m: "did not exit within 1s" in m, timeout=30)
            s.signal(signal.SIGTERM)
            s.wait()

    def test_notify_mode_leaves_pings_to_the_server_which_gets_watchdog_usec(self):
        with self.shim(["--watchdog=3s", PEER, "watchdog", "send", "READY=1", "send", "WATCHDOG=1",
                        "send", "WATCHDOG=trigger", "sleep", "1500"],
                       env={"WATCHDOG_USEC": "999", "WATCHDOG_PID": "4242"}) as s:
            self.assertEqual(s.wait(), 0, s.stderr())
            out = s.stdout()
        # libsystemd in the server: enabled, with --watchdog's value, not the outer WATCHDOG_USEC/PID
        self.assertIn("watchdog enabled=1 usec=3000000", out)
        self.rx.wait_for("WATCHDOG=trigger")
        self.assertEqual(self.rx.messages().count("WATCHDOG=1"), 1, "the server's own ping only")

    def test_server_ping_is_not_relayed_where_the_shim_decides_liveness(self):
        # --ready=exec with --watchdog: the shim's check decides; the server's WATCHDOG=1 would hide a failure
        with self.shim(["--ready=exec", "--watchdog=60s", "--log-level=debug", PEER, "send", "WATCHDOG=1",
                        "send", "STATUS=pinged", "sleep", "300"]) as s:
            self.assertEqual(s.wait(), 0, s.stderr())
            err = s.stderr()
        self.rx.wait_for("STATUS=pinged")
        self.assertEqual(self.rx.messages().count("WATCHDOG=1"), 1, "one from the shim's first check, none relayed")
        self.assertIn("WATCHDOG=1 from the server not relayed", err)

    def test_no_watchdog_without_notify_socket_or_for_another_process(self):
        with Shim(["--watchdog=2s", PEER, "watchdog"]) as s:
            self.assertEqual(s.wait(), 0, s.stderr())
            self.assertIn("--watchdog=2s has no NOTIFY_SOCKET to ping", s.stderr())
        # systemd's WATCHDOG_PID names another process: off, and the server does not get it either
        with self.shim([PEER, "watchdog", "send", "READY=1"], env={"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "77"}) as s:
            self.assertEqual(s.wait(), 0, s.stderr())
            self.assertIn("watchdog enabled=0 usec=0", s.stdout())
        self.assertNotIn("WATCHDOG=1", self.rx.messages())

    def test_bad_watchdog_value_is_a_usage_error(self):
        with Shim(["--watchdog=soon", "true"]) as s:
            self.assertEqual(s.wait(), 2)
            self.assertIn("--watchdog 'soon': expected the unit's WatchdogSec= as a duration", s.stderr())


if __name__ == "__main__":
    unittest.main()


# Answers 200, 503 after SIGUSR1, 200 again after SIGUSR2; after SIGHUP it accepts and never answers.
SWITCHING_HTTP = r"""
import http.server, signal, sys, time
state = {"code": 200, "hang": False}
signal.signal(signal.SIGUSR1, lambda *a: state.update(code=503))
signal.signal(signal.SIGUSR2, lambda *a: state.update(code=200, hang=False))
signal.signal(signal.SIGHUP, lambda *a: state.update(hang=True))
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if state["hang"]:
            time.sleep(30)
        self.send_response(state["code"])
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


class HealthMode(Base):
    def test_http_mode_pings_while_2xx_withholds_on_503_and_on_silence(self):
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        with Shim([f"--ready={url}", "--watchdog=2s", "--check-timeout=300ms", PY, "-c", SWITCHING_HTTP, str(port)],
                  env={"NOTIFY_SOCKET": self.rx.address}) as s:
            self.rx.wait_for("READY=1", timeout=30)
            self.rx.wait_for("WATCHDOG=1", count=2, timeout=30)
            with open(f"/proc/{s.shim_pid}/task/{s.shim_pid}/children") as f:
                server = int(f.read().split()[0])
            self.withheld_then_resumed(server, f"STATUS=not serving: {url} answered HTTP/1.0 503 Service Unavailable")
            os.kill(server, signal.SIGHUP)  # accepts, never answers: each look gives up after 300 ms
            hung_at = time.monotonic()
            self.rx.wait_for(f"STATUS=not serving: {url}: no answer within 300ms", timeout=30)
            self.assert_pings_stop(hung_at, 2.0)
            s.signal(signal.SIGTERM)
            s.wait()
