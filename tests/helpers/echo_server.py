"""Test server for the bridge: listens on 127.0.0.1:PORT or unix:PATH (its own socket, as a server
that cannot take an inherited one) and, per connection, in MODE:
  echo   sends back what it reads; after the client's FIN, sends its own
  count  reads until the client's FIN, then answers "N SHA256" and closes (proves the half-close)
"""
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from support.servers import hash_until_eof  # noqa: E402


def serve_echo(conn):
    with conn:
        while True:
            data = conn.recv(1 << 20)
            if not data:
                break
            conn.sendall(data)
        conn.shutdown(socket.SHUT_WR)


def serve_count(conn):
    with conn:
        total, sha256 = hash_until_eof(conn)
        conn.sendall(f"{total} {sha256}".encode())


def main():
    where, mode = sys.argv[1], sys.argv[2]
    if where.startswith("unix:"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(where[5:])
    else:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", int(where)))
    sock.listen(1024)
    serve = {"echo": serve_echo, "count": serve_count}[mode]
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
