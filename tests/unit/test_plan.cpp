// Unit tests: plan_run, the pure plan of a run: every check of the options against what was inherited,
// and what the server, the probes, readiness, the watchdog and the bridge get from it.
#include "config/cli.hpp"
#include "plan/run_plan.hpp"

#include "socket_fixture.hpp"

#include <catch2/catch.hpp>

#include <csignal>

#include <algorithm>

using namespace sdshim;

namespace {

Options options(std::vector<std::string> args) {
    args.insert(args.begin(), "sdshim");
    auto parsed = parse_cli(args, [](const char*) -> const char* { return nullptr; });
    REQUIRE(parsed.ok());
    return parsed->options;
}

// Two inherited sockets (LISTEN_FDS=2, LISTEN_FDNAMES=http:https), as podman hands them to PID 1.
RunInputs inputs(std::vector<std::string> environment = {"PATH=/bin", "LISTEN_PID=1", "LISTEN_FDS=2",
                                                         "LISTEN_FDNAMES=http:https", "NOTIFY_SOCKET=/run/notify",
                                                         "SDSHIM_GRACE=1s", "HOME=/root"}) {
    RunInputs in;
    in.activation.count = 2;
    in.activation.names = {"http", "https"};
    in.activation.present = true;
    in.sockets = {sock(3, "http", AF_INET, "0.0.0.0:80", 11), sock(4, "https", AF_INET, "0.0.0.0:443", 12)};
    in.environment = std::move(environment);
    in.self = 1;
    return in;
}

bool has(const std::vector<std::string>& env, const std::string& kv) {
    return std::find(env.begin(), env.end(), kv) != env.end();
}
bool names(const std::vector<std::string>& env, const std::string& name) {
    return std::any_of(env.begin(), env.end(), [&](const std::string& kv) { return kv.rfind(name + "=", 0) == 0; });
}

}  // namespace

TEST_CASE("plan: nginx gets its sockets, NGINX=, LISTEN_PID from the child, and its listen readiness") {
    const auto plan = plan_run(options({"nginx", "-g", "daemon off;"}), inputs());
    REQUIRE(plan);
    CHECK(plan->kind == ServerKind::nginx);
    CHECK(plan->program == "nginx");
    CHECK(plan->server.argv == std::vector<std::string>{"nginx", "-g", "daemon off;"});
    CHECK(plan->server.pass_fds == std::vector<int>{3, 4});
    CHECK(plan->server.pid_variable == "LISTEN_PID");
    CHECK(plan->set_nonblocking == std::vector<int>{3, 4});
    CHECK(plan->handed_over.size() == 2);
    const auto& env = plan->server.env;
    CHECK(has(env, "NGINX=3;4;"));
    CHECK(has(env, "LISTEN_FDS=2"));
    CHECK(has(env, "LISTEN_FDNAMES=http:https"));
    CHECK(has(env, "LISTEN_FD_HTTPS=4"));
    CHECK(has(env, "PATH=/bin"));
    CHECK_FALSE(names(env, "LISTEN_PID"));     // the child writes its own
    CHECK_FALSE(names(env, "NOTIFY_SOCKET"));  // the relay's address is added once it has one
    CHECK_FALSE(names(env, "SDSHIM_GRACE"));
    CHECK(plan->notify_socket->text == "/run/notify");
    CHECK(plan->readiness.check.mode.kind == ReadyKind::listen);
    CHECK(plan->readiness.check.watched.size() == 2);
    CHECK(plan->readiness.notify_outer);
    CHECK(plan->reload_signal == SIGHUP);
    CHECK(plan->signal_map.apply(SIGTERM) == SIGQUIT);
    CHECK(plan->refused_signals.count(SIGWINCH) == 1);
    CHECK_FALSE(plan->bridge);
    CHECK(plan->watchdog == Millis(0));
    // The probes get the shim's environment without the shim's own variables.
    const auto& probe_env = plan->readiness.check.probe_env;
    CHECK(probe_env == std::vector<std::string>{"PATH=/bin", "HOME=/root"});
}

