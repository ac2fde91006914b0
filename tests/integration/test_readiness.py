"""Readiness as PID 1: READY=1 synthesized for real nginx the moment its workers poll the sockets (without
CAP_SYS_PTRACE, workers as www-data), reloads, a dropped socket explained, the timeout, and the other modes."""
import os
import shutil
import signal
import subprocess
import time
import unittest

from support.activation import Activated, free_port, poke_tcp
from support.notify import NotifyReceiver, notify_receiver
from support.servers import http_get, nginx_command, nginx_site
from support.shim import PY, SHIM, TEST_HELPERS, Shim, proc_status, require_root, wait_for, wait_idle

NO_PTRACE = ["setpriv", "--bounding-set", "-sys_ptrace", "--"]
# systemd's RestrictAddressFamilies=AF_UNIX AF_NETLINK, as every shipped unit sets it
RESTRICTED = [PY, os.path.join(TEST_HELPERS, "restrict_families.py"), "AF_UNIX,AF_NETLINK", "--"]
HAVE_NGINX = os.path.exists("/usr/sbin/nginx")


def ctxt_switches(pid):
    st = proc_status(pid)
    return int(st["voluntary_ctxt_switches"]), int(st["nonvoluntary_ctxt_switches"])


class Base(unittest.TestCase):
    def setUp(self):
        require_root(self)
        self.rx = notify_receiver(self)
        self.dir = os.path.join("/tmp", f"shimtest-ready-{os.getpid()}-{time.monotonic_ns()}")
        os.makedirs(self.dir)
        self.addCleanup(shutil.rmtree, self.dir, True)


