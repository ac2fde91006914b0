// Unit tests: --ready=http://, tcp: and unix: as probes in a real event loop, against a loopback server in the same
// loop.
#include "config/cli.hpp"
#include "core/event_loop.hpp"
#include "core/reaper.hpp"
#include "readiness/probe.hpp"
#include "readiness/ready_mode.hpp"

#include "loopback_listener.hpp"

#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

using namespace sdshim;
using namespace std::chrono_literals;

namespace {

// A loopback HTTP server that the probe's own loop runs: once a request has come in whole, `reply`
// says what to do with the connection (write an answer, close it, or nothing).
struct LoopServer {
    EventLoop& loop;
    LoopbackListener listener{SOCK_NONBLOCK};
    const int fd = listener.fd;
    const int port = listener.port;
    std::function<void(int conn)> reply;
    std::vector<int> conns;
    int requests = 0;
    std::string last_request;

    explicit LoopServer(EventLoop& l, bool accepting = true) : loop(l) {
        if (accepting) REQUIRE(loop.watch(fd, [this] { accept_one(); }));
    }
    ~LoopServer() {
        for (int c : conns) {
            loop.unwatch(c);
            ::close(c);
        }
        loop.unwatch(fd);
    }
    std::string at() const { return listener.at(); }

    void accept_one() {
        const int c = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (c < 0) return;
        conns.push_back(c);
        auto request = std::make_shared<std::string>();
        REQUIRE(loop.watch(c, [this, c, request] {
            char buf[1024];
            const ssize_t n = ::read(c, buf, sizeof buf);
            if (n <= 0) return loop.unwatch(c);
            request->append(buf, static_cast<std::size_t>(n));
            if (request->find("\r\n\r\n") == std::string::npos) return;
            loop.unwatch(c);
            ++requests;
            last_request = *request;
            if (reply) reply(c);
        }));
    }
};

void put(int fd, const std::string& text) {
    REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
}

std::unique_ptr<Probe> probe_for(const std::string& mode_text, EventLoop& loop, Reaper& reaper,
                                 Millis timeout = 2000ms) {
    auto mode = parse_ready_mode(mode_text);
    if (!mode) FAIL(mode_text << ": " << mode.message());
    ServingCheck check;
    check.mode = *mode;
    check.program = "app";
    check.look_timeout = timeout;
    auto probe = make_probe(check, reaper, loop);
    REQUIRE(probe);
    return probe;
}

// One look, run in the loop until it answers (a 5 s bound on a hang).
Look look_once(Probe& probe, EventLoop& loop) {
    std::optional<Look> answer;
    probe.answer_to([&](const Look& l) {
        answer = l;
        loop.stop();
    });
    Look first = probe.look(Question{0, true, nullptr});
    if (first.outcome != Look::Outcome::pending) return first;
    auto bound = loop.add_deadline([&] { loop.stop(); });
    loop.arm(bound, EventLoop::Clock::now() + 5s);
    REQUIRE(loop.run());
    loop.arm(bound, std::nullopt);
    REQUIRE(answer);
    return *answer;
}

}  // namespace

TEST_CASE("ready modes: http://, tcp: and unix: are health targets, a bad one is refused with the reason") {
    auto http = parse_ready_mode("http://127.0.0.1:8080/health");
    REQUIRE(http.ok());
    CHECK(http->kind == ReadyKind::health);
    CHECK(ready_mode_name(*http) == "http://127.0.0.1:8080/health");
    REQUIRE(http->health);  // parsed once, here: the probe takes it from the plan
    CHECK(http->health->host == "127.0.0.1:8080");
    CHECK(http->health->path == "/health");
    CHECK(parse_ready_mode("listen")->health == std::nullopt);
    CHECK(parse_ready_mode("tcp:[::1]:443")->kind == ReadyKind::health);
    CHECK(parse_ready_mode("unix:/run/app.sock")->kind == ReadyKind::health);
    CHECK(parse_ready_mode("http://localhost/").message().starts_with("the host must be numeric"));
    CHECK(parse_ready_mode("https://127.0.0.1/").message().starts_with("sdshim speaks no TLS"));
    CHECK(parse_ready_mode("tcp:127.0.0.1").message().starts_with("the host must be numeric"));

    const auto env = [](const char*) -> const char* { return nullptr; };
    CHECK(parse_cli({"sdshim", "--ready", "http://localhost:80/", "nginx"}, env).message() ==
          "--ready 'http://localhost:80/': expected auto, notify, listen, target, exec, pidfile, "
          "pidfile:/ABSOLUTE/PATH, cmd:COMMAND, http://HOST[:PORT][/PATH], tcp:HOST:PORT or unix:PATH (the host must "
          "be numeric, such as 127.0.0.1 or [::1], as no names are looked up; a port from 1 to 65535)");
    auto ok = parse_cli({"sdshim", "--ready", "tcp:127.0.0.1:8080", "--check-timeout", "300ms", "app"}, env);
    REQUIRE(ok.ok());
    CHECK(ok->options.ready.kind == ReadyKind::health);
    CHECK(ok->options.check_timeout == 300ms);
}