TEST_CASE("plan: a mapping of the user's wins over the adapter's stop signal") {
    const auto plan = plan_run(options({"--map-signal", "TERM:INT", "nginx"}), inputs());
    REQUIRE(plan);
    CHECK(plan->signal_map.apply(SIGTERM) == SIGINT);
}

TEST_CASE("plan: caddy and the rest send their own READY=1, the usage errors are caught before anything runs") {
    const auto caddy = plan_run(options({"caddy", "run"}), inputs());
    REQUIRE(caddy);
    CHECK(caddy->readiness.check.mode.kind == ReadyKind::notify);
    CHECK(caddy->signal_map.apply(SIGQUIT) == SIGTERM);
    CHECK_FALSE(caddy->reload_signal);
    CHECK_FALSE(names(caddy->server.env, "NGINX"));

    CHECK(plan_run(options({"--ready=target", "app"}), inputs()).message() ==
          "--ready=target waits for the --bridge targets, and there is no --bridge");
    CHECK(plan_run(options({"--ready=pidfile", "app"}), inputs()).message() ==
          "--ready=pidfile needs the path for app: --ready=pidfile:/run/NAME.pid");
    const auto nginx_pidfile = plan_run(options({"--ready=pidfile", "nginx"}), inputs());
    REQUIRE(nginx_pidfile);
    CHECK(nginx_pidfile->readiness.check.mode.argument == "/run/nginx.pid");
}

TEST_CASE("plan: nginx and caddy refuse a connected socket, a generic server may take one") {
    RunInputs in = inputs();
    in.sockets[1].listening = false;
    in.sockets[1].connected = true;
    const auto refused = plan_run(options({"nginx"}), in);
    REQUIRE_FALSE(refused);
    CHECK(refused.message().find("fd 4 'https' (0.0.0.0:443) is a connected stream socket") == 0);
    CHECK_FALSE(plan_run(options({"caddy", "run"}), in));
    CHECK(plan_run(options({"inetd-app"}), in));
}

TEST_CASE("plan: behind a bridge the server gets no socket and nothing that names one") {
    RunInputs in = inputs();
    in.environment.push_back("NGINX=3;");  // hand-written, and wrong behind a bridge
    const auto plan =
        plan_run(options({"--bridge", "http=127.0.0.1:8080", "--bridge", "https=127.0.0.1:8443", "nginx"}), in);
    REQUIRE(plan);
    CHECK(plan->server.pass_fds.empty());
    CHECK(plan->handed_over.empty());
    CHECK(plan->server.pid_variable.empty());
    CHECK_FALSE(names(plan->server.env, "NGINX"));
    CHECK_FALSE(names(plan->server.env, "LISTEN_FDS"));
    CHECK(plan->readiness.check.mode.kind == ReadyKind::target);
    CHECK(plan->readiness.check.targets.size() == 2);
    REQUIRE(plan->bridge);
    CHECK(plan->bridge->listeners.size() == 2);
    CHECK(plan->bridge->max_connections == 0);  // from RLIMIT_NOFILE, after the launch
    CHECK(plan->bridge->accept_once_ready);     // --ready=target: the targets would refuse what came earlier
    const auto at_exec = plan_run(
        options({"--ready=exec", "--bridge", "http=127.0.0.1:8080", "--bridge", "https=127.0.0.1:8443", "nginx"}), in);
    REQUIRE(at_exec);
    CHECK_FALSE(at_exec->bridge->accept_once_ready);

    const auto partial = plan_run(options({"--bridge", "http=127.0.0.1:8080", "nginx"}), in);
    REQUIRE_FALSE(partial);
    CHECK(partial.message().find("fd 4 'https'") != std::string::npos);
}

