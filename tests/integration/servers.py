"""Real servers for the tests: an nginx site in a temporary directory, a caddy site, an HTTP GET."""
import os
import socket


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
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def http_get(port, timeout=5, sock=None):
    """GET / over a new connection (or `sock`); returns the raw response."""
    c = sock or socket.create_connection(("127.0.0.1", port), timeout=timeout)
    c.settimeout(timeout)
    c.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
    response = read_all(c)
    c.close()
    return response
