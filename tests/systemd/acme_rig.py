"""What the proxy setups need around a Debian 13 rig: an address of its own and a second network
namespace behind it ("another computer", where the clients and the CA are), and Let's Encrypt's test
CA, pebble (Debian's package), that validates HTTP-01 and TLS-ALPN-01 for real by connecting from
there to the rig's socket-activated 80 and 443. Everything is made inside the rig's own network
namespace and goes with it."""
import time

RIG_ADDR = "10.99.0.1"     # the rig's own address (rig0); what the names resolve to, for pebble too
CLIENT_ADDR = "10.99.0.2"  # the second namespace's ("client") address, on the other end of rig0; pebble's
NAMES = ("whoami.example.com", "static.example.com")
PEBBLE = "/etc/pebble"
ACME_DIR = f"https://{CLIENT_ADDR}:14000/dir"
IN_CLIENT = "-p NetworkNamespacePath=/run/netns/client"  # systemd-run: in the second namespace
# where a request is sent from: (the address it goes to, from the client namespace, the address the
# server must see): loopback, the rig's own address, and the other namespace ("another computer")
CLIENTS = (("127.0.0.1", False, "127.0.0.1"), (RIG_ADDR, False, RIG_ADDR), (RIG_ADDR, True, CLIENT_ADDR))
CERT_LIFETIME = 60  # seconds: caddy renews within a test (a third of the lifetime before the end)


def add_client_namespace(rig):
    rig.sh(f"""set -e
ip netns add client
ip link add rig0 type veth peer name eth0 netns client
ip addr add {RIG_ADDR}/24 dev rig0
ip link set rig0 up
ip -n client addr add {CLIENT_ADDR}/24 dev eth0
ip -n client link set eth0 up
ip -n client link set lo up
# a default route, as a host has: pasta (rootless podman's network) takes its interface from it
ip route add default via {CLIENT_ADDR} dev rig0""")


def make_pebble_tls(rig):
    """pebble's own HTTPS (the ACME directory) with a certificate for the rig's address, from a CA
    that caddy is told to trust (SSL_CERT_FILE); pebble's issuing CA is another, made at its start."""
    rig.sh(f"""set -e
mkdir -p {PEBBLE} && cd {PEBBLE}
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=pebble-api-ca 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout key.pem -out req.csr -subj /CN=pebble 2>/dev/null
printf 'subjectAltName=IP:{CLIENT_ADDR}\\n' > ext.cnf
openssl x509 -req -in req.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out cert.pem -days 2 -extfile ext.cnf 2>/dev/null
chmod 644 ca.pem
systemd-run --unit=challtestsrv {IN_CLIENT} pebble-challtestsrv -defaultIPv4 {RIG_ADDR} -defaultIPv6 "" \\
    -dns01 {CLIENT_ADDR}:8053 -http01 "" -https01 "" -tlsalpn01 "" -doh "" -management {CLIENT_ADDR}:8055""")


def start_pebble(rig, http_port=80, tls_port=443, lifetime=CERT_LIFETIME):
    """(Re)starts pebble, which forgets every account and order; waits for its directory and saves
    the root it issues under as {PEBBLE}/root.pem. `http_port`, `tls_port`: where it validates HTTP-01
    and TLS-ALPN-01 (a port where nothing listens leaves caddy the other challenge only)."""
    config = ('{"pebble": {"listenAddress": "0.0.0.0:14000", "managementListenAddress": "%s:15000",'
              ' "certificate": "%s/cert.pem", "privateKey": "%s/key.pem", "httpPort": %d, "tlsPort": %d,'
              ' "ocspResponderURL": "", "externalAccountBindingRequired": false,'
              ' "certificateValidityPeriod": %d}}' % (CLIENT_ADDR, PEBBLE, PEBBLE, http_port, tls_port, lifetime))
    rig.put(config, f"{PEBBLE}/pebble.json")
    rig.sh(f"systemctl stop pebble.service 2>/dev/null; systemctl reset-failed pebble.service 2>/dev/null; "
           f"systemd-run --unit=pebble {IN_CLIENT} -E PEBBLE_VA_NOSLEEP=1 pebble -config {PEBBLE}/pebble.json "
           f"-dnsserver {CLIENT_ADDR}:8053", check=False)
    deadline = time.monotonic() + 30
    while rig.sh(f"curl -sf --cacert {PEBBLE}/ca.pem -o /dev/null {ACME_DIR}", check=False).returncode:
        if time.monotonic() > deadline:
            raise AssertionError("pebble never answered: " + rig.sh("journalctl -u pebble -n 20", check=False).stdout)
        time.sleep(0.2)
    rig.sh(f"curl -sf --cacert {PEBBLE}/ca.pem https://{CLIENT_ADDR}:15000/roots/0 > {PEBBLE}/root.pem")


def stop_pebble(rig):
    rig.sh("systemctl stop pebble.service; systemctl reset-failed pebble.service", check=False)


def https_get(rig, name, via, flag, client=False):
    """curl from the rig (or the client namespace) to `via`:443 for `name`, trusting only pebble's root;
    its stdout ends with a line "CODE VERSION"."""
    ns = "ip netns exec client " if client else ""
    return rig.sh(f"{ns}curl -sS -m 20 {flag} --cacert {PEBBLE}/root.pem --resolve {name}:443:{via} "
                  f"-w '\\n%{{http_code}} %{{http_version}}' https://{name}/", check=False)


def served_certificate(rig, name, address="127.0.0.1"):
    """(serial, issuer) of the certificate served for `name` on address:443, or None."""
    r = rig.sh(f"openssl s_client -connect {address}:443 -servername {name} </dev/null 2>/dev/null"
               f" | openssl x509 -noout -serial -issuer", check=False)
    if r.returncode:
        return None
    fields = dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)
    return fields.get("serial"), fields.get("issuer")