TEST_CASE("plan: --exit-idle counts nginx's and caddy's TCP listeners, or the bridge's own, refused elsewhere") {
    RunInputs in = inputs();
    in.sockets.push_back(sock(5, "quic", AF_INET, "0.0.0.0:443", 13, SOCK_DGRAM));
    in.activation.count = 3;
    in.activation.names.push_back("quic");
    auto plan = plan_run(options({"--exit-idle", "5m", "caddy", "run"}), in);
    REQUIRE(plan);
    CHECK(plan->exit_idle == std::chrono::minutes(5));
    std::set<unsigned long> counted;
    for (const auto& s : plan->idle_listeners) counted.insert(s.inode);
    CHECK(counted == std::set<unsigned long>{11, 12, 13});  // the TCP listeners and caddy's QUIC socket
    CHECK(plan->warnings.empty());
    CHECK(plan->keep_own_copies);  // PID 1 watches them for arrivals
    CHECK(plan_run(options({"nginx"}), inputs())->exit_idle.count() == 0);
    CHECK_FALSE(plan_run(options({"caddy", "run"}), inputs())->keep_own_copies);

    const auto generic = plan_run(options({"--exit-idle", "30s", "myserver"}), inputs());
    REQUIRE_FALSE(generic);
    CHECK(generic.message() ==
          "--exit-idle 30s: sdshim cannot count the client connections of myserver (generic "
          "adapter): it counts nginx's, caddy's and --bridge's own; use --bridge SOCKET=TARGET, "
          "or drop --exit-idle");
    const auto bridged = plan_run(options({"--exit-idle", "30s", "--bridge", "http=127.0.0.1:8080", "--bridge",
                                           "https=127.0.0.1:8443", "myserver"}),
                                  inputs());
    REQUIRE(bridged);
    CHECK(bridged->idle_listeners.empty());  // the bridge counts its own
    CHECK(bridged->exit_idle == std::chrono::seconds(30));

    RunInputs unix_only = inputs();
    unix_only.sockets = {sock(3, "http", AF_UNIX, "/run/web.sock", 21)};
    unix_only.activation.count = 1;
    unix_only.activation.names = {"http"};
    unix_only.sockets.push_back(sock(4, "tcp", AF_INET, "0.0.0.0:80", 22));
    unix_only.activation.count = 2;
    unix_only.activation.names.push_back("tcp");
    const auto unix_warned = plan_run(options({"--exit-idle", "1m", "nginx"}), unix_only);
    REQUIRE(unix_warned);
    REQUIRE(unix_warned->warnings.size() == 1);
    CHECK(unix_warned->warnings[0] ==
          "--exit-idle 60s: the connections on fd 3 'http' (/run/web.sock) are not counted "
          "(only TCP and UDP ones are): a client there alone does not keep nginx running");
    unix_only.sockets.pop_back();
    unix_only.activation.count = 1;
    unix_only.activation.names.pop_back();
    const auto unix_refused = plan_run(options({"--exit-idle", "1m", "nginx"}), unix_only);
    REQUIRE_FALSE(unix_refused);
    CHECK(unix_refused.message() ==
          "--exit-idle 60s: no inherited listening TCP socket, whose connections it counts "
          "(only fd 3 'http' (/run/web.sock)); pass the sockets of a .socket unit's "
          "ListenStream=, or drop --exit-idle");
    RunInputs none = inputs({"PATH=/bin"});
    none.sockets.clear();
    none.activation = {};
    const auto no_sockets = plan_run(options({"--exit-idle", "1m", "nginx"}), none);
    REQUIRE_FALSE(no_sockets);
    CHECK(no_sockets.message().find("(LISTEN_FDS passed none)") != std::string::npos);
}

