"""Log formats: "[sdshim] level: message" by default, one JSON object per line with --log-format json."""
import json
import unittest

from support.shim import Shim, require_root


class Logging(unittest.TestCase):
    def setUp(self):
        require_root(self)

    def test_text_format(self):
        with Shim(["sh", "-c", "exit 3"]) as s:
            self.assertEqual(s.wait(), 3)
            self.assertIn("[sdshim] info: sh (pid 2) exited with code 3", s.stderr())

    def test_json_format(self):
        with Shim(["--log-format", "json", "--log-level", "debug", "sh", "-c", "exit 3"]) as s:
            self.assertEqual(s.wait(), 3)
            lines = s.stderr().strip().splitlines()
        self.assertGreaterEqual(len(lines), 2)
        records = [json.loads(line) for line in lines]
        self.assertEqual(records[-1]["level"], "info")
        self.assertEqual(records[-1]["msg"], "sh (pid 2) exited with code 3")
        self.assertEqual(records[-1]["pid"], 1)
        self.assertEqual(records[0]["level"], "debug")

    def test_level_filter(self):
        with Shim(["--log-level", "warn", "sh", "-c", "exit 3"], env={}) as s:
            self.assertEqual(s.wait(), 3)
            self.assertEqual(s.stderr(), "")

    def test_control_characters_never_split_a_line(self):
        # Found by the CLI fuzz target: a value echoed in an error could carry a newline.
        with Shim(["--map-signal", "T\nX:QUIT", "true"], pid1=False) as s:
            self.assertEqual(s.wait(), 2)
            err = s.stderr()
        self.assertEqual(err.count("\n"), 1, err)
        self.assertIn("T\\nX", err)
        with Shim(["true"], pid1=False, env={"LISTEN_FDS": "1\n2", "LISTEN_PID": "1"}) as s:
            s.wait()
            err = s.stderr()
        self.assertTrue(all(line.startswith("[sdshim] ") for line in err.splitlines()), err)


if __name__ == "__main__":
    unittest.main()
