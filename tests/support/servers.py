"""Real servers for the tests: an nginx site in a temporary directory, a caddy site, HTTP clients."""
import hashlib
import os
import selectors
import socket
import time


def nginx_site(d, listen, workers=2, body="hello from socket-activated nginx\n", connections=64, http_extra="",
               server_extra=""):
    """Writes {d}/nginx.conf serving `body` on `listen` (nginx syntax), workers as www-data; returns its path.
    `http_extra` and `server_extra` are more directives for those blocks."""
    os.chmod(d, 0o755)  # nginx workers run as an unprivileged user
    os.makedirs(f"{d}/html", exist_ok=True)
    with open(f"{d}/html/index.html", "w") as f:
        f.write(body)
    with open(f"{d}/nginx.conf", "w") as f:
        f.write(f"""
daemon off;
user www-data;
worker_processes {workers};
pid {d}/nginx.pid;
error_log stderr notice;
events {{ worker_connections {connections}; }}
http {{
    access_log off;
    client_body_temp_path {d}/tmp;
    proxy_temp_path {d}/tmp;
    fastcgi_temp_path {d}/tmp;
    uwsgi_temp_path {d}/tmp;
    scgi_temp_path {d}/tmp;
    {http_extra}
    server {{
        listen {listen};
        root {d}/html;
        {server_extra}
    }}
}}
""")
    return f"{d}/nginx.conf"


def nginx_command(d):
    return ["/usr/sbin/nginx", "-c", f"{d}/nginx.conf", "-p", d]


def read_all(sock):
    """Everything the peer sends until its FIN."""
    chunks = []
    while True:
        chunk = sock.recv(1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def http_get(port, timeout=5, sock=None):
    """GET / over a new connection (or `sock`); returns the raw response."""
    c = sock or socket.create_connection(("127.0.0.1", port), timeout=timeout)
    c.settimeout(timeout)
    c.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
    response = read_all(c)
    c.close()
    return response


def concurrent_gets(port, count, path="/", timeout=60):
    """`count` connections opened at once, each sending one HTTP/1.0 GET; returns the responses."""
    sel = selectors.DefaultSelector()
    for _ in range(count):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        sel.register(s, selectors.EVENT_WRITE, [])
    request = f"GET {path} HTTP/1.0\r\nHost: x\r\n\r\n".encode()
    responses, deadline = [], time.monotonic() + timeout
    while len(responses) < count and time.monotonic() < deadline:
        for key, events in sel.select(timeout=5):
            s, chunks = key.fileobj, key.data
            if events & selectors.EVENT_WRITE:
                s.send(request)
                sel.modify(s, selectors.EVENT_READ, chunks)
                continue
            try:
                chunk = s.recv(65536)
            except ConnectionError:
                chunk = b""
            if chunk:
                chunks.append(chunk)
                continue
            sel.unregister(s)
            s.close()
            responses.append(b"".join(chunks))
    for key in list(sel.get_map().values()):
        key.fileobj.close()
    return responses


def download(port, path, host="127.0.0.1", timeout=30):
    """GET `path`; returns (status, body size, body sha256) without keeping the body."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(65536)
            if not chunk:
                raise AssertionError(f"connection closed before the response's header: {head!r}")
            head += chunk
        head, _, rest = head.partition(b"\r\n\r\n")
        size, sha256 = hash_until_eof(s, rest)
    return int(head.split(b" ", 2)[1]), size, sha256


def hash_until_eof(sock, first=b""):
    """(size, sha256) of `first` and everything the peer sends until its FIN, without keeping it."""
    digest, size = hashlib.sha256(first), len(first)
    while True:
        chunk = sock.recv(1 << 20)
        if not chunk:
            return size, digest.hexdigest()
        digest.update(chunk)
        size += len(chunk)


def write_random(path, size):
    """`size` random bytes at `path`, readable by all; returns their sha256."""
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        left = size
        while left:
            chunk = os.urandom(min(left, 4 << 20))
            digest.update(chunk)
            f.write(chunk)
            left -= len(chunk)
    os.chmod(path, 0o644)
    return digest.hexdigest()


def connect_echoing(port, timeout=20):
    """A connection through a bridge to an echo server that has answered it: retried while the server
    behind the bridge still starts (the bridge closes a client whose target refuses)."""
    deadline = time.monotonic() + timeout
    while True:
        c = socket.socket()
        c.settimeout(5)
        try:
            c.connect(("127.0.0.1", port))
            c.sendall(b"up")
            if c.recv(2) == b"up":
                return c
        except OSError:
            pass
        c.close()
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing echoed through 127.0.0.1:{port} within {timeout}s")
        time.sleep(0.1)
