// Unit tests: --ready modes, /proc parsing for the epoll check, the dropped-socket verdict and its fix line.
#include "adapters/adapters.hpp"
#include "adapters/server_messages.hpp"
#include "base/proc_text.hpp"
#include "config/cli.hpp"
#include "proc/proc_sockets.hpp"
#include "readiness/readiness.hpp"
#include "readiness/socket_check.hpp"
#include "watchdog/watchdog.hpp"

#include "socket_fixture.hpp"

#include <catch2/catch.hpp>

#include <sys/socket.h>

#include <csignal>

using namespace sdshim;

namespace {
ProcessSockets proc(pid_t pid, pid_t ppid, std::set<unsigned long> held, std::set<unsigned long> polled,
                    bool readable = true) {
    return ProcessSockets{pid, ppid, readable, false, false, std::move(held), std::move(polled)};
}
}  // namespace

TEST_CASE("ready modes parse and print back") {
    for (const char* text :
         {"auto", "notify", "listen", "exec", "pidfile", "pidfile:/run/nginx.pid", "cmd:test -e /x"}) {
        auto m = parse_ready_mode(text);
        REQUIRE(m);
        CHECK(ready_mode_name(*m) == text);
    }
    CHECK(parse_ready_mode("pidfile:relative.pid").message() == "the pid file's path must be absolute");
    CHECK(parse_ready_mode("cmd:").message() == "the command is empty");
    CHECK(parse_ready_mode("cmd:   ").message() == "the command is empty");
    CHECK(parse_ready_mode("tcp").message() == "unknown mode");
}

TEST_CASE("ready mode auto: nginx is watched, the others send their own READY") {
    CHECK(resolve_ready_mode({}, ServerKind::nginx, false).kind == ReadyKind::listen);
    CHECK(resolve_ready_mode({}, ServerKind::caddy, false).kind == ReadyKind::notify);
    CHECK(resolve_ready_mode({}, ServerKind::generic, false).kind == ReadyKind::notify);
    CHECK(resolve_ready_mode({ReadyKind::pidfile, ""}, ServerKind::nginx, false).argument == "/run/nginx.pid");
    CHECK(resolve_ready_mode({ReadyKind::pidfile, ""}, ServerKind::generic, false).argument.empty());
}

TEST_CASE("readiness options from the command line and SDSHIM_*") {
    auto env = [](const char* name) -> const char* {
        std::string n = name;
        if (n == "SDSHIM_READY_TIMEOUT") return "90s";
        if (n == "SDSHIM_NOTIFY_ACCESS") return "main";
        return nullptr;
    };
    auto r = parse_cli({"sdshim", "--ready=cmd:curl -fs localhost", "--on-dropped-socket", "warn", "nginx"}, env);
    REQUIRE(r.ok());
    const auto& o = r.value().options;
    CHECK(o.ready.kind == ReadyKind::command);
    CHECK(o.ready.argument == "curl -fs localhost");
    CHECK(o.ready_timeout == Millis(90000));
    CHECK(o.notify_access == NotifyAccess::main);
    CHECK(o.on_dropped_socket == DroppedSocketPolicy::warn);

    auto bad = parse_cli({"sdshim", "--ready-timeout=0", "x"}, [](const char*) -> const char* { return nullptr; });
    REQUIRE(!bad.ok());
    CHECK(bad.message() == "--ready-timeout '0': expected a positive duration such as 60s, 500ms or 1m");
    bad = parse_cli({"sdshim", "--notify-access=none", "x"}, [](const char*) -> const char* { return nullptr; });
    REQUIRE(!bad.ok());
    CHECK(bad.message() == "--notify-access 'none': expected main or all");
}

