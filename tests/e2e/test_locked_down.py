"""Locked-down containers in real podman, all with --network=none and socket activation: a read-only
root, no capabilities, no new privileges, a non-root user, --userns=auto, and all but the last at
once. Each serves, gets READY and stops gracefully. The shim itself needs no writable path: only
nginx gets tmpfs mounts, for its pid file and temporary files."""
import socket
import unittest

from support.podman import (NGINX_8080, ActivatedContainer, ensure_auto_userns_ids, require_image, require_podman,
                        serve_ready_stop, survivors)

NGINX_TMPFS = ["--tmpfs", "/var/lib/nginx:U", "--tmpfs", "/run:U"]  # U: owned by the container's user
READ_ONLY = ["--read-only", "--read-only-tmpfs=false"]
NO_PRIVILEGES = ["--cap-drop=all", "--security-opt", "no-new-privileges"]


class LockedDown(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_podman()
        require_image(NGINX_8080)

    def serve_and_stop(self, name, podman_args):
        with ActivatedContainer(NGINX_8080, "0.0.0.0:8080", name, podman_args=podman_args) as c:
            out = serve_ready_stop(self, c, 8080, "Welcome to nginx!")
        self.assertIn("exited with code 0", out)
        self.assertNotIn("warn", "\n".join(line for line in out.splitlines() if line.startswith("[sdshim]")))
        return out

    def test_read_only_root(self):
        self.serve_and_stop("sdshim-e2e-read-only", READ_ONLY + NGINX_TMPFS)

    def test_no_capabilities_but_what_nginx_needs_and_no_new_privileges(self):
        # nginx's master, as root, makes its temporary directories the workers' and switches to them.
        self.serve_and_stop("sdshim-e2e-no-caps", NO_PRIVILEGES + ["--cap-add=CHOWN,SETUID,SETGID"])

    def test_non_root_user(self):
        out = self.serve_and_stop("sdshim-e2e-user", ["--user", "101:101"] + NGINX_TMPFS)
        self.assertIn('"user" directive makes sense only if the master process runs with super-user', out)

    def test_userns_auto(self):
        ensure_auto_userns_ids()
        # The remapped root cannot reopen conmon's pipes as /dev/stdout and /dev/stderr (they belong
        # to the host's root), so nginx's log symlinks are replaced by a directory of its own.
        self.serve_and_stop("sdshim-e2e-userns", ["--userns=auto", "--tmpfs", "/var/log/nginx:U,notmpcopyup"])

    def test_all_at_once_with_nothing_granted(self):
        self.serve_and_stop("sdshim-e2e-locked", ["--user", "101:101"] + READ_ONLY + NGINX_TMPFS + NO_PRIVILEGES)

    def test_the_shim_writes_nowhere(self):
        # No tmpfs at all, no capabilities, nobody's uid, the generic adapter: a shell that only
        # waits for its stop signal (the image's STOPSIGNAL is QUIT), so whatever would need writing is the shim's.
        server = "trap 'exit 0' TERM QUIT; while :; do sleep 1 & wait; done"
        with ActivatedContainer(NGINX_8080, "0.0.0.0:8080", "sdshim-e2e-no-writes",
                                podman_args=READ_ONLY + NO_PRIVILEGES + ["--user", "65534:65534",
                                                                         "--entrypoint", "/usr/local/bin/sdshim"],
                                command=["--ready=exec", "--", "sh", "-c", server]) as c:
            with socket.create_connection(("127.0.0.1", 8080), timeout=5):
                pass  # starts the service
            c.receiver.wait_for("READY=1", timeout=30)
            self.assertIn("true", c.inspect("{{.HostConfig.ReadonlyRootfs}}"))
            processes = c.processes()
            took = c.stop(timeout=10)
            rc = c.wait()
            out = c.output()
            self.assertEqual(rc, 0, out)
            self.assertNotIn("[sdshim] warn", out)
            self.assertNotIn("[sdshim] error", out)
            self.assertLess(took, 5.0)
            self.assertEqual(survivors(processes), {}, "processes left behind")


if __name__ == "__main__":
    unittest.main()
