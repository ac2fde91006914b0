"""The ready-to-copy units in docker/systemd/ run as systemd would run them: sockets bound from the
.socket units (ListenStream=, FileDescriptorName=), the .service's ExecStart= and ExecStop= with
its User=, Environment=, NoNewPrivileges= (setpriv) and RestrictAddressFamilies= (a seccomp
filter), and an outer NOTIFY_SOCKET. systemd is not PID 1 here, so --cgroups=split (which needs
the unit's own cgroup) is left out; everything else on the command line is the unit's."""
import os
import re
import shlex
import subprocess
import sys
import time
import unittest

from support.podman import (NGINX_80, NGINX_8080, REPO, Receiver, RootlessUser, http_get, podman,
                        podman_env, require_image, require_podman)

UNITS = os.path.join(REPO, "docker", "systemd")
QUADLET = os.path.join(REPO, "docker", "quadlet")
RESTRICT = os.path.join(REPO, "tests", "helpers", "restrict_families.py")


def read_unit(name):
    """{section: [(key, value), ...]} of a unit file, with continuation lines joined."""
    sections, current = {}, None
    with open(os.path.join(UNITS, name)) as f:
        text = re.sub(r"\\\n\s*", " ", f.read())
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
        else:
            key, value = line.split("=", 1)
            current.append((key, value))
    return sections


def values(unit, section, key):
    return [v for k, v in unit.get(section, []) if k == key]


