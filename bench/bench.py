#!/usr/bin/env python3
"""sdshim against tini, catatonit, dumb-init and no init, every figure measured in the same run.

usage: sudo bench/bench.py BUILD_DIR HELPERS_DIR RESULTS_MD      (bench/run.sh prepares all three)

Each row names its baseline; the ratio column is median / baseline median. Nothing here asserts a
time: this prints and writes a table.
"""
import os
import platform
import re
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
from support.podman import NGINX_8080, ActivatedContainer, RootlessUser, http_get, podman  # noqa: E402
from support.shim import find_child_of as pid1_of  # noqa: E402  (the host pid of what unshare forked)
from support.shim import proc_status  # noqa: E402

BUILD, HELPERS, RESULTS = sys.argv[1:4]
SHIM = os.path.join(BUILD, "sdshim")
INITS = {
    "sdshim": [SHIM, "--"],
    "tini": ["/usr/bin/tini-static", "--"],
    "catatonit": ["/usr/bin/catatonit", "--"],
    "dumb-init": ["/usr/bin/dumb-init", "--"],
}
# The same init binaries mounted into the nginx image in place of sdshim (the hand-written NGINX=3;
# is what users of these inits write today).
MOUNTED = {"tini": "/usr/bin/tini-static", "catatonit": "/usr/bin/catatonit", "dumb-init": "/usr/bin/dumb-init"}
NGINX_CMD = ["/docker-entrypoint.sh", "nginx", "-g", "daemon off;"]
PORT = 8080            # the image's listen; the activated socket is 0.0.0.0:8080
DIRECT_PORT = 18081    # nginx on the host, no container
ROOTLESS_P_PORT = 18082

rows = []              # (section, figure, variant, median, low, high, unit, baseline variant)


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def record(section, figure, variant, samples, unit, baseline):
    med = statistics.median(samples)
    rows.append((section, figure, variant, med, min(samples), max(samples), unit, baseline, len(samples)))
    log(f"{figure} {variant}: median {med:.3f} {unit} (n={len(samples)}, {min(samples):.3f}..{max(samples):.3f})")


# ---------------------------------------------------------------- as PID 1 of a new pid namespace

def unshared(init, *argv, **kw):
    cmd = ["unshare", "--pid", "--fork", "--mount-proc"] + (INITS[init] if init else []) + list(argv)
    return subprocess.Popen(cmd, **kw)


def bench_reaping(n=10000, reps=11):
    # A run's PID 1 CPU time moves by +-20 % from run to run on a 2-core VM, as much for tini as for
    # the others: 11 runs per init, so that the median says more than its neighbours' noise.
    log(f"reaping {n} orphans, {reps} runs per init")
    figures = {"reaped_ms": f"{n:,} orphans: first fork to no zombie left",
               "drain_ms": "  of which after the last fork",
               "pid1_cpu_ms": "  PID 1 CPU time (schedstat)"}
    samples = {(name, key): [] for name in INITS for key in figures}
    names = list(INITS)
    for rep in range(reps):
        # Interleaved, so that drift hits every init alike, and each round starts with the next init,
        # so that none always runs first (after the previous namespace's teardown).
        for name in names[rep % len(names):] + names[:rep % len(names)]:
            out = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", *INITS[name],
                                  os.path.join(HELPERS, "orphans"), str(n)],
                                 capture_output=True, text=True, timeout=120).stdout
            values = dict(re.findall(r"(\w+)=([\d.]+)", out))
            if "reaped_ms" not in values:
                raise RuntimeError(f"{name}: orphans printed {out!r}")
            for key in figures:
                samples[(name, key)].append(float(values[key]))
    for key, figure in figures.items():
        for name in INITS:
            record("Reaping", figure, name, samples[(name, key)], "ms", "tini")


def ctxt_switches(pid):
    fields = proc_status(pid)
    return int(fields["voluntary_ctxt_switches"]) + int(fields["nonvoluntary_ctxt_switches"])


