// Unit tests: `sdshim check`'s targets, the status line and a look at real loopback sockets.
#include "config/cli.hpp"
#include "health/health_check.hpp"
#include "health/health_target.hpp"

#include "loopback_listener.hpp"

#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

using namespace sdshim;

namespace {

// A loopback listener that never accepts: a connect completes in its backlog.
using Listener = LoopbackListener;

HealthTarget target(const std::string& text) {
    auto t = parse_health_target(text);
    if (!t) FAIL(text << ": " << t.message());
    return *t;
}

std::string refusal(const std::string& text) {
    auto t = parse_health_target(text);
    REQUIRE_FALSE(t.ok());
    return t.message();
}

}  // namespace

TEST_CASE("check: http, tcp and unix targets, numeric hosts, the Host header and path as given") {
    auto h = target("http://127.0.0.1:8080/health?full=1");
    CHECK(h.kind == HealthTarget::Kind::http);
    CHECK(h.host == "127.0.0.1:8080");
    CHECK(h.path == "/health?full=1");
    CHECK(h.address.len == sizeof(sockaddr_in));
    auto plain = target("http://127.0.0.1");
    CHECK(plain.path == "/");
    CHECK(plain.host == "127.0.0.1");
    CHECK(ntohs(reinterpret_cast<const sockaddr_in*>(plain.address.get())->sin_port) == 80);
    auto v6 = target("http://[::1]");
    CHECK(ntohs(reinterpret_cast<const sockaddr_in6*>(v6.address.get())->sin6_port) == 80);
    CHECK(target("http://[::1]:9000/x").host == "[::1]:9000");
    CHECK(target("tcp:127.0.0.1:443").kind == HealthTarget::Kind::tcp);
    CHECK(target("tcp:[::1]:443").address.len == sizeof(sockaddr_in6));
    CHECK(target("unix:/run/app.sock").kind == HealthTarget::Kind::unix_socket);
    CHECK(target("unix:@app").address.un().sun_path[0] == '\0');

    CHECK(refusal("https://127.0.0.1/") == "sdshim speaks no TLS: check the server's plain-HTTP port, or tcp:");
    CHECK(refusal("http://localhost:8080/").starts_with("the host must be numeric"));
    CHECK(refusal("tcp:localhost:80").starts_with("the host must be numeric"));
    CHECK(refusal("tcp:unix:/run/x").starts_with("the host must be numeric"));
    CHECK(refusal("http://unix:@x/").starts_with("the host must be numeric"));
    CHECK(refusal("http://127.0.0.1:0/").starts_with("the host must be numeric"));
    CHECK(refusal("http:///x") == "no host");
    CHECK(refusal("http://127.0.0.1/a b") == "the path may not hold spaces or control characters (write %20)");
    CHECK(refusal("unix:run/x") == "a unix socket is unix:/PATH or unix:@NAME");
    CHECK(refusal("unix:/" + std::string(200, 'x')).find("107") != std::string::npos);
    CHECK(refusal("ftp://127.0.0.1/").empty());  // the option's expectation says it all
}

TEST_CASE("check: a status line's code, and which codes serve") {
    CHECK(http_status("HTTP/1.1 200 OK") == 200);
    CHECK(http_status("HTTP/1.0 503 Service Unavailable") == 503);
    CHECK(http_status("HTTP/1.1 301") == 301);
    CHECK(http_status("HTTP/2 204 ").ok());
    CHECK(http_status("SSH-2.0-OpenSSH_9.2").message() == "the answer is not HTTP");
    CHECK_FALSE(http_status("HTTP/1.1").ok());
    CHECK_FALSE(http_status("HTTP/1.1 20 OK").ok());
    CHECK_FALSE(http_status("HTTP/1.1 2000 OK").ok());
    CHECK_FALSE(http_status("HTTP/1.1 2x0 OK").ok());
    CHECK_FALSE(http_status("HTTP/ 299 x").ok());  // no version: curl calls it no HTTP answer either
    CHECK_FALSE(http_status("HTTP/x.1 200 OK").ok());
    CHECK_FALSE(http_status("HTTP/1.1200 OK").ok());
    CHECK(http_status("HTTP/3 200") == 200);
    CHECK(healthy_status(200));
    CHECK(healthy_status(399));
    CHECK_FALSE(healthy_status(199));
    CHECK_FALSE(healthy_status(404));
    CHECK_FALSE(healthy_status(503));
}

