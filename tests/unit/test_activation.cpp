// Unit tests: LISTEN_* parsing and validation, server detection, NGINX value and LISTEN_FD_<NAME> building.
#include "activation/activation.hpp"
#include "adapters/adapters.hpp"
#include "adapters/handoff.hpp"

#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <csignal>

using namespace sdshim;

namespace {
ActivationPlan parse(const char* pid, const char* fds, const char* names, pid_t self = 1, pid_t parent = 0) {
    auto r = parse_listen_env({pid, fds, names}, self, parent);
    if (!r) FAIL("unexpected error: " << r.message());
    return r.value();
}
std::string parse_error(const char* pid, const char* fds, const char* names) {
    auto r = parse_listen_env({pid, fds, names}, 1, 0);
    REQUIRE_FALSE(r.ok());
    return r.message();
}
SocketInfo sock(int fd, std::string name, int type = SOCK_STREAM) {
    SocketInfo s;
    s.fd = fd;
    s.name = std::move(name);
    s.family = AF_INET;
    s.type = type;
    return s;
}
}  // namespace

TEST_CASE("LISTEN_* accepted as sd_listen_fds_with_names does") {
    auto p = parse("1", "2", "http:https");
    CHECK(p.count == 2);
    CHECK(p.names == std::vector<std::string>{"http", "https"});

    p = parse("1", "2", nullptr);
    CHECK(p.names == std::vector<std::string>{"unknown", "unknown"});

    p = parse("1", "3", "a::c");  // empty names are kept, as libsystemd keeps them
    CHECK(p.names == std::vector<std::string>{"a", "", "c"});

    p = parse(nullptr, nullptr, nullptr);
    CHECK_FALSE(p.present);
    CHECK(p.count == 0);
}

TEST_CASE("LISTEN_PID: own pid, the parent's behind another init, or someone else's") {
    CHECK(parse("42", "1", nullptr, 42, 7).count == 1);
    auto parent = parse("7", "1", nullptr, 42, 7);
    CHECK(parent.count == 1);
    CHECK(parent.debug.size() == 1);
    auto other = parse("99", "1", nullptr, 42, 7);
    CHECK(other.ignored);
    CHECK(other.count == 0);
    REQUIRE(other.warnings.size() == 1);
    CHECK(other.warnings[0].find("LISTEN_PID=99 is another process") == 0);
    CHECK(parse(nullptr, "1", nullptr).ignored);
}

TEST_CASE("bad LISTEN_* values are errors that name the variable and the value") {
    CHECK(parse_error("1", "abc", nullptr).find("LISTEN_FDS='abc'") == 0);
    CHECK(parse_error("1", "-2", nullptr).find("LISTEN_FDS='-2'") == 0);
    CHECK(parse_error("1", "2x", nullptr).find("LISTEN_FDS='2x'") == 0);
    CHECK(parse_error("x1", "1", nullptr).find("LISTEN_PID='x1'") == 0);
    CHECK(parse_error("0", "1", nullptr).find("LISTEN_PID='0'") == 0);
    CHECK(parse_error("1", "1", "tab\there").find("is not valid") != std::string::npos);
    CHECK_FALSE(parse_error("1", "1", std::string(256, 'a').c_str()).empty());
    CHECK(parse("1", "1", std::string(255, 'a').c_str()).count == 1);
    auto zero = parse("1", "0", nullptr);
    CHECK(zero.count == 0);
}

TEST_CASE("a names count that differs is corrected with a warning") {
    auto fewer = parse("1", "3", "web");
    CHECK(fewer.names == std::vector<std::string>{"web", "unknown", "unknown"});
    CHECK(fewer.warnings.size() == 1);
    auto more = parse("1", "1", "web:api");
    CHECK(more.names == std::vector<std::string>{"web"});
    CHECK(more.warnings.size() == 1);
}

TEST_CASE("fd name validity follows systemd") {
    CHECK(fdname_is_valid("http"));
    CHECK(fdname_is_valid(""));
    CHECK(fdname_is_valid("with space.socket"));
    CHECK_FALSE(fdname_is_valid("a:b"));
    CHECK_FALSE(fdname_is_valid("new\nline"));
    CHECK_FALSE(fdname_is_valid("\x7f"));
    CHECK_FALSE(fdname_is_valid("caf\xc3\xa9"));
}

TEST_CASE("server detection by basename and through wrappers") {
    CHECK(detect_server({"nginx", "-g", "daemon off;"}) == ServerKind::nginx);
    CHECK(detect_server({"/usr/sbin/nginx-debug"}) == ServerKind::nginx);
    CHECK(detect_server({"/docker-entrypoint.sh", "nginx", "-g", "daemon off;"}) == ServerKind::nginx);
    CHECK(detect_server({"caddy", "run"}) == ServerKind::caddy);
    CHECK(detect_server({"env", "FOO=1", "/usr/bin/caddy", "run"}) == ServerKind::caddy);
    CHECK(detect_server({"python3", "nginx"}) == ServerKind::generic);
    CHECK(detect_server({"/docker-entrypoint.sh", "httpd"}) == ServerKind::generic);
    CHECK(detect_server({}) == ServerKind::generic);
}

TEST_CASE("NGINX value: every stream fd followed by a semicolon, datagram sockets left out") {
    std::vector<SocketInfo> s{sock(3, "http"), sock(4, "https"), sock(5, "quic", SOCK_DGRAM)};
    CHECK(nginx_value(s) == "3;4;");
    auto plan = plan_adapter(ServerKind::nginx, s);
    CHECK(plan.set_nonblocking == std::vector<int>{3, 4});
    REQUIRE(plan.warnings.size() == 1);
    CHECK(plan.warnings[0].find("fd 5 ('quic'") == 0);
    CHECK(plan.refused_signals.count(SIGWINCH) == 1);
    CHECK(plan.refused_signals.count(SIGUSR2) == 1);
    REQUIRE(plan.signal_defaults.size() == 1);
    CHECK(plan.signal_defaults[0].from == SIGTERM);
    CHECK(plan.signal_defaults[0].to == SIGQUIT);
}

