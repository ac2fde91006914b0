"""--exit-idle as PID 1, in a network namespace of the test's own (nothing else's connections count):
the shim stops the server and exits 0 once no client connection has been open for the limit; a
request longer than the limit, a keep-alive connection held idle, and short requests that come and
go between two looks keep it running. Real nginx, and the bridge (its own table) in front of an echo
server, each in two topologies: PID 1 in the listeners' network namespace (podman --network=host),
and in one of its own (the deployment: systemd binds the socket on the host, the container has
--network=none or a podman network, and its /proc/net never shows the listener or its clients).
A generic server without a bridge is refused at start."""
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from support.activation import Activated, free_port, poke_tcp
from support.notify import notify_receiver
from support.servers import nginx_command, nginx_site
from support.shim import PY, SHIM, TEST_HELPERS, require_root

ECHO = os.path.join(TEST_HELPERS, "echo_server.py")
HAVE_NGINX = os.path.exists("/usr/sbin/nginx")
PORT = 8080  # inside the test's own network namespace

# Run in the namespace: `hold S` keeps one request unfinished S seconds (which nginx waits for);
# `keepalive S` makes a request, keeps the connection idle S seconds and makes a second one on it
# (HTTP/1.1 keep-alive; the echo server answers any line); `requests N GAP` makes N short requests
# GAP seconds apart; each prints what it saw (requests: and when the last one closed, on the
# monotonic clock all processes share).
CLIENT = r"""
import socket, sys, time
action, port = sys.argv[1], int(sys.argv[2])
def connect():
    for _ in range(200):
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=10)
        except OSError:
            time.sleep(0.05)
    raise SystemExit("cannot connect")
def answer(c):
    got = c.recv(4096)
    while got and b"hello" not in got and b"GET" not in got:
        more = c.recv(4096)
        if not more:
            break
        got += more
    return got
if action == "hold":
    c = connect()
    c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
    time.sleep(float(sys.argv[3]))
    c.close()
    print("held")
elif action == "keepalive":
    c = connect()
    c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    first = answer(c)
    time.sleep(float(sys.argv[3]))
    c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    second = answer(c)
    c.close()
    print("answered-after-idle" if first and second else f"lost {first!r} {second!r}")
else:
    answered = 0
    for _ in range(int(sys.argv[3])):
        c = connect()
        c.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
        answered += len(c.recv(64)) > 0
        c.close()
        last = time.monotonic()
        time.sleep(float(sys.argv[4]))
    print("answered", answered, last)
"""


class Base(unittest.TestCase):
    def setUp(self):
        require_root(self)
        if shutil.which("nsenter") is None or shutil.which("ip") is None:
            self.skipTest("nsenter or ip (util-linux, iproute2) is missing")
        self.rx = notify_receiver(self)
        self.tmp = tempfile.TemporaryDirectory(prefix="shimtest-idle-")
        self.addCleanup(self.tmp.cleanup)
        self.dir = self.tmp.name
        # A network namespace with only loopback, held open by a sleeping process.
        self.holder = subprocess.Popen(["unshare", "--net", "sh", "-c", "ip link set lo up && exec sleep 600"])
        self.addCleanup(self.holder.wait)
        self.addCleanup(self.holder.kill)
        self.netns = f"--net=/proc/{self.holder.pid}/ns/net"
        deadline = time.monotonic() + 10
        while subprocess.run(["nsenter", self.netns, "ip", "-o", "link", "show", "lo", "up"],
                             capture_output=True, text=True).stdout == "":
            self.assertLess(time.monotonic(), deadline, "the namespace's loopback never came up")
            time.sleep(0.05)

    def client(self, *args):
        return subprocess.Popen(["nsenter", self.netns, PY, "-c", CLIENT, args[0], str(PORT), *map(str, args[1:])],
                                stdout=subprocess.PIPE, text=True)

    own_netns = False  # the deployment topology: PID 1 in a network namespace of its own

    def activated(self, shim_args):
        return Activated(["-l", f"127.0.0.1:{PORT}"], shim_args, env={"NOTIFY_SOCKET": self.rx.address},
                         prefix=["nsenter", self.netns], own_netns=self.own_netns)

    def assert_idle_exit(self, a, limit, program):
        """Exit 0 with the reason in the log and as the stop's STATUS=, with STOPPING=1; returns when
        that datagram came."""
        self.assertEqual(a.wait(timeout=60), 0, a.stderr())
        line = (f"no client connection for {limit} (--exit-idle): stopping {program}; the socket stays with "
                "systemd, and the next connection starts it again")
        self.assertIn(f"[sdshim] info: {line}", a.stderr())
        return self.rx.wait_for(f"STOPPING=1\nSTATUS={line}")  # one datagram

    def idle_cycle(self, shim_args, program):
        """A request held unfinished for 4 s (4 limits), then a keep-alive connection held idle for 4 s
        and served after it: still running; 12 requests 0.4 s apart (each over between two looks, 250
        ms apart): still running; then idle: exit 0."""
        with self.activated(["--exit-idle=1s", *shim_args]) as a:
            hold = self.client("hold", 4)
            self.rx.wait_for("READY=1", timeout=30)
            self.assertEqual(hold.communicate(timeout=30)[0].strip(), "held")
            self.assertIsNone(a.proc.poll(), "exited while a request was open: " + a.stderr())
            idle_client = self.client("keepalive", 4)
            self.assertEqual(idle_client.communicate(timeout=30)[0].strip(), "answered-after-idle", a.stderr())
            self.assertIsNone(a.proc.poll(), "exited while a keep-alive connection was open: " + a.stderr())
            busy = self.client("requests", 12, 0.4)
            answered, count, last_closed = busy.communicate(timeout=60)[0].split()
            self.assertEqual((answered, count), ("answered", "12"))
            self.assertIsNone(a.proc.poll(), "exited although a client came every 0.4 s: " + a.stderr())
            stopping_at = self.assert_idle_exit(a, "1s", program)
            # a lower bound, which a slow machine only makes later
            self.assertGreaterEqual(stopping_at - float(last_closed), 1.0, "called idle before the limit")
            return a.stderr()


