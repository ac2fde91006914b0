"""Setup 6 on Debian 13 (systemd 257, podman 5.4, quadlet): caddy behind sdshim as a reverse proxy to a
backend container on a podman network (web.network, isolate=true) and as a static file server, with
certificates from a real ACME CA (pebble in the rig, validating through the rig's socket-activated 80
and 443 into caddy's inherited fds), the client's own address in X-Forwarded-For from loopback, from the
rig's own address and from a second network namespace, over HTTP/1.1, HTTP/2 and HTTP/3."""
import os
import re
import time
import unittest

from acme_rig import (ACME_DIR, CERT_LIFETIME, CLIENT_ADDR, CLIENTS, NAMES, PEBBLE, RIG_ADDR, add_client_namespace,
                      https_get, make_pebble_tls, served_certificate, start_pebble, stop_pebble)
from rig import QUADLET, REPO, UNITS, WEBUID, WEBUSER, HostGuard, Rig
from scenarios import CADDY_SOCKETS, quadlet_dir, unit_dir
from support.podman import CADDY, NGINX_80, NGINX_MAINLINE_80, WHOAMI

SETUP6 = os.path.join(REPO, "docker", "caddy-proxy")
CADDYFILE_DIR = "/etc/sdshim/caddy-proxy"
# The test's only change to the shipped files: pebble instead of Let's Encrypt, trusted, looked at often.
PEBBLE_ENV = (f"Environment=ACME_CA={ACME_DIR} ACME_RENEW_INTERVAL=5s "
              f"SSL_CERT_FILE=/etc/caddy/pebble-ca.pem\n")
VOLUMES = "caddy-proxy-data caddy-proxy-config"