TEST_CASE("watchdog: --watchdog, SDSHIM_WATCHDOG, and systemd's WATCHDOG_USEC when it means the shim") {
    auto none = [](const char*) -> const char* { return nullptr; };
    auto r = parse_cli({"sdshim", "--watchdog=10s", "nginx"}, none);
    REQUIRE(r.ok());
    CHECK(r.value().options.watchdog == Millis(10000));
    r = parse_cli({"sdshim", "nginx"},
                  [](const char* n) -> const char* { return std::string(n) == "SDSHIM_WATCHDOG" ? "0" : nullptr; });
    CHECK(r.value().options.watchdog == Millis(0));  // explicitly off, WATCHDOG_USEC or not
    CHECK_FALSE((parse_cli({"sdshim", "nginx"}, none)).value().options.watchdog.has_value());
    auto bad = parse_cli({"sdshim", "--watchdog=-3s", "x"}, none);
    REQUIRE(!bad.ok());
    CHECK(bad.message().rfind("--watchdog '-3s': expected the unit's WatchdogSec=", 0) == 0);

    CHECK(watchdog_from_env("4000000", nullptr, 1).interval == Millis(4000));
    CHECK(watchdog_from_env("4000000", "1", 1).interval == Millis(4000));
    CHECK(watchdog_from_env("4000000", "", 1).interval == Millis(4000));
    CHECK(watchdog_from_env("4000000", nullptr, 1).warning.empty());
    CHECK_FALSE(watchdog_from_env("4000000", "4242", 1).interval);  // systemd meant podman, outside the container
    CHECK_FALSE(watchdog_from_env("0", nullptr, 1).interval);
    CHECK_FALSE(watchdog_from_env("soon", nullptr, 1).interval);
    CHECK_FALSE(watchdog_from_env(nullptr, "1", 1).interval);
}

TEST_CASE("watchdog: WATCHDOG_USEC and --watchdog share the bounds 1s to 24h") {
    const EnvLookup none = [](const char*) -> const char* { return nullptr; };
    // Below: a ping every millisecond; above: a deadline past what the clock holds (2^64-1 µs).
    const auto tiny = watchdog_from_env("1", nullptr, 1);
    CHECK(tiny.interval == kMinWatchdog);
    CHECK(tiny.warning.find("WATCHDOG_USEC=1 is shorter than sdshim's watchdog allows (1s to 86400s): 1s is used") ==
          0);
    const auto huge = watchdog_from_env("18446744073709551615", nullptr, 1);
    CHECK(huge.interval == kMaxWatchdog);
    CHECK(huge.warning.find("is longer than") != std::string::npos);
    CHECK(watchdog_from_env("16000000000000000", nullptr, 1).interval == kMaxWatchdog);
    CHECK(watchdog_from_env("1000000", nullptr, 1).interval == Millis(1000));
    CHECK(watchdog_from_env("86400000000", nullptr, 1).interval == Millis(86400000));
    for (const char* bad : {"--watchdog=999ms", "--watchdog=1ms", "--watchdog=24h", "--watchdog=1441m"})
        CHECK_FALSE(parse_cli({"sdshim", bad, "x"}, none).ok());
    CHECK(parse_cli({"sdshim", "--watchdog=1s", "x"}, none).value().options.watchdog == Millis(1000));
    CHECK(parse_cli({"sdshim", "--watchdog=1440m", "x"}, none).value().options.watchdog == Millis(86400000));
    CHECK(parse_cli({"sdshim", "--watchdog=0", "x"}, none).value().options.watchdog == Millis(0));
}

TEST_CASE("field reader: whitespace-separated fields, whole numbers only") {
    FieldReader f("  12\t0A  x:y\n 7 ");
    CHECK(f.number<int>() == 12);
    CHECK(f.number<unsigned>(16) == 0x0Au);
    CHECK(f.next() == std::string_view("x:y"));
    CHECK(f.skip(1));
    CHECK_FALSE(f.next());
    CHECK_FALSE(f.skip(1));
    CHECK_FALSE(FieldReader("12ab").number<int>());  // scanf would have said 12
    CHECK_FALSE(FieldReader("-3").number<unsigned>());
    CHECK_FALSE(FieldReader("").number<int>());
    CHECK(FieldReader("4242\n").number<pid_t>() == 4242);  // a pid file
}

TEST_CASE("an exiting process is known from /proc/PID/stat before its fds are gone") {
    // pid (comm) state ppid pgrp session tty_nr tpgid flags ...
    CHECK_FALSE(stat_says_exiting("7 (nginx: master) S 1 7 7 0 -1 4194560 120 0 0 0"));
    CHECK(stat_says_exiting("7 (nginx: master) R 1 7 7 0 -1 4194564 120 0 0 0"));  // | PF_EXITING
    CHECK(stat_says_exiting("7 (nginx) Z 1 7 7 0 -1 4194560 120 0 0 0"));
    CHECK(stat_says_exiting("7 (a) (b)) X 1 7 7 0 -1 0"));  // the last ')' ends the name
    CHECK_FALSE(stat_says_exiting("7 (a) (b)) S 1 7 7 0 -1 0"));
    CHECK(stat_says_exiting(""));  // gone
    CHECK(stat_says_exiting("7 (x) S 1"));
}

