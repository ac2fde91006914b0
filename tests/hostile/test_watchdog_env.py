"""Hostile: WATCHDOG_USEC from the environment is bounded like --watchdog. 2^64-1 µs overflowed the
deadline (a ping every wake-up, 100 % CPU); 1 µs asked for a ping every millisecond."""
import time
import unittest

from support.notify import notify_receiver
from support.shim import Shim, require_root


class WatchdogUsecBounds(unittest.TestCase):
    def setUp(self):
        require_root(self)

    def pings_in(self, usec, seconds=2.5):
        rx = notify_receiver(self)
        env = {"NOTIFY_SOCKET": rx.address, "WATCHDOG_USEC": usec}
        with Shim(["--ready", "exec", "--", "sleep", "60"], env=env) as s:
            rx.wait_for("READY=1")
            start = time.monotonic()
            time.sleep(seconds)
            count = sum(1 for t, m in list(rx.received) if m == "WATCHDOG=1" and t >= start)
            err = s.stderr()
        return count, err

    def test_a_deadline_past_the_clock_is_clamped_not_a_spin(self):
        count, err = self.pings_in("18446744073709551615")
        self.assertLessEqual(count, 1, "WATCHDOG=1 sent in a loop")
        self.assertIn("WATCHDOG_USEC=18446744073709551615 is longer than sdshim's watchdog allows", err)

    def test_a_microsecond_is_clamped_to_the_shortest_interval(self):
        count, err = self.pings_in("1")
        self.assertLessEqual(count, 7, "a ping far more often than every 500 ms")  # 1s: one every 500 ms
        self.assertGreaterEqual(count, 2, "the watchdog must still ping")
        self.assertIn("WATCHDOG_USEC=1 is shorter than sdshim's watchdog allows (1s to 86400s): 1s is used", err)


if __name__ == "__main__":
    unittest.main()
