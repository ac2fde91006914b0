"""The nginx image in real podman: rootful on port 80, rootless on 8080 (setup 1), and root binding
port 80 for another user's rootless podman (setup 3); plus a port the image does not listen on.
nginx 1.22 (Debian 12) throughout, and the current mainline, 1.30, rootful and on the wrong port."""
import unittest

from support.podman import (NGINX_80, NGINX_8080, NGINX_MAINLINE_80, ActivatedContainer, RootlessUser,
                        assert_dropped_socket_explained, http_get, podman, require_image, require_podman, survivors)


class NginxSetups(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_podman()
        require_image(NGINX_80)
        require_image(NGINX_8080)
        require_image(NGINX_MAINLINE_80)

    def serve_and_stop(self, image, listen, port, name, user=None, bind_as_root=False, version="1.22"):
        with ActivatedContainer(image, listen, name, user=user, bind_as_root=bind_as_root) as c:
            status, text = http_get(port)
            self.assertEqual(status, 200, text)
            self.assertIn("Welcome to nginx!", text)
            c.receiver.wait_for("READY=1", timeout=30)
            # podman's own MAINPID= (conmon's pid); READY=1 comes from inside the container. Either may come
            # first: podman sends MAINPID= once the container started, and a quick server is ready before that.
            c.receiver.wait_for(lambda m: m.startswith("MAINPID="), timeout=30)

            # Nobody wrote NGINX=...: the shim set it for nginx (whose title overwrites /proc/PID/environ,
            # so nginx's own log line is the witness).
            self.assertNotIn("NGINX=", c.inspect("{{.Config.Env}}"))

            processes = c.processes()
            self.assertGreaterEqual(len(processes), 4, processes)  # conmon, shim, nginx master, workers
            took = c.stop(timeout=10)
            rc = c.wait()
            out = c.output()
            self.assertEqual(rc, 0, out)
            self.assertIn("exited with code 0", out)  # nginx itself, after QUIT
            # nginx's startup notices; conmon's copy of the log is complete only now
            self.assertIn('using inherited sockets from "3;"', out)
            self.assertIn(f"nginx/{version}.", out)
            self.assertNotIn("SIGKILL", out.split("stop requested")[-1].replace("before SIGKILL", ""))
            self.assertLess(took, 5.0, f"podman stop took {took:.2f}s of its 10s")
            self.assertEqual(survivors(processes), {}, "processes left behind")
            self.assertFalse(podman("container", "exists", name, user=user, check=False).returncode == 0)

    def test_rootful_port_80(self):
        self.serve_and_stop(NGINX_80, "0.0.0.0:80", 80, "sdshim-e2e-rootful")

    def test_rootless_user_port_8080_setup_1(self):
        user = RootlessUser()
        user.load_image(NGINX_8080)
        self.serve_and_stop(NGINX_8080, "0.0.0.0:8080", 8080, "sdshim-e2e-rootless", user=user)

    def test_root_binds_port_80_for_rootless_podman_setup_3(self):
        user = RootlessUser()
        user.load_image(NGINX_80)
        self.serve_and_stop(NGINX_80, "0.0.0.0:80", 80, "sdshim-e2e-setup3", user=user, bind_as_root=True)

    def test_rootful_port_80_nginx_mainline(self):
        self.serve_and_stop(NGINX_MAINLINE_80, "0.0.0.0:80", 80, "sdshim-e2e-rootful-mainline", version="1.30")

    def test_port_the_image_does_not_listen_on_nginx_mainline(self):
        # The socket is on 8081; nginx 1.30 listens on 80, so it closes the inherited socket.
        with ActivatedContainer(NGINX_MAINLINE_80, "0.0.0.0:8081", "sdshim-e2e-misport-mainline") as c:
            assert_dropped_socket_explained(self, c, 8081)

    def test_port_the_image_does_not_listen_on(self):
        # The socket is on 80; the image's nginx listens on 8080, so nginx closes the inherited socket.
        with ActivatedContainer(NGINX_8080, "0.0.0.0:80", "sdshim-e2e-misport") as c:
            assert_dropped_socket_explained(self, c, 80)


if __name__ == "__main__":
    unittest.main()