TEST_CASE("epoll fdinfo: the inodes its tfd lines watch (hex)") {
    const char* fdinfo =
        "pos:\t0\nflags:\t02\nmnt_id:\t17\nino:\t1039\n"
        "tfd:        7 events: 80000019 data:     5590e4ad7340  pos:0 ino:40f sdev:10\n"
        "tfd:        3 events: 10000019 data:     5590f2bee550  pos:0 ino:1d527 sdev:9\n";
    CHECK(parse_epoll_targets(fdinfo) == std::vector<unsigned long>{0x40f, 0x1d527});
    CHECK(parse_epoll_targets("pos:\t0\nflags:\t02\n").empty());
}

TEST_CASE("fd link targets and /proc/net tables") {
    CHECK(parse_socket_link("socket:[120359]") == 120359);
    CHECK(parse_socket_link("anon_inode:[eventpoll]") == 0);
    CHECK(parse_socket_link("socket:[12x]") == 0);
    CHECK(parse_socket_link("/dev/null") == 0);
    const char* tcp =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 100 0 0 "
        "10 0\n"
        "   1: 0100007F:1F90 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 4343 1 0 20 4 30 "
        "10 -1\n";
    CHECK(parse_listening_inet(tcp) == std::set<unsigned long>{4242});
    const char* unix_table =
        "Num       RefCount Protocol Flags    Type St Inode Path\n"
        "0000000000000000: 00000002 00000000 00010000 0001 01 5151 /run/web.sock\n"
        "0000000000000000: 00000003 00000000 00000000 0001 03 5252 /run/web.sock\n";
    CHECK(parse_listening_unix(unix_table) == std::set<unsigned long>{5151});
}

TEST_CASE("socket check: polled by a worker, dropped by everybody, opaque workers") {
    std::vector<SocketInfo> watched{sock(3, "http", AF_INET, "0.0.0.0:8080", 100),
                                    sock(4, "admin", AF_UNIX, "/run/web.sock", 200)};
    // master 10 holds both, worker 11 polls both
    auto c = check_sockets(watched, {proc(10, 1, {100, 200}, {}), proc(11, 10, {100, 200}, {100, 200})}, 10, {}, {});
    CHECK(c.dropped.empty());
    CHECK(c.not_polled.empty());
    // nginx closed fd 4: nobody holds it, nobody polls it
    c = check_sockets(watched, {proc(10, 1, {100}, {}), proc(11, 10, {100}, {100})}, 10, {}, {});
    REQUIRE(c.dropped.size() == 1);
    CHECK(c.dropped[0].fd == 4);
    // an unreadable worker: nothing can be called dropped, the worker counts as opaque
    c = check_sockets(watched, {proc(10, 1, {100}, {}), proc(11, 10, {}, {}, false)}, 10, {}, {});
    CHECK(c.dropped.empty());
    CHECK_FALSE(c.all_readable);
    CHECK(c.opaque_workers == 1);
    // nginx exited and is not reaped yet: its closed fds are no verdict (its exit is explained instead)
    ProcessSockets zombie = proc(10, 1, {}, {});
    zombie.exited = true;
    c = check_sockets(watched, {zombie}, 10, {}, {});
    CHECK(c.dropped.empty());
    CHECK(c.not_polled.size() == 2);
    CHECK(c.opaque_workers == 0);
    // a stopped worker (SIGSTOP) still holds and lists the sockets, but accepts nothing
    ProcessSockets frozen = proc(11, 10, {100, 200}, {100, 200});
    frozen.stopped = true;
    c = check_sockets(watched, {proc(10, 1, {100, 200}, {}), frozen}, 10, {}, {});
    CHECK(c.dropped.empty());
    CHECK(c.not_polled.size() == 2);
    // during a reload the old worker's polling does not count
    c = check_sockets(watched, {proc(10, 1, {100, 200}, {}), proc(11, 10, {100, 200}, {100, 200})}, 10, {11}, {});
    CHECK(c.not_polled.size() == 2);
    // no inherited sockets: any polled listening socket will do
    c = check_sockets({}, {proc(10, 1, {}, {}), proc(11, 10, {7}, {7, 8})}, 10, {}, {8});
    CHECK(c.polls_some_listener);
}

