"""Debian 13 (systemd 257, podman 5.4, conmon 2.1.12, quadlet) runs docker/quadlet/'s files through the
real quadlet generator (setups 1, 2 and 4) and setup 3's hand-written unit, unchanged, on cgroup v2.
conmon 2.1.12 passes STATUS=, RELOADING=1 and STOPPING=1 on, so systemd's view is checked too."""
import os
import unittest

from rig import QUADLET, UNITS, HostGuard, Rig
from scenarios import CADDY_SOCKETS, Scenarios, quadlet_dir, unit_dir
from support.podman import BUSYBOX, CADDY, NGINX_80, NGINX_8080


class Debian13(HostGuard, Scenarios):
    conmon_passes_status = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        rig = cls.rig = Rig("trixie").start()
        rig.load_images(NGINX_80, CADDY, BUSYBOX)
        rig.load_images(NGINX_80, NGINX_8080, user=True)
        rig.install_package()
        for f in ("nginx.socket", "nginx-rootless.socket", "nginx-rootless.service", "nginx-init.socket",
                  "busybox.socket", *CADDY_SOCKETS):
            rig.install(os.path.join(UNITS, f), f"{unit_dir(False)}/{f}")
        for f in ("nginx.container", "caddy.container", "nginx-init.container", "busybox.container"):
            rig.install(os.path.join(QUADLET, f), f"{quadlet_dir(False)}/{f}")
        rig.install(os.path.join(UNITS, "nginx-user.socket"), f"{unit_dir(True)}/nginx-user.socket", user=True)
        rig.install(os.path.join(QUADLET, "nginx-user.container"), f"{quadlet_dir(True)}/nginx-user.container",
                    user=True)
        rig.systemctl("daemon-reload")
        rig.systemctl("daemon-reload", user=True)

    @classmethod
    def tearDownClass(cls):
        cls.rig.close()
        super().tearDownClass()

    def test_quadlet_generated_the_units_from_the_shipped_files(self):
        for unit, user in (("nginx.service", False), ("nginx-user.service", True)):
            text = self.rig.systemctl(f"cat {unit}", user=user).stdout
            self.assertIn("/usr/bin/podman run --name systemd-%N", text)
            self.assertIn("--sdnotify=container", text)
            self.assertIn("ExecReload=/usr/bin/podman exec systemd-%N /usr/local/bin/sdshim reload", text)
            self.assertIn("SourcePath=", text)
            deps = self.rig.systemctl(f"show {unit} -p Wants -p After", user=user).stdout
            self.assertNotIn("network-online", deps, "[Quadlet] DefaultDependencies=false was not applied")

    def test_setup2_quadlet_serves_reloads_stops_and_restarts(self):
        self.serve_reload_stop("nginx.socket", "nginx.service", 80)

    def test_setup1_quadlet_rootless_user_service(self):
        self.serve_reload_stop("nginx-user.socket", "nginx-user.service", 8080, user=True)

    def test_setup3_hand_written_system_service_for_webuser(self):
        self.serve_reload_stop("nginx-rootless.socket", "nginx-rootless.service", 80, podman_user=True)

    def test_setup5_quadlet_unmodified_nginx_image_with_the_packaged_sdshim_as_podmans_init(self):
        self.serve_reload_stop("nginx-init.socket", "nginx-init.service", 80, podman_init=True)

    def test_setup4_quadlet_caddy_serves_http_https_h2_h3_and_admin_and_reloads_through_it(self):
        self.caddy_setup4(http3=True)

    def test_wrong_port_explained_on_every_start_under_the_shipped_hardening(self):
        self.wrong_port("nginx.socket", "nginx.service", 80, 8081)

    def test_server_that_never_gets_ready_stays_activating_then_fails(self):
        self.never_ready()

    def test_scratch_image_notify_healthy_with_sdshim_check_as_health_cmd(self):
        self.busybox_ready_when_healthy(notify_healthy=True)

    def test_reload_with_a_broken_config_fails_and_nginx_keeps_serving_with_its_workers(self):
        self.refused_reload("nginx.socket", "nginx.service", 80)

    def test_sdshim_dropin_on_a_plain_nginx_quadlet_never_active_before_a_worker(self):
        self.plain_quadlet_with_the_dropin("nginx")

    def test_sdshim_dropin_on_a_plain_caddy_quadlet(self):
        self.plain_quadlet_with_the_dropin("caddy")

    def test_watchdog_restarts_nginx_whose_workers_stopped_and_not_one_that_serves(self):
        self.watchdog("nginx.socket", "nginx.service", 80)


if __name__ == "__main__":
    unittest.main()