@unittest.skipUnless(HAVE_NGINX, "nginx-light is not installed")
class Nginx(Base):
    own_netns = False  # see NginxOwnNetns

    def test_ready_synthesized_when_workers_poll_and_a_request_then_is_answered(self):
        port = free_port()
        nginx_site(self.dir, f"127.0.0.1:{port}")
        with Activated(["-l", f"127.0.0.1:{port}"], nginx_command(self.dir), env={"NOTIFY_SOCKET": self.rx.address},
                       wrapper=NO_PTRACE, own_netns=self.own_netns) as a:
            first = poke_tcp(port)
            self.rx.wait_for("READY=1")
            response = http_get(port, timeout=2)  # sent the instant READY arrived
            self.assertIn(b"200 OK", response)
            self.assertIn(b"200 OK", http_get(port, sock=first))
            pid = a.shim_pid()
            self.assertEqual(int(proc_status(pid)["CapBnd"], 16) & (1 << 19), 0, "CAP_SYS_PTRACE still bounded")
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                master = int(f.read().split()[0])

            def worker_uids():
                with open(f"/proc/{master}/task/{master}/children") as f:
                    return {proc_status(int(w))["Uid"].split()[0] for w in f.read().split()}
            # READY needs one worker polling; the other may not have dropped root yet on a busy machine.
            wait_for(lambda: worker_uids() == {"33"}, what="both nginx workers to run as www-data")
            wait_idle(pid)
            before = ctxt_switches(pid)
            time.sleep(1.5)
            self.assertEqual(ctxt_switches(pid), before, "the shim woke up while idle after READY")
            os.kill(pid, signal.SIGTERM)
            self.assertEqual(a.wait(), 0, a.stderr())
            err = a.stderr()
        self.rx.wait_for("STOPPING=1\nSTATUS=stopping nginx: SIGQUIT sent, SIGKILL in 8s")
        self.assertIn("nginx is ready: its workers poll 1 inherited socket(s)", err)
        self.assertNotIn("cannot read the fd tables", err)
        got = [m for m in self.rx.messages()]
        self.assertEqual(got[0], "STATUS=waiting for nginx to take 1 inherited socket(s)")
        self.assertEqual(got[1:3], ["STATUS=nginx is ready", "READY=1"])

    def test_sighup_reload_sends_reloading_with_monotonic_usec_then_ready(self):
        port = free_port()
        nginx_site(self.dir, f"127.0.0.1:{port}")
        with Activated(["-l", f"127.0.0.1:{port}"], nginx_command(self.dir),
                       env={"NOTIFY_SOCKET": self.rx.address}, own_netns=self.own_netns) as a:
            poke_tcp(port).close()
            self.rx.wait_for("READY=1")
            before_us = time.monotonic_ns() // 1000
            os.kill(a.shim_pid(), signal.SIGHUP)
            reloading_at = self.rx.wait_for(lambda m: m.startswith("RELOADING=1\nMONOTONIC_USEC="))
            ready_again_at = self.rx.wait_for("READY=1", count=2)
            self.assertIn(b"200 OK", http_get(port))
            os.kill(a.shim_pid(), signal.SIGTERM)
            self.assertEqual(a.wait(), 0, a.stderr())
            err = a.stderr()
        msg = next(m for m in self.rx.messages() if m.startswith("RELOADING=1"))
        usec = int(msg.split("MONOTONIC_USEC=")[1].split("\n")[0])
        self.assertTrue(before_us <= usec <= before_us + 5_000_000, (before_us, usec))
        self.assertLess(reloading_at, ready_again_at)
        self.assertIn("nginx reloaded: its workers poll 1 inherited socket(s)", err)

    def workers(self, shim):
        with open(f"/proc/{shim}/task/{shim}/children") as f:
            master = int(f.read().split()[0])
        with open(f"/proc/{master}/task/{master}/children") as f:
            return set(f.read().split())

    def restricted_nginx(self, port):
        """nginx on `port` under the shipped units' RestrictAddressFamilies (nginx -t must find its listen
        inherited there, or fail), once ready; returns the Activated and the config's path and text."""
        conf = nginx_site(self.dir, f"127.0.0.1:{port}")
        with open(conf) as f:
            good = f.read()
        a = Activated(["-l", f"127.0.0.1:{port}"], nginx_command(self.dir), env={"NOTIFY_SOCKET": self.rx.address},
                      wrapper=RESTRICTED, own_netns=self.own_netns)
        self.addCleanup(a.__exit__, None, None, None)
        poke_tcp(port).close()
        self.rx.wait_for("READY=1")
        return a, conf, good

    @staticmethod
    def break_config(conf, good):
        with open(conf, "w") as f:
            f.write(good.replace("http {", "http {\n    bogus_directive on;", 1))

    def test_reload_is_checked_with_nginx_t_first_and_a_broken_config_is_refused_not_sent(self):
        port = free_port()
        a, conf, good = self.restricted_nginx(port)
        shim = a.shim_pid()
        wait_for(lambda: len(self.workers(shim)) == 2, what="two workers")
        before = self.workers(shim)
        self.break_config(conf, good)
        os.kill(shim, signal.SIGHUP)
        refused = self.rx.wait_for(lambda m: m.startswith("STATUS=reload refused: "))
        status = next(m for m in self.rx.messages() if m.startswith("STATUS=reload refused: "))
        self.assertIn("[emerg]", status)  # nginx's own line, which its error_log formats
        self.assertIn('unknown directive "bogus_directive" in ' + conf + ":", status)
        self.assertIn("` exited with code 1: ", status)
        self.assertTrue(status.endswith("; nginx goes on with its current configuration, and got no SIGHUP"), status)
        self.assertFalse([m for m in self.rx.messages() if "RELOADING=1" in m], self.rx.messages())
        self.assertEqual(self.workers(shim), before, "the old workers must go on serving")
        self.assertIn(b"200 OK", http_get(port))

        with open(conf, "w") as f:
            f.write(good)
        os.kill(shim, signal.SIGHUP)
        reloading_at = self.rx.wait_for(lambda m: m.startswith("RELOADING=1\nMONOTONIC_USEC="))
        self.assertGreater(reloading_at, refused)
        self.rx.wait_for("READY=1", count=2)
        self.assertIn(b"200 OK", http_get(port))
        wait_for(lambda: not (self.workers(shim) & before), what="the old workers to leave")
        os.kill(shim, signal.SIGTERM)
        self.assertEqual(a.wait(), 0, a.stderr())
        err = a.stderr()
        self.assertIn(f"reload check: running `/usr/sbin/nginx -c {conf} -p {self.dir} -t -q`", err)
        self.assertIn("[sdshim] error: reload refused: ", err)
        self.assertIn("reload check: `/usr/sbin/nginx", err)
        self.assertIn("` passed", err)
        self.assertEqual(err.count("signal 1 (SIGHUP) received"), 1, err)  # nginx's log: the checked one only

    def test_reload_check_that_hangs_is_killed_at_the_ready_timeout_and_a_stop_cancels_one(self):
        port, flag = free_port(), os.path.join(self.dir, "ok")
        nginx_site(self.dir, f"127.0.0.1:{port}")
        check = f"cmd:test -e {flag} || exec sleep 30"
        with Activated(["-l", f"127.0.0.1:{port}"], ["--ready-timeout=1s", f"--reload-check={check}",
                                                      *nginx_command(self.dir)],
                       env={"NOTIFY_SOCKET": self.rx.address}, own_netns=self.own_netns) as a:
            poke_tcp(port).close()
            self.rx.wait_for("READY=1")
            shim = a.shim_pid()
            before = self.workers(shim)
            os.kill(shim, signal.SIGHUP)
            self.rx.wait_for(lambda m: m.startswith("STATUS=reload refused: ") and "did not finish within 1s" in m,
                             timeout=20)
            self.assertEqual(self.workers(shim), before)
            self.assertFalse([m for m in self.rx.messages() if "RELOADING=1" in m])
            # a reload asked for while the check runs is checked after it; a stop ends the check at once
            os.kill(shim, signal.SIGHUP)
            wait_for(lambda: "(pid" in a.stderr().split("did not finish within 1s", 1)[1], what="the second check")
            os.kill(shim, signal.SIGTERM)
            self.assertEqual(a.wait(), 0, a.stderr())
            err = a.stderr()
        self.assertNotIn("signal 1 (SIGHUP) received", err)
        self.assertIn("reload check: `/bin/sh -c 'test -e", err)
        self.assertIn("still runs after 1s: killed", err)

    def test_sdshim_reload_inside_the_namespace_waits_for_pid_1s_answer(self):
        port = free_port()
        a, conf, good = self.restricted_nginx(port)
        shim = a.shim_pid()

        def reload():  # as `podman exec NAME sdshim reload` would: a process in the shim's pid namespace
            return subprocess.run(["nsenter", "-t", str(shim), "-p", "-m", "--", SHIM, "reload"],
                                  capture_output=True, text=True, timeout=60)
        r = reload()
        self.assertEqual((r.returncode, r.stdout), (0, "sdshim reload: PID 1 sent the reload signal on\n"), r.stderr)
        self.rx.wait_for("READY=1", count=2)
        self.break_config(conf, good)
        r = reload()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("sdshim reload: refused by PID 1: the server keeps its configuration", r.stderr)
        self.rx.wait_for(lambda m: m.startswith("STATUS=reload refused: "))
        self.assertIn(b"200 OK", http_get(port))
        os.kill(shim, signal.SIGTERM)
        self.assertEqual(a.wait(), 0, a.stderr())
        self.assertEqual(a.stderr().count("signal 1 (SIGHUP) received"), 1, a.stderr())
        # outside any container: the host's PID 1 is never signalled
        r = subprocess.run([SHIM, "reload"], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2)
        self.assertIn("not sdshim: run it in the container, as `podman exec NAME sdshim reload`", r.stderr)

    def test_listen_port_that_matches_no_socket_fails_with_the_exact_fix(self):
        port, other = free_port(), free_port()
        nginx_site(self.dir, f"127.0.0.1:{other}")
        with Activated(["-l", f"127.0.0.1:{port}", "--fdname=web"], nginx_command(self.dir),
                       env={"NOTIFY_SOCKET": self.rx.address}, own_netns=self.own_netns) as a:
            poke_tcp(port)
            started = time.monotonic()
            rc = a.wait(timeout=20)
            took = time.monotonic() - started
            err = a.stderr()
        self.assertEqual(rc, 1, err)
        self.assertLess(took, 10, "not explained well within the 60s ready timeout")
        lines = [l for l in err.splitlines() if l.startswith("[sdshim] error:")]
        self.assertEqual(len(lines), 1, err)
        self.assertIn(f"nginx closed inherited fd 3 'web' (127.0.0.1:{port})", lines[0])
        self.assertIn(f"fix: put 'listen 127.0.0.1:{port};' in the server block", lines[0])
        self.assertNotIn("READY=1", self.rx.messages())

    def test_nginx_that_exits_for_a_listen_of_its_own_gets_the_fix_whatever_the_timing(self):
        # Under RestrictAddressFamilies= nginx cannot make a socket for a listen that matches no
        # inherited one and exits at once, maybe before any poll: the line must come every time.
        for attempt in range(5):
            port, other = free_port(), free_port()
            nginx_site(self.dir, f"127.0.0.1:{other}")
            rx = NotifyReceiver()
            self.addCleanup(rx.close)
            with Activated(["-l", f"127.0.0.1:{port}", "--fdname=web"], nginx_command(self.dir),
                           env={"NOTIFY_SOCKET": rx.address}, wrapper=RESTRICTED, own_netns=self.own_netns) as a:
                poke_tcp(port).close()
                rc = a.wait(timeout=60)
                err = a.stderr()
            self.assertEqual(rc, 1, err)
            self.assertIn("Address family not supported", err)  # nginx's own [emerg]
            lines = [l for l in err.splitlines() if l.startswith("[sdshim] error:")]
            self.assertEqual(len(lines), 1, f"attempt {attempt}: {err}")
            self.assertIn(f"nginx exited with code 1 before its workers polled inherited fd 3 'web' (127.0.0.1:{port})",
                          lines[0])
            self.assertIn(f"fix: put 'listen 127.0.0.1:{port};' in the server block", lines[0])
            # The last STATUS says why the server stopped; nothing looks like READY to conmon 2.1.6.
            rx.wait_for("STATUS=" + lines[0].split("error: ", 1)[1])
            self.assertEqual(rx.messages()[-1], "STATUS=" + lines[0].split("error: ", 1)[1])
            self.assertFalse([m for m in rx.messages() if "READY=1" in m], rx.messages())

    def test_dropped_socket_can_be_only_a_warning(self):
        port, other = free_port(), free_port()
        nginx_site(self.dir, f"127.0.0.1:{other}")
        with Activated(["-l", f"127.0.0.1:{port}"], ["--on-dropped-socket=warn", *nginx_command(self.dir)],
                       env={"NOTIFY_SOCKET": self.rx.address}, own_netns=self.own_netns) as a:
            poke_tcp(port)
            wait_for(lambda: "nginx closed inherited fd 3" in a.stderr(), what="the warning")
            time.sleep(0.3)
            self.assertIsNone(a.proc.poll(), "the shim stopped although --on-dropped-socket=warn")
            os.kill(a.shim_pid(), signal.SIGTERM)
            a.wait()
            self.assertIn("[sdshim] warning: nginx closed inherited fd 3", a.stderr())