TEST_CASE("plan: the watchdog from --watchdog or WATCHDOG_USEC, off without NOTIFY_SOCKET") {
    auto notify_mode = plan_run(options({"--watchdog=20s", "app"}), inputs());
    REQUIRE(notify_mode);
    CHECK(notify_mode->watchdog == Millis(20000));
    CHECK(has(notify_mode->server.env, "WATCHDOG_USEC=20000000"));  // it pings by itself

    auto listen_mode = plan_run(options({"--watchdog=20s", "nginx"}), inputs());
    REQUIRE(listen_mode);
    CHECK(listen_mode->watchdog == Millis(20000));
    CHECK_FALSE(names(listen_mode->server.env, "WATCHDOG_USEC"));  // the shim checks and pings

    auto from_env =
        plan_run(options({"nginx"}), inputs({"NOTIFY_SOCKET=/run/n", "WATCHDOG_USEC=4000000", "WATCHDOG_PID=1"}));
    REQUIRE(from_env);
    CHECK(from_env->watchdog == Millis(4000));
    CHECK(from_env->warnings.empty());

    auto others =
        plan_run(options({"nginx"}), inputs({"NOTIFY_SOCKET=/run/n", "WATCHDOG_USEC=4000000", "WATCHDOG_PID=77"}));
    REQUIRE(others);
    CHECK(others->watchdog == Millis(0));  // another process's watchdog

    auto clamped = plan_run(options({"nginx"}), inputs({"NOTIFY_SOCKET=/run/n", "WATCHDOG_USEC=1"}));
    REQUIRE(clamped);
    CHECK(clamped->watchdog == kMinWatchdog);
    REQUIRE(clamped->warnings.size() == 1);
    CHECK(clamped->warnings[0].find("WATCHDOG_USEC=1 is shorter") == 0);

    auto no_socket = plan_run(options({"--watchdog=20s", "nginx"}), inputs({"PATH=/bin"}));
    REQUIRE(no_socket);
    CHECK(no_socket->watchdog == Millis(0));
    CHECK_FALSE(no_socket->notify_socket);
    CHECK_FALSE(no_socket->readiness.notify_outer);
    REQUIRE(no_socket->warnings.size() == 1);
    CHECK(no_socket->warnings[0] ==
          "--watchdog=20s has no NOTIFY_SOCKET to ping (podman run --sdnotify=container): it is off");
}

TEST_CASE("plan: LISTEN_* meant for another process: the server gets no socket and no LISTEN_*") {
    RunInputs in = inputs({"LISTEN_PID=77", "LISTEN_FDS=1", "PATH=/bin"});
    in.activation = ActivationPlan{};
    in.activation.present = true;
    in.activation.ignored = true;
    in.sockets.clear();
    const auto plan = plan_run(options({"app"}), in);
    REQUIRE(plan);
    CHECK(plan->server.pass_fds.empty());
    CHECK(plan->server.env == std::vector<std::string>{"PATH=/bin"});
    CHECK(plan->server.pid_variable.empty());
}

TEST_CASE("plan: the options that only pass through") {
    const auto plan = plan_run(
        options({"--grace=3s", "--exit-grace=1s", "--success-exit=143", "--forward-to=group", "--notify-access=main",
                 "--ready-timeout=5s", "--on-dropped-socket=warn", "--ready=cmd:true", "app"}),
        inputs());
    REQUIRE(plan);
    CHECK(plan->grace == Millis(3000));
    CHECK(plan->exit_grace == Millis(1000));
    CHECK(plan->success_exit == std::vector<int>{143});
    CHECK(plan->forward_to == ForwardTo::group);
    CHECK(plan->notify_access == NotifyAccess::main);
    CHECK(plan->readiness.timeout == Millis(5000));
    CHECK(plan->readiness.on_dropped == DroppedSocketPolicy::warn);
    CHECK(plan->readiness.check.mode.kind == ReadyKind::command);
    CHECK(plan->inherited_sockets == 2);
    CHECK(plan->debug.size() == 2);
}

TEST_CASE("plan: find_variable reads KEY=VALUE lists exactly") {
    const std::vector<std::string> env{"A=1", "AB=2", "B=", "C"};
    CHECK(std::string(find_variable(env, "A")) == "1");
    CHECK(std::string(find_variable(env, "AB")) == "2");
    CHECK(std::string(find_variable(env, "B")).empty());
    CHECK(find_variable(env, "C") == nullptr);
    CHECK(find_variable(env, "D") == nullptr);
}

