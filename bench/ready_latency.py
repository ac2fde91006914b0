#!/usr/bin/env python3
"""READY latency for socket-activated nginx under sdshim, median of N starts (default 20).

For each start a client connects and sends GET before nginx runs (systemd-socket-activate execs on the first
connection); the first response byte marks the moment nginx's worker accepted on the inherited socket. The
table shows READY's arrival at the outer NOTIFY_SOCKET relative to that moment (negative = READY came before
nginx served), for --ready=listen (the default for nginx) and, as the baseline measured in the same run,
--ready=pidfile (nginx's pid file, written before the workers start).

usage: sudo bench/ready_latency.py [BUILD_DIR] [STARTS]
"""
import os
import socket
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build")
starts = int(sys.argv[2]) if len(sys.argv) > 2 else 20
os.environ["SHIMTEST_BIN"] = os.path.join(build, "sdshim")

from support.activation import Activated, free_port  # noqa: E402
from support.notify import NotifyReceiver  # noqa: E402
from support.servers import nginx_command, nginx_site  # noqa: E402


def one_start(mode, d):
    port = free_port()
    nginx_site(d, f"127.0.0.1:{port}")
    with NotifyReceiver() as rx:
        args = [f"--ready={mode}", *nginx_command(d)]
        with Activated(["-l", f"127.0.0.1:{port}"], args, env={"NOTIFY_SOCKET": rx.address}) as a:
            c = socket.create_connection(("127.0.0.1", port), timeout=10)
            c.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
            c.recv(1)
            served = time.monotonic()
            c.close()
            ready = rx.wait_for("READY=1", timeout=10)
            os.kill(a.shim_pid(), 15)
            a.wait()
    return (ready - served) * 1000


def main():
    if os.geteuid() != 0:
        sys.exit("ready_latency: needs root (unshare --pid)")
    rows = []
    with tempfile.TemporaryDirectory(prefix="sdshim-bench-") as d:
        for mode in ("listen", f"pidfile:{d}/nginx.pid"):
            samples = sorted(one_start(mode, d) for _ in range(starts))
            rows.append((mode.split(":")[0], samples))
    base = statistics.median(rows[1][1])
    print(f"READY at the outer socket minus nginx's first accept, {starts} starts each (ms; < 0 = READY came before the first response byte)")
    print("| --ready | median | min | max | READY before the response |")
    print("|---|---:|---:|---:|---:|")
    for mode, s in rows:
        early = sum(1 for x in s if x < 0)
        print(f"| {mode} | {statistics.median(s):+.2f} | {s[0]:+.2f} | {s[-1]:+.2f} | {early}/{len(s)} |")
    print(f"median difference listen - pidfile: {statistics.median(rows[0][1]) - base:+.2f} ms")


if __name__ == "__main__":
    main()
