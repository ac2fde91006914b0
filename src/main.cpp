// Wires the modules together: options, logging, launch, then the one event loop until exit.
#include "activation.hpp"
#include "adapters.hpp"
#include "bridge.hpp"
#include "child_env.hpp"
#include "cli.hpp"
#include "event_loop.hpp"
#include "exit_status.hpp"
#include "fd_hygiene.hpp"
#include "forwarder.hpp"
#include "handoff.hpp"
#include "inspect_report.hpp"
#include "launch.hpp"
#include "notify_relay.hpp"
#include "process_tree.hpp"
#include "readiness.hpp"
#include "socket_check.hpp"
#include "watchdog.hpp"
#include "log.hpp"
#include "reaper.hpp"
#include "shutdown.hpp"
#include "signal_channel.hpp"
#include "signal_names.hpp"

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

ServerKind chosen_server(const Options& opt) {
    switch (opt.server) {
        case ServerChoice::nginx: return ServerKind::nginx;
        case ServerChoice::caddy: return ServerKind::caddy;
        case ServerChoice::generic: return ServerKind::generic;
        case ServerChoice::automatic: break;
    }
    return detect_server(opt.command);
}

// "nginx" for the adapters, else the program's base name: what log and STATUS lines call the server.
std::string program_label(ServerKind kind, const std::vector<std::string>& command) {
    if (kind != ServerKind::generic) return server_name(kind);
    const std::string& p = command.front();
    auto slash = p.rfind('/');
    return slash == std::string::npos ? p : p.substr(slash + 1);
}

// The server's NOTIFY_SOCKET check: only processes the shim started may speak for the service.
NotifyRelay::SenderCheck sender_check(NotifyAccess access, const pid_t& main_pid) {
    return [access, &main_pid](pid_t pid) -> std::string {
        if (pid <= 0) return "the sender is outside the container's pid namespace";
        // By pid, not by /proc: the main child's last message may be read after it was reaped.
        if (pid == main_pid) return std::string();
        if (access == NotifyAccess::main) return fmt::format("--notify-access=main accepts only pid {}", main_pid);
        return pid != ::getpid() && is_in_tree(pid, ::getpid()) ? std::string()
                                                                : "not a process started by the shim";
    };
}