TEST_CASE("caddy adapter: QUIT (immediate in caddy) becomes TERM (graceful)") {
    auto plan = plan_adapter(ServerKind::caddy, {sock(3, "https")});
    CHECK(plan.set_nonblocking.empty());
    REQUIRE(plan.signal_defaults.size() == 1);
    CHECK(plan.signal_defaults[0].from == SIGQUIT);
    CHECK(plan.signal_defaults[0].to == SIGTERM);
    CHECK(plan.env == std::vector<std::pair<std::string, std::string>>{{"LISTEN_FD_HTTPS", "3"}});
}

TEST_CASE("LISTEN_FD_<NAME> mapping") {
    CHECK(fd_variable_name("https") == "LISTEN_FD_HTTPS");
    CHECK(fd_variable_name("caddy.socket") == "LISTEN_FD_CADDY_SOCKET");
    CHECK(fd_variable_name("h3-quic") == "LISTEN_FD_H3_QUIC");
    auto vars = fd_variables({sock(3, "web.socket"), sock(4, "web.socket"), sock(5, "admin"), sock(6, "")});
    CHECK(vars == std::vector<std::pair<std::string, std::string>>{{"LISTEN_FD_WEB_SOCKET", "3"},
                                                                   {"LISTEN_FD_WEB_SOCKET_0", "3"},
                                                                   {"LISTEN_FD_WEB_SOCKET_1", "4"},
                                                                   {"LISTEN_FD_ADMIN", "5"}});
    CHECK(plan_adapter(ServerKind::generic, {sock(3, "x")}).env.size() == 1);
}

TEST_CASE("hand-off environment") {
    auto plan = parse("1", "2", "http:https");
    std::vector<SocketInfo> socks{sock(3, "http"), sock(4, "https")};
    auto h = plan_handoff(plan, socks, plan_adapter(ServerKind::nginx, socks));
    CHECK(h.pass_fds == std::vector<int>{3, 4});
    CHECK(h.listen_pid);
    CHECK(h.env.remove.empty());  // the inherited LISTEN_* are dropped by build_child_env, then set anew
    auto has = [&](const std::string& k, const std::string& v) {
        return std::find(h.env.set.begin(), h.env.set.end(), std::make_pair(k, v)) != h.env.set.end();
    };
    CHECK(has("LISTEN_FDS", "2"));
    CHECK(has("LISTEN_FDNAMES", "http:https"));
    CHECK(has("NGINX", "3;4;"));
    CHECK(has("LISTEN_FD_HTTPS", "4"));

    auto ignored = plan_handoff(parse("99", "1", nullptr), {}, AdapterPlan{});
    CHECK(ignored.pass_fds.empty());
    CHECK_FALSE(ignored.listen_pid);
    CHECK(ignored.env.set.empty());
    CHECK(std::find(ignored.env.remove.begin(), ignored.env.remove.end(), "NGINX") == ignored.env.remove.end());

    // Behind a bridge the server gets no inherited socket: nothing may name one.
    auto bridged = plan_handoff(plan, {}, plan_adapter(ServerKind::nginx, {}));
    CHECK(bridged.pass_fds.empty());
    CHECK_FALSE(bridged.listen_pid);
    CHECK(bridged.env.set.empty());
    CHECK(bridged.env.remove == std::vector<std::string>{"NGINX"});
}

TEST_CASE("the server's kind as asked or detected, and what log lines call it") {
    CHECK(choose_server(ServerKind::caddy, {"nginx"}) == ServerKind::caddy);
    CHECK(choose_server(std::nullopt, {"/usr/sbin/nginx"}) == ServerKind::nginx);
    CHECK(server_label(ServerKind::nginx, {"/docker-entrypoint.sh", "nginx"}) == "nginx");
    CHECK(server_label(ServerKind::generic, {"/usr/local/bin/app", "--port=1"}) == "app");
    CHECK(server_label(ServerKind::generic, {"python3"}) == "python3");
}

TEST_CASE("nginx and caddy are refused a connected or unlistening stream socket, with the unit's fix") {
    SocketInfo listening = sock(3, "http");
    listening.listening = true;
    listening.address = "0.0.0.0:80";
    SocketInfo connection = sock(4, "http");
    connection.connected = true;
    connection.address = "127.0.0.1:80";
    SocketInfo bound = sock(5, "https");
    bound.address = "0.0.0.0:443";
    SocketInfo quic = sock(6, "quic", SOCK_DGRAM);  // a datagram socket never listens: not refused

    CHECK(plan_adapter(ServerKind::nginx, {listening, quic}).refusal.empty());
    CHECK(plan_adapter(ServerKind::caddy, {listening, quic}).refusal.empty());
    CHECK(plan_adapter(ServerKind::nginx, {listening, connection}).refusal ==
          "fd 4 'http' (127.0.0.1:80) is a connected stream socket, not a listening one: nginx accepts its own "
          "connections, and its accept() would fail on it without end; the .socket unit has Accept=yes: set "
          "Accept=no");
    CHECK(plan_adapter(ServerKind::caddy, {bound}).refusal ==
          "fd 5 'https' (0.0.0.0:443) is a stream socket that is not listening: caddy can only accept on listening "
          "sockets; pass the sockets of a .socket unit's ListenStream= (with Accept=no)");
    CHECK(plan_adapter(ServerKind::generic, {connection, bound}).refusal.empty());  // inetd-style servers may
}
