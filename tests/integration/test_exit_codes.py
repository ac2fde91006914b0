"""Exit status of the shim as PID 1: the child's code, 128+signal, 126/127 for exec failures."""
import os
import stat
import tempfile
import unittest

from support.shim import Shim, require_root


class ExitCodes(unittest.TestCase):
    def setUp(self):
        require_root(self)

    def run_shim(self, *args, **kw):
        with Shim(list(args), **kw) as s:
            rc = s.wait()
            return rc, s.stdout(), s.stderr()

    def test_child_code_is_passed_through(self):
        rc, _, _ = self.run_shim("sh", "-c", "exit 7")
        self.assertEqual(rc, 7)

    def test_signal_death_is_128_plus_signal(self):
        rc, _, err = self.run_shim("sh", "-c", "kill -TERM $$")
        self.assertEqual(rc, 143)
        self.assertIn("killed by SIGTERM", err)

    def test_success_exit_remaps_code(self):
        rc, _, _ = self.run_shim("--success-exit", "143", "sh", "-c", "kill -TERM $$")
        self.assertEqual(rc, 0)

    def test_missing_program_is_127_with_one_line(self):
        rc, _, err = self.run_shim("/nonexistent/server")
        self.assertEqual(rc, 127)
        lines = err.strip().splitlines()
        self.assertEqual(len(lines), 1, err)
        self.assertIn("/nonexistent/server", lines[0])
        self.assertIn("No such file or directory", lines[0])

    def test_program_not_in_path_is_127(self):
        rc, _, err = self.run_shim("sdshim-no-such-program")
        self.assertEqual(rc, 127)
        self.assertIn("'sdshim-no-such-program': not found in PATH", err)

    def test_not_executable_is_126(self):
        with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as f:
            f.write("#!/bin/sh\necho hi\n")
        os.chmod(f.name, stat.S_IRUSR | stat.S_IWUSR)
        try:
            rc, _, err = self.run_shim(f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual(rc, 126)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn("Permission denied", err)

    def test_arguments_after_program_are_not_options(self):
        rc, out, _ = self.run_shim("echo", "-v")
        self.assertEqual(rc, 0)
        self.assertEqual(out, "-v\n")

    def test_works_when_not_pid1(self):
        rc, out, err = self.run_shim("sh", "-c", "echo hello; exit 4", pid1=False)
        self.assertEqual(rc, 4)
        self.assertEqual(out, "hello\n")
        self.assertNotIn("subreaper", err)


if __name__ == "__main__":
    unittest.main()
