// Wires the modules together: options, logging, launch, then the one event loop until exit.
#include "activation/activation.hpp"
#include "adapters/adapters.hpp"
#include "adapters/handoff.hpp"
#include "adapters/inspect_report.hpp"
#include "base/log.hpp"
#include "base/memory_reserve.hpp"
#include "base/signal_names.hpp"
#include "bridge/bridge.hpp"
#include "config/cli.hpp"
#include "core/event_loop.hpp"
#include "core/exit_status.hpp"
#include "core/fd_hygiene.hpp"
#include "core/forwarder.hpp"
#include "core/reaper.hpp"
#include "core/shutdown.hpp"
#include "core/signal_channel.hpp"
#include "launch/child_env.hpp"
#include "launch/launch.hpp"
#include "notify/notify_relay.hpp"
#include "proc/process_tree.hpp"
#include "readiness/readiness.hpp"
#include "readiness/socket_check.hpp"
#include "readiness/watchdog.hpp"
#include "supervisor.hpp"

#include <fmt/format.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>

#include <unistd.h>

extern char** environ;

namespace sdshim {
namespace {

std::unique_ptr<Bridge> make_bridge(EventLoop& loop, const Options& opt, std::vector<BridgeListener> listeners) {
    BridgeConfig bc;
    bc.listeners = std::move(listeners);
    bc.proxy = opt.bridge_proxy;
    bc.connect_timeout = opt.bridge_connect_timeout;
    bc.max_connections = opt.bridge_max_connections ? opt.bridge_max_connections
                                                    : default_bridge_max_connections(raise_fd_limit());
    const char* header = opt.bridge_proxy == ProxyProtocol::none ? ""
                         : opt.bridge_proxy == ProxyProtocol::v1 ? " with a PROXY v1 header"
                                                                 : " with a PROXY v2 header";
    for (const auto& l : bc.listeners) log::info("bridging {} to {}{}", l.label, l.target.text, header);
    log::debug("bridge: at most {} connection(s) at once", bc.max_connections);
    return std::make_unique<Bridge>(loop, std::move(bc));
}

// `inherited_sockets` is set as soon as LISTEN_* is parsed, for the fd-limit hint of a fatal error.
int run(Options opt, int& inherited_sockets) {
    const auto parsed = parse_listen_env(
        {std::getenv("LISTEN_PID"), std::getenv("LISTEN_FDS"), std::getenv("LISTEN_FDNAMES")}, ::getpid(), ::getppid());
    if (!parsed) {
        log::error("{}", parsed.message());
        return kExitUsage;
    }
    const ActivationPlan& plan = *parsed;
    for (const auto& line : plan.debug) log::debug("{}", line);
    for (const auto& line : plan.warnings) log::warn("{}", line);
    inherited_sockets = plan.count;
    close_fds_from(kListenFdsStart + plan.count);  // runtimes may leave more open than LISTEN_FDS says
    const auto inspected = inspect_sockets(plan);
    if (!inspected) {
        log::error("{}", inspected.message());
        return kExitUsage;
    }
    const std::vector<SocketInfo>& sockets = *inspected;
    const ServerKind kind = choose_server(opt.server, opt.command);
    const bool bridged = !opt.bridges.empty();
    std::vector<BridgeListener> listeners;
    if (bridged && !opt.inspect) {
        auto planned = plan_bridges(opt.bridges, sockets);
        if (!planned) {
            log::error("{}", planned.message());
            return kExitUsage;
        }
        listeners = std::move(*planned);
    }
    // What the server is handed: every inherited socket, or none behind a bridge.
    const std::vector<SocketInfo> server_sockets = bridged ? std::vector<SocketInfo>{} : sockets;
    AdapterPlan adapter = plan_adapter(kind, server_sockets);
    if (opt.inspect) {
        std::string report = opt.inspect_json ? inspect_json(plan, sockets, kind, adapter)
                                              : inspect_text(plan, sockets, kind, adapter);
        std::fputs(report.c_str(), stdout);
        return 0;
    }
    const ReadyMode ready_mode = resolve_ready_mode(opt.ready, kind, bridged);
    if (ready_mode.kind == ReadyKind::target && !bridged) {
        log::error("--ready=target waits for the --bridge targets, and there is no --bridge");
        return kExitUsage;
    }
    if (ready_mode.kind == ReadyKind::pidfile && ready_mode.argument.empty()) {
        log::error("--ready=pidfile needs the path for {}: --ready=pidfile:/run/NAME.pid", opt.command[0]);
        return kExitUsage;
    }
    if (!adapter.refusal.empty()) {
        log::error("{}", adapter.refusal);
        return kExitUsage;
    }
    for (const auto& w : adapter.warnings) log::warn("{}", w);
    for (const auto& rule : adapter.signal_defaults) opt.signal_map.add_default(rule);
    for (const auto& s : sockets)
        log::debug("fd {} '{}': {} {} {} {}", s.fd, s.name, family_name(s.family), type_name(s.type), s.address,
                   s.listening ? "listening" : "not listening");
    if (auto applied = apply_socket_flags(adapter); !applied) {
        log::error("{}", applied.message());
        return 1;
    }
    if (!become_subreaper_unless_pid1())
        log::warn("cannot become a child subreaper (prctl: {}): orphans of the server will not be reaped here",
                  std::strerror(errno));

    SignalChannel signals;
    EventLoop loop;
    memory_reserve::take();  // given up when an allocation fails, so that the shim can still say so

    std::unique_ptr<NotifyRelay> relay;
    if (const char* outer = std::getenv("NOTIFY_SOCKET"); outer && *outer) {
        auto opened = NotifyRelay::open(outer);
        if (!opened) {
            const int err = opened.error().code;
            log::error("{}{}", opened.message(), fd_limit_hint(err, inherited_sockets));
            return is_shortage(err) ? 1 : kExitUsage;  // out of fds is no usage error
        }
        relay = std::move(*opened);
        log::debug("notify relay: {} -> {}", relay->inner_address(), relay->outer_address());
    }
    auto notify = [&](const std::vector<std::string>& lines) {
        if (relay) relay->send(lines);
    };

    Millis watchdog_interval = opt.watchdog.value_or(Millis(0));
    if (!opt.watchdog) {
        const auto env = watchdog_from_env(std::getenv("WATCHDOG_USEC"), std::getenv("WATCHDOG_PID"), ::getpid());
        if (!env.warning.empty()) log::warn("{}", env.warning);
        watchdog_interval = env.interval.value_or(Millis(0));
    }
    if (watchdog_interval.count() > 0 && !relay) {
        log::warn("--watchdog={} has no NOTIFY_SOCKET to ping (podman run --sdnotify=container): it is off",
                  format_duration(watchdog_interval));
        watchdog_interval = Millis(0);
    }
    const std::string program = server_label(kind, opt.command);
    ServingCheck serving;
    serving.mode = ready_mode;
    serving.kind = kind;
    serving.program = program;
    serving.watched = sockets_to_watch(kind, server_sockets);
    if (bridged)
        for (const auto& b : opt.bridges) serving.targets.push_back(b.target);
    serving.probe_env = build_child_env(environ, {{"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "LISTEN_PIDFDID",
                                                   "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"},
                                                  {}});
    Watchdog watchdog(loop, WatchdogConfig{serving, watchdog_interval}, notify);

    Handoff handoff = plan_handoff(plan, server_sockets, adapter);
    handoff.env.remove.push_back("NOTIFY_SOCKET");
    // systemd's WATCHDOG_PID names a process outside the container; in notify mode the server gets
    // the interval to ping by itself.
    handoff.env.remove.insert(handoff.env.remove.end(), {"WATCHDOG_USEC", "WATCHDOG_PID"});
    for (auto& kv : watchdog.server_env()) handoff.env.set.push_back(kv);
    if (relay) handoff.env.set.emplace_back("NOTIFY_SOCKET", relay->inner_address());
    LaunchSpec spec;
    spec.argv = opt.command;
    spec.env = build_child_env(environ, handoff.env);
    spec.pass_fds = handoff.pass_fds;
    if (handoff.listen_pid) spec.pid_variable = "LISTEN_PID";
    auto launched = launch(spec);
    close_own_copies(server_sockets);
    if (!launched) {
        const int err = launched.error().code;
        log::error("{}{}", launched.message(), fd_limit_hint(err, inherited_sockets));
        return is_shortage(err) ? 1 : exit_code_for_exec_error(err);  // out of processes is no exec error
    }
    const pid_t main_pid = *launched;
    log::debug("started {} as pid {} ({} adapter, {} socket(s), --ready={})", opt.command[0], main_pid,
               server_name(kind), sockets.size(), ready_mode_name(ready_mode));
    if (::chdir("/") != 0) log::debug("chdir /: {}", std::strerror(errno));

    ReadinessConfig rc;
    rc.check = std::move(serving);
    rc.timeout = opt.ready_timeout;
    rc.on_dropped = opt.on_dropped_socket;
    rc.notify_outer = relay != nullptr;
    Supervisor supervisor(loop, signals,
                          SupervisorParts{opt, kind, program, ready_mode, main_pid, adapter.refused_signals, relay.get(),
                                          bridged ? make_bridge(loop, opt, std::move(listeners)) : nullptr, watchdog,
                                          std::move(rc)});
    return supervisor.run();
}

}  // namespace
}  // namespace sdshim

int main(int argc, char** argv) {
    using namespace sdshim;
    init_logging();
    std::vector<std::string> args(argv, argv + argc);
    auto parsed = parse_cli(args, [](const char* name) { return static_cast<const char*>(std::getenv(name)); });
    if (!parsed) {
        log::error("{}", parsed.message());
        return kExitUsage;
    }
    const CliRequest& req = *parsed;
    if (req.action == CliAction::help) {
        std::fputs(help_text().c_str(), stdout);
        return 0;
    }
    if (req.action == CliAction::version) {
        std::fputs(version_text().c_str(), stdout);
        return 0;
    }
    configure_logging(req.options.log_level, req.options.log_format);
    int inherited_sockets = 0;
    try {
        return run(req.options, inherited_sockets);
    } catch (const std::exception& e) {
        log::critical("cannot go on: {}{}", e.what(), fd_limit_hint(errno_in(e.what()), inherited_sockets));
        return 1;
    }
}
