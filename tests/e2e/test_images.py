"""The images themselves: the builder Containerfile makes the same static binary from the local
builder base, the shim runs in an image with no libc at all (what Alpine's musl image asks of it),
and the nginx and caddy images put the shim in front of their own entrypoint chain."""
import hashlib
import json
import os
import subprocess
import tarfile
import tempfile
import unittest

from support.podman import CADDY, CONTAINERS_CONF, NGINX_80, NGINX_8080, REPO, podman, require_image, require_podman

BUILDER_BASE = "localhost/sdshim-base/builder"
STATIC_BASE = "localhost/sdshim-base/static"
NGINX_BASE = os.environ.get("SDSHIM_NGINX_BASE", "localhost/sdshim-base/nginx")
SHIM = os.environ.get("SHIMTEST_BIN") or os.path.join(REPO, "build", "sdshim")


class Images(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_podman()

    def test_builder_containerfile_builds_the_static_binary(self):
        require_image(BUILDER_BASE)
        here = subprocess.run([SHIM, "--version"], capture_output=True, text=True).stdout
        commit = here.split("(commit ")[1].split(",")[0]
        with tempfile.TemporaryDirectory(prefix="sdshim-e2e-builder-") as out:
            r = podman("build", "--quiet", "-f", "docker/builder/Containerfile",
                       "--build-arg", f"BUILDER_IMAGE={BUILDER_BASE}", "--build-arg", f"SDSHIM_COMMIT={commit}",
                       "-o", f"type=local,dest={out}", REPO,
                       timeout=900, check=False)
            self.assertEqual(r.returncode, 0, r.stderr[-3000:])
            binary = os.path.join(out, "sdshim")
            kind = subprocess.run(["file", "-b", binary], capture_output=True, text=True).stdout
            self.assertIn("statically linked", kind)
            self.assertIn("stripped", kind)
            self.assertNotIn("not stripped", kind)
            version = subprocess.run([binary, "--version"], capture_output=True, text=True)
            self.assertEqual(version.returncode, 0)
            self.assertEqual(version.stdout, here)
            print(f"builder: {os.path.getsize(binary)} bytes; {kind.strip()}")

    def test_runs_in_an_image_without_libc(self):
        require_image(STATIC_BASE)
        r = podman("run", "--rm", "--network=none", "-v", f"{SHIM}:/usr/local/bin/sdshim:ro",
                   "--entrypoint", "/usr/local/bin/sdshim", STATIC_BASE,
                   "sh", "-c", "ls /lib /usr/lib /lib64 2>&1 | head -3; sleep 0.2 & echo child $$; exit 7",
                   check=False)
        self.assertEqual(r.returncode, 7, r.stdout + r.stderr)
        self.assertIn("child", r.stdout)
        self.assertIn("No such file or directory", r.stdout)  # no libc, no dynamic loader in this image
        self.assertIn("exited with code 7", r.stderr)

    def test_nginx_and_caddy_images_start_with_the_shim(self):
        for image, entrypoint, cmd in (
                (NGINX_80, ["/usr/local/bin/sdshim", "--", "/docker-entrypoint.sh"], ["nginx", "-g", "daemon off;"]),
                (NGINX_8080, ["/usr/local/bin/sdshim", "--", "/docker-entrypoint.sh"], ["nginx", "-g", "daemon off;"]),
                (CADDY, ["/usr/local/bin/sdshim", "--"],
                 ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"])):
            with self.subTest(image=image):
                require_image(image)
                config = json.loads(podman("image", "inspect", "--format", "{{json .Config}}", image).stdout)
                self.assertEqual(config["Entrypoint"], entrypoint)
                self.assertEqual(config["Cmd"], cmd)
                self.assertFalse(any(e.startswith("NGINX=") for e in config.get("Env") or []), config)

    def test_nginx_listens_once_on_the_port_and_family_built_for(self):
        def listens(image):
            r = podman("run", "--rm", "--entrypoint", "grep", image, "-E", r"^\s*listen\s", "/etc/nginx/conf.d/default.conf")
            return [line.strip() for line in r.stdout.splitlines()]

        require_image(NGINX_80)
        require_image(NGINX_8080)
        self.assertEqual(listens(NGINX_80), ["listen 80;"])
        self.assertEqual(listens(NGINX_8080), ["listen 8080;"])
        tag = "localhost/sdshim-e2e-nginx-ipv6:latest"
        self.addCleanup(lambda: podman("rmi", "--force", tag, check=False))
        r = podman("build", "--quiet", "--build-arg", "BASE_IMAGE=" + NGINX_BASE, "--build-arg", "PORT=8081",
                   "--build-arg", "FAMILY=ipv6", "-t", tag, REPO, check=False, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(listens(tag), ["listen [::]:8081;"])
        r = podman("build", "--quiet", "--build-arg", "BASE_IMAGE=" + NGINX_BASE, "--build-arg", "FAMILY=ipv5",
                   "-t", tag, REPO, check=False, timeout=300)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("FAMILY must be ipv4 or ipv6, not 'ipv5'", r.stderr)

    def test_binary_only_image_holds_the_binary_and_the_images_copy_it_from_there(self):
        version_line = subprocess.run([SHIM, "--version"], capture_output=True, text=True).stdout
        version = version_line.split()[1]
        commit = version_line.split("(commit ")[1].split(",")[0]
        image = f"localhost/sdshim:{version}"
        require_image(image)
        self.assertEqual(image_id_of(image), image_id_of("localhost/sdshim:latest"))
        with open(SHIM, "rb") as f:
            want = hashlib.sha256(f.read()).hexdigest()
        # FROM scratch: one file, the binary under test, and nothing else.
        container = podman("create", image).stdout.strip()
        self.addCleanup(lambda: podman("rm", "--force", container, check=False))
        with tempfile.TemporaryDirectory(prefix="sdshim-e2e-scratch-") as d:
            archive = os.path.join(d, "rootfs.tar")
            podman("export", "--output", archive, container)
            with tarfile.open(archive) as tar:
                files = [m for m in tar.getmembers() if m.isfile()]
                self.assertEqual([m.name for m in files], ["sdshim"], tar.getnames())
                self.assertEqual(files[0].mode & 0o777, 0o755)
                self.assertEqual(hashlib.sha256(tar.extractfile(files[0]).read()).hexdigest(), want)
        labels = json.loads(podman("image", "inspect", "--format", "{{json .Config.Labels}}", image).stdout)
        self.assertEqual(labels["org.opencontainers.image.version"], version)
        self.assertEqual(labels["org.opencontainers.image.revision"], commit.removesuffix("-dirty"))
        self.assertIn("org.opencontainers.image.source", labels)
        self.assertEqual(labels["org.opencontainers.image.licenses"], "MIT")
        r = podman("run", "--rm", "--network=none", image, "--version")
        self.assertEqual(r.stdout, version_line)
        # The nginx and caddy images took it with COPY --from: the same bytes.
        for derived in (NGINX_80, NGINX_8080, CADDY):
            with self.subTest(image=derived):
                r = subprocess.run(["podman", "run", "--rm", "--network=none", "--entrypoint", "/bin/cat", derived,
                                    "/usr/local/bin/sdshim"], capture_output=True, timeout=120,
                                   env={**os.environ, "CONTAINERS_CONF": CONTAINERS_CONF})
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(hashlib.sha256(r.stdout).hexdigest(), want)


def image_id_of(image):
    return podman("image", "inspect", "--format", "{{.Id}}", image).stdout.strip()


if __name__ == "__main__":
    unittest.main()
