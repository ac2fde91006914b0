"""An outer NOTIFY_SOCKET for tests: a unix datagram receiver standing in for podman's conmon / systemd."""
import os
import socket
import tempfile
import threading
import time


class NotifyReceiver:
    def __init__(self, abstract=False, path=None):
        self.tmp = tempfile.TemporaryDirectory(prefix="shimtest-notify-")
        if path:  # a path chosen beforehand: a socket that appears after the shim has started
            self.address = bind_to = path
        elif abstract:
            self.address = f"@sdshim-test/{os.getpid()}/{time.monotonic_ns()}"
            bind_to = "\0" + self.address[1:]
        else:
            self.address = os.path.join(self.tmp.name, "notify.sock")
            bind_to = self.address
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.bind(bind_to)
        self.sock.settimeout(0.2)
        self.received = []  # (time.monotonic(), text)
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.received.append((time.monotonic(), data.decode("utf-8", "replace")))

    def messages(self):
        with self.lock:
            return [text for _, text in self.received]

    def wait_for(self, text, timeout=10, count=1):
        """Waits until `count` datagrams equal `text` (or, for a callable, satisfy it); returns the time of the last."""
        match = text if callable(text) else (lambda m: m == text)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                hits = [t for t, m in self.received if match(m)]
            if len(hits) >= count:
                return hits[count - 1]
            time.sleep(0.002)
        raise AssertionError(f"no {text!r} (x{count}) at the notify socket within {timeout}s; got {self.messages()!r}")

    def close(self):
        self.running = False
        self.sock.close()
        self.thread.join(timeout=2)
        self.tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def notify_receiver(test, abstract=False):
    """A NotifyReceiver for the length of `test` (a unittest.TestCase): closed by its cleanup."""
    rx = NotifyReceiver(abstract=abstract)
    test.addCleanup(rx.close)
    return rx
