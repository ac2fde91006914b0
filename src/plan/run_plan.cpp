// The plan of a run: from the options, the inherited sockets and the environment, everything the
// Supervisor needs, decided up front by one pure function. No I/O here.
#include "plan/run_plan.hpp"

#include "adapters/handoff.hpp"
#include "launch/child_env.hpp"

#include <fmt/format.h>

#include <sys/socket.h>

namespace sdshim {
namespace {

std::vector<std::string> child_env(const std::vector<std::string>& environment, const EnvEdit& edit) {
    std::vector<const char*> raw;
    raw.reserve(environment.size() + 1);
    for (const auto& kv : environment) raw.push_back(kv.c_str());
    raw.push_back(nullptr);
    return build_child_env(raw.data(), edit);
}

// --exit-idle: what counts the client connections. The bridge counts its own; for nginx and caddy,
// the clients of the TCP listeners and UDP sockets handed over (caddy's QUIC), seen from PID 1's
// own copies and the server's fds in whatever network namespace the listeners are.
Status plan_exit_idle(const Options& opt, RunPlan& plan) {
    if (opt.exit_idle.count() == 0) return {};
    plan.exit_idle = opt.exit_idle;
    if (plan.bridge) return {};
    const std::string what = "--exit-idle " + format_duration(opt.exit_idle);
    if (!adapter_for(plan.kind).connections_countable)
        return Error{
            fmt::format("{}: sdshim cannot count the client connections of {} (generic adapter): it counts "
                        "nginx's, caddy's and --bridge's own; use --bridge SOCKET=TARGET, or drop --exit-idle",
                        what, plan.program)};
    std::vector<SocketInfo> uncounted;
    for (const auto& s : plan.handed_over) {
        const bool inet = s.family == AF_INET || s.family == AF_INET6;
        if (inet && ((s.type == SOCK_STREAM && s.listening) || (s.type == SOCK_DGRAM && !s.connected)))
            plan.idle_listeners.push_back(s);
        else
            uncounted.push_back(s);
    }
    const std::string others = describe_sockets(uncounted);
    bool tcp = false;
    for (const auto& s : plan.idle_listeners) tcp = tcp || s.type == SOCK_STREAM;
    if (!tcp)
        return Error{fmt::format(
            "{}: no inherited listening TCP socket, whose connections it counts ({}); pass the "
            "sockets of a .socket unit's ListenStream=, or drop --exit-idle",
            what, plan.handed_over.empty() ? "LISTEN_FDS passed none" : "only " + describe_sockets(plan.handed_over))};
    if (!uncounted.empty())
        plan.warnings.push_back(
            fmt::format("{}: the connections on {} are not counted (only TCP and UDP ones are): a "
                        "client there alone does not keep {} running",
                        what, others, plan.program));
    plan.keep_own_copies = true;
    return {};
}

// WatchdogSec: --watchdog, else systemd's WATCHDOG_USEC when it names the shim; off without a
// NOTIFY_SOCKET to ping.
Millis plan_watchdog(const Options& opt, const RunInputs& in, bool notify, std::vector<std::string>& warnings) {
    Millis interval = opt.watchdog.value_or(Millis(0));
    if (!opt.watchdog) {
        const auto env = watchdog_from_env(find_variable(in.environment, "WATCHDOG_USEC"),
                                           find_variable(in.environment, "WATCHDOG_PID"), in.self);
        if (!env.warning.empty()) warnings.push_back(env.warning);
        interval = env.interval.value_or(Millis(0));
    }
    if (interval.count() > 0 && !notify) {
        warnings.push_back(
            fmt::format("--watchdog={} has no NOTIFY_SOCKET to ping (podman run --sdnotify=container): it is off",
                        format_duration(interval)));
        interval = Millis(0);
    }
    return interval;
}

}  // namespace

const char* find_variable(const std::vector<std::string>& environment, std::string_view name) {
    for (const auto& kv : environment)
        if (kv.size() > name.size() && kv[name.size()] == '=' && kv.compare(0, name.size(), name) == 0)
            return kv.c_str() + name.size() + 1;
    return nullptr;
}

Result<RunPlan> plan_run(const Options& opt, const RunInputs& in) {
    RunPlan plan;
    plan.kind = choose_server(opt.server, opt.command);
    plan.program = server_label(plan.kind, opt.command);
    plan.inherited_sockets = in.activation.count;
    const bool bridged = !opt.bridges.empty();

    if (bridged) {
        auto listeners = plan_bridges(opt.bridges, in.sockets);
        if (!listeners) return listeners.error();
        BridgeConfig bc;
        bc.listeners = std::move(*listeners);
        bc.proxy = opt.bridge_proxy;
        bc.connect_timeout = opt.bridge_connect_timeout;
        bc.max_connections = opt.bridge_max_connections;
        plan.bridge = std::move(bc);
    }
    // What the server is handed: every inherited socket, or none behind a bridge.
    plan.handed_over = bridged ? std::vector<SocketInfo>{} : in.sockets;

    ServingCheck& check = plan.readiness.check;
    check.mode = resolve_ready_mode(opt.ready, plan.kind, bridged);
    if (plan.bridge) plan.bridge->accept_once_ready = holds_clients_until_ready(check.mode);
    if (check.mode.kind == ReadyKind::target && !bridged)
        return Error{"--ready=target waits for the --bridge targets, and there is no --bridge"};
    if (check.mode.kind == ReadyKind::pidfile && check.mode.argument.empty())
        return Error{
            fmt::format("--ready=pidfile needs the path for {}: --ready=pidfile:/run/NAME.pid", opt.command[0])};

    const AdapterPlan adapter = plan_adapter(plan.kind, plan.handed_over);
    if (!adapter.refusal.empty()) return Error{adapter.refusal};
    plan.warnings = adapter.warnings;
    plan.set_nonblocking = adapter.set_nonblocking;
    plan.refused_signals = adapter.refused_signals;
    plan.reload_signal = adapter_for(plan.kind).reload_signal;
    plan.signal_map = opt.signal_map;
    for (const auto& rule : adapter.signal_defaults) plan.signal_map.add_default(rule);
    plan.forward_to = opt.forward_to;
    plan.grace = opt.grace;
    plan.exit_grace = opt.exit_grace;
    plan.success_exit = opt.success_exit;
    for (const auto& s : in.sockets)
        plan.debug.push_back(fmt::format("fd {} '{}': {} {} {} {}", s.fd, s.name, family_name(s.family),
                                         type_name(s.type), s.address, s.listening ? "listening" : "not listening"));

    if (const char* outer = find_variable(in.environment, "NOTIFY_SOCKET"); outer && *outer) {
        auto address = parse_notify_address(outer);
        if (!address) return address.error();
        plan.notify_socket = std::move(*address);
    }
    plan.notify_access = opt.notify_access;
    plan.watchdog = plan_watchdog(opt, in, plan.notify_socket.has_value(), plan.warnings);

    check.adapter = &adapter_for(plan.kind);
    check.program = plan.program;
    check.watched = sockets_to_watch(plan.kind, plan.handed_over);
    for (const auto& b : opt.bridges) check.targets.push_back(b.target);
    check.probe_env = child_env(in.environment, {});
    check.look_timeout = opt.check_timeout;
    plan.readiness.timeout = opt.ready_timeout;
    if (opt.reload_check.starts_with("cmd:")) {
        if (!plan.reload_signal)
            return Error{
                fmt::format("--reload-check=cmd: runs before the reload signal, and {} has none (the nginx "
                            "adapter's is SIGHUP): use --server=nginx, or drop --reload-check",
                            plan.program)};
        plan.reload_check.argv = {"/bin/sh", "-c", opt.reload_check.substr(4)};
    } else if (opt.reload_check == "auto") {
        plan.reload_check.argv = config_test_for(plan.kind, opt.command);
    }
    plan.reload_check.error_mark = adapter_for(plan.kind).config_error_mark;
    plan.reload_check.timeout = opt.ready_timeout;
    plan.readiness.on_dropped = opt.on_dropped_socket;
    if (auto idle = plan_exit_idle(opt, plan); !idle) return idle.error();
    plan.readiness.notify_outer = plan.notify_socket.has_value();

    // The server's environment: the shim's own variables only as the shim sets them.
    const Handoff handoff = plan_handoff(in.activation, plan.handed_over, adapter);
    EnvEdit edit = handoff.env;
    // In notify mode the server pings by itself: it gets the interval (systemd's WATCHDOG_PID would
    // name a process outside the container).
    if (plan.watchdog.count() > 0 && check.mode.kind == ReadyKind::notify)
        edit.set.emplace_back("WATCHDOG_USEC", fmt::to_string(plan.watchdog.count() * 1000));
    plan.server.argv = opt.command;
    plan.server.env = child_env(in.environment, edit);
    plan.server.pass_fds = handoff.pass_fds;
    if (handoff.listen_pid) plan.server.pid_variable = "LISTEN_PID";
    // The test gets what the server got: with the shipped RestrictAddressFamilies=AF_UNIX AF_NETLINK,
    // nginx -t could not even create the socket of a `listen` it does not find inherited.
    plan.reload_check.env = plan.server.env;
    plan.reload_check.pass_fds = plan.server.pass_fds;
    if (!plan.reload_check.argv.empty()) plan.keep_own_copies = true;  // the test takes them too
    return plan;
}

}  // namespace sdshim
