"""Debian 12 (systemd 252, podman 4.3.1, conmon 2.1.6) runs the hand-written units of docker/systemd/
unchanged, in a rig whose cgroups are unified (cgroup v2), as on a stock Debian 12 host."""
import unittest

from rig import CADDY, NGINX_80, NGINX_8080, HostGuard, Rig
from scenarios import Scenarios

SETUP4_SOCKETS = ["caddy-http.socket", "caddy-https.socket", "caddy-quic.socket", "caddy-admin.socket"]


class Debian12(HostGuard, Scenarios):
    conmon_passes_status = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rig = Rig("bookworm").start()
        cls.rig.load_images(NGINX_80, CADDY)
        cls.rig.load_images(NGINX_80, NGINX_8080, user=True)
        cls.rig.install_hand_written_units()

    @classmethod
    def tearDownClass(cls):
        cls.rig.close()
        super().tearDownClass()

    def test_setup2_rootful_serves_reloads_stops_and_restarts(self):
        self.serve_reload_stop("nginx.socket", "nginx.service", 80)

    def test_wrong_port_explained_on_every_start_under_the_shipped_hardening(self):
        self.wrong_port("nginx.socket", "nginx.service", 80, 8081)

    def test_server_that_never_gets_ready_stays_activating_then_fails(self):
        self.never_ready()

    def test_watchdog_restarts_nginx_whose_workers_stopped_and_not_one_that_serves(self):
        self.watchdog("nginx.socket", "nginx.service", 80)

    def v2_host(self):
        # podman 4.3 decides whether it owns its cgroup from every /proc/self/cgroup line; on this
        # cgroup-v1 host kernel the unused v1 hierarchies add lines naming the rig's root, so
        # rootless podman would move itself out of the unit. A real cgroup-v2 host has no such lines.
        # Emulated by giving the rig's own (container-private) cgroup root to webuser for the test.
        self.rig.sh("chown 1001 /sys/fs/cgroup")
        self.addCleanup(self.rig.sh, "chown 0 /sys/fs/cgroup")

    def test_setup1_rootless_user_service(self):
        self.v2_host()
        self.serve_reload_stop("nginx-user.socket", "nginx-user.service", 8080, user=True)

    def test_setup3_system_service_runs_rootless_podman_as_webuser(self):
        self.v2_host()
        self.serve_reload_stop("nginx-rootless.socket", "nginx-rootless.service", 80, podman_user=True)

    def test_setup4_caddy_gets_its_four_sockets_by_name(self):
        # Debian's caddy 2.6.2 cannot bind fd/N: what is checked is what systemd and sdshim hand it.
        rig = self.rig
        rig.put("[Service]\nExecStart=\nExecStart=/usr/bin/podman run --name=systemd-%N --cgroups=split --rm "
                "--replace -d --sdnotify=container --network=none -e SDSHIM_INSPECT=1 " + CADDY + "\n",
                "/etc/systemd/system/caddy.service.d/inspect.conf")
        self.addCleanup(rig.sh, f"rm -rf /etc/systemd/system/caddy.service.d; systemctl stop {' '.join(SETUP4_SOCKETS)} "
                                "caddy.service; systemctl reset-failed; systemctl daemon-reload", check=False)
        rig.systemctl("daemon-reload")
        rig.systemctl("start " + " ".join(SETUP4_SOCKETS))
        cursor = rig.cursor()
        rig.systemctl("start --no-block caddy.service")
        rig.wait_state("caddy.service", ["failed", "inactive"])
        entries = rig.journal_until(cursor, lambda e: any("env LISTEN_FD_ADMIN=" in m for _, _, m in e), unit="caddy.service")
        text = "\n".join(m for _, _, m in entries)
        # systemd orders the fds as the sockets were started; the names say which is which.
        for name, what in (("http", "type=stream"), ("https", "type=stream"), ("quic", "type=datagram"),
                           ("admin", "family=unix")):
            self.assertRegex(text, rf"fd ([3-6]) name={name} .*{what}.*exports: LISTEN_FD_{name.upper()}=\1\n")


if __name__ == "__main__":
    unittest.main()