@unittest.skipUnless(HAVE_NGINX, "nginx-light is not installed")
class Nginx(Base):
    def test_nginx_runs_while_clients_come_and_stops_gracefully_once_idle(self):
        nginx_site(self.dir, f"127.0.0.1:{PORT}")
        err = self.idle_cycle(nginx_command(self.dir), "nginx")
        self.assertIn("[sdshim] info: sent SIGQUIT to pid ", err)  # nginx's graceful stop, as on systemctl stop
        self.assertIn("exited with code 0", err)


class NginxOwnNetns(Nginx):
    """nginx's clients are sockets of the listeners' namespace: counted from the fds nginx's workers
    hold and from the listener's arrivals, never from PID 1's /proc/net (where they are not)."""
    own_netns = True


class Bridged(Base):
    def test_the_bridge_counts_its_own_connections(self):
        shim_args = ["--bridge", f"3=127.0.0.1:{PORT + 1}", "--", PY, ECHO, str(PORT + 1), "echo"]
        # the echo server dies by SIGTERM, which --exit-idle's exit 0 covers
        err = self.idle_cycle(shim_args, "python3")
        self.assertIn("bridging fd 3", err)


class BridgedOwnNetns(Bridged):
    own_netns = True


class OwnExit(unittest.TestCase):
    def test_a_server_that_exits_by_itself_keeps_its_code_while_its_leftovers_get_their_grace(self):
        """The main child exits 3 and leaves a process that ignores SIGTERM; the looks go on no longer,
        so an idle stop during --exit-grace cannot turn the crash into exit 0."""
        require_root(self)
        server = "(trap '' TERM; exec sleep 30) & sleep 0.3; exit 3"
        port = free_port()
        with Activated(["-l", f"127.0.0.1:{port}"], ["--exit-idle=1s", "--exit-grace=3s", "--bridge", "3=127.0.0.1:9",
                                                       "--", "/bin/sh", "-c", server]) as a:
            poke_tcp(port).close()
            self.assertEqual(a.wait(timeout=60), 3, a.stderr())
            self.assertNotIn("(--exit-idle)", a.stderr())


class Refused(unittest.TestCase):
    def test_a_server_whose_connections_cannot_be_counted_is_a_usage_error(self):
        r = subprocess.run([SHIM, "--exit-idle=5m", "sleep", "1"], capture_output=True, text=True, timeout=30,
                           env={"PATH": os.environ["PATH"]})
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stderr.strip(), "[sdshim] error: --exit-idle 300s: sdshim cannot count the client "
                         "connections of sleep (generic adapter): it counts nginx's, caddy's and --bridge's own; "
                         "use --bridge SOCKET=TARGET, or drop --exit-idle")
        for below in ("100ms", "0.0001ms", "0.4ms"):  # the last two round to 0, which is "off" only written as 0
            r = subprocess.run([SHIM, f"--exit-idle={below}", "sleep", "1"], capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(f"--exit-idle '{below}': expected a duration from 1s to 86400s", r.stderr)


if __name__ == "__main__":
    unittest.main()
