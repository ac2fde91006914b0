"""The shim of another architecture (the arm64 cross build) as PID 1 of a fresh pid namespace, run by
qemu-user: the integration tests that do not depend on the emulator's own limits, reused as they
are (tests/integration, with SHIMTEST_EMULATOR). The shim runs emulated; the servers it starts
(the native helpers, nginx, sh) run natively, as the kernel executes them.

Left out, with the reason:
- running when not PID 1 (test_exit_codes, test_shutdown): qemu-user 7.2 answers
  prctl(PR_SET_CHILD_SUBREAPER) with EINVAL, so the shim warns that it cannot be a subreaper;
- the /proc-based readiness, watchdog and bridge tests, the fault floods, timing and RSS figures:
  they would measure the emulator (its threads and fds are the shim's under qemu), not the shim."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "integration"))

MODULES = ["test_activation", "test_child_state", "test_exit_codes", "test_notify", "test_reaping", "test_shutdown",
           "test_signals", "test_usage"]
QEMU_LIMITS = {
    "test_exit_codes.ExitCodes.test_works_when_not_pid1": "qemu-user: no PR_SET_CHILD_SUBREAPER",
    "test_shutdown.Shutdown.test_nothing_left_running_when_not_pid1": "qemu-user: no PR_SET_CHILD_SUBREAPER",
    "test_shutdown.Shutdown.test_stop_when_not_pid1_kills_grandchildren_after_grace":
        "qemu-user: no PR_SET_CHILD_SUBREAPER",
    "test_reaping.Reaping.test_idle_shim_has_zero_context_switches": "measures the emulator's own threads",
    "test_usage.Usage.test_help_and_version": "checks the build machine's architecture; unit tests check arm64",
}


def load_tests(loader, standard_tests, pattern):
    if not os.environ.get("SHIMTEST_EMULATOR"):
        raise RuntimeError("SHIMTEST_EMULATOR is not set (run through the release-arm64 ctest)")
    suite = unittest.TestSuite(standard_tests)
    for case in loader.loadTestsFromNames(MODULES):
        for group in case:
            for test in group:
                if test.id() not in QEMU_LIMITS:
                    suite.addTest(test)
    return suite


class Identity(unittest.TestCase):
    def test_the_binary_is_a_static_arm64_one(self):
        import subprocess
        from support.shim import EMULATOR, SHIM
        out = subprocess.run([*EMULATOR, SHIM, "--version"], capture_output=True, text=True, timeout=60).stdout
        self.assertRegex(out, r"^sdshim \d+\.\d+\.\d+ \(commit [0-9a-z-]+, aarch64, static\)\n$")
