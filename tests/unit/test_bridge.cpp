// Unit tests: --bridge parsing, which inherited socket each bridge takes, and the PROXY headers it writes.
#include "activation/activation.hpp"
#include "bridge/bridge.hpp"
#include "bridge/bridge_spec.hpp"
#include "bridge/proxy_header.hpp"
#include "config/cli.hpp"
#include "socket_fixture.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstring>

using namespace sdshim;

namespace {

BridgeTarget target(const std::string& text) {
    auto t = parse_bridge_target(text);
    if (!t) FAIL("unexpected error: " << t.message());
    return t.value();
}

std::string target_error(const std::string& text) {
    auto t = parse_bridge_target(text);
    REQUIRE(!t.ok());
    return t.message();
}

sockaddr_storage inet4(const char* ip, int port, socklen_t& len) {
    sockaddr_storage ss{};
    auto* in = reinterpret_cast<sockaddr_in*>(&ss);
    in->sin_family = AF_INET;
    in->sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, ip, &in->sin_addr);
    len = sizeof(sockaddr_in);
    return ss;
}

sockaddr_storage inet6(const char* ip, int port, socklen_t& len) {
    sockaddr_storage ss{};
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET6, ip, &in6->sin6_addr);
    len = sizeof(sockaddr_in6);
    return ss;
}

}  // namespace

TEST_CASE("bridge targets: IPv4, IPv6, unix paths and abstract names") {
    auto v4 = target("127.0.0.1:8080");
    CHECK(v4.addr.ss_family == AF_INET);
    CHECK(ntohs(reinterpret_cast<sockaddr_in&>(v4.addr).sin_port) == 8080);
    CHECK(v4.len == sizeof(sockaddr_in));
    auto v6 = target("[::1]:443");
    CHECK(v6.addr.ss_family == AF_INET6);
    CHECK(ntohs(reinterpret_cast<sockaddr_in6&>(v6.addr).sin6_port) == 443);
    auto path = target("unix:/run/app.sock");
    CHECK(path.addr.ss_family == AF_UNIX);
    CHECK(std::string(reinterpret_cast<sockaddr_un&>(path.addr).sun_path) == "/run/app.sock");
    CHECK(path.len == offsetof(sockaddr_un, sun_path) + 14);
    auto abstract = target("unix:@app");
    CHECK(reinterpret_cast<sockaddr_un&>(abstract.addr).sun_path[0] == '\0');
    CHECK(abstract.len == offsetof(sockaddr_un, sun_path) + 4);
    CHECK(path.text == "unix:/run/app.sock");
}

TEST_CASE("bridge targets that cannot work are refused with the reason") {
    CHECK(target_error("localhost:8080").find("'localhost' is not an IPv4 address (names are not looked up") !=
          std::string::npos);
    CHECK(target_error("127.0.0.1").find("no port") != std::string::npos);
    CHECK(target_error("127.0.0.1:0").find("the port must be a number from 1 to 65535") != std::string::npos);
    CHECK(target_error("127.0.0.1:65536").find("from 1 to 65535") != std::string::npos);
    CHECK(target_error("[::1:80").find("expected IPV4:PORT, [IPV6]:PORT") != std::string::npos);
    CHECK(target_error("[127.0.0.1]:80").find("is not an IPv6 address") != std::string::npos);
    CHECK(target_error("unix:relative.sock").find("unix:/PATH") != std::string::npos);
    CHECK(target_error("unix:/" + std::string(200, 'a')).find("longer than 107 bytes") != std::string::npos);
}

TEST_CASE("bridge options: SOCKET=TARGET, repeatable, with the limit and the PROXY version") {
    std::vector<std::string> args{"sdshim",
                                  "--bridge",
                                  "http=127.0.0.1:8080",
                                  "--bridge=4=unix:/run/a.sock",
                                  "--bridge-max-connections",
                                  "500",
                                  "--bridge-proxy-protocol=v2",
                                  "--",
                                  "caddy"};
    auto r = parse_cli(args, [](const char*) -> const char* { return nullptr; });
    REQUIRE(r.ok());
    const Options& o = r.value().options;
    REQUIRE(o.bridges.size() == 2);
    CHECK(o.bridges[0].socket == "http");
    CHECK(o.bridges[0].target.text == "127.0.0.1:8080");
    CHECK(o.bridges[1].socket == "4");
    CHECK(o.bridge_max_connections == 500);
    CHECK(o.bridge_proxy == ProxyProtocol::v2);

    auto env = parse_cli({"sdshim", "x"}, [](const char* name) -> const char* {
        return std::string(name) == "SDSHIM_BRIDGE" ? "http=127.0.0.1:80,https=127.0.0.1:443" : nullptr;
    });
    REQUIRE(env.ok());
    CHECK(env.value().options.bridges.size() == 2);

    auto bad =
        parse_cli({"sdshim", "--bridge", "127.0.0.1:80", "x"}, [](const char*) -> const char* { return nullptr; });
    REQUIRE(!bad.ok());
    CHECK(bad.message() ==
          "--bridge '127.0.0.1:80': expected SOCKET=TARGET, SOCKET an fd number or a LISTEN_FDNAMES name, TARGET "
          "IPV4:PORT, [IPV6]:PORT or unix:/PATH");
    auto zero =
        parse_cli({"sdshim", "--bridge-max-connections=0", "x"}, [](const char*) -> const char* { return nullptr; });
    REQUIRE(!zero.ok());
    auto proxy =
        parse_cli({"sdshim", "--bridge-proxy-protocol=v3", "x"}, [](const char*) -> const char* { return nullptr; });
    REQUIRE(!proxy.ok());
    CHECK(proxy.message() == "--bridge-proxy-protocol 'v3': expected one of v1, v2 or none");
}

