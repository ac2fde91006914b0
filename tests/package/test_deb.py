"""The artifacts in dist/ (scripts/package.sh): the .deb for amd64 and arm64, its contents and fields,
lintian, SHA256SUMS, and the package installed into the Debian 12 and 13 rootfs of the systemd
tier, where the installed sdshim runs as PID 1; the arm64 one runs under qemu-user."""
import glob
import gzip
import os
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DIST = os.path.join(REPO, "dist")
BUILDS = {"amd64": os.path.join(REPO, "build", "sdshim"), "arm64": os.path.join(REPO, "build-arm64", "sdshim")}
RIGS = ("localhost/sdshim-rig/bookworm", "localhost/sdshim-rig/trixie")
CONTAINERS_CONF = os.path.join(REPO, "scripts", "containers.conf")
from support.podman import project_version as version


def deb(arch):
    path = os.path.join(DIST, f"sdshim_{version()}_{arch}.deb")
    if not os.path.exists(path):
        raise AssertionError(f"{path} is missing: the 'package: artifacts' fixture (scripts/package.sh) makes it")
    return path


def run(*cmd, **kw):
    kw.setdefault("timeout", 300)
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def shipped_examples():
    files = []
    for pattern, where in (("docker/systemd/*.socket", "systemd"), ("docker/systemd/*.service", "systemd"),
                           ("docker/quadlet/*.container", "quadlet"), ("docker/quadlet/*.conf", "quadlet"),
                           ("docker/quadlet/*.network", "quadlet"), ("docker/init/*", "init"),
                           ("docker/caddy-proxy/*", "caddy-proxy"), ("docker/nginx-proxy/*", "nginx-proxy"),
                           ("docker/nginx-proxy/rootless/*", "nginx-proxy/rootless")):
        files += [f"./usr/share/doc/sdshim/examples/{where}/{os.path.basename(p)}"
                  for p in glob.glob(os.path.join(REPO, pattern)) if os.path.isfile(p)]
    return files


class Package(unittest.TestCase):
    def test_fields_and_contents(self):
        for arch in ("amd64", "arm64"):
            with self.subTest(arch=arch):
                path = deb(arch)
                fields = run("dpkg-deb", "-f", path, "Package", "Version", "Architecture", "Built-Using",
                             "Maintainer").stdout
                self.assertIn("Package: sdshim\n", fields)
                self.assertIn(f"Version: {version()}\n", fields)
                self.assertIn(f"Architecture: {arch}\n", fields)
                self.assertRegex(fields, r"Built-Using: \S+ \(= [^)]+\), \S+ \(= [^)]+\)")
                listing = run("dpkg-deb", "-c", path).stdout
                names = {line.split()[5] for line in listing.splitlines()}
                owners = {line.split()[1] for line in listing.splitlines()}
                self.assertEqual(owners, {"root/root"})
                for want in ["./usr/bin/sdshim", "./usr/share/man/man1/sdshim.1.gz", "./usr/share/doc/sdshim/copyright",
                             "./usr/share/doc/sdshim/changelog.gz", *shipped_examples()]:
                    self.assertIn(want, names)
                with tempfile.TemporaryDirectory(prefix="sdshim-deb-") as d:
                    self.assertEqual(run("dpkg-deb", "-x", path, d).returncode, 0)
                    with open(os.path.join(d, "usr/bin/sdshim"), "rb") as a, open(BUILDS[arch], "rb") as b:
                        self.assertTrue(a.read() == b.read(), f"usr/bin/sdshim is not {BUILDS[arch]}")
                    page = os.path.join(d, "usr/share/man/man1/sdshim.1.gz")
                    with gzip.open(page, "rt") as f:
                        roff = f.read()
                    self.assertTrue(roff.startswith('.TH SDSHIM 1 "'), roff[:80])
                    self.assertIn(f'"sdshim {version()}"', roff.splitlines()[0])
                    # man renders it without a warning from groff or man itself
                    r = run("man", "--warnings", "-l", page, env={**os.environ, "MANWIDTH": "80", "MAN_KEEP_STDERR": "1"})
                    self.assertEqual(r.returncode, 0, r.stderr)
                    self.assertEqual(r.stderr, "")
                    self.assertIn("--notify-access main|all", r.stdout)

    def test_lintian_clean(self):
        for arch in ("amd64", "arm64"):
            with self.subTest(arch=arch):
                r = run("lintian", "--fail-on", "error,warning", deb(arch))
                report = [line for line in r.stdout.splitlines() if line[:2] in ("E:", "W:")]
                self.assertEqual((r.returncode, report), (0, []), r.stdout + r.stderr)
                # (--show-overrides alone makes lintian exit 2: the overridden tag is an error's)
                shown = run("lintian", "--show-overrides", deb(arch)).stdout
                overridden = [line for line in shown.splitlines() if line.startswith("O:")]
                self.assertEqual(overridden, ["O: sdshim: statically-linked-binary [usr/bin/sdshim]"], shown)

    def test_sha256sums_cover_the_artifacts(self):
        r = run("sha256sum", "--check", "--strict", "SHA256SUMS", cwd=DIST)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        checked = {line.split(":")[0] for line in r.stdout.splitlines()}
        v = version()
        self.assertLessEqual({f"sdshim_{v}_amd64.deb", f"sdshim_{v}_arm64.deb", f"sdshim-{v}-x86_64",
                              f"sdshim-{v}-aarch64"}, checked)

    def test_installs_and_runs_as_pid1_in_debian_12_and_13(self):
        if os.geteuid() != 0:
            self.skipTest("needs root for podman")
        v = version()
        here = run(BUILDS["amd64"], "--version").stdout
        script = (f"set -e; dpkg -i /dist/sdshim_{v}_amd64.deb >/dev/null; sdshim --version; "
                  "test -f /usr/share/man/man1/sdshim.1.gz; test -f /usr/share/doc/sdshim/copyright; "
                  "test -f /usr/share/doc/sdshim/examples/quadlet/nginx-init.container; "
                  "dpkg -r sdshim >/dev/null; ! test -e /usr/bin/sdshim; echo removed; "
                  f"dpkg -i /dist/sdshim_{v}_amd64.deb >/dev/null; "
                  # sdshim as the container's PID 1: the child's parent is pid 1, its code is passed on
                  "exec sdshim -- sh -c 'sleep 0.2 & echo parent=$PPID; exit 7'")
        for rig in RIGS:
            with self.subTest(rig=rig):
                r = run("podman", "run", "--rm", "--network=none", "--entrypoint", "/bin/sh",
                        "-v", f"{DIST}:/dist:ro", rig, "-c", script,
                        env={**os.environ, "CONTAINERS_CONF": CONTAINERS_CONF})
                self.assertEqual(r.returncode, 7, r.stdout + r.stderr)
                self.assertEqual(r.stdout.splitlines(), [here.strip(), "removed", "parent=1"], r.stderr)
                self.assertIn("exited with code 7", r.stderr)

    def test_arm64_package_runs_under_qemu(self):
        with tempfile.TemporaryDirectory(prefix="sdshim-deb-arm64-") as d:
            self.assertEqual(run("dpkg-deb", "-x", deb("arm64"), d).returncode, 0)
            binary = os.path.join(d, "usr/bin/sdshim")
            r = run("qemu-aarch64-static", binary, "--version")
            self.assertRegex(r.stdout, rf"^sdshim {version()} \(commit [0-9a-z-]+, aarch64, static\)\n$")
            r = run("qemu-aarch64-static", binary, "--", "sh", "-c", "exit 5")
            self.assertEqual(r.returncode, 5, r.stderr)


if __name__ == "__main__":
    unittest.main()
