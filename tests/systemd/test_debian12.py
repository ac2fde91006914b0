"""Debian 12 (systemd 252, podman 4.3.1, conmon 2.1.6) runs the hand-written units of docker/systemd/
unchanged, in a rig whose cgroups are unified (cgroup v2), as on a stock Debian 12 host."""
import unittest

from rig import HostGuard, Rig
from scenarios import Scenarios
from support.podman import BUSYBOX, CADDY, NGINX_80, NGINX_8080

class Debian12(HostGuard, Scenarios):
    conmon_passes_status = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rig = Rig("bookworm").start()
        cls.rig.load_images(NGINX_80, CADDY, BUSYBOX)
        cls.rig.load_images(NGINX_80, NGINX_8080, user=True)
        cls.rig.install_hand_written_units()
        cls.rig.install_package()

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

    def test_scratch_image_ready_through_sdshims_http_check_where_podman_has_no_notify_healthy(self):
        self.busybox_ready_when_healthy(notify_healthy=False)

    def test_reload_with_a_broken_config_fails_and_nginx_keeps_serving_with_its_workers(self):
        self.refused_reload("nginx.socket", "nginx.service", 80)

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

    def test_setup5_unmodified_nginx_image_with_the_packaged_sdshim_as_podmans_init(self):
        self.serve_reload_stop("nginx-init.socket", "nginx-init.service", 80, podman_init=True)

    def test_setup4_caddy_serves_http_https_and_admin_and_reloads_through_it(self):
        self.caddy_setup4(http3=False)  # Debian 12's curl has no HTTP/3: Debian 13's rig checks it


if __name__ == "__main__":
    unittest.main()