@unittest.skipUnless(shutil.which("caddy"), "caddy is not installed")
class NginxOwnNetns(Nginx):
    """The same with PID 1 in a network namespace of its own and the listener and clients in the
    test's (systemd's socket, a container with --network=none): readiness, reload checks and
    `sdshim reload` read nothing from PID 1's /proc/net for inherited sockets."""
    own_netns = True


class Caddy(Base):
    def test_real_caddy_relays_reloading_ready_and_stopping(self):
        port = free_port()
        admin = os.path.join(self.dir, "admin.sock")
        caddyfile = os.path.join(self.dir, "Caddyfile")
        with open(caddyfile, "w") as f:
            f.write(f"{{\n\tadmin unix/{admin}\n\tauto_https off\n\tstorage file_system {self.dir}/data\n}}\n"
                    f":{port} {{\n\trespond \"caddy ok\"\n}}\n")
        home = {"HOME": self.dir, "XDG_DATA_HOME": self.dir, "XDG_CONFIG_HOME": self.dir,
                "NOTIFY_SOCKET": self.rx.address}
        run = ["caddy", "run", "--config", caddyfile, "--adapter", "caddyfile"]
        with Shim(["--log-level=debug", *run], env=home) as s:
            self.rx.wait_for("READY=1")
            self.assertIn(b"caddy ok", http_get(port))
            subprocess.run(["caddy", "reload", "--config", caddyfile, "--adapter", "caddyfile", "--address",
                            f"unix/{admin}"], check=True, capture_output=True, env={**os.environ, **home})
            self.rx.wait_for("READY=1", count=2)
            s.signal(signal.SIGTERM)
            self.assertEqual(s.wait(), 0, s.stderr())
            err = s.stderr()
        self.rx.wait_for("STATUS=caddy exited with code 0")
        # caddy's RELOADING=1 before its first READY=1 (it loads its configuration) is not relayed;
        # StatusText follows each state change, since caddy sets none; STOPPING=1 arrives once.
        self.assertEqual(self.rx.messages(), [
            "STATUS=waiting for caddy to send READY = 1", "STATUS=caddy is ready", "READY=1",
            "RELOADING=1\nSTATUS=reloading caddy", "STATUS=caddy reloaded", "READY=1",
            "STOPPING=1\nSTATUS=stopping caddy: SIGTERM sent, SIGKILL in 8s", "STATUS=caddy exited with code 0"])
        self.assertIn("caddy is ready: pid 2 sent READY=1", err)
        self.assertIn("RELOADING=1 from pid 2 not relayed: the service is not ready yet", err)