TEST_CASE("check: a listener accepts, a closed port refuses, a server that never answers runs out of time") {
    Listener l;
    const std::string at = "127.0.0.1:" + std::to_string(l.port);
    auto open = check_health(target("tcp:" + at), Millis(2000));
    CHECK(open.healthy);
    CHECK(open.text == "tcp:" + at + " accepts connections");

    auto silent = check_health(target("http://" + at + "/"), Millis(150));
    CHECK_FALSE(silent.healthy);
    CHECK(silent.text == "http://" + at + "/: no answer within 150ms");

    int closed_port = 0;
    {
        Listener gone;
        closed_port = gone.port;
    }
    auto refused = check_health(target("tcp:127.0.0.1:" + std::to_string(closed_port)), Millis(2000));
    CHECK_FALSE(refused.healthy);
    CHECK(refused.text.find("Connection refused") != std::string::npos);
}

TEST_CASE("check: sdshim check TARGET is --check TARGET, takes one target and no program") {
    const auto env = [](const char*) -> const char* { return nullptr; };
    auto req = parse_cli({"sdshim", "check", "--check-timeout", "2s", "tcp:127.0.0.1:80"}, env);
    REQUIRE(req.ok());
    REQUIRE(req->options.check);
    CHECK(req->options.check->text == "tcp:127.0.0.1:80");
    CHECK(req->options.check_timeout == Millis(2000));
    CHECK(req->options.command.empty());
    CHECK(parse_cli({"sdshim", "--check", "unix:/run/a.sock"}, env).ok());
    CHECK(parse_cli({"sdshim", "check"}, env).message().starts_with("sdshim check takes one TARGET, not 0"));
    CHECK(parse_cli({"sdshim", "check", "tcp:127.0.0.1:1", "tcp:127.0.0.1:2"}, env)
              .message()
              .starts_with("sdshim check takes one TARGET, not 2"));
    CHECK(parse_cli({"sdshim", "check", "ftp://x"}, env).message() ==
          "sdshim check 'ftp://x': expected http://HOST[:PORT][/PATH], tcp:HOST:PORT or unix:PATH");
    CHECK(parse_cli({"sdshim", "--check", "http://localhost/"}, env).message() ==
          "--check 'http://localhost/': expected http://HOST[:PORT][/PATH], tcp:HOST:PORT or unix:PATH (the host "
          "must be numeric, such as 127.0.0.1 or [::1], as no names are looked up; a port from 1 to 65535)");
    CHECK(parse_cli({"sdshim", "--check", "tcp:127.0.0.1:1", "nginx"}, env).message() ==
          "--check runs no program: drop 'nginx'");
    CHECK_FALSE(parse_cli({"sdshim", "check", "--check-timeout", "0", "tcp:127.0.0.1:1"}, env).ok());
}

TEST_CASE("check: the verdict as curl gives it: LF line ends, interim answers skipped, a 101 is no answer") {
    const auto target = *parse_health_target("http://127.0.0.1:8080/");
    auto verdict = [&](std::string_view head, bool closed = false) { return verdict_from_head(target, head, closed); };
    REQUIRE(verdict("HTTP/1.1 200 OK\n"));
    CHECK(verdict("HTTP/1.1 200 OK\n")->healthy);  // a small server's bare LF
    CHECK(verdict("HTTP/1.1 200 OK\r\n")->healthy);
    CHECK_FALSE(verdict("HTTP/1.1 200 O"));  // more to come
    // 103 Early Hints and 100 Continue come before the final answer, which decides
    CHECK_FALSE(verdict("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n"));
    CHECK_FALSE(verdict("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"));
    REQUIRE(verdict("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\n"));
    CHECK(verdict("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\n")->healthy);
    CHECK(verdict("HTTP/1.1 100 Continue\n\nHTTP/1.1 204 No Content\n")->healthy);
    CHECK_FALSE(verdict("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Busy\r\n")->healthy);
    const auto closed = verdict("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n", true);  // inside its headers
    REQUIRE(closed);
    CHECK_FALSE(closed->healthy);
    CHECK(closed->text.find("closed after 'HTTP/1.1 103 Early Hints'") != std::string::npos);
    const auto no_final = verdict("HTTP/1.1 103 Early Hints\r\n\r\n", true);  // and no final answer
    REQUIRE(no_final);
    CHECK_FALSE(no_final->healthy);
    CHECK_FALSE(verdict("HTTP/1.1 101 Switching Protocols\r\n\r\n")->healthy);
    CHECK_FALSE(verdict("HTTP/ 299 x\r\n")->healthy);
    const auto endless = verdict("HTTP/1.1 103 Early Hints\r\n" + std::string(9000, 'x'));
    REQUIRE(endless);
    CHECK_FALSE(endless->healthy);
}