TEST_CASE("health probe: 2xx and 3xx serve, 503 does not, with the status line as the reason") {
    EventLoop loop;
    Reaper reaper;
    LoopServer server(loop);
    auto probe = probe_for("http://" + server.at() + "/healthz?x=1", loop, reaper);
    CHECK(probe->describe().detail == "app to answer http://" + server.at() + "/healthz?x=1 with 2xx or 3xx");

    server.reply = [](int c) { put(c, "HTTP/1.1 204 No Content\r\n\r\n"); };
    Look ok = look_once(*probe, loop);
    CHECK(ok.outcome == Look::Outcome::serving);
    CHECK(ok.text == "http://" + server.at() + "/healthz?x=1 answered HTTP/1.1 204 No Content");
    CHECK(server.last_request.starts_with("GET /healthz?x=1 HTTP/1.1\r\nHost: " + server.at() + "\r\n"));

    server.reply = [](int c) { put(c, "HTTP/1.0 302 Found\r\nLocation: /\r\n\r\n"); };
    CHECK(look_once(*probe, loop).outcome == Look::Outcome::serving);

    server.reply = [](int c) { put(c, "HTTP/1.1 503 Service Unavailable\r\n\r\n"); };
    Look down = look_once(*probe, loop);
    CHECK(down.outcome == Look::Outcome::not_serving);
    CHECK(down.text == "http://" + server.at() + "/healthz?x=1 answered HTTP/1.1 503 Service Unavailable");

    server.reply = [](int c) { put(c, "SSH-2.0-OpenSSH_9.2\r\n"); };
    CHECK(look_once(*probe, loop).text.ends_with("the answer is not HTTP: 'SSH-2.0-OpenSSH_9.2'"));
    CHECK(server.requests == 4);
}

TEST_CASE("health probe: a status line in pieces, a close without an answer, a silent server, a refusal") {
    EventLoop loop;
    Reaper reaper;
    LoopServer server(loop);
    const std::string url = "http://" + server.at() + "/";

    // The status line in two writes 30 ms apart: the look waits for its end.
    int pending_conn = -1;
    auto rest = loop.add_deadline([&] { put(pending_conn, "00 OK\r\n\r\n"); });
    server.reply = [&](int c) {
        put(c, "HTTP/1.1 2");
        pending_conn = c;
        loop.arm(rest, EventLoop::Clock::now() + 30ms);
    };
    auto probe = probe_for(url, loop, reaper);
    Look pieces = look_once(*probe, loop);
    CHECK(pieces.outcome == Look::Outcome::serving);
    CHECK(pieces.text == url + " answered HTTP/1.1 200 OK");

    server.reply = [](int c) { ::shutdown(c, SHUT_WR); };
    Look closed = look_once(*probe, loop);
    CHECK(closed.outcome == Look::Outcome::not_serving);
    CHECK(closed.text == url + ": the connection was closed without an answer");

    // Accepted (in the backlog) but never answered: the look's own time runs out.
    LoopServer silent(loop, false);
    auto quick = probe_for("http://" + silent.at() + "/", loop, reaper, 100ms);
    Look late = look_once(*quick, loop);
    CHECK(late.outcome == Look::Outcome::not_serving);
    CHECK(late.text == "http://" + silent.at() + "/: no answer within 100ms");

    int closed_port = 0;
    {
        LoopServer gone(loop, false);
        closed_port = gone.port;
    }
    auto refused = probe_for("tcp:127.0.0.1:" + std::to_string(closed_port), loop, reaper);
    Look no = look_once(*refused, loop);
    CHECK(no.outcome == Look::Outcome::not_serving);
    CHECK(no.text.find("Connection refused") != std::string::npos);
}

TEST_CASE("health probe: tcp: and unix: serve once a connection is accepted, a cancelled look never answers") {
    EventLoop loop;
    Reaper reaper;
    LoopServer server(loop, false);
    auto tcp = probe_for("tcp:" + server.at(), loop, reaper);
    CHECK(tcp->describe().detail == "app to accept on tcp:" + server.at());
    Look ok = look_once(*tcp, loop);
    CHECK(ok.outcome == Look::Outcome::serving);
    CHECK(ok.text == "tcp:" + server.at() + " accepts connections");

    char dir[] = "/tmp/sdshim-probe-XXXXXX";
    REQUIRE(::mkdtemp(dir));
    const std::string path = std::string(dir) + "/app.sock";
    auto unix_probe = probe_for("unix:" + path, loop, reaper);
    CHECK(look_once(*unix_probe, loop).outcome == Look::Outcome::not_serving);  // no such socket yet
    const int u = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
    REQUIRE(::bind(u, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(u, 4) == 0);
    Look unix_ok = look_once(*unix_probe, loop);
    CHECK(unix_ok.outcome == Look::Outcome::serving);
    CHECK(unix_ok.text == "unix:" + path + " accepts connections");
    ::close(u);
    ::unlink(path.c_str());
    ::rmdir(dir);

    // An http look cancelled while it waits: no answer, no fd left watched, and a new look works.
    LoopServer answering(loop);
    answering.reply = [](int c) { put(c, "HTTP/1.1 200 OK\r\n\r\n"); };
    auto http = probe_for("http://" + answering.at() + "/", loop, reaper);
    int answers = 0;
    http->answer_to([&](const Look&) { ++answers; });
    REQUIRE(http->look(Question{0, false, nullptr}).outcome == Look::Outcome::pending);
    http->cancel();
    auto end = loop.add_deadline([&] { loop.stop(); });
    loop.arm(end, EventLoop::Clock::now() + 50ms);
    REQUIRE(loop.run());
    CHECK(answers == 0);
    CHECK(look_once(*http, loop).outcome == Look::Outcome::serving);
    CHECK(http->overdue(1500ms) == "http://" + answering.at() + "/: no answer within 1500ms");
}