class OtherModes(Base):
    def shim(self, args, **kw):
        return Shim(args, env={"NOTIFY_SOCKET": self.rx.address}, **kw)

    def test_ready_timeout_names_what_it_waited_for_then_stops(self):
        with self.shim(["--ready-timeout=1s", PY, "-c", "import time; time.sleep(60)"]) as s:
            rc = s.wait(timeout=20)
            err = s.stderr()
        self.assertEqual(rc, 1, err)
        self.assertLess(s.elapsed, 8)
        self.assertIn("python3 did not become ready within 1s (--ready-timeout): waited for python3 to send "
                      "READY=1; if it does not speak sd_notify, use --ready=listen, exec or cmd:COMMAND", err)
        # conmon 2.1.6 takes any datagram that contains READY=1 for READY=1: neither the waiting
        # STATUS nor the failure's may hold that text.
        self.assertFalse([m for m in self.rx.messages() if "READY=1" in m], self.rx.messages())
        self.assertIn("STATUS=waiting for python3 to send READY = 1", self.rx.messages())
        reason = ("STATUS=python3 did not become ready within 1s (--ready-timeout): waited for python3 to send "
                  "READY = 1; if it does not speak sd_notify, use --ready=listen, exec or cmd:COMMAND")
        # the reason is the stop's own STATUS=, in its one datagram: a second one could be lost when
        # the container ends right after it
        self.rx.wait_for("STOPPING=1\n" + reason)
        self.assertEqual(self.rx.messages()[-1], "STOPPING=1\n" + reason)
        self.assertTrue(any(m.startswith("STOPPING=1") for m in self.rx.messages()), self.rx.messages())

    def test_cmd_ready_when_the_command_first_succeeds(self):
        flag = os.path.join(self.dir, "up")
        code = f"import time; time.sleep(0.6); open({flag!r}, 'w').close(); time.sleep(60)"
        with self.shim([f"--ready=cmd:test -e {flag}", PY, "-c", code]) as s:
            at = self.rx.wait_for("READY=1")
            created = os.stat(flag).st_mtime
            s.signal(signal.SIGTERM)
            s.wait()
            err = s.stderr()
        self.assertGreaterEqual(time.time() - (time.monotonic() - at), created - 0.05)
        self.assertIn(f"python3 is ready: 'test -e {flag}' exited 0", err)

    def test_pidfile_ready_when_it_names_a_live_process(self):
        pidfile = os.path.join(self.dir, "app.pid")
        code = f"import os, time; time.sleep(0.3); open({pidfile!r}, 'w').write(str(os.getpid())); time.sleep(60)"
        with self.shim([f"--ready=pidfile:{pidfile}", PY, "-c", code]) as s:
            self.rx.wait_for("READY=1")
            s.signal(signal.SIGTERM)
            s.wait()
            self.assertIn(f"its pid file {pidfile} names a running process", s.stderr())

    def test_pidfile_without_path_for_a_generic_server_is_a_usage_error(self):
        with self.shim(["--ready=pidfile", "sleep", "5"]) as s:
            self.assertEqual(s.wait(), 2)
            self.assertIn("--ready=pidfile needs the path for sleep", s.stderr())

    def test_exec_ready_at_once_and_the_servers_own_ready_is_not_doubled(self):
        peer = os.path.join(os.environ.get("SHIMTEST_HELPERS", ""), "notify_peer")
        with self.shim(["--ready=exec", peer, "sleep", "200", "send", "READY=1\\nSTATUS=mine"]) as s:
            self.assertEqual(s.wait(), 0, s.stderr())
        self.rx.wait_for("STATUS=mine")
        self.assertEqual(self.rx.messages().count("READY=1"), 1, self.rx.messages())