std::unique_ptr<Bridge> make_bridge(EventLoop& loop, const Options& opt, std::vector<BridgeListener> listeners) {
    BridgeConfig bc;
    bc.listeners = std::move(listeners);
    bc.proxy = opt.bridge_proxy;
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
    ActivationPlan plan = parse_listen_env({std::getenv("LISTEN_PID"), std::getenv("LISTEN_FDS"),
                                            std::getenv("LISTEN_FDNAMES")},
                                           ::getpid(), ::getppid());
    for (const auto& line : plan.debug) log::debug("{}", line);
    for (const auto& line : plan.warnings) log::warn("{}", line);
    if (plan.error) {
        log::error("{}", *plan.error);
        return kExitUsage;
    }
    inherited_sockets = plan.count;
    close_fds_from(kListenFdsStart + plan.count);  // runtimes may leave more open than LISTEN_FDS says
    std::vector<SocketInfo> sockets;
    if (auto err = inspect_sockets(plan, sockets)) {
        log::error("{}", *err);
        return kExitUsage;
    }
    const ServerKind kind = chosen_server(opt);
    const bool bridged = !opt.bridges.empty();
    std::vector<BridgeListener> listeners;
    if (bridged && !opt.inspect) {
        auto planned = plan_bridges(opt.bridges, sockets);
        if (auto* err = std::get_if<std::string>(&planned)) {
            log::error("{}", *err);
            return kExitUsage;
        }
        listeners = std::get<std::vector<BridgeListener>>(planned);
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
    for (const auto& w : adapter.warnings) log::warn("{}", w);
    for (const auto& rule : adapter.signal_defaults) opt.signal_map.add_default(rule);
    for (const auto& s : sockets)
        log::debug("fd {} '{}': {} {} {} {}", s.fd, s.name, family_name(s.family), type_name(s.type), s.address,
                   s.listening ? "listening" : "not listening");
    if (auto err = apply_socket_flags(adapter)) {
        log::error("{}", *err);
        return 1;
    }
    if (!become_subreaper_unless_pid1())
        log::warn("cannot become a child subreaper (prctl: {}): orphans of the server will not be reaped here",
                  std::strerror(errno));

    SignalChannel signals;
    EventLoop loop;

    std::unique_ptr<NotifyRelay> relay;
    if (const char* outer = std::getenv("NOTIFY_SOCKET"); outer && *outer) {
        auto opened = NotifyRelay::open(outer);
        if (auto* err = std::get_if<std::string>(&opened)) {
            log::error("{}", *err);
            return kExitUsage;
        }
        relay = std::move(std::get<std::unique_ptr<NotifyRelay>>(opened));
        log::debug("notify relay: {} -> {}", relay->inner_address(), relay->outer_address());
    }
    auto notify = [&](const std::vector<std::string>& lines) {
        if (relay) relay->send(lines);
    };

    Millis watchdog_interval = opt.watchdog ? *opt.watchdog
                                            : watchdog_from_env(std::getenv("WATCHDOG_USEC"), std::getenv("WATCHDOG_PID"),
                                                                ::getpid())
                                                  .value_or(Millis(0));
    if (watchdog_interval.count() > 0 && !relay) {
        log::warn("--watchdog={} has no NOTIFY_SOCKET to ping (podman run --sdnotify=container): it is off",
                  format_duration(watchdog_interval));
        watchdog_interval = Millis(0);
    }
    const std::string program = program_label(kind, opt.command);
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
    if (bridged) handoff.env.remove.push_back("NGINX");  // a hand-written NGINX=3; would name an fd nginx does not get
    if (relay) handoff.env.set.emplace_back("NOTIFY_SOCKET", relay->inner_address());
    LaunchSpec spec;
    spec.argv = opt.command;
    spec.env = build_child_env(environ, handoff.env);
    spec.pass_fds = handoff.pass_fds;
    if (handoff.listen_pid) spec.pid_variable = "LISTEN_PID";
    auto launched = launch(spec);
    close_own_copies(server_sockets);
    if (auto* failure = std::get_if<LaunchFailure>(&launched)) {
        log::error("{}", failure->message);
        return exit_code_for_exec_error(failure->error);
    }
    const pid_t main_pid = std::get<pid_t>(launched);
    log::debug("started {} as pid {} ({} adapter, {} socket(s), --ready={})", opt.command[0], main_pid,
               server_name(kind), sockets.size(), ready_mode_name(ready_mode));
    if (::chdir("/") != 0) log::debug("chdir /: {}", std::strerror(errno));

    std::unique_ptr<Bridge> bridge = bridged ? make_bridge(loop, opt, std::move(listeners)) : nullptr;

    Forwarder forwarder(opt.signal_map, opt.forward_to, adapter.refused_signals);
    StopSequence stop(opt.grace, opt.exit_grace);
    std::optional<int> main_status;
    bool finished = false;
    bool failed = false;  // the shim stopped the server because it was not ready or dropped a socket
    auto finish_now = [&] {
        finished = true;
        loop.stop();
    };
    // Bridged connections still open when the server's processes are gone (data on its way to a
    // slow client) get until the end of --grace.
    EventLoop::DeadlineId drain_deadline = loop.add_deadline(finish_now);
    auto finish = [&] {
        if (!bridge || bridge->open_connections() == 0) return finish_now();
        log::debug("waiting up to {} for {} bridged connection(s)", format_duration(opt.grace),
                   bridge->open_connections());
        bridge->on_idle(finish_now);
        bridge->stop_accepting();
        loop.arm(drain_deadline, EventLoop::Clock::now() + opt.grace);
    };

    EventLoop::DeadlineId stop_deadline = 0;
    stop_deadline = loop.add_deadline([&] {
        loop.arm(stop_deadline, stop.deadline_expired(EventLoop::Clock::now()));
        if (stop.gave_up()) finish();
    });
    auto arm = [&](StopSequence::Deadline when) { loop.arm(stop_deadline, when); };
    std::unique_ptr<Readiness> readiness;
    auto begin_stop = [&](int sig, pid_t sender) {
        const bool first = !stop.stopping();
        auto d = forwarder.forward(sig, sender, main_pid, !main_status);
        if (!d.starts_stop) return;
        if (first) {
            if (bridge) bridge->stop_accepting();
            if (readiness) readiness->stopping();
            watchdog.stop();
            notify({"STOPPING=1", fmt::format("STATUS=stopping {}: {} sent, SIGKILL in {}", program,
                                              signal_name(d.signal), format_duration(opt.grace))});
        }
        arm(stop.stop_requested(EventLoop::Clock::now()));
    };

    ReadinessConfig rc;
    rc.check = std::move(serving);
    rc.timeout = opt.ready_timeout;
    rc.on_dropped = opt.on_dropped_socket;
    rc.notify_outer = relay != nullptr;
    readiness = std::make_unique<Readiness>(loop, std::move(rc),
                                            Readiness::Hooks{notify, [&](const std::string& line) {
                                                                 log::error("{}", line);
                                                                 failed = true;
                                                                 begin_stop(SIGTERM, ::getpid());
                                                                 // after the stop's own STATUS: the reason is the last word
                                                                 notify({"STATUS=" + line.substr(0, 2000)});
                                                             },
                                                             [&] {
                                                                 if (bridge && ready_mode.kind == ReadyKind::target)
                                                                     bridge->start();
                                                                 watchdog.start(main_pid);
                                                             }});

    auto on_children = [&] {
        const pid_t readiness_probe = readiness->probe_pid(), liveness_probe = watchdog.probe_pid();
        ReapResult r = reap_children(main_pid, {readiness_probe, liveness_probe});
        if (r.orphans_reaped > 0) log::debug("reaped {} orphaned process(es)", r.orphans_reaped);
        for (auto [pid, status] : r.helpers) {
            if (pid == readiness_probe) readiness->probe_exited(status);
            else watchdog.probe_exited(status);
        }
        if (r.main_status) {
            main_status = r.main_status;
            watchdog.stop();
            log::info("{} (pid {}) {}", opt.command[0], main_pid, describe_status(*main_status));
            // What the server sent before it exited comes first, and may be its READY=1: read it
            // before judging how it ended, so the last STATUS= is really the last.
            if (relay) relay->drain();
            const std::string why = readiness->server_exited(*main_status);
            if (!failed) notify({"STATUS=" + why.substr(0, 2000)});  // else the failure's own STATUS stays
        }
        if (!main_status) return;
        if (r.no_children_left) return finish();
        if (r.main_status) arm(stop.main_exited_with_survivors(EventLoop::Clock::now()));
    };
    loop.watch(signals.fd(), [&] {
        for (const auto& si : signals.drain()) {
            int sig = static_cast<int>(si.ssi_signo);
            if (sig == SIGCHLD) {
                on_children();
                continue;
            }
            if (is_stop_signal(sig)) {
                begin_stop(sig, static_cast<pid_t>(si.ssi_pid));
                continue;
            }
            const bool nginx_reload = kind == ServerKind::nginx && opt.signal_map.apply(sig) == SIGHUP;
            if (nginx_reload) readiness->before_reload();
            sigval value{};
            value.sival_ptr = reinterpret_cast<void*>(static_cast<std::uintptr_t>(si.ssi_ptr));
            auto d = forwarder.forward(sig, static_cast<pid_t>(si.ssi_pid), main_pid, !main_status,
                                       si.ssi_code == SI_QUEUE ? &value : nullptr);
            if (nginx_reload && d.action == ForwardDecision::Action::forward) readiness->reload_signalled();
        }
    });
    if (relay)
        relay->attach(loop, sender_check(opt.notify_access, main_pid), [&](pid_t pid, NotifyMessage& msg) {
            readiness->server_message(pid, msg);
            watchdog.server_message(msg);
            if (!msg.relay.empty()) relay->send(msg.relay);
        });
    // Behind a bridge with --ready=target, clients wait in the backlog until the server accepts:
    // accepted earlier, their connections would be refused by the target.
    if (bridge && ready_mode.kind != ReadyKind::target) bridge->start();
    readiness->started(main_pid);
    on_children();  // the child may be gone already; its SIGCHLD then waits in the signalfd
    if (!finished) loop.run();
    if (relay) relay->drain();
    if (failed) return 1;
    // No status only if the main child outlived SIGKILL and the shim gave up waiting.
    return exit_code_from_status(main_status.value_or(SIGKILL), opt.success_exit);
}

}  // namespace
}  // namespace sdshim

int main(int argc, char** argv) {
    using namespace sdshim;
    init_logging();
    std::vector<std::string> args(argv, argv + argc);
    auto parsed = parse_cli(args, [](const char* name) { return static_cast<const char*>(std::getenv(name)); });
    if (auto* err = std::get_if<CliError>(&parsed)) {
        log::error("{}", err->message);
        return kExitUsage;
    }
    const auto& req = std::get<CliRequest>(parsed);
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
        log::critical("cannot go on: {}{}", e.what(), fd_limit_hint(e.what(), inherited_sockets));
        return 1;
    }
}