def bench_idle(seconds=10):
    log(f"idle: context switches of PID 1 over {seconds} s, all inits at once")
    procs = {name: unshared(name, "sleep", str(seconds + 5)) for name in INITS}
    pids = {name: pid1_of(p) for name, p in procs.items()}
    time.sleep(1)
    before = {name: ctxt_switches(pid) for name, pid in pids.items()}
    time.sleep(seconds)
    after = {name: ctxt_switches(pid) for name, pid in pids.items()}
    for p in procs.values():
        p.wait()
    for name in INITS:
        record("Idle", f"PID 1 context switches in {seconds} s idle", name, [after[name] - before[name]], "", "tini")


def cpu_ns(pid):
    with open(f"/proc/{pid}/schedstat") as f:
        return int(f.read().split()[0])


def bench_watchdog(seconds=60):
    """sdshim as PID 1 in front of host nginx (2 and 16 workers), socket-activated, with the watchdog off
    and at --watchdog=2s (a check and a ping every second); all four run at once."""
    import support.shim
    support.shim.SHIM = SHIM
    from support.activation import Activated, free_port, poke_tcp  # (after SHIM is set)
    from support.notify import NotifyReceiver
    from support.servers import nginx_command, nginx_site
    log(f"watchdog: PID 1 wake-ups and CPU time over {seconds} s, nginx with 2 and 16 workers")
    runs = {}
    with tempfile.TemporaryDirectory(prefix="sdshim-bench-watchdog-") as tmp:
        try:
            for workers in (2, 16):
                for wd in ("off", "2s"):
                    d = os.path.join(tmp, f"{workers}-{wd}")
                    os.makedirs(d)
                    port = free_port()
                    nginx_site(d, f"127.0.0.1:{port}", workers=workers)
                    rx = NotifyReceiver()
                    args = ([f"--watchdog={wd}"] if wd != "off" else []) + nginx_command(d)
                    a = Activated(["-l", f"127.0.0.1:{port}"], args, env={"NOTIFY_SOCKET": rx.address})
                    runs[(workers, wd)] = (a, rx)
                    poke_tcp(port).close()
                    rx.wait_for("READY=1", timeout=30)
            time.sleep(2)
            pids = {k: a.shim_pid() for k, (a, _) in runs.items()}
            pings = lambda k: runs[k][1].messages().count("WATCHDOG=1")  # noqa: E731
            # voluntary context switches: each is PID 1 blocking in epoll_wait, i.e. one wake-up
            wakeups = lambda pid: int(proc_status(pid)["voluntary_ctxt_switches"])  # noqa: E731
            before = {k: (wakeups(pid), cpu_ns(pid), pings(k)) for k, pid in pids.items()}
            time.sleep(seconds)
            after = {k: (wakeups(pid), cpu_ns(pid), pings(k)) for k, pid in pids.items()}
        finally:
            for a, rx in runs.values():
                try:
                    os.kill(a.shim_pid(), signal.SIGTERM)
                    a.wait()
                except (ProcessLookupError, AssertionError):
                    pass
                rx.close()
    for (workers, wd), (cs0, cpu0, p0) in before.items():
        cs1, cpu1, p1 = after[(workers, wd)]
        variant = "watchdog off" if wd == "off" else f"--watchdog={wd}"
        record("Watchdog", f"PID 1 wake-ups (voluntary context switches) per minute, nginx {workers} workers", variant,
               [(cs1 - cs0) * 60 / seconds], "", "watchdog off")
        if wd != "off":
            record("Watchdog", f"PID 1 CPU time per check and ping, nginx {workers} workers", variant,
                   [(cpu1 - cpu0) / 1000 / max(1, p1 - p0)], "µs", variant)
            record("Watchdog", "pings per minute", f"{variant}, nginx {workers} workers",
                   [(p1 - p0) * 60 / seconds], "", f"{variant}, nginx 2 workers")