class Units(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_podman()

    def test_systemd_analyze_verify(self):
        files = sorted(os.path.join(UNITS, f) for f in os.listdir(UNITS) if f.endswith((".socket", ".service")))
        r = subprocess.run(["systemd-analyze", "verify", "--man=no", *files], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stderr.strip(), "", r.stderr)

    def test_cgroup_v1_drop_ins_run_the_shipped_command_without_the_split(self):
        for unit in ("nginx-user.service", "nginx-rootless.service"):
            with self.subTest(unit=unit):
                drop_in = os.path.join("cgroup-v1", f"{unit}.d", "cgroup-v1.conf")
                self.assertEqual(values(read_unit(drop_in), "Service", "ExecStart")[0], "")
                self.assertEqual(values(read_unit(drop_in), "Service", "ExecStart")[1],
                                 values(read_unit(unit), "Service", "ExecStart")[0].replace("--cgroups=split ", ""))

    def test_every_nginx_unit_reloads_through_sdshim_reload_which_fails_a_refused_reload(self):
        for unit, binary in (("nginx.service", "/usr/local/bin/sdshim"), ("nginx-user.service", "/usr/local/bin/sdshim"),
                             ("nginx-rootless.service", "/usr/local/bin/sdshim"), ("nginx-init.service", "/run/podman-init")):
            self.assertEqual(values(read_unit(unit), "Service", "ExecReload"),
                             [f"/usr/bin/podman exec systemd-%N {binary} reload"], unit)
        for container, binary in (("nginx.container", "/usr/local/bin/sdshim"), ("nginx-user.container", "/usr/local/bin/sdshim"),
                                  ("nginx-init.container", "/run/podman-init")):
            with open(os.path.join(QUADLET, container)) as f:
                self.assertIn(f"\nExecReload=/usr/bin/podman exec systemd-%N {binary} reload\n",
                              f.read().split("[Service]", 1)[1], container)

    def test_caddy_reloads_through_its_admin_socket(self):
        admin = values(read_unit("caddy-admin.socket"), "Socket", "ListenStream")[0]
        reload = values(read_unit("caddy.service"), "Service", "ExecReload")
        self.assertEqual(len(reload), 1)
        self.assertIn(f"--unix-socket {admin} -H \"Content-Type: text/caddyfile\"", reload[0])
        self.assertIn("/usr/bin/podman exec systemd-%N cat /etc/caddy/Caddyfile", reload[0])
        with open(os.path.join(QUADLET, "caddy.container")) as f:
            self.assertIn(f"\nExecReload={reload[0]}\n", f.read().split("[Service]", 1)[1])

    def test_caddy_socket_names_are_the_caddyfile_variables(self):
        names = {values(read_unit(f), "Socket", "FileDescriptorName")[0]
                 for f in os.listdir(UNITS) if f.startswith("caddy-") and f.endswith(".socket")}
        with open(os.path.join(REPO, "docker", "caddy", "Caddyfile")) as f:
            used = set(re.findall(r"\{\$LISTEN_FD_([A-Z0-9_]+)\}", f.read()))
        self.assertEqual({n.upper() for n in names}, used)
        self.assertEqual(values(read_unit("caddy.service"), "Unit", "Requires")[0].split(),
                         [f"caddy-{n}.socket" for n in ("http", "https", "quic", "admin")])

    def test_quadlet_and_hand_written_units_agree(self):
        for container, service in (("nginx.container", "nginx.service"), ("nginx-user.container", "nginx-user.service"),
                                   ("caddy.container", "caddy.service")):
            with self.subTest(container=container), open(os.path.join(QUADLET, container)) as f:
                quadlet = f.read()
                exec_start = values(read_unit(service), "Service", "ExecStart")[0]
                image = re.search(r"^Image=(\S+)", quadlet, re.M).group(1)
                self.assertEqual(exec_start.split()[-1], image)
                self.assertIn("Network=none", quadlet)
                self.assertIn("Notify=true", quadlet)
                self.assertIn("--network=none", exec_start)
                self.assertIn("--sdnotify=container", exec_start)

    def run_unit(self, socket_unit, service_unit, port, user=None):
        sock, svc = read_unit(socket_unit), read_unit(service_unit)
        name = service_unit.rsplit(".", 1)[0]
        subst = {"%N": name, "%n": service_unit}

        def expand(text):
            for k, v in subst.items():
                text = text.replace(k, v)
            if user:
                text = text.replace("/run/user/1001", user.runtime_dir)
            return text

        receiver = Receiver()
        self.addCleanup(receiver.close)
        env = podman_env(user)
        for assignment in values(svc, "Service", "Environment"):
            for kv in shlex.split(expand(assignment)):
                k, v = kv.split("=", 1)
                env[k] = v
        env["NOTIFY_SOCKET"] = receiver.address
        activate = ["systemd-socket-activate"]
        for listen in values(sock, "Socket", "ListenStream"):
            activate += ["-l", listen]
        activate.append("--fdname=" + values(sock, "Socket", "FileDescriptorName")[0])
        for k in env:
            activate += ["-E", k]
        service_user = values(svc, "Service", "User")
        as_user = user.prefix() if service_user else []
        if values(svc, "Service", "NoNewPrivileges") == ["yes"]:
            as_user += ["setpriv", "--no-new-privs"]
        families = values(svc, "Service", "RestrictAddressFamilies")
        if families:
            as_user += [sys.executable, RESTRICT, ",".join(families[0].split()), "--"]
        start = [a for a in shlex.split(expand(values(svc, "Service", "ExecStart")[0])) if a != "--cgroups=split"]
        stop = shlex.split(expand(values(svc, "Service", "ExecStop")[0]))
        stop_post = shlex.split(expand(values(svc, "Service", "ExecStopPost")[0]).lstrip("-"))
        # A user unit (setup 1): the user's own systemd binds the socket too.
        outer = user.prefix() if user and not service_user else []
        podman("rm", "--force", "--ignore", f"systemd-{name}", user=user, check=False)
        proc = subprocess.Popen(outer + activate + ["--"] + as_user + start, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        self.addCleanup(lambda: podman("rm", "--force", "--ignore", f"systemd-{name}", user=user, check=False))
        try:
            status, text = http_get(port)
        except AssertionError as e:
            proc.kill()
            raise AssertionError(f"{e}; {' '.join(proc.args)}: {proc.communicate()[0]}")
        self.assertEqual(status, 200, text)
        self.assertIn("Welcome to nginx!", text)
        out, _ = proc.communicate(timeout=60)  # podman run -d returns once the container runs
        self.assertEqual(proc.returncode, 0, out)
        receiver.wait_for("READY=1", timeout=30)
        # podman's own MAINPID= (conmon's pid); READY=1 comes from inside the container. Either may come
        # first: podman sends MAINPID= once the container started, and a quick server is ready before that.
        receiver.wait_for(lambda m: m.startswith("MAINPID="), timeout=30)
        # As systemd does: ExecStop= (a graceful podman stop), then ExecStopPost= (the container's
        # --rm cleanup runs asynchronously in conmon; this removes it for sure).
        started = time.monotonic()
        r = subprocess.run((user.prefix() if user else []) + stop, env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertLess(time.monotonic() - started, 5.0)
        r = subprocess.run((user.prefix() if user else []) + stop_post, env=env, capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotEqual(podman("container", "exists", f"systemd-{name}", user=user, check=False).returncode, 0)

    def test_setup_2_rootful_system_service(self):
        require_image(NGINX_80)
        self.run_unit("nginx.socket", "nginx.service", 80)

    def test_setup_1_rootless_user_service(self):
        require_image(NGINX_8080)
        user = RootlessUser()
        user.load_image(NGINX_8080)
        self.run_unit("nginx-user.socket", "nginx-user.service", 8080, user=user)

    def test_setup_3_system_service_running_rootless_podman(self):
        require_image(NGINX_80)
        user = RootlessUser()
        user.load_image(NGINX_80)
        self.run_unit("nginx-rootless.socket", "nginx-rootless.service", 80, user=user)


if __name__ == "__main__":
    unittest.main()