TEST_CASE("the fix for a dropped socket is the exact nginx listen") {
    CHECK(nginx_listen_for(sock(3, "http", AF_INET, "0.0.0.0:8080", 1)) == "listen 0.0.0.0:8080;");
    CHECK(nginx_listen_for(sock(3, "http", AF_INET6, "[::]:80", 1)) == "listen [::]:80;");
    CHECK(nginx_listen_for(sock(3, "web", AF_UNIX, "/run/web.sock", 1)) == "listen unix:/run/web.sock;");
    auto line =
        dropped_socket_message(sock(3, "http", AF_INET6, "[::]:80", 1), adapter_for(ServerKind::nginx), "nginx");
    CHECK(line.find("nginx closed inherited fd 3 'http' ([::]:80)") == 0);
    CHECK(line.find("fix: put 'listen [::]:80;' in the server block") != std::string::npos);
    CHECK(line.find("ListenStream=PORT") != std::string::npos);
    CHECK(line.find('\n') == std::string::npos);
    auto generic =
        dropped_socket_message(sock(3, "http", AF_INET, "127.0.0.1:9000", 1), adapter_for(ServerKind::generic), "app");
    CHECK(generic.find("app closed inherited fd 3 'http' (127.0.0.1:9000)") == 0);
}

TEST_CASE("an nginx that exited before polling gets the listen fix, worded for an exit") {
    auto line = exited_before_polling_message(sock(3, "web", AF_INET, "0.0.0.0:8081", 1),
                                              adapter_for(ServerKind::nginx), "exited with code 1");
    CHECK(line.find("nginx exited with code 1 before its workers polled inherited fd 3 'web' (0.0.0.0:8081)") == 0);
    CHECK(line.find("fix: put 'listen 0.0.0.0:8081;' in the server block") != std::string::npos);
    CHECK(line.find("clients") == std::string::npos);  // nothing serves: nobody hangs on a socket of nginx's own
    CHECK(line.find('\n') == std::string::npos);
}

TEST_CASE("an early exit is explained by the adapter that knows the fix, and only after a failure") {
    const std::vector<SocketInfo> unpolled{sock(3, "web", AF_INET, "0.0.0.0:8081", 1)};
    const int exit1 = 1 << 8, exit0 = 0;
    const auto lines = explain_early_exit(adapter_for(ServerKind::nginx), unpolled, "exited with code 1", exit1);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == exited_before_polling_message(unpolled[0], adapter_for(ServerKind::nginx), "exited with code 1"));
    CHECK(explain_early_exit(adapter_for(ServerKind::nginx), unpolled, "exited with code 0", exit0).empty());
    CHECK(explain_early_exit(adapter_for(ServerKind::caddy), unpolled, "exited with code 1", exit1).empty());
    CHECK(explain_early_exit(adapter_for(ServerKind::generic), unpolled, "exited with code 1", exit1).empty());
}

TEST_CASE("one record per server: what the adapters know, asked by kind") {
    CHECK_FALSE(adapter_for(ServerKind::nginx).sends_ready);
    CHECK(adapter_for(ServerKind::caddy).sends_ready);
    CHECK(adapter_for(ServerKind::nginx).reload_signal == SIGHUP);
    CHECK_FALSE(adapter_for(ServerKind::caddy).reload_signal);
    CHECK_FALSE(adapter_for(ServerKind::generic).reload_signal);
    CHECK(std::string(adapter_for(ServerKind::nginx).default_pidfile) == "/run/nginx.pid");
    CHECK(adapter_for(ServerKind::nginx).signal_defaults.front().from == SIGTERM);
    CHECK(adapter_for(ServerKind::caddy).signal_defaults.front().to == SIGTERM);
    CHECK(fd_naming_variables() == std::vector<std::string>{"NGINX"});
}

TEST_CASE("nginx watches its stream sockets only") {
    std::vector<SocketInfo> s{sock(3, "http", AF_INET, "0.0.0.0:80", 1),
                              sock(4, "quic", AF_INET, "0.0.0.0:443", 2, SOCK_DGRAM)};
    CHECK(sockets_to_watch(ServerKind::nginx, s).size() == 1);
    CHECK(sockets_to_watch(ServerKind::caddy, s).size() == 2);
}