def bench_signals(count=1000):
    """All inits run at once, each with the helper as its child; signals go round-robin, one at a time,
    so every init sees the same machine state."""
    log(f"signal forwarding: {count} SIGUSR1 per init, kill of PID 1 to the child's sigwaitinfo")
    sigrecv = os.path.join(HELPERS, "sigrecv")
    procs, targets = {}, {}
    for name in ["no init", *INITS]:
        if name == "no init":
            procs[name] = subprocess.Popen([sigrecv], stdout=subprocess.PIPE)
            targets[name] = procs[name].pid
        else:
            procs[name] = unshared(name, sigrecv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            targets[name] = pid1_of(procs[name])
        assert struct.unpack("Q", procs[name].stdout.read(8))[0] == 0
    lat = {name: [] for name in procs}
    for _ in range(count):
        for name, proc in procs.items():
            t0 = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
            os.kill(targets[name], signal.SIGUSR1)
            t1 = struct.unpack("Q", proc.stdout.read(8))[0]
            lat[name].append((t1 - t0) / 1000)
    for name, proc in procs.items():
        os.kill(targets[name], signal.SIGKILL)
        proc.wait()
    for name, xs in lat.items():
        record("Signals", f"kill of PID 1 to the child's handler, {count} signals", name, xs, "us", "no init")
    for name, xs in lat.items():
        xs.sort()
        p99 = xs[int(len(xs) * 0.99)]
        rows.append(("Signals", "  p99 of the same", name, p99, p99, p99, "us", "no init", 1))


def bench_size():
    for name, path in (("sdshim", SHIM), *MOUNTED.items()):
        kind = subprocess.run(["file", "-b", path], capture_output=True, text=True).stdout
        variant = name if "statically linked" in kind else f"{name} (dynamic: needs the image's libc)"
        size = os.path.getsize(path)
        rows.append(("Size", "binary, stripped", variant, size, size, size, "B", "tini", 1))


# ---------------------------------------------------------------- podman: nginx in the same image

def main_conf(pid, error_log, servers, user=""):
    """One nginx worker (pinned with the rest of the server side to CPU 1, wrk on CPU 0), so that
    wrk and nginx do not fight over two cores and the figures are less noisy."""
    return f"""{user}worker_processes 1;
pid {pid};
error_log {error_log} notice;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    keepalive_timeout 65;
    include {servers};
}}
"""


def site(tmp):
    """The same page, main config and server block for every nginx in this run; access logs off."""
    html = os.path.join(tmp, "html")
    os.makedirs(html)
    with open(os.path.join(html, "index.html"), "w") as f:
        f.write("<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body>" + "x" * 512 +
                "</body></html>\n")
    conf = os.path.join(tmp, "default.conf")
    with open(conf, "w") as f:
        f.write(f"server {{\n    listen {PORT};\n    access_log off;\n"
                "    location / { root /usr/share/nginx/html; index index.html; }\n}\n")
    main = os.path.join(tmp, "nginx.conf")
    with open(main, "w") as f:
        f.write(main_conf("/var/run/nginx.pid", "/var/log/nginx/error.log", "/etc/nginx/conf.d/*.conf", "user nginx;\n"))
    for p in (tmp, html, os.path.join(html, "index.html"), conf, main):
        os.chmod(p, 0o755 if os.path.isdir(p) else 0o644)
    return ["-v", f"{main}:/etc/nginx/nginx.conf:ro", "-v", f"{conf}:/etc/nginx/conf.d/default.conf:ro",
            "-v", f"{html}:/usr/share/nginx/html:ro"]


def container_args(init, mounts):
    if init == "sdshim":
        return mounts, []
    return (mounts + ["-v", f"{MOUNTED[init]}:/init:ro", "--entrypoint", "/init", "-e", "NGINX=3;"],
            ["--", *NGINX_CMD])


def wrk(port, seconds, connections=64, pinned=True, path="/"):
    r = subprocess.run((["taskset", "-c", "0", "wrk", "-t1"] if pinned else ["wrk", "-t2"]) + [f"-c{connections}", f"-d{seconds}s", "--latency", f"http://127.0.0.1:{port}{path}"],
                       capture_output=True, text=True, timeout=seconds + 30)
    found = re.search(r"Requests/sec:\s+([\d.]+)", r.stdout)
    if not found:
        raise RuntimeError(f"wrk on {port}{path} (exit {r.returncode}): {r.stdout} {r.stderr}")
    rps = float(found.group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", r.stdout)
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", r.stdout)
    if errors:
        raise RuntimeError(f"wrk on {port}: {errors.group(0)}")
    return rps, float(p99.group(1)) * scale


def host_nginx_conf(d, listen, root):
    """{d}/nginx.conf for an nginx on the host (main_conf's one worker) serving `root` on `listen`."""
    server = os.path.join(d, "server.conf")
    with open(server, "w") as f:
        f.write(f"server {{\n    listen {listen};\n    access_log off;\n"
                f"    location / {{ root {root}; index index.html; }}\n}}\n")
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write(main_conf(f"{d}/nginx.pid", f"{d}/error.log", server))
    return conf


def host_nginx(tmp):
    d = os.path.join(tmp, "direct")
    os.makedirs(d)
    conf = host_nginx_conf(d, DIRECT_PORT, f"{tmp}/html")
    proc = subprocess.Popen(["nginx", "-c", conf, "-g", "daemon off;"])
    status, _ = http_get(DIRECT_PORT)
    if status != 200 or proc.poll() is not None:
        raise RuntimeError(f"host nginx on {DIRECT_PORT}: HTTP {status}, exit code {proc.poll()} (port taken?)")
    return proc


def bench_datapath(tmp, mounts, seconds=5, reps=7):
    log(f"data path: wrk -t1 -c64 -d{seconds}s on CPU 0, nginx (1 worker) on CPU 1, {reps} runs per target")
    everything = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {1})  # inherited by host nginx, podman, conmon and the containers
    user = RootlessUser()
    user.load_image(NGINX_8080)
    rootless = "sdshim-bench-rootless-p"
    results = {k: ([], []) for k in ("direct", "sdshim", "sdshim unconfined", "tini", "rootless -p")}
    direct = None
    try:
        direct = host_nginx(tmp)
        podman("rm", "--force", "--ignore", rootless, user=user, check=False)
        podman("run", "-d", "--rm", "--name", rootless, "-p", f"127.0.0.1:{ROOTLESS_P_PORT}:{PORT}", *mounts,
               NGINX_8080, user=user)
        if http_get(ROOTLESS_P_PORT)[0] != 200:
            raise RuntimeError(f"rootless podman -p on {ROOTLESS_P_PORT} does not answer 200")
        for _ in range(reps):
            for target in results:
                if target in ("sdshim", "sdshim unconfined", "tini"):
                    args, cmd = container_args(target.split()[0], mounts)
                    if target.endswith("unconfined"):  # what the container's seccomp filter costs
                        args = args + ["--security-opt", "seccomp=unconfined"]
                    with ActivatedContainer(NGINX_8080, f"0.0.0.0:{PORT}", f"sdshim-bench-{target.split()[0]}",
                                            podman_args=args, command=cmd) as c:
                        http_get(PORT)
                        wrk(PORT, 1)  # warm-up
                        rps, p99 = wrk(PORT, seconds)
                        c.stop()
                        c.wait()
                else:
                    port = DIRECT_PORT if target == "direct" else ROOTLESS_P_PORT
                    wrk(port, 1)
                    rps, p99 = wrk(port, seconds)
                results[target][0].append(rps)
                results[target][1].append(p99)
    finally:
        if direct:
            direct.terminate()
            direct.wait()
        podman("rm", "--force", "--time", "0", "--ignore", rootless, user=user, check=False)
        os.sched_setaffinity(0, everything)
    names = {"direct": "nginx on the host, no container", "sdshim": "podman --network=none, activated, sdshim",
             "sdshim unconfined": "the same, --security-opt seccomp=unconfined",
             "tini": "podman --network=none, activated, tini + NGINX=3;",
             "rootless -p": "rootless podman -p (slirp4netns, rootlessport)"}
    for target, (rps, p99) in results.items():
        record("Data path", "requests/s", names[target], rps, "req/s", names["direct"])
    for target, (rps, p99) in results.items():
        record("Data path", "p99 latency", names[target], p99, "ms", names["direct"])


BRIDGE_TARGET, BRIDGE_PROXYD, BRIDGE_SHIM = 18091, 18092, 18093


def bench_bridge(tmp, seconds=5, reps=int(os.environ.get("BENCH_BRIDGE_REPS", "5"))):
    """Bridge mode against systemd-socket-proxyd doing the same job and against no proxy: one host
    nginx (1 worker) on 127.0.0.1:18091 serves all three; it and the proxies share CPU 1, wrk has CPU 0."""
    log(f"bridge: wrk -t1 -c64 -d{seconds}s, 1 KiB and 1 MiB responses, {reps} runs per variant")
    d = os.path.join(tmp, "bridge")
    os.makedirs(os.path.join(d, "html"))
    for name, size in (("1k", 1024), ("1m", 1 << 20), ("index.html", 16)):
        with open(os.path.join(d, "html", name), "wb") as f:
            f.write(os.urandom(size))
    conf = host_nginx_conf(d, f"127.0.0.1:{BRIDGE_TARGET} backlog=4096", f"{d}/html")
    everything = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {1})
    procs = []
    try:
        procs.append(subprocess.Popen(["nginx", "-c", conf, "-g", "daemon off;"]))
        # SIGPIPE ignored, as systemd starts services (IgnoreSIGPIPE=yes): otherwise a client that
        # leaves mid-response kills systemd-socket-proxyd.
        procs.append(subprocess.Popen(["systemd-socket-activate", "-l", f"127.0.0.1:{BRIDGE_PROXYD}",
                                       "/lib/systemd/systemd-socket-proxyd", f"127.0.0.1:{BRIDGE_TARGET}"],
                                      stderr=subprocess.DEVNULL, restore_signals=False))
        procs.append(subprocess.Popen(["systemd-socket-activate", "-l", f"127.0.0.1:{BRIDGE_SHIM}", "--",
                                       "env", "LISTEN_PID=1", "unshare", "--kill-child", "--pid", "--fork", "--mount-proc", SHIM, "--ready=exec",
                                       "--bridge", f"3=127.0.0.1:{BRIDGE_TARGET}", "--", "sleep", "1000000"]))
        for port in (BRIDGE_TARGET, BRIDGE_PROXYD, BRIDGE_SHIM):
            if http_get(port)[0] != 200:
                raise RuntimeError(f"nothing answers 200 on {port}")
        variants = {"no proxy": BRIDGE_TARGET, "systemd-socket-proxyd": BRIDGE_PROXYD, "sdshim --bridge": BRIDGE_SHIM}
        for path, size in (("/1k", 1024), ("/1m", 1 << 20)):
            results = {v: ([], [], []) for v in variants}
            for _ in range(reps):
                for variant, port in variants.items():
                    wrk(port, 1, path=path)
                    rps, p99 = wrk(port, seconds, path=path)
                    results[variant][0].append(rps)
                    results[variant][1].append(rps * size / (1 << 20))
                    results[variant][2].append(p99)
            label = "1 KiB" if size == 1024 else "1 MiB"
            for variant, (rps, mib, p99) in results.items():
                record("Bridge", f"{label} responses, requests/s", variant, rps, "req/s", "no proxy")
            for variant, (rps, mib, p99) in results.items():
                record("Bridge", f"{label} responses, body MiB/s", variant, mib, "MiB/s", "no proxy")
            for variant, (rps, mib, p99) in results.items():
                record("Bridge", f"{label} responses, p99 latency", variant, p99, "ms", "no proxy")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        os.sched_setaffinity(0, everything)