TEST_CASE("plan_bridges: by number, by name (every socket of it), and the fix when one is left over") {
    std::vector<SocketInfo> sockets{sock(3, "http", AF_INET, "0.0.0.0:80", 1), sock(4, "http", AF_INET6, "[::]:80", 2),
                                    sock(5, "quic", AF_INET, "0.0.0.0:443", 3, SOCK_DGRAM)};
    sockets[2].listening = false;
    auto t = target("127.0.0.1:8080");
    auto by_name = plan_bridges({{"http", t}}, {sockets[0], sockets[1]});
    REQUIRE(by_name.ok());
    auto& listeners = by_name.value();
    REQUIRE(listeners.size() == 2);
    CHECK(listeners[0].fd == 3);
    CHECK(listeners[1].label == "fd 4 'http' ([::]:80)");

    auto left_over = plan_bridges({{"3", t}}, {sockets[0], sockets[1]});
    CHECK(left_over.message() ==
          "fd 4 'http' ([::]:80) is not bridged: with --bridge the server gets no inherited socket, so add --bridge "
          "http=TARGET for it");
    auto datagram = plan_bridges({{"http", t}, {"quic", t}}, sockets);
    CHECK(datagram.message() ==
          "--bridge quic=127.0.0.1:8080: fd 5 'quic' (0.0.0.0:443) is a datagram, not listening, socket; only "
          "listening stream sockets can be bridged (give it to the server without --bridge)");
    auto twice = plan_bridges({{"3", t}, {"http", t}}, {sockets[0]});
    CHECK(twice.message() == "--bridge http=127.0.0.1:8080: fd 3 'http' (0.0.0.0:80) is already bridged");
    auto missing = plan_bridges({{"https", t}}, {});
    CHECK(missing.message() ==
          "--bridge https=127.0.0.1:8080: no inherited socket is named 'https' (LISTEN_FDS passed none)");
}

TEST_CASE("PROXY v1: TCP4, TCP6, IPv4-mapped as TCP4, UNKNOWN for unix") {
    socklen_t cl = 0, ll = 0;
    auto c4 = inet4("192.0.2.7", 51234, cl);
    auto l4 = inet4("10.0.0.1", 80, ll);
    CHECK(proxy_header(ProxyProtocol::v1, c4, cl, l4, ll) == "PROXY TCP4 192.0.2.7 10.0.0.1 51234 80\r\n");
    auto c6 = inet6("2001:db8::7", 40000, cl);
    auto l6 = inet6("2001:db8::1", 443, ll);
    CHECK(proxy_header(ProxyProtocol::v1, c6, cl, l6, ll) == "PROXY TCP6 2001:db8::7 2001:db8::1 40000 443\r\n");
    auto m6 = inet6("::ffff:192.0.2.9", 1000, cl);
    auto lm6 = inet6("::ffff:10.0.0.1", 8080, ll);
    CHECK(proxy_header(ProxyProtocol::v1, m6, cl, lm6, ll) == "PROXY TCP4 192.0.2.9 10.0.0.1 1000 8080\r\n");
    sockaddr_storage un{};
    un.ss_family = AF_UNIX;
    CHECK(proxy_header(ProxyProtocol::v1, un, sizeof(sa_family_t), un, sizeof(sa_family_t)) == "PROXY UNKNOWN\r\n");
    CHECK(proxy_header(ProxyProtocol::none, c4, cl, l4, ll).empty());
    auto longest_c = inet6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 65535, cl);
    auto longest_l = inet6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 65535, ll);
    CHECK(proxy_header(ProxyProtocol::v1, longest_c, cl, longest_l, ll).size() <= kProxyV1MaxBytes);
}

TEST_CASE("PROXY v2: signature, command, family and addresses in network order") {
    socklen_t cl = 0, ll = 0;
    auto c4 = inet4("192.0.2.7", 0x1234, cl);
    auto l4 = inet4("10.0.0.1", 80, ll);
    std::string h = proxy_header(ProxyProtocol::v2, c4, cl, l4, ll);
    const std::string want = std::string(kProxyV2Signature, 12) +
                             std::string("\x21\x11\x00\x0c\xc0\x00\x02\x07\x0a\x00\x00\x01\x12\x34\x00\x50", 16);
    CHECK(h == want);
    auto c6 = inet6("2001:db8::7", 1, cl);
    auto l6 = inet6("2001:db8::1", 2, ll);
    std::string h6 = proxy_header(ProxyProtocol::v2, c6, cl, l6, ll);
    REQUIRE(h6.size() == 16 + 36);
    CHECK(h6[13] == '\x21');
    CHECK(h6[15] == 36);
    sockaddr_storage un{};
    auto& u = reinterpret_cast<sockaddr_un&>(un);
    u.sun_family = AF_UNIX;
    std::strcpy(u.sun_path, "/run/a.sock");
    std::string hu = proxy_header(ProxyProtocol::v2, un, offsetof(sockaddr_un, sun_path) + 12, un,
                                  offsetof(sockaddr_un, sun_path) + 12);
    REQUIRE(hu.size() == 16 + 216);
    CHECK(hu[13] == '\x31');
    CHECK(hu.substr(16, 12) == std::string("/run/a.sock\0", 12));
    sockaddr_storage none{};
    CHECK(proxy_header(ProxyProtocol::v2, none, 0, none, 0).size() == 16);
}

TEST_CASE("the default connection limit fits the fd limit, six fds per connection at worst") {
    CHECK(default_bridge_max_connections(1024) == (1024 - 32) / 6);
    CHECK(default_bridge_max_connections(1048576) == (1048576 - 32) / 6);
    CHECK(default_bridge_max_connections(16) == 1);
}