if __name__ == "__main__":
    unittest.main()


# A plain HTTP server that answers 503 until the flag file exists, then 200; it logs each request.
FLAGGED_SERVER = r"""
import http.server, os, sys
port, flag = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if os.path.exists(flag) else 503)
        self.end_headers()
    def log_message(self, fmt, *args):
        sys.stderr.write("request %s\n" % self.path)
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
"""


class HealthModes(Base):
    """--ready=http://, tcp: for servers whose processes cannot be inspected (a process of its own: nothing
    else tells the shim when the server serves)."""

    def shim(self, args, **kw):
        return Shim(args, env={"NOTIFY_SOCKET": self.rx.address}, **kw)

    def test_http_ready_only_once_the_path_answers_2xx(self):
        port, flag = free_port(), os.path.join(self.dir, "up")
        url = f"http://127.0.0.1:{port}/health"
        with self.shim([f"--ready={url}", PY, "-c", FLAGGED_SERVER, str(port), flag]) as s:
            self.rx.wait_for(f"STATUS=waiting for python3 to answer {url} with 2xx or 3xx")
            # Answering 503: asked again and again, never ready.
            wait_for(lambda: s.stderr().count("request /health") >= 3, timeout=20, what="three looks answered 503")
            self.assertNotIn("READY=1", self.rx.messages())
            open(flag, "w").close()
            self.rx.wait_for("READY=1", timeout=20)
            self.assertIn("STATUS=python3 is ready", self.rx.messages())
            s.signal(signal.SIGTERM)
            s.wait()
            err = s.stderr()
        self.assertIn(f"python3 is ready: {url} answered HTTP/1.0 200 OK", err)
        # The first looks come quickly, then the back-off reaches 250 ms: few requests in the server's log.
        self.assertLess(err.count("request /health"), 60, err)

    def test_tcp_ready_once_the_port_accepts(self):
        port = free_port()
        code = (f"import socket, time; time.sleep(0.5); s = socket.socket(); s.bind(('127.0.0.1', {port})); "
                "s.listen(); time.sleep(60)")
        started = time.monotonic()
        with self.shim([f"--ready=tcp:127.0.0.1:{port}", PY, "-c", code]) as s:
            at = self.rx.wait_for("READY=1", timeout=20)
            s.signal(signal.SIGTERM)
            s.wait()
            self.assertIn(f"python3 is ready: tcp:127.0.0.1:{port} accepts connections", s.stderr())
        self.assertGreaterEqual(at - started, 0.5)

    def test_timeout_names_the_target_and_a_bad_target_is_one_line_and_exit_2(self):
        port = free_port()
        with self.shim(["--ready-timeout=1s", f"--ready=http://127.0.0.1:{port}/", PY, "-c",
                        "import time; time.sleep(60)"]) as s:
            self.assertEqual(s.wait(timeout=20), 1)
            self.assertIn(f"python3 did not become ready within 1s (--ready-timeout): waited for python3 to answer "
                          f"http://127.0.0.1:{port}/ with 2xx or 3xx", s.stderr())
        with self.shim(["--ready=http://localhost:8080/", "sleep", "5"]) as s:
            self.assertEqual(s.wait(timeout=20), 2)
            lines = [l for l in s.stderr().splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("--ready 'http://localhost:8080/': expected", lines[0])
        self.assertIn("the host must be numeric", lines[0])