def bench_datapath_stock(mounts, seconds=5, reps=5):
    """The image's own nginx.conf (worker_processes auto: 2 workers here), unpinned: what users run.
    Only sdshim and tini + NGINX=3;, which differ in one thing on the data path: sdshim makes the
    inherited socket non-blocking, and nginx never does that for an inherited socket."""
    log(f"data path, stock nginx.conf: wrk -t2 -c64 -d{seconds}s, {reps} runs per init")
    stock = mounts[2:]  # without the bench's nginx.conf
    assert stock[1].endswith("default.conf:ro")
    results = {k: ([], []) for k in ("sdshim", "tini")}
    for _ in range(reps):
        for init in results:
            args, cmd = container_args(init, stock)
            with ActivatedContainer(NGINX_8080, f"0.0.0.0:{PORT}", f"sdshim-bench-{init}", podman_args=args,
                                    command=cmd) as c:
                http_get(PORT)
                wrk(PORT, 1, pinned=False)
                rps, p99 = wrk(PORT, seconds, pinned=False)
                results[init][0].append(rps)
                results[init][1].append(p99)
                c.stop(timeout=2)  # tini's stop can hang (see Stop); this row is about the data path
                c.wait()
    for i, (figure, unit) in enumerate((("requests/s, stock nginx.conf (2 workers)", "req/s"),
                                        ("p99 latency, stock nginx.conf (2 workers)", "ms"))):
        for init, values in results.items():
            record("Data path", figure, f"podman --network=none, activated, {init}" +
                   (" + NGINX=3;" if init == "tini" else ""), values[i], unit,
                   "podman --network=none, activated, tini + NGINX=3;")


