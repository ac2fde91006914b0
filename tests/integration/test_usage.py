"""Bad command lines: one clear line on stderr and exit code 2, before anything is started."""
import os
import subprocess
import unittest

from support.shim import EMULATOR, SANITIZED, SHIM


class Usage(unittest.TestCase):
    def check(self, args, expected, env=None):
        p = subprocess.run([*EMULATOR, SHIM, *args], capture_output=True, text=True, env=env, timeout=30)
        self.assertEqual(p.returncode, 2, p.stderr)
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertTrue(lines[0].startswith("[sdshim] error: "), lines[0])
        self.assertIn(expected, lines[0])
        self.assertEqual(p.stdout, "")

    def test_unknown_option(self):
        self.check(["--frobnicate", "true"], "unknown option '--frobnicate'")

    def test_missing_program(self):
        self.check([], "missing PROGRAM")
        self.check(["--grace", "1s"], "missing PROGRAM")

    def test_malformed_map_signal(self):
        self.check(["--map-signal", "TERM", "true"], "expected FROM:TO")

    def test_unknown_signal_name(self):
        self.check(["--map-signal", "TERM:SIGFOO", "true"], "unknown signal 'SIGFOO'")

    def test_negative_grace(self):
        self.check(["--grace", "-1", "true"], "--grace '-1': expected a non-negative duration")

    def test_bad_environment_variable_names_it(self):
        self.check(["true"], "SDSHIM_GRACE='-5s'", env={"SDSHIM_GRACE": "-5s", "PATH": "/usr/bin:/bin"})

    def test_help_and_version(self):
        p = subprocess.run([SHIM, "--help"], capture_output=True, text=True, timeout=10)
        self.assertEqual(p.returncode, 0)
        self.assertIn("usage: sdshim", p.stdout)
        p = subprocess.run([SHIM, "--version"], capture_output=True, text=True, timeout=10)
        self.assertEqual(p.returncode, 0)
        linkage = "dynamic" if SANITIZED else "static"
        self.assertRegex(p.stdout, rf"^sdshim \d+\.\d+\.\d+ \(commit ([0-9a-f]{{12}}(-dirty)?|unknown), {os.uname().machine}, "
                                   rf"{linkage}\)\n$")


if __name__ == "__main__":
    unittest.main()