class ProxyRig(HostGuard):
    """A Debian 13 rig with the second network namespace and pebble's own TLS (acme_rig), for one class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        rig = cls.rig = Rig("trixie").start()
        # Rootless podman's network (pasta) opens /dev/net/tun, which a host's udev makes 0666; the
        # rig's /dev is a tmpfs of its own with the host's mode, 0600 where no udev rule ran.
        rig.sh("chmod 0666 /dev/net/tun")
        add_client_namespace(rig)
        make_pebble_tls(rig)

    @classmethod
    def tearDownClass(cls):
        cls.rig.close()
        super().tearDownClass()

    @classmethod
    def install_backends(cls, *files):
        """docker/quadlet/'s network and backend files where the variant's quadlets go."""
        for f in files:
            cls.rig.install(os.path.join(QUADLET, f), f"{quadlet_dir(cls.user)}/{f}", user=cls.user)

    @classmethod
    def units_installed(cls):
        """Rootless: webuser owns its files, and its manager may bind 80 and 443 (in the rig's own
        network namespace); then the manager reads them."""
        if cls.user:
            cls.rig.sh(f"chown -R {WEBUSER}: /home/{WEBUSER}/.config")
            cls.rig.sh("sysctl -q net.ipv4.ip_unprivileged_port_start=80")
        cls.rig.systemctl("daemon-reload", user=cls.user)


class CaddyProxy(ProxyRig):
    """Setup 6, installed as `variant` says: "rootful" (quadlet, system), "rootless" (quadlet, webuser's
    user manager; the rig's ip_unprivileged_port_start lowered to 80, as such a host needs) or
    "user-service" (docker/caddy-proxy/caddy.service: a system unit with User=webuser)."""
    variant = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        rig = cls.rig
        cls.user = cls.variant == "rootless"            # the units are webuser's user units
        cls.podman_user = cls.variant != "rootful"      # the containers are in webuser's podman
        rig.load_images(CADDY, WHOAMI, user=cls.podman_user)
        rig.install(os.path.join(SETUP6, "Caddyfile"), f"{CADDYFILE_DIR}/Caddyfile")
        rig.sh(f"cp {PEBBLE}/ca.pem {CADDYFILE_DIR}/pebble-ca.pem")
        for f in CADDY_SOCKETS:
            rig.install(os.path.join(UNITS, f), f"{unit_dir(cls.user)}/{f}", user=cls.user)
        if cls.variant == "user-service":
            rig.install(os.path.join(SETUP6, "caddy.service"), "/etc/systemd/system/caddy.service")
            rig.put(f"[Service]\n{PEBBLE_ENV}", "/etc/systemd/system/caddy.service.d/pebble.conf")
        else:
            qdir = quadlet_dir(cls.user)
            rig.install(os.path.join(SETUP6, "caddy.container"), f"{qdir}/caddy.container", user=cls.user)
            cls.install_backends("web.network", "whoami.container")
            rig.put(f"[Container]\n{PEBBLE_ENV}", f"{qdir}/caddy.container.d/pebble.conf", user=cls.user)
        cls.units_installed()

    # ------------------------------------------------------------------ steps
    def start_fresh(self, pebble=True, http_port=80, tls_port=443, trouble=False):
        """No certificate and no ACME account kept; pebble (re)started or stopped; the sockets listening
        and the first connection made. Returns the journal cursor from before it. `trouble`: the
        certificates cannot come (no CA, or it refuses), and caddy's first failure may come before
        its READY=1, or before systemd is asked: StatusText may have the note already."""
        rig = self.rig
        sockets = " ".join(CADDY_SOCKETS)
        ctl = "systemctl --user" if self.user else "systemctl"
        self.addCleanup(rig.sh, f"{ctl} stop {sockets} caddy.service; {ctl} reset-failed", user=self.user, check=False)
        rig.sh(f"{ctl} stop caddy.service", user=self.user)
        rig.sh(f"podman volume rm --force {VOLUMES} >/dev/null", user=self.podman_user)
        if pebble:
            start_pebble(rig, http_port, tls_port)
        else:
            stop_pebble(rig)
        cursor = rig.cursor()
        rig.systemctl(f"start {sockets}", user=self.user)
        status, body = rig.curl("-o /dev/null -D - http://127.0.0.1:80/")
        self.assertEqual(status, 308, body)
        self.assertIn("location: https://127.0.0.1/", body.lower())
        s = rig.wait_state("caddy.service", ["active", "failed"], user=self.user)
        self.assertEqual((s["ActiveState"], s["SubState"]), ("active", "running"), s)
        self.assertTrue(s["StatusText"] == "caddy is ready" or trouble and s["StatusText"].startswith("caddy is ready; "), s)
        return cursor

    def wait_status(self, match, timeout):
        """Waits (a bound on a hang) until caddy.service's StatusText matches; returns it."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.rig.show("caddy.service", user=self.user)["StatusText"]
            if re.fullmatch(match, text):
                return text
            self.assertLess(time.monotonic(), deadline, f"StatusText never matched /{match}/: {text!r}")
            time.sleep(0.5)

    def wait_certificates(self):
        """Each name's certificate from pebble (a bound on a hang; caddy obtains them after READY=1)."""
        certs = {}
        deadline = time.monotonic() + 90
        for name in NAMES:
            while not (certs.get(name) and "Pebble Intermediate CA" in (certs[name][1] or "")):
                self.assertLess(time.monotonic(), deadline, f"no certificate from pebble for {name}: {certs}")
                time.sleep(0.3)
                certs[name] = served_certificate(self.rig, name)
        return certs

    def journal_has(self, cursor, pattern, timeout=30):
        unit = {"user_unit" if self.user else "unit": "caddy.service"}
        entries = self.rig.journal_until(cursor, lambda e: any(re.search(pattern, m) for _, _, m in e),
                                         timeout=timeout, **unit)
        self.assertTrue(any(re.search(pattern, m) for _, _, m in entries),
                        f"/{pattern}/ not in caddy.service's journal: {[m for _, _, m in entries][-30:]}")

    def stop_cleanly(self):
        rig = self.rig
        rig.systemctl("stop caddy.service", user=self.user)
        s = rig.show("caddy.service", user=self.user)
        self.assertEqual((s["ActiveState"], s["Result"]), ("inactive", "success"), s)
        left = rig.sh("podman ps -aq --filter name=systemd-caddy", user=self.podman_user).stdout.strip()
        self.assertEqual(left, "", "caddy's container outlived its unit")

    # ------------------------------------------------------------------ the scenario
    def whole_setup(self):
        rig = self.rig
        cursor = self.start_fresh()
        certs = self.wait_certificates()
        # pebble validated from the other namespace through the rig's own address into caddy's
        # inherited 80 or 443 (caddy picks the challenge; the next two tests leave it one each)
        self.journal_has(cursor, rf'"served key authentication.*"remote":"{re.escape(CLIENT_ADDR)}:')
        for name in NAMES:
            self.journal_has(cursor, rf'"certificate obtained successfully".*"identifier":"{name}"')

        # the client's own address, from three places, over each protocol
        for via, client, address in CLIENTS:
            for flag, version in (("--http1.1", "1.1"), ("--http2", "2"), ("--http3-only", "3")):
                r = https_get(self.rig, "whoami.example.com", via, flag, client)
                body, _, code = r.stdout.rpartition("\n")
                self.assertEqual(code, f"200 {version}", f"{address} {flag}: {r.stderr}{body}")
                self.assertIn(f"\nHTTP_X_FORWARDED_FOR={address}\n", body, f"{address} {flag}")
                self.assertIn("\nHTTP_X_FORWARDED_PROTO=https\n", body)
        r = https_get(self.rig, "static.example.com", RIG_ADDR, "--http2", client=True)
        self.assertTrue(r.stdout.endswith("\n200 2"), r.stdout[-200:] + r.stderr)

        # the admin API on its inherited unix socket
        admin = f"/run/user/{WEBUID}/caddy/admin.sock" if self.user else "/run/caddy/admin.sock"
        r = rig.sh(f"curl -sS --unix-socket {admin} http://localhost/config/apps/http/servers", user=self.user)
        self.assertIn('"listen":["fd/', r.stdout)
        self.assertIn('"handler":"reverse_proxy"', r.stdout)

        # renewal while serving: the lifetime is CERT_LIFETIME s, so a new serial comes within it;
        # requests from the client namespace meanwhile must all succeed
        before = certs["whoami.example.com"][0]
        served, failed = 0, []
        deadline = time.monotonic() + CERT_LIFETIME + 30
        while (served_certificate(rig, "whoami.example.com") or (before,))[0] == before:
            self.assertLess(time.monotonic(), deadline, "caddy never renewed whoami.example.com's certificate")
            r = https_get(self.rig, "whoami.example.com", RIG_ADDR, "--http2", client=True)
            served += 1
            if not r.stdout.endswith("\n200 2"):
                failed.append(r.stdout[-100:] + r.stderr)
        self.assertEqual(failed, [], f"{len(failed)} of {served} requests failed during the renewal")
        self.journal_has(cursor, r'"certificate renewed successfully".*"identifier":"whoami.example.com"')

        # systemctl reload through the admin API
        rig.systemctl("reload caddy.service", user=self.user)
        self.journal_has(cursor, '"msg":"load complete"')
        s = rig.wait_state("caddy.service", ["active", "failed"], user=self.user)
        self.assertEqual((s["ActiveState"], s["StatusText"]), ("active", "caddy reloaded"), s)
        self.assertTrue(https_get(self.rig, "whoami.example.com", "127.0.0.1", "--http2").stdout.endswith("\n200 2"))

        # a clean stop; the next connection (port 80, from the other namespace) starts the unit again,
        # which serves with the certificates it kept. (Not an HTTPS connection: caddy starts accepting
        # before it has loaded its certificates, and the handshake of the connection that started it
        # can fail; docs/limitations.md.)
        self.stop_cleanly()
        r = rig.sh(f"ip netns exec client curl -sS -m 30 -o /dev/null -w '%{{http_code}}' http://{RIG_ADDR}/", check=False)
        self.assertEqual(r.stdout, "308", r.stderr)
        s = rig.wait_state("caddy.service", ["active", "failed"], user=self.user)
        self.assertEqual(s["ActiveState"], "active", s)
        r = https_get(self.rig, "whoami.example.com", RIG_ADDR, "--http3-only", client=True)
        self.assertTrue(r.stdout.endswith("\n200 3"), r.stdout[-200:] + r.stderr)
        self.stop_cleanly()


class CaddyProxyRootful(CaddyProxy, unittest.TestCase):
    variant = "rootful"

    def test_acme_through_the_inherited_sockets_client_address_h1_h2_h3_admin_renewal_reload_stop_restart(self):
        self.whole_setup()

    def only_one_challenge_can_pass(self, challenge, **ports):
        # pebble validates the other challenge on a port where nothing listens: the certificates can
        # only come through the one left, into caddy's inherited fd
        cursor = self.start_fresh(**ports)
        self.wait_certificates()
        self.journal_has(cursor, rf'"served key authentication.*"challenge":"{challenge}".*'
                                 rf'"remote":"{re.escape(CLIENT_ADDR)}:')
        for name in NAMES:
            self.journal_has(cursor, rf'"certificate obtained successfully".*"identifier":"{name}"')
        r = https_get(self.rig, "whoami.example.com", RIG_ADDR, "--http1.1", client=True)
        self.assertIn(f"\nHTTP_X_FORWARDED_FOR={CLIENT_ADDR}\n", r.stdout)
        self.stop_cleanly()

    def test_http01_through_the_inherited_port_80_which_redirects_everything_else(self):
        self.only_one_challenge_can_pass("http-01", tls_port=5001)

    def test_tls_alpn01_through_the_inherited_port_443(self):
        self.only_one_challenge_can_pass("tls-alpn-01", http_port=5002)

    def test_ca_unreachable_caddy_still_serves_http_is_ready_and_says_why(self):
        rig = self.rig
        cursor = self.start_fresh(pebble=False, trouble=True)  # active, "caddy is ready", port 80 answered
        self.journal_has(cursor, r'"could not get certificate from issuer".*connection refused')
        # The reason in StatusText too (caddy's log entries through its NOTIFY_SOCKET), for both names
        names = "|".join(re.escape(n) for n in NAMES)
        self.wait_status(rf"caddy is ready; no certificate for ({names}), ({names}): .*{re.escape(ACME_DIR)}.*"
                         r"connection refused", timeout=30)
        # HTTPS has no certificate yet: the handshake fails at once rather than hanging
        t0 = time.monotonic()
        r = https_get(self.rig, "whoami.example.com", "127.0.0.1", "--http2")
        self.assertNotEqual(r.returncode, 0)
        self.assertLess(time.monotonic() - t0, 15, "an HTTPS client waited for a certificate that cannot come")
        status, _ = rig.curl("-o /dev/null http://127.0.0.1:80/")
        self.assertEqual(status, 308)
        # The CA comes back: at caddy's next attempt (a minute after the first) both certificates
        # come, and the note goes; nothing of it stays behind.
        start_pebble(rig)
        self.wait_status("caddy is ready", timeout=150)
        self.wait_certificates()
        r = https_get(self.rig, "whoami.example.com", RIG_ADDR, "--http2", client=True)
        self.assertTrue(r.stdout.endswith("\n200 2"), r.stdout[-200:] + r.stderr)
        self.stop_cleanly()


    def test_ca_refuses_caddy_is_ready_and_says_why(self):
        # pebble validates on ports where nothing listens: every order is refused, with a reason
        self.start_fresh(http_port=5002, tls_port=5001, trouble=True)
        names = "|".join(re.escape(n) for n in NAMES)
        text = self.wait_status(rf"caddy is ready; no certificate for ({names}), ({names}): "
                                r".*urn:ietf:params:acme:error:.*", timeout=60)
        self.assertEqual(len(set(re.findall(names, text.split(":", 1)[0]))), 2, text)
        status, _ = self.rig.curl("-o /dev/null http://127.0.0.1:80/")
        self.assertEqual(status, 308)
        self.stop_cleanly()


class CaddyProxyRootless(CaddyProxy, unittest.TestCase):
    variant = "rootless"

    def test_acme_through_the_inherited_sockets_client_address_h1_h2_h3_admin_renewal_reload_stop_restart(self):
        self.whole_setup()


class CaddyProxyUserService(CaddyProxy, unittest.TestCase):
    variant = "user-service"

    def test_acme_through_the_inherited_sockets_client_address_h1_h2_h3_admin_renewal_reload_stop_restart(self):
        self.whole_setup()


SETUP7 = os.path.join(REPO, "docker", "nginx-proxy")


class NginxProxy(ProxyRig):
    """Setup 7: nginx as a TLS reverse proxy to two backends, the certificate from pebble through lego's
    HTTP-01 on nginx's inherited port 80. `variant`: "rootful" (quadlet, system; lego a system unit),
    "rootless" (rootless/: quadlet and lego in webuser's user manager; ip_unprivileged_port_start
    lowered to 80 in the rig) or "user-service" (nginx-proxy.service: a system unit with User=webuser;
    lego's system unit with User=webuser in a drop-in)."""
    variant = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        rig = cls.rig
        cls.user = cls.variant == "rootless"
        cls.podman_user = cls.variant != "rootful"
        cls.state = f"/home/{WEBUSER}/.local/state/sdshim/nginx-proxy" if cls.user else "/var/lib/sdshim/nginx-proxy"
        cls.ctl = "systemctl --user" if cls.user else "systemctl"
        rig.load_images(NGINX_80, WHOAMI, *([] if cls.podman_user else [NGINX_MAINLINE_80]), user=cls.podman_user)
        rig.install(os.path.join(SETUP7, "proxy.conf"), "/etc/sdshim/nginx-proxy/proxy.conf")
        udir, qdir = unit_dir(cls.user), quadlet_dir(cls.user)
        acme = os.path.join(SETUP7, "rootless" if cls.user else "", "nginx-proxy-acme.service")
        for src in (os.path.join(SETUP7, "nginx-proxy.socket"), acme, os.path.join(SETUP7, "nginx-proxy-acme.timer")):
            rig.install(src, f"{udir}/{os.path.basename(src)}", user=cls.user)
        env = f"Environment=ACME_CA={ACME_DIR} LEGO_CA_CERTIFICATES={PEBBLE}/ca.pem\n"
        if cls.variant == "user-service":
            rig.install(os.path.join(SETUP7, "nginx-proxy.service"), f"{udir}/nginx-proxy.service")
            env += f"User={WEBUSER}\n"
        else:
            container = os.path.join(SETUP7, "rootless" if cls.user else "", "nginx-proxy.container")
            rig.install(container, f"{qdir}/nginx-proxy.container", user=cls.user)
            cls.install_backends("web.network", "whoami@.container")
        rig.put(f"[Service]\n{env}", f"{udir}/nginx-proxy-acme.service.d/pebble.conf", user=cls.user)
        cls.units_installed()

    def acme(self, renew_days=30):
        d = f"{unit_dir(self.user)}/nginx-proxy-acme.service.d"
        r = self.rig.sh(f"printf '[Service]\\nEnvironment=ACME_RENEW_DAYS={renew_days}\\n' > {d}/days.conf "
                        f"&& {self.ctl} daemon-reload && timeout 120 {self.ctl} start nginx-proxy-acme.service; rc=$?; "
                        f"rm -f {d}/days.conf; {self.ctl} daemon-reload; exit $rc", user=self.user, check=False, timeout=180)
        unit = "--user-unit" if self.user else "-u"
        out = self.rig.sh(f"journalctl {unit} nginx-proxy-acme.service {unit} nginx-proxy.service -n 3000 --no-pager "
                          "-o cat | grep -v '\" 200 ' | tail -40", check=False).stdout
        self.assertEqual(r.returncode, 0, out)

    def proxy(self, image, version):
        rig, ctl, user = self.rig, self.ctl, self.user
        unit = {"user_unit" if user else "unit": "nginx-proxy.service"}
        if self.variant != "user-service":
            rig.put(f"[Container]\nImage={image}\n", f"{quadlet_dir(user)}/nginx-proxy.container.d/image.conf", user=user)
            rig.systemctl("daemon-reload", user=user)
        self.addCleanup(rig.sh, f"rm -rf {self.state}", check=False)
        self.addCleanup(rig.sh, f"{ctl} stop nginx-proxy-acme.service nginx-proxy.socket nginx-proxy.service "
                                f"whoami@1 whoami@2; {ctl} reset-failed", user=user, check=False)
        start_pebble(rig, lifetime=3600)
        cursor = rig.cursor()
        rig.systemctl("start nginx-proxy.socket", user=user)
        status, body = rig.curl("-o /dev/null -D - http://127.0.0.1:80/")
        self.assertEqual(status, 301, body)
        self.assertIn("location: https://127.0.0.1/", body.lower())
        s = rig.wait_state("nginx-proxy.service", ["active", "failed"], user=user)
        self.assertEqual((s["ActiveState"], s["StatusText"]), ("active", "nginx is ready"), s)
        v = rig.sh("podman exec systemd-nginx-proxy nginx -v 2>&1", user=self.podman_user).stdout
        self.assertIn(f"nginx/{version}", v)

        # the first certificate: pebble fetches lego's token from the other namespace through port 80
        stand_in = served_certificate(rig, "whoami.example.com")
        self.assertEqual(stand_in[1], "CN=whoami.example.com", "not the unit's self-signed stand-in")
        self.acme()
        cert = served_certificate(rig, "whoami.example.com")
        self.assertIn("Pebble Intermediate CA", cert[1] or "", cert)
        entries = rig.journal_until(cursor, lambda e: any("/.well-known/acme-challenge/" in m for _, _, m in e), **unit)
        self.assertTrue(any(m.startswith(f"{CLIENT_ADDR} ") and "/.well-known/acme-challenge/" in m and '" 200 ' in m
                            for _, _, m in entries), [m for _, _, m in entries][-20:])

        # the client's own address at both backends, from three places, over HTTP/1.1 and HTTP/2
        backends = set()
        for via, client, address in CLIENTS:
            for flag, answer in (("--http1.1", "200 1.1"), ("--http2", "200 2")) * 2:
                r = https_get(rig, "whoami.example.com", via, flag, client)
                body, _, code = r.stdout.rpartition("\n")
                self.assertEqual(code, answer, f"{address} {flag}: {r.stderr}{body}")
                self.assertIn(f"\nHTTP_X_REAL_IP={address}\n", body)
                self.assertIn(f"\nHTTP_X_FORWARDED_FOR={address}\n", body)
                self.assertIn("\nHTTP_X_FORWARDED_PROTO=https\n", body)
                backends.add(re.search(r"Hostname: (\S+)", body).group(1))
        self.assertEqual(backends, {"whoami-1", "whoami-2"})

        # a forced renewal while the other namespace sends requests; nginx reloaded by sdshim
        load = rig.sh("ip netns exec client sh -c 'n=0; f=0; end=$(($(date +%s) + 600)); "
                      "while [ ! -e /tmp/stop-load ] && [ $(date +%s) -lt $end ]; do n=$((n+1)); "
                      f"curl -s -m 10 -o /dev/null --cacert {PEBBLE}/root.pem --resolve whoami.example.com:443:{RIG_ADDR} "
                      "https://whoami.example.com/ || f=$((f+1)); done; echo $n $f > /tmp/load-result' "
                      ">/dev/null 2>&1 & echo started", check=False)
        self.assertIn("started", load.stdout)
        time.sleep(1)
        self.acme(renew_days=100000)
        rig.wait_state("nginx-proxy.service", ["active"], user=user)
        time.sleep(1)
        rig.sh("touch /tmp/stop-load; for i in $(seq 100); do [ -e /tmp/load-result ] && break; sleep 0.2; done")
        sent, failed = map(int, rig.sh("cat /tmp/load-result; rm -f /tmp/load-result /tmp/stop-load").stdout.split())
        renewed = served_certificate(rig, "whoami.example.com")
        self.assertNotEqual(renewed[0], cert[0], "the served certificate did not change")
        self.assertIn("Pebble Intermediate CA", renewed[1])
        self.assertEqual(failed, 0, f"{failed} of {sent} requests failed during the renewal")
        self.assertGreater(sent, 0)
        entries = rig.journal_until(cursor, lambda e: any("nginx reloaded" in m for _, _, m in e), **unit)
        self.assertTrue(any("nginx reloaded" in m for _, _, m in entries))
        self.assertEqual(rig.show("nginx-proxy.service", user=user)["StatusText"], "nginx reloaded")

        # a clean stop; the next connection starts it again, with the certificate lego keeps
        rig.systemctl("stop nginx-proxy.service", user=user)
        s = rig.show("nginx-proxy.service", user=user)
        self.assertEqual((s["ActiveState"], s["Result"]), ("inactive", "success"), s)
        self.assertEqual(rig.sh("podman ps -aq --filter name=systemd-nginx-proxy", user=self.podman_user).stdout.strip(), "")
        r = https_get(rig, "whoami.example.com", RIG_ADDR, "--http2", client=True)
        self.assertTrue(r.stdout.endswith("\n200 2"), r.stdout[-300:] + r.stderr)
        self.assertEqual(served_certificate(rig, "whoami.example.com")[0], renewed[0])


class NginxProxyRootful(NginxProxy, unittest.TestCase):
    variant = "rootful"

    def test_nginx_1_22_tls_proxy_two_backends_client_address_acme_renewal_stop_restart(self):
        self.proxy(NGINX_80, "1.22")

    def test_nginx_1_30_tls_proxy_two_backends_client_address_acme_renewal_stop_restart(self):
        self.proxy(NGINX_MAINLINE_80, "1.30")


class NginxProxyRootless(NginxProxy, unittest.TestCase):
    variant = "rootless"

    def test_nginx_tls_proxy_two_backends_client_address_acme_renewal_stop_restart(self):
        self.proxy(NGINX_80, "1.22")


class NginxProxyUserService(NginxProxy, unittest.TestCase):
    variant = "user-service"

    def test_nginx_tls_proxy_two_backends_client_address_acme_renewal_stop_restart(self):
        self.proxy(NGINX_80, "1.22")


if __name__ == "__main__":
    unittest.main()