def ctr_pid1_rss(c):
    return int(proc_status(int(c.inspect("{{.State.Pid}}")))["VmRSS"].split()[0])


def bench_lifecycle(mounts, starts=20):
    """Cold start, READY and stop for sdshim and tini, interleaved; PID 1 RSS while serving for all."""
    log(f"lifecycle: {starts} socket-activated starts each for sdshim and tini")
    first_byte = {"sdshim": [], "tini": []}
    ready = []
    stop = {"sdshim": [], "tini": []}
    stop_idle = {"sdshim": [], "tini": []}
    killed = {"sdshim": 0, "tini": 0}
    for i in range(starts):
        for init in first_byte:
            args, cmd = container_args(init, mounts)
            with ActivatedContainer(NGINX_8080, f"0.0.0.0:{PORT}", f"sdshim-bench-{init}", podman_args=args,
                                    command=cmd) as c:
                t0 = time.monotonic()
                s = socket.create_connection(("127.0.0.1", PORT), timeout=30)
                s.sendall(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
                s.recv(1)
                first_byte[init].append((time.monotonic() - t0) * 1000)
                s.close()
                if init == "sdshim":
                    ready.append((c.receiver.wait_for("READY=1", timeout=30) - t0) * 1000)
                if i % 2:  # every other start stops under load
                    load = subprocess.Popen(["wrk", "-t1", "-c8", "-d30s", f"http://127.0.0.1:{PORT}/"],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    time.sleep(0.5)
                    stop[init].append(c.stop() * 1000)
                    load.kill()
                    load.wait()
                else:
                    time.sleep(0.5)
                    stop_idle[init].append(c.stop() * 1000)
                rc = c.wait()
                if rc != 0:
                    killed[init] += 1
                    log(f"{init}: podman run exited {rc}; nginx's last lines: {c.output()[-600:]!r}")
    for init, xs in first_byte.items():
        record("Cold start", "first connection to first response byte", init, xs, "ms", "tini")
    record("READY", "first connection to READY=1 at the outer socket", "sdshim (--sdnotify=container)", ready,
           "ms", "healthcheck every 1 s")
    for init, xs in stop_idle.items():
        record("Stop", "podman stop to exit, nginx idle", init, xs, "ms", "tini")
    for init, xs in stop.items():
        record("Stop", "podman stop to exit, nginx under wrk -c8", init, xs, "ms", "tini")
    for init in stop:
        rows.append(("Stop", f"stops not graceful (podman's SIGKILL after 10 s, exit 137), of {starts}", init,
                     killed[init], killed[init], killed[init], "", "tini", 1))


def bench_ready_healthcheck(mounts, starts=10):
    """podman 4.3 has no --sdnotify=healthy (4.7+), and no systemd here runs its healthcheck timers: the
    baseline runs `podman healthcheck run` every 1 s from the first connection, READY at the first pass."""
    log(f"READY baseline: {starts} starts with a 1 s healthcheck")
    xs = []
    for _ in range(starts):
        args, cmd = container_args("tini", mounts)
        args = args + ["--health-cmd", "test -s /var/run/nginx.pid", "--health-interval", "1s"]
        with ActivatedContainer(NGINX_8080, f"0.0.0.0:{PORT}", "sdshim-bench-health", podman_args=args,
                                command=cmd) as c:
            t0 = time.monotonic()
            s = socket.create_connection(("127.0.0.1", PORT), timeout=30)
            k = 1
            while True:
                time.sleep(max(0.0, t0 + k - time.monotonic()))
                if podman("healthcheck", "run", c.name, check=False).returncode == 0:
                    xs.append((time.monotonic() - t0) * 1000)
                    break
                k += 1
            s.close()
            c.stop()
            c.wait()
    record("READY", "first connection to READY=1 at the outer socket", "healthcheck every 1 s", xs, "ms",
           "healthcheck every 1 s")


def bench_rss(mounts):
    log("PID 1 RSS while nginx serves wrk -c16")
    for init in INITS:
        args, cmd = container_args(init, mounts)
        with ActivatedContainer(NGINX_8080, f"0.0.0.0:{PORT}", f"sdshim-bench-rss-{init}", podman_args=args,
                                command=cmd) as c:
            http_get(PORT)
            load = subprocess.Popen(["wrk", "-t1", "-c16", "-d3s", f"http://127.0.0.1:{PORT}/"],
                                    stdout=subprocess.DEVNULL)
            time.sleep(1.5)
            rss = ctr_pid1_rss(c)
            load.wait()
            c.stop()
            c.wait()
        rows.append(("Size", "PID 1 RSS while nginx serves", init, rss, rss, rss, "kB", "tini", 1))


# ---------------------------------------------------------------- the table

def fmt(v, unit):
    if unit == "B":
        return f"{v:,.0f}"
    if unit in ("req/s", "kB", "MiB/s", ""):
        return f"{v:,.0f}"
    return f"{v:,.3f}" if v < 10 else f"{v:,.1f}"


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    ver = lambda *cmd: subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]  # noqa: E731
    dpkg = lambda p: ver("dpkg-query", "-W", "-f=${Version}", p)  # noqa: E731
    return [f"{cpu}, {os.cpu_count()} cores, kernel {platform.release()}, Debian {open('/etc/debian_version').read().strip()}",
            f"{ver('podman', '--version')}, runc {dpkg('runc')}, conmon {dpkg('conmon')}",
            f"{ver(SHIM, '--version').strip()}, tini {dpkg('tini')}, catatonit {dpkg('catatonit')}, "
            f"dumb-init {dpkg('dumb-init')}, nginx {dpkg('nginx-light')}, wrk {dpkg('wrk')}"]


def write_table():
    lines = ["# sdshim benchmark results", "",
             "Written by `sudo bench/run.sh`; every figure below comes from one run on this machine:", ""]
    lines += [f"- {m}" for m in machine()]
    lines += ["", "Ratio = median / median of the row's baseline, measured in the same run. Spread is the lowest and "
              "highest sample. Lower is better except for requests/s.", ""]
    section = None
    order = list(dict.fromkeys(r[0] for r in rows))
    for sec, figure, variant, med, lo, hi, unit, base, n in sorted(rows, key=lambda r: order.index(r[0])):
        if sec != section:
            section = sec
            lines += ["", f"## {sec}", "", "| figure | variant | median | spread | n | ratio to baseline |",
                      "|---|---|---:|---:|---:|---|"]
        base_med = next((r[3] for r in rows if r[0] == sec and r[1] == figure and r[2] == base), None)
        ratio = "baseline" if variant == base else (f"{med / base_med:.3f} × {base}" if base_med else "-")
        spread = "-" if n == 1 else f"{fmt(lo, unit)} .. {fmt(hi, unit)}"
        lines.append(f"| {figure} ({unit or 'count'}) | {variant} | {fmt(med, unit)} | {spread} | {n} | {ratio} |")
    text = "\n".join(lines) + "\n"
    with open(RESULTS, "w") as f:
        f.write(text)
    print(text)


def main():
    # BENCH_ONLY=datapath,rss (say) runs some sections only, while working on them.
    only = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
    want = lambda name: not only or name in only  # noqa: E731
    started = time.monotonic()
    bench_size()
    for name, fn in (("reaping", bench_reaping), ("idle", bench_idle), ("signals", bench_signals),
                     ("watchdog", bench_watchdog)):
        if want(name):
            fn()
    with tempfile.TemporaryDirectory(prefix="sdshim-bench-") as tmp:
        os.chmod(tmp, 0o755)
        mounts = site(tmp)
        for name, fn in (("datapath", lambda: bench_datapath(tmp, mounts)),
                         ("bridge", lambda: bench_bridge(tmp)),
                         ("datapath", lambda: bench_datapath_stock(mounts)),
                         # the rest as users run it: the image's own nginx.conf
                         ("lifecycle", lambda: bench_lifecycle(mounts[2:])),
                         ("ready", lambda: bench_ready_healthcheck(mounts[2:])), ("rss", lambda: bench_rss(mounts[2:]))):
            if want(name):
                fn()
    log(f"done in {time.monotonic() - started:.0f} s")
    write_table()


if __name__ == "__main__":
    main()
