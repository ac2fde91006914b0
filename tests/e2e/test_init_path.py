"""sdshim as podman's own init (`podman run --init --init-path=...`) in front of UNMODIFIED images:
the local stand-in for docker.io/library/nginx with only docker/init/nginx-default.conf mounted,
rootful on 80 and rootless on 8080, and a generic server (the libsystemd peers in the Debian 12
base) that podman starts as `/run/podman-init -- PROGRAM`. No derived image is involved."""
import os
import shutil
import socket
import subprocess
import tempfile
import unittest

from support.podman import (CONTAINERS_CONF, REPO, ActivatedContainer, RootlessUser, assert_dropped_socket_explained, http_get,
                        podman_env, require_image, require_podman, survivors)

NGINX_BASE = "localhost/sdshim-base/nginx"      # unmodified: the official image's layout and entrypoint
DEBIAN_BASE = "localhost/sdshim-base/builder"   # Debian 12 with libsystemd0, for the generic peers
SHIM = os.environ.get("SHIMTEST_BIN") or os.path.join(REPO, "build", "sdshim")
HELPERS = os.environ.get("SHIMTEST_HELPERS") or os.path.join(REPO, "build", "tests")
CONF = os.path.join(REPO, "docker", "init", "nginx-default.conf")


class InitPath(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_podman()
        require_image(NGINX_BASE)
        # What podman bind-mounts at /run/podman-init must be readable by the rootless user too.
        cls.tmp = tempfile.TemporaryDirectory(prefix="sdshim-e2e-init-")
        os.chmod(cls.tmp.name, 0o755)
        cls.shim = os.path.join(cls.tmp.name, "sdshim")
        shutil.copy(SHIM, cls.shim)
        os.chmod(cls.shim, 0o755)
        for helper in ("listen_peer", "notify_peer"):
            shutil.copy(os.path.join(HELPERS, helper), cls.tmp.name)
            os.chmod(os.path.join(cls.tmp.name, helper), 0o755)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def conf(self, port):
        """The shipped default.conf, for `port` (it ships with 80)."""
        with open(CONF) as f:
            text = f.read()
        self.assertEqual(text.count("listen       80;"), 1, "docker/init/nginx-default.conf changed shape")
        path = os.path.join(self.tmp.name, f"default-{port}.conf")
        with open(path, "w") as f:
            f.write(text.replace("listen       80;", f"listen       {port};"))
        os.chmod(path, 0o644)
        return path

    def init_args(self, port):
        return ["--init", f"--init-path={self.shim}", "-v", f"{self.conf(port)}:/etc/nginx/conf.d/default.conf:ro"]

    def serve_ready_stop(self, port, name, user=None):
        with ActivatedContainer(NGINX_BASE, f"0.0.0.0:{port}", name, user=user,
                                podman_args=self.init_args(port)) as c:
            status, text = http_get(port)
            self.assertEqual(status, 200, c.output())
            self.assertIn("Welcome to nginx!", text)
            # READY=1 made by sdshim (nginx never sends one) reaches the outer NOTIFY_SOCKET via conmon.
            c.receiver.wait_for("READY=1", timeout=30)
            self.assertEqual(c.inspect("{{.Config.Entrypoint}}"), "/docker-entrypoint.sh")  # the image's own
            self.assertNotIn("NGINX=", c.inspect("{{.Config.Env}}"))
            self.assertEqual(c.exec("cat", "/proc/1/cmdline").stdout.split("\0")[:2], ["/run/podman-init", "--"])
            processes = c.processes()
            took = c.stop(timeout=10)  # the image's STOPSIGNAL, QUIT, goes to sdshim: nginx QUITs gracefully
            rc = c.wait()
            out = c.output()
            self.assertEqual(rc, 0, out)
            self.assertIn("nginx is ready", out)
            self.assertIn('using inherited sockets from "3;"', out)
            self.assertIn("exited with code 0", out)
            self.assertNotIn("SIGKILL", out.split("stop requested")[-1].replace("before SIGKILL", ""))
            self.assertLess(took, 5.0, f"podman stop took {took:.2f}s of its 10s")
            self.assertEqual(survivors(processes), {}, "processes left behind")
            print(f"{name}: served, READY=1, stopped in {took:.2f}s")

    def test_rootful_unmodified_nginx_port_80(self):
        self.serve_ready_stop(80, "sdshim-e2e-init-rootful")

    def test_rootless_unmodified_nginx_port_8080(self):
        user = RootlessUser()
        user.load_image(NGINX_BASE)
        self.serve_ready_stop(8080, "sdshim-e2e-init-rootless", user=user)

    def test_dropped_socket_is_named_with_its_fix(self):
        # The socket is on 8081; the mounted default.conf listens on 80: nginx closes fd 3.
        with ActivatedContainer(NGINX_BASE, "0.0.0.0:8081", "sdshim-e2e-init-misport",
                                podman_args=self.init_args(80)) as c:
            assert_dropped_socket_explained(self, c, 8081)

    def generic(self, user):
        require_image(DEBIAN_BASE)
        if user:
            user.load_image(DEBIAN_BASE)
        port = 8082
        args = ["-v", f"{self.tmp.name}:/opt/peers:ro", "--init", f"--init-path={self.shim}"]
        # The libsystemd peer sees one socket, named, with LISTEN_PID its own pid (podman said 1: the
        # init's), and exits; sdshim passes its exit code on.
        with ActivatedContainer(DEBIAN_BASE, f"127.0.0.1:{port}", "sdshim-e2e-init-generic", user=user,
                                fdnames=["web"], podman_args=args, command=["/opt/peers/listen_peer"]) as c:
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                pass
            rc = c.wait()
            out = c.output()
            self.assertEqual(rc, 0, out)
            self.assertRegex(out, r"getpid=(\d+) LISTEN_PID=\1 ")
            self.assertNotIn("getpid=1 ", out)  # sdshim is PID 1; the server is its child
            self.assertIn("sd_listen_fds_with_names=1", out)
            self.assertIn("fd 3 name=web inet=1 unix=0 stream=1 dgram=0", out)
        # A generic server's own READY=1 is relayed, and podman stop's TERM reaches it.
        steps = ["/opt/peers/notify_peer", "catch-term", "send", "READY=1\\nSTATUS=generic peer up", "hold",
                 "report-term"]
        with ActivatedContainer(DEBIAN_BASE, f"127.0.0.1:{port}", "sdshim-e2e-init-generic", user=user,
                                podman_args=args, command=steps) as c:
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                pass
            c.receiver.wait_for("READY=1", timeout=30)
            c.wait_running()
            processes = c.processes()
            took = c.stop(timeout=10)
            rc = c.wait()
            out = c.output()
            self.assertEqual(rc, 0, out)
            self.assertRegex(out, r"term [1-9]")  # the peer caught the forwarded TERM and exited 0
            self.assertLess(took, 5.0, f"podman stop took {took:.2f}s of its 10s")
            self.assertEqual(survivors(processes), {}, "processes left behind")

    def test_containers_conf_init_path_makes_it_the_init_of_every_podman_run_init(self):
        # The shipped docker/init/containers.conf, with its path pointed at the binary under test, added
        # to this project's own containers.conf: then a bare `podman run --init` runs sdshim.
        require_image(DEBIAN_BASE)
        with open(os.path.join(REPO, "docker", "init", "containers.conf")) as f:
            shipped = f.read()
        self.assertIn('init_path = "/usr/bin/sdshim"', shipped)
        with open(CONTAINERS_CONF) as f:
            ours = f.read()
        conf = os.path.join(self.tmp.name, "containers.conf")
        with open(conf, "w") as f:
            f.write(ours.replace("[containers]\n", "[containers]\n" + shipped.split("[containers]\n", 1)[1]
                                 .replace("/usr/bin/sdshim", self.shim), 1))
        env = {**podman_env(), "CONTAINERS_CONF": conf}
        r = subprocess.run(["podman", "run", "--rm", "--network=none", "--init", DEBIAN_BASE, "sh", "-c",
                            "tr '\\0' ' ' < /proc/1/cmdline; echo; /run/podman-init --version; echo parent=$PPID"],
                           env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        here = subprocess.run([SHIM, "--version"], capture_output=True, text=True).stdout.strip()
        lines = r.stdout.splitlines()
        self.assertTrue(lines[0].startswith("/run/podman-init -- sh -c "), lines)
        self.assertEqual(lines[1:], [here, "parent=1"], r.stderr)
        self.assertIn("exited with code 0", r.stderr)  # sdshim's own line: it was the init

    def test_generic_server_rootful(self):
        self.generic(None)

    def test_generic_server_rootless(self):
        self.generic(RootlessUser())


if __name__ == "__main__":
    unittest.main()
