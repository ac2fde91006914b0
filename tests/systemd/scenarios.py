"""What each rig checks, driven only by systemctl: a setup served, activated only once sdshim says
ready, reloaded, stopped cleanly and started again; a wrong port explained under the shipped
hardening; a server that never gets ready failing at --ready-timeout instead of looking started."""
import json
import re
import time

import os

from rig import CADDY_BASE, OFFICIAL_CADDY, OFFICIAL_NGINX, QUADLET, WEBUSER

CADDY_SOCKETS = ["caddy-http.socket", "caddy-https.socket", "caddy-quic.socket", "caddy-admin.socket"]


def unit_dir(user):
    return f"/home/{WEBUSER}/.config/systemd/user" if user else "/etc/systemd/system"


def quadlet_dir(user):
    return f"/home/{WEBUSER}/.config/containers/systemd" if user else "/etc/containers/systemd"


class Scenarios:
    """Mixed into a rig's TestCase; `self.rig` is the booted rig."""

    conmon_passes_status = False  # conmon >= 2.1.9 passes STATUS=/RELOADING=1 on; 2.1.6 only READY=1/WATCHDOG=1

    def journal_of(self, cursor, unit, user, has=None):
        """The unit's journal since `cursor`, once a line containing `has` is in it (if given)."""
        def done(entries):
            return has is None or any(has in m for _, _, m in entries)
        if user:
            return self.rig.journal_until(cursor, done, user_unit=unit)
        return self.rig.journal_until(cursor, done, unit=unit)

    def container_id(self, name, user):
        return self.rig.sh(f"podman ps -q --filter name=^{name}$", user=user).stdout.strip()

    def serve_reload_stop(self, socket, service, port, user=False, podman_user=None, podman_init=False):
        """`user`: a user unit (systemctl --user); `podman_user`: whose podman runs the container
        (webuser for setup 3's system service), by default the unit's owner; `podman_init`: sdshim is
        podman's --init (setup 5), the package's /usr/bin/sdshim mounted at /run/podman-init."""
        rig = self.rig
        container = f"systemd-{service.rsplit('.', 1)[0]}"
        podman_user = user if podman_user is None else podman_user
        rig.systemctl(f"start {socket}", user=user)
        self.addCleanup(rig.systemctl, f"stop {socket} {service}", user=user, check=False)
        cursor = rig.cursor()
        status, body = rig.curl(f"http://127.0.0.1:{port}/")
        self.assertEqual(status, 200, body)
        self.assertIn("Welcome to nginx!", body)
        s = rig.wait_state(service, ["active", "failed"], user=user)
        self.assertEqual((s["ActiveState"], s["SubState"], s["Result"]), ("active", "running", "success"), s)

        # activating until sdshim reports ready, active only after it (the journal's order)
        entries = self.journal_of(cursor, service, user, has="[sdshim] info: nginx is ready")
        ready = [t for t, _, m in entries if "[sdshim] info: nginx is ready: its workers poll 1 inherited socket(s)" in m]
        started = [t for t, ident, m in entries if ident == "systemd" and m.startswith(f"Started {service}")]
        self.assertEqual(len(ready), 1, entries)
        self.assertEqual(len(started), 1, entries)
        self.assertLessEqual(ready[0], started[0], "systemd called the unit started before sdshim said ready")
        self.assertTrue(any('using inherited sockets from "3;"' in m for _, _, m in entries), entries)
        if self.conmon_passes_status:
            self.assertEqual(s["StatusText"], "nginx is ready")
        first_container = self.container_id(container, podman_user)
        if podman_init:
            pid1 = rig.sh(f"podman exec {container} cat /proc/1/cmdline", user=podman_user).stdout.split("\0")
            self.assertEqual(pid1[:3], ["/run/podman-init", "--", "/docker-entrypoint.sh"], pid1)
            inside = rig.sh(f"podman exec {container} /run/podman-init --version", user=podman_user).stdout
            self.assertEqual(inside, rig.sh("/usr/bin/sdshim --version").stdout)

        # systemctl reload: SIGHUP through podman kill; sdshim: RELOADING=1, then READY=1 with new workers
        cursor = rig.cursor()
        rig.sh("systemd-analyze log-level debug" if not user else "true")
        try:
            rig.systemctl(f"reload {service}", user=user)
            entries = self.journal_of(cursor, service, user, has="[sdshim] info: nginx reloaded")
            reloaded = [t for t, _, m in entries if "[sdshim] info: nginx reloaded: its workers poll" in m]
            self.assertTrue(reloaded, entries)
            if self.conmon_passes_status and not user:
                got = [m for _, ident, m in entries if ident == "systemd" and "Got notification message" in m]
                relayed = [m for m in got if "RELOADING=1" in m or m.rstrip().endswith("READY=1")]
                self.assertEqual(len(relayed), 2, got)
                self.assertIn("RELOADING=1", relayed[0])
                self.assertIn("READY=1", relayed[1])
        finally:
            rig.sh("systemd-analyze log-level info" if not user else "true")
        self.assertEqual(rig.curl(f"http://127.0.0.1:{port}/")[0], 200)
        s = rig.wait_state(service, ["active", "failed"], user=user)  # "reloading" until READY=1
        self.assertEqual((s["ActiveState"], s["SubState"]), ("active", "running"), s)
        if self.conmon_passes_status:
            self.assertEqual(s["StatusText"], "nginx reloaded")

        # systemctl stop: graceful, exit 0, nothing left
        cursor = rig.cursor()
        rig.systemctl(f"stop {service}", user=user)
        s = rig.show(service, user=user)
        self.assertEqual((s["ActiveState"], s["Result"], s["ExecMainStatus"]), ("inactive", "success", "0"), s)
        entries = self.journal_of(cursor, service, user, has="[sdshim] info: /docker-entrypoint.sh (pid ")
        self.assertTrue(any("[sdshim] info: forwarded SIGQUIT" in m for _, _, m in entries), entries)
        self.assertTrue(any(re.match(r"\[sdshim\] info: /docker-entrypoint.sh \(pid \d+\) exited with code 0$", m.strip())
                            for _, _, m in entries), entries)
        self.assertFalse([m for _, _, m in entries
                          if "SIGKILL" in m.replace("before SIGKILL", "").replace("SIGKILL in", "")], entries)
        self.assertEqual(rig.leftovers(user=podman_user), ([], []))

        # the socket is still there and starts a fresh container
        self.assertEqual(rig.show(socket, user=user)["ActiveState"], "active")
        self.assertEqual(rig.curl(f"http://127.0.0.1:{port}/")[0], 200)
        self.assertEqual(rig.wait_state(service, ["active", "failed"], user=user)["ActiveState"], "active")
        second = self.container_id(container, podman_user)
        self.assertTrue(second and second != first_container, (first_container, second))
        rig.systemctl(f"stop {socket} {service}", user=user)
        self.assertEqual(rig.leftovers(user=podman_user), ([], []))

    def wrong_port(self, socket, service, port_in_image, wrong):
        """The socket on an address the image's nginx does not listen on, unit as shipped (with
        RestrictAddressFamilies=): nginx cannot make a socket of its own and exits at once."""
        rig = self.rig
        rig.put(f"[Socket]\nListenStream=\nListenStream=0.0.0.0:{wrong}\n", f"/etc/systemd/system/{socket}.d/wrong.conf")
        self.addCleanup(rig.sh, f"rm -rf /etc/systemd/system/{socket}.d; systemctl daemon-reload; "
                                f"systemctl stop {socket} {service}; systemctl reset-failed", check=False)
        rig.systemctl("daemon-reload")
        rig.systemctl(f"start {socket}")
        cursor = rig.cursor()
        status, _ = rig.curl(f"http://127.0.0.1:{wrong}/", timeout=20)
        self.assertEqual(status, 0, "something answered on the wrong port")
        # The queued connection starts the service again and again, until systemd's start limit.
        s = rig.wait_state(socket, ["failed"])
        self.assertEqual(s["Result"], "service-start-limit-hit", s)
        def exits(entries):
            return [m for _, ident, m in entries if ident == "systemd" and m.startswith(f"{service}: Main process exited")]

        def fixes(entries):
            return [m for _, _, m in entries if m.startswith("[sdshim] error: nginx exited with code 1 before its workers "
                                                             f"polled inherited fd 3 'http' (0.0.0.0:{wrong})")
                    and f"fix: put 'listen 0.0.0.0:{wrong};' in the server block" in m]
        entries = rig.journal_until(cursor, lambda e: len(fixes(e)) >= len(exits(e)), unit=service)
        starts, fixes = exits(entries), fixes(entries)
        self.assertGreaterEqual(len(starts), 2, entries)
        self.assertEqual(len(fixes), len(starts), f"the fix on {len(fixes)} of {len(starts)} starts: {entries}")
        self.assertTrue(any("Address family not supported" in m for _, _, m in entries), entries)
        s = rig.show(service)
        self.assertEqual((s["ActiveState"], s["Result"]), ("failed", "exit-code"), s)
        if self.conmon_passes_status:
            self.assertIn(f"fix: put 'listen 0.0.0.0:{wrong};'", s["StatusText"])
        # What the README tells the user to do once the configuration is fixed.
        rig.systemctl(f"reset-failed {socket} {service}")
        rig.systemctl(f"start {socket}")
        self.assertEqual(rig.show(socket)["ActiveState"], "active")

    def never_ready(self):
        """--ready=notify (generic adapter) and a server that never sends READY=1: activating until
        --ready-timeout, then failed. conmon 2.1.6 would pass sdshim's own 'waiting ... READY=1'
        STATUS as READY=1 if it held that text."""
        rig = self.rig
        rig.put("""[Unit]
Description=sleep behind sdshim in notify mode: never ready
[Service]
Type=notify
NotifyAccess=all
KillMode=mixed
Delegate=yes
ExecStart=/usr/bin/podman run --name=systemd-%N --cgroups=split --rm --replace -d --sdnotify=container \\
    --network=none -e SDSHIM_READY_TIMEOUT=8s localhost/sdshim-nginx:80 sleep 300
ExecStop=/usr/bin/podman stop --ignore --time=10 systemd-%N
ExecStopPost=-/usr/bin/podman rm --force --ignore systemd-%N
TimeoutStartSec=120
""", "/etc/systemd/system/never-ready.service")
        self.addCleanup(rig.sh, "systemctl stop never-ready.service; systemctl reset-failed; "
                                "rm -f /etc/systemd/system/never-ready.service; systemctl daemon-reload", check=False)
        rig.systemctl("daemon-reload")
        cursor = rig.cursor()
        rig.systemctl("start --no-block never-ready.service")
        seen = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            state = rig.show("never-ready.service")["ActiveState"]
            if not seen or seen[-1] != state:
                seen.append(state)
            if state == "failed":
                break
            time.sleep(0.2)
        self.assertEqual(seen[-1], "failed", seen)
        self.assertNotIn("active", seen, "the unit looked started although the server never sent READY=1")
        self.assertIn("activating", seen)
        s = rig.show("never-ready.service")
        self.assertEqual(s["Result"], "exit-code", s)
        entries = rig.journal_until(cursor, lambda e: any("did not become ready" in m for _, _, m in e),
                                    unit="never-ready.service")
        self.assertTrue(any("did not become ready within 8s (--ready-timeout)" in m
                            for _, _, m in entries), entries)
        self.assertFalse([m for _, ident, m in entries if ident == "systemd" and m.startswith("Started ")], entries)
        if self.conmon_passes_status:
            self.assertIn("did not become ready within 8s", s["StatusText"])
            self.assertNotIn("READY=1", s["StatusText"])

    def watchdog(self, socket, service, port):
        """The shipped unit plus a drop-in with WatchdogSec= and Restart=: sdshim pings while nginx's
        workers poll the socket. Left alone it is not restarted; with its workers stopped (SIGSTOP)
        systemd's watchdog fires and the restarted unit serves again."""
        rig = self.rig
        interval = 4  # WatchdogSec=4s: sdshim checks and pings every 2 s
        rig.put(f"[Service]\nWatchdogSec={interval}s\nRestart=on-failure\nRestartSec=1s\n",
                f"/etc/systemd/system/{service}.d/watchdog.conf")
        self.addCleanup(rig.sh, f"rm -rf /etc/systemd/system/{service}.d; systemctl daemon-reload; "
                                f"systemctl stop {socket} {service}; systemctl reset-failed", check=False)
        rig.systemctl("daemon-reload")
        rig.systemctl(f"start {socket}")
        cursor = rig.cursor()
        self.assertEqual(rig.curl(f"http://127.0.0.1:{port}/")[0], 200)
        self.assertEqual(rig.wait_state(service, ["active", "failed"])["ActiveState"], "active")

        time.sleep(3 * interval)  # several intervals: the pings keep it alive
        s = rig.show(service)
        self.assertEqual((s["ActiveState"], s["NRestarts"]), ("active", "0"), s)
        entries = rig.journal(cursor, unit=service)
        self.assertFalse([m for _, _, m in entries if "atchdog timeout" in m], entries)

        rig.sh("pkill -STOP -f 'nginx: worker process'")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and rig.show(service)["NRestarts"] == "0":
            time.sleep(0.5)
        entries = rig.journal_until(cursor, lambda e: any("[sdshim] warning: nginx fails its liveness check" in m
                                                          for _, _, m in e), unit=service)
        self.assertEqual(rig.show(service)["NRestarts"], "1", entries)
        self.assertTrue(any(m.startswith(f"{service}: Watchdog timeout") for _, _, m in entries), entries)
        self.assertTrue(any("Failed with result 'watchdog'" in m for _, _, m in entries), entries)
        self.assertTrue(any("no running process of nginx polls fd 3 'http'" in m for _, _, m in entries), entries)
        # the restarted service (a new container) serves again
        self.assertEqual(rig.wait_state(service, ["active", "failed"])["ActiveState"], "active")
        self.assertEqual(rig.curl(f"http://127.0.0.1:{port}/")[0], 200)
        if self.conmon_passes_status:
            self.assertEqual(rig.show(service)["StatusText"], "nginx is ready")

    def caddy_setup4(self, http3):
        """Setup 4 as shipped: caddy 2.11 takes its four sockets by name and serves HTTP (a redirect),
        HTTPS over HTTP/1.1 and HTTP/2, HTTP/3 where the rig's curl speaks it (Debian 13), and its admin
        API on the unix socket; systemctl reload goes through that API; systemctl stop is graceful."""
        rig = self.rig
        sockets = " ".join(CADDY_SOCKETS)
        self.addCleanup(rig.sh, f"systemctl stop {sockets} caddy.service; systemctl reset-failed", check=False)
        rig.systemctl(f"start {sockets}")
        cursor = rig.cursor()
        status, body = rig.curl("-o /dev/null -D - http://127.0.0.1:80/")
        self.assertEqual(status, 302, body)
        self.assertIn("location: https://127.0.0.1/", body.lower())
        s = rig.wait_state("caddy.service", ["active", "failed"])
        self.assertEqual((s["ActiveState"], s["SubState"]), ("active", "running"), s)
        if self.conmon_passes_status:  # caddy sets no STATUS= itself: not "waiting for caddy ..." while active
            self.assertEqual(s["StatusText"], "caddy is ready")
        https = "-k --resolve localhost:443:127.0.0.1 https://localhost/"
        # READY=1 comes once caddy listens; `tls internal` makes the certificate in the background, so
        # the first handshakes may find none yet: wait (a bound on a hang) for one answer.
        deadline = time.monotonic() + 60
        while rig.sh(f"curl -sS -m 10 -o /dev/null {https}", check=False).returncode != 0:
            self.assertLess(time.monotonic(), deadline, "caddy never answered over HTTPS")
            time.sleep(0.2)
        for flag, version in (("--http1.1", "1.1"), ("--http2", "2"), *((("--http3-only", "3"),) if http3 else ())):
            r = rig.sh(f"curl -sS -m 20 -o /dev/null -w '%{{http_code}} %{{http_version}}' {flag} {https}", check=False)
            self.assertEqual(r.stdout, f"200 {version}", r.stderr)
        r = rig.sh("curl -sS --unix-socket /run/caddy/admin.sock http://localhost/config/")
        self.assertIn('"listen":"fd/', r.stdout)

        rig.systemctl("reload caddy.service")
        entries = rig.journal_until(cursor, lambda e: any('"msg":"load complete"' in m for _, _, m in e),
                                    unit="caddy.service")
        self.assertTrue(any('"msg":"load complete"' in m for _, _, m in entries), entries)
        s = rig.wait_state("caddy.service", ["active", "failed"])
        self.assertEqual(s["ActiveState"], "active", s)
        if self.conmon_passes_status:
            self.assertEqual(s["StatusText"], "caddy reloaded")
        r = rig.sh(f"curl -sS -m 20 -o /dev/null -w '%{{http_code}}' --http2 {https}", check=False)
        self.assertEqual(r.stdout, "200", r.stderr)

        rig.systemctl("stop caddy.service")
        s = rig.show("caddy.service")
        self.assertEqual((s["ActiveState"], s["Result"], s["ExecMainStatus"]), ("inactive", "success", "0"), s)
        entries = rig.journal_until(cursor, lambda e: any("[sdshim] info: caddy (pid" in m for _, _, m in e),
                                    unit="caddy.service")
        self.assertTrue(any(re.search(r"\[sdshim\] info: caddy \(pid \d+\) exited with code 0", m)
                            for _, _, m in entries), entries)
        self.assertEqual(rig.leftovers(), ([], []))

    def busybox_ready_when_healthy(self, notify_healthy):
        """A FROM scratch image (busybox httpd behind sdshim's bridge, no shell, no curl) is active only
        once it answers HTTP: podman's Notify=healthy with `sdshim check` as HealthCmd= (podman >= 5.0,
        docker/quadlet/busybox.container), or sdshim's own --ready=http:// (busybox.service, any podman)."""
        rig = self.rig
        service, container = "busybox.service", "systemd-busybox"
        self.addCleanup(rig.sh, f"systemctl stop busybox.socket {service}; systemctl reset-failed", check=False)
        rig.systemctl("start busybox.socket")
        cursor = rig.cursor()
        status, body = rig.curl("http://127.0.0.1:8090/")
        self.assertEqual(status, 200, body)
        self.assertIn("busybox behind sdshim", body)
        s = rig.wait_state(service, ["active", "failed"])
        self.assertEqual((s["ActiveState"], s["SubState"], s["Result"]), ("active", "running", "success"), s)

        if notify_healthy:
            # podman ran the HealthCmd= (sdshim check, exec form) and sent READY=1 after its first pass
            health = json.loads(rig.sh(f"podman inspect --format '{{{{json .State.Health}}}}' {container}").stdout)
            self.assertEqual(health["Status"], "healthy", health)
            self.assertEqual(health["Log"][0]["ExitCode"], 0, health)
            self.assertEqual(health["Log"][0]["Output"].strip(),
                             "healthy: http://127.0.0.1:8080/ answered HTTP/1.1 200 OK", health)
            ready = "health_status=healthy"
        else:
            ready = "[sdshim] info: busybox is ready: http://127.0.0.1:8080/ answered HTTP/1.1 200 OK"
            r = rig.sh(f"podman healthcheck run {container}", check=False)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # podman's health_status line comes from the healthcheck's own transient unit: the whole journal
        entries = rig.journal_until(cursor, lambda e: any(m.startswith(f"Started {service}") for _, _, m in e),
                                    unit=None if notify_healthy else service)
        first_ready = [t for t, _, m in entries if ready in m]
        started = [t for t, ident, m in entries if ident == "systemd" and m.startswith(f"Started {service}")]
        self.assertTrue(first_ready and started, entries)
        self.assertLessEqual(first_ready[0], started[0], "systemd called the unit started before it answered HTTP")

        # A failing look is one line and exit 1, which podman's health log keeps
        r = rig.sh(f"podman exec {container} /sdshim check http://127.0.0.1:8080/missing", check=False)
        self.assertEqual((r.returncode, r.stdout.strip()),
                         (1, "unhealthy: http://127.0.0.1:8080/missing answered HTTP/1.1 404 Not Found"), r.stderr)
        rig.systemctl(f"stop {service}")
        self.assertEqual(rig.show(service)["ActiveState"], "inactive")
        self.assertEqual(rig.leftovers(), ([], []))

    def refused_reload(self, socket, service, port):
        """A broken configuration: `systemctl reload` fails with nginx's own error, sdshim never passes
        SIGHUP on (its nginx -t refused it; STATUS= says why), and the old workers go on serving; once
        the configuration is fixed, the next reload goes through."""
        rig = self.rig
        container = f"systemd-{service.rsplit('.', 1)[0]}"
        self.addCleanup(rig.sh, f"systemctl stop {socket} {service}; systemctl reset-failed", check=False)
        rig.systemctl(f"start {socket}")
        self.assertEqual(rig.curl(f"http://127.0.0.1:{port}/")[0], 200)
        self.assertEqual(rig.wait_state(service, ["active", "failed"])["ActiveState"], "active")
        workers = lambda: set(rig.sh("pgrep -f '^nginx: worker process' || true").stdout.split())  # noqa: E731
        before = workers()
        self.assertTrue(before)
        conf = "/etc/nginx/conf.d/default.conf"
        rig.sh(f"podman exec {container} sh -c 'cp {conf} /tmp/good.conf && echo \"bogus_directive on;\" >> {conf}'")
        cursor = rig.cursor()
        r = rig.systemctl(f"reload {service}", check=False)
        self.assertNotEqual(r.returncode, 0, "a reload with a broken configuration must fail")
        entries = self.journal_of(cursor, service, False, has="[sdshim] error: reload refused")
        refused = [m for _, _, m in entries if "[sdshim] error: reload refused: `nginx -g 'daemon off;' -t -q` "
                   "exited with code 1" in m]
        self.assertEqual(len(refused), 1, entries)
        self.assertIn('unknown directive "bogus_directive"', refused[0])
        self.assertTrue(refused[0].rstrip().endswith("nginx goes on with its current configuration, and got no SIGHUP"),
                        refused[0])
        self.assertFalse([m for _, _, m in entries if "SIGHUP) received" in m], "nginx got the SIGHUP")
        # ExecReload=podman exec ... sdshim reload: the answer PID 1 gave, in the unit's journal too
        self.assertTrue([m for _, _, m in entries if "sdshim reload: refused by PID 1" in m], entries)
        s = rig.show(service)
        self.assertEqual((s["ActiveState"], s["SubState"]), ("active", "running"), s)
        if self.conmon_passes_status:
            self.assertTrue(s["StatusText"].startswith("reload refused: "), s)
        self.assertEqual(workers(), before, "the old workers must go on serving")
        self.assertEqual(rig.curl(f"http://127.0.0.1:{port}/")[0], 200)

        rig.sh(f"podman exec {container} cp /tmp/good.conf {conf}")
        cursor = rig.cursor()
        rig.systemctl(f"reload {service}")
        entries = self.journal_of(cursor, service, False, has="[sdshim] info: nginx reloaded")
        self.assertTrue([m for _, _, m in entries if "[sdshim] info: nginx reloaded" in m], entries)
        self.assertEqual(rig.curl(f"http://127.0.0.1:{port}/")[0], 200)
        if self.conmon_passes_status:
            self.assertEqual(rig.wait_state(service, ["active"])["StatusText"], "nginx reloaded")

    # ------------------------------------------------------------------ docker/quadlet/sdshim.conf
    PLAIN = {
        # a quadlet .container as a user already has it: the official image, socket-activated, no sdshim
        "nginx": (OFFICIAL_NGINX, "Volume=/etc/sdshim/nginx-default.conf:/etc/nginx/conf.d/default.conf:ro\n"
                                  "Environment=NGINX=3;\n", "Welcome to nginx!"),
        "caddy": (OFFICIAL_CADDY, "Volume=/etc/sdshim-test/Caddyfile:/etc/caddy/Caddyfile:ro\n",
                  "caddy behind the sdshim drop-in"),
    }
    PLAIN_CADDYFILE = "{\n\tadmin off\n}\n\nhttp:// {\n\tbind fd/3\n\trespond \"caddy behind the sdshim drop-in\"\n}\n"

    def start_sampled(self, unit, socket, worker_pattern):
        """Starts `socket`, makes one request, and samples (ActiveState, workers) from before the
        request until the unit has been active with workers 20 times; returns (the samples, the answer)."""
        rig = self.rig
        rig.systemctl(f"start {socket}")
        sampler = (f"n=0; for i in $(seq 1 1500); do s=$(systemctl show -p ActiveState --value {unit}); "
                   f"w=$(pgrep -c -f '{worker_pattern}' || true); echo \"$s $w\"; "
                   f"if [ $s = active ] && [ $w -gt 0 ]; then n=$((n+1)); [ $n -ge 20 ] && break; fi; done")
        rig.sh(f"({sampler}) > /tmp/samples 2>&1 & echo $! > /tmp/sampler.pid")
        time.sleep(0.3)  # the sampler sees the unit inactive first
        answer = rig.curl("http://127.0.0.1:80/")
        rig.sh("while kill -0 $(cat /tmp/sampler.pid) 2>/dev/null; do sleep 0.1; done", timeout=120)
        samples = [tuple(line.split()) for line in rig.sh("cat /tmp/samples").stdout.splitlines() if line.strip()]
        return samples, answer

    def plain_quadlet_with_the_dropin(self, server):
        """A plain quadlet (the official image, no sdshim) served first as it is, then with
        docker/quadlet/sdshim.conf in its .container.d/: the same page, sdshim as PID 1 of the
        container, and for nginx never `active` while it has no worker (without the drop-in, sampled
        too: its count of such samples is reported, not asserted: it is a race)."""
        rig = self.rig
        image, extra, page = self.PLAIN[server]
        unit, socket = f"plain-{server}.service", f"plain-{server}.socket"
        base = {"nginx": None, "caddy": CADDY_BASE}[server]
        if base:
            rig.load_images(base)
            rig.sh(f"podman tag {base} {image}")
        rig.put(self.PLAIN_CADDYFILE, "/etc/sdshim-test/Caddyfile")
        rig.put("[Socket]\nListenStream=0.0.0.0:80\n", f"/etc/systemd/system/{socket}")
        rig.put(f"[Unit]\nRequires={socket}\nAfter={socket}\n\n[Container]\nImage={image}\nNetwork=none\n{extra}",
                f"/etc/containers/systemd/plain-{server}.container")
        self.addCleanup(rig.sh, f"systemctl stop {socket} {unit}; systemctl reset-failed; rm -rf "
                                f"/etc/containers/systemd/plain-{server}.container* /etc/systemd/system/{socket}; "
                                "systemctl daemon-reload", check=False)
        rig.systemctl("daemon-reload")
        workers = "^nginx: worker process" if server == "nginx" else "^caddy run"
        early, lead = {}, {}
        for with_dropin in (False, True):
            if with_dropin:
                rig.install(os.path.join(QUADLET, "sdshim.conf"),
                            f"/etc/containers/systemd/plain-{server}.container.d/sdshim.conf")
                rig.systemctl("daemon-reload")
                text = rig.systemctl(f"cat {unit}").stdout
                self.assertIn("--init --init-path=/usr/bin/sdshim", text)
                self.assertIn("--sdnotify=container", text)
            cursor = rig.cursor()
            samples, (status, body) = self.start_sampled(unit, socket, workers)
            self.assertEqual(status, 200, body)
            self.assertIn(page, body)
            self.assertEqual(rig.wait_state(unit, ["active", "failed"])["ActiveState"], "active")
            early[with_dropin] = sum(1 for s in samples if s[0] == "active" and s[1] == "0")
            # reported, not asserted: the journal's order of systemd's Started and nginx's first worker line
            # (conmon passes the log line and the READY=1 on separately)
            if server == "nginx":
                entries = self.journal_of(cursor, unit, False, has="start worker process")
                started = [t for t, ident, m in entries if ident == "systemd" and m.startswith(f"Started {unit}")]
                worker = [t for t, _, m in entries if "start worker process" in m]
                if started and worker:
                    lead[with_dropin] = (worker[0] - started[0]) / 1000
            pid1 = rig.sh(f"podman exec systemd-plain-{server} cat /proc/1/cmdline").stdout.split("\0")[0]
            if with_dropin:
                self.assertEqual(pid1, "/run/podman-init")
                entries = self.journal_of(cursor, unit, False, has=f"[sdshim] info: {server} is ready")
                self.assertTrue([m for _, _, m in entries if f"[sdshim] info: {server} is ready" in m], entries)
                if server == "nginx":
                    self.assertEqual(early[True], 0, f"active while nginx had no worker: {samples}")
                if self.conmon_passes_status:
                    self.assertEqual(rig.show(unit)["StatusText"], f"{server} is ready")
            else:
                self.assertNotEqual(pid1, "/run/podman-init")
            rig.systemctl(f"stop {unit} {socket}")
            s = rig.show(unit)
            if with_dropin:
                self.assertEqual((s["ActiveState"], s["Result"], s["ExecMainStatus"]), ("inactive", "success", "0"), s)
            self.assertEqual(rig.leftovers(), ([], []))
        print(f"\n{server}: samples active with no worker process: {early[False]} without the drop-in, "
              f"{early[True]} with it; Started before the first worker by (ms): {lead}")
