"""Debian 12 (systemd 252, podman 4.3.1) on cgroup v1, as a host booted with
systemd.unified_cgroup_hierarchy=0: rootful setup 2 works as shipped; the rootless setups 1 and 3
need docker/systemd/cgroup-v1/'s drop-ins, because --cgroups=split cannot work there."""
import os
import unittest

from rig import UNITS, HostGuard, Rig
from scenarios import Scenarios, unit_dir
from support.podman import NGINX_80, NGINX_8080

V1 = os.path.join(UNITS, "cgroup-v1")


class Debian12CgroupV1(HostGuard, Scenarios):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rig = Rig("bookworm", cgroup="hybrid").start()
        cls.rig.load_images(NGINX_80)
        cls.rig.load_images(NGINX_80, NGINX_8080, user=True)
        cls.rig.install_hand_written_units()

    @classmethod
    def tearDownClass(cls):
        cls.rig.close()
        super().tearDownClass()

    def test_the_rig_is_cgroup_v1(self):
        self.assertIn("tmpfs", self.rig.sh("stat -f -c %T /sys/fs/cgroup").stdout)
        self.assertTrue(self.rig.sh("test -d /sys/fs/cgroup/pids", check=False).returncode == 0)

    def test_setup2_rootful_works_as_shipped(self):
        self.serve_reload_stop("nginx.socket", "nginx.service", 80)

    def as_shipped_fails_then_drop_in_serves(self, socket, service, port, user):
        rig = self.rig
        rig.systemctl(f"start {socket}", user=user)
        self.addCleanup(rig.systemctl, f"stop {socket} {service}", user=user, check=False)
        cursor = rig.cursor()
        self.assertEqual(rig.curl(f"http://127.0.0.1:{port}/", timeout=10)[0], 0)
        rig.wait_state(service, ["failed"], user=user)
        text = "\n".join(m for _, _, m in self.journal_of(cursor, service, user))
        self.assertRegex(text, r"Error: mkdir /sys/fs/cgroup/\S+: permission denied")
        rig.systemctl(f"stop {socket}", user=user)
        rig.systemctl(f"reset-failed {socket} {service}", user=user)

        rig.install(os.path.join(V1, f"{service}.d", "cgroup-v1.conf"), f"{unit_dir(user)}/{service}.d/cgroup-v1.conf",
                    user=user)
        self.addCleanup(rig.sh, f"rm -rf {unit_dir(user)}/{service}.d", check=False)
        rig.systemctl("daemon-reload", user=user)
        self.serve_reload_stop(socket, service, port, user=user, podman_user=True)

    def test_setup1_rootless_user_service_with_the_v1_drop_in(self):
        self.as_shipped_fails_then_drop_in_serves("nginx-user.socket", "nginx-user.service", 8080, user=True)

    def test_setup3_system_service_for_webuser_with_the_v1_drop_in(self):
        self.as_shipped_fails_then_drop_in_serves("nginx-rootless.socket", "nginx-rootless.service", 80, user=False)


if __name__ == "__main__":
    unittest.main()