TEST_CASE("plan: the reload check is nginx -t -q with the server's own arguments, past its wrapper") {
    auto plan = plan_run(options({"/docker-entrypoint.sh", "nginx", "-g", "daemon off;"}), inputs());
    REQUIRE(plan);
    CHECK(plan->reload_check.argv == std::vector<std::string>{"nginx", "-g", "daemon off;", "-t", "-q"});
    CHECK(plan->reload_check.timeout == Millis(60000));
    CHECK(has(plan->reload_check.env, "PATH=/bin"));
    CHECK_FALSE(names(plan->reload_check.env, "SDSHIM_GRACE"));
    // the test gets the server's sockets and variables: it finds its `listen`s inherited
    CHECK(has(plan->reload_check.env, "NGINX=3;4;"));
    CHECK(plan->reload_check.pass_fds == std::vector<int>{3, 4});
    CHECK(plan->reload_check.error_mark == "[emerg]");

    plan = plan_run(options({"--ready-timeout=5s", "/usr/sbin/nginx", "-c", "/etc/nginx/x.conf"}), inputs());
    REQUIRE(plan);
    CHECK(plan->reload_check.argv ==
          std::vector<std::string>{"/usr/sbin/nginx", "-c", "/etc/nginx/x.conf", "-t", "-q"});
    CHECK(plan->reload_check.timeout == Millis(5000));

    plan = plan_run(options({"--server=nginx", "/usr/local/bin/start-web"}), inputs());
    REQUIRE(plan);
    CHECK(plan->reload_check.argv == std::vector<std::string>{"nginx", "-t", "-q"});

    plan = plan_run(options({"--reload-check=off", "nginx"}), inputs());
    REQUIRE(plan);
    CHECK(plan->reload_check.argv.empty());
    plan = plan_run(options({"--reload-check=cmd:/check.sh --strict", "nginx"}), inputs());
    REQUIRE(plan);
    CHECK(plan->reload_check.argv == std::vector<std::string>{"/bin/sh", "-c", "/check.sh --strict"});

    // caddy validates through its admin API itself, and a generic server has no reload signal
    plan = plan_run(options({"caddy", "run"}), inputs());
    REQUIRE(plan);
    CHECK(plan->reload_check.argv.empty());
    CHECK(plan_run(options({"--reload-check=cmd:true", "app"}), inputs()).message() ==
          "--reload-check=cmd: runs before the reload signal, and app has none (the nginx adapter's is SIGHUP): use "
          "--server=nginx, or drop --reload-check");
    const auto env = [](const char*) -> const char* { return nullptr; };
    CHECK(parse_cli({"sdshim", "--reload-check", "cmd: ", "nginx"}, env).message() ==
          "--reload-check 'cmd: ': expected auto, off or cmd:COMMAND");
    CHECK_FALSE(parse_cli({"sdshim", "--reload-check", "on", "nginx"}, env).ok());
}

TEST_CASE("plan: a NOTIFY_SOCKET that is no unix address is a usage error before anything runs") {
    auto vsock = plan_run(options({"nginx"}), inputs({"NOTIFY_SOCKET=vsock:2:1234"}));
    REQUIRE_FALSE(vsock);
    CHECK(vsock.message().find("NOTIFY_SOCKET='vsock:2:1234': expected an absolute path or an @abstract name") == 0);
    auto empty_name = plan_run(options({"nginx"}), inputs({"NOTIFY_SOCKET=@"}));
    REQUIRE_FALSE(empty_name);
    CHECK(empty_name.message() == "NOTIFY_SOCKET='@': the name is empty");
    auto abstract = plan_run(options({"nginx"}), inputs({"NOTIFY_SOCKET=@podman/notify"}));
    REQUIRE(abstract);
    CHECK(abstract->notify_socket->text == "@podman/notify");
}
