// The controller once the server runs: one method per event (signal, children, notify message,
// readiness verdict, stop), over the state they share. main.cpp prepares the parts and hands them in.
#include "supervisor.hpp"

#include "base/log.hpp"
#include "base/signal_names.hpp"
#include "core/exit_status.hpp"
#include "core/reaper.hpp"
#include "proc/process_tree.hpp"

#include <fmt/format.h>

#include <csignal>
#include <cstdint>
#include <stdexcept>

#include <unistd.h>

namespace sdshim {
namespace {

// The server's NOTIFY_SOCKET check: only processes the shim started may speak for the service.
NotifyRelay::SenderCheck sender_check(NotifyAccess access, pid_t main_pid) {
    return [access, main_pid](pid_t pid) -> Status {
        if (pid <= 0) return Error{"the sender is outside the container's pid namespace"};
        // By pid, not by /proc: the main child's last message may be read after it was reaped.
        if (pid == main_pid) return {};
        if (access == NotifyAccess::main) return Error{fmt::format("--notify-access=main accepts only pid {}", main_pid)};
        if (pid != ::getpid() && is_in_tree(pid, ::getpid())) return {};
        return Error{"not a process started by the shim"};
    };
}

}  // namespace

Supervisor::Supervisor(EventLoop& loop, SignalChannel& signals, SupervisorParts parts)
    : loop_(loop),
      signals_(signals),
      opt_(parts.options),
      kind_(parts.kind),
      program_(std::move(parts.program)),
      ready_mode_(parts.ready_mode),
      main_pid_(parts.main_pid),
      relay_(parts.relay),
      bridge_(std::move(parts.bridge)),
      watchdog_(parts.watchdog),
      forwarder_(opt_.signal_map, opt_.forward_to, parts.refused_signals),
      stop_(opt_.grace, opt_.exit_grace),
      readiness_(loop, std::move(parts.readiness),
                 Readiness::Hooks{[this](const std::vector<std::string>& lines) { notify(lines); },
                                  [this](const std::string& line) { on_not_ready(line); }, [this] { on_ready(); }}) {
    stop_deadline_ = loop_.add_deadline([this] {
        loop_.arm(stop_deadline_, stop_.deadline_expired(EventLoop::Clock::now()));
        if (stop_.gave_up()) finish();
    });
    // Bridged connections still open when the server's processes are gone (data on its way to a
    // slow client) get until the end of --grace.
    drain_deadline_ = loop_.add_deadline([this] { finish_now(); });
    // Before the loop runs: a failure here is "cannot start at all".
    if (auto watched = loop_.watch(signals_.fd(), [this] { on_signals(); }); !watched)
        throw std::runtime_error("signalfd: " + watched.message());
    if (relay_)
        if (auto attached = relay_->attach(loop_, sender_check(opt_.notify_access, main_pid_),
                                           [this](pid_t pid, const NotifyMessage& msg) { on_server_message(pid, msg); });
            !attached)
            throw std::runtime_error(attached.message());
}

int Supervisor::run() {
    // Behind a bridge with --ready=target, clients wait in the backlog until the server accepts:
    // accepted earlier, their connections would be refused by the target.
    if (bridge_ && ready_mode_.kind != ReadyKind::target) bridge_->start();
    readiness_.started(main_pid_);
    on_children();  // the child may be gone already; its SIGCHLD then waits in the signalfd
    if (!finished_)
        if (auto ran = loop_.run(); !ran) {  // epoll itself broke: nothing can be waited for any more
            log::critical("{}: SIGKILL to every process, then exit", ran.message());
            signal_all_processes(SIGKILL);
            return 1;
        }
    if (relay_) relay_->drain();
    if (failed_) return 1;
    // No status only if the main child outlived SIGKILL and the shim gave up waiting.
    return exit_code_from_status(main_status_.value_or(SIGKILL), opt_.success_exit);
}

void Supervisor::notify(const std::vector<std::string>& lines) {
    if (relay_) relay_->send(lines);
}

void Supervisor::on_signals() {
    for (const auto& si : signals_.drain()) {
        const int sig = static_cast<int>(si.ssi_signo);
        const auto sender = static_cast<pid_t>(si.ssi_pid);
        if (sig == SIGCHLD) {
            on_children();
        } else if (is_stop_signal(sig)) {
            begin_stop(sig, sender);
        } else {
            sigval value{};
            value.sival_ptr = reinterpret_cast<void*>(static_cast<std::uintptr_t>(si.ssi_ptr));
            forward(sig, sender, si.ssi_code == SI_QUEUE ? &value : nullptr);
        }
    }
}

void Supervisor::forward(int sig, pid_t sender, const sigval* value) {
    const bool reload = reload_signal(kind_) == opt_.signal_map.apply(sig);
    if (reload) readiness_.before_reload();
    auto d = forwarder_.forward(sig, sender, main_pid_, !main_status_, value);
    if (reload && d.action == ForwardDecision::Action::forward) readiness_.reload_signalled();
}

void Supervisor::begin_stop(int sig, pid_t sender) {
    const bool first = !stop_.stopping();
    auto d = forwarder_.forward(sig, sender, main_pid_, !main_status_);
    if (!d.starts_stop) return;
    if (first) {
        if (bridge_) bridge_->stop_accepting();
        readiness_.stopping();
        watchdog_.stop();
        notify({"STOPPING=1", fmt::format("STATUS=stopping {}: {} sent, SIGKILL in {}", program_,
                                          signal_name(d.signal), format_duration(opt_.grace))});
    }
    loop_.arm(stop_deadline_, stop_.stop_requested(EventLoop::Clock::now()));
}

void Supervisor::on_children() {
    const pid_t readiness_probe = readiness_.probe_pid(), liveness_probe = watchdog_.probe_pid();
    ReapResult r = reap_children(main_pid_, {readiness_probe, liveness_probe});
    if (r.orphans_reaped > 0) log::debug("reaped {} orphaned process(es)", r.orphans_reaped);
    for (auto [pid, status] : r.helpers) {
        if (pid == readiness_probe)
            readiness_.probe_exited(status);
        else
            watchdog_.probe_exited(status);
    }
    if (r.main_status) {
        main_status_ = r.main_status;
        watchdog_.stop();
        log::info("{} (pid {}) {}", opt_.command[0], main_pid_, describe_status(*main_status_));
        // What the server sent before it exited comes first, and may be its READY=1: read it
        // before judging how it ended, so the last STATUS= is really the last.
        if (relay_) relay_->drain();
        const std::string why = readiness_.server_exited(*main_status_);
        if (!failed_) notify({"STATUS=" + why.substr(0, 2000)});  // else the failure's own STATUS stays
    }
    if (!main_status_) return;
    if (r.no_children_left) return finish();
    if (r.main_status) loop_.arm(stop_deadline_, stop_.main_exited_with_survivors(EventLoop::Clock::now()));
}

void Supervisor::on_server_message(pid_t sender, const NotifyMessage& msg) {
    const auto lines = watchdog_.relayable(readiness_.relayable(sender, msg));
    if (!lines.empty()) relay_->send(lines);
}

void Supervisor::on_not_ready(const std::string& line) {
    log::error("{}", line);
    failed_ = true;
    begin_stop(SIGTERM, ::getpid());
    notify({"STATUS=" + line.substr(0, 2000)});  // after the stop's own STATUS: the reason is the last word
}

void Supervisor::on_ready() {
    if (bridge_ && ready_mode_.kind == ReadyKind::target) bridge_->start();
    watchdog_.start(main_pid_);
}

void Supervisor::finish_now() {
    finished_ = true;
    loop_.stop();
}

void Supervisor::finish() {
    if (!bridge_ || bridge_->open_connections() == 0) return finish_now();
    log::debug("waiting up to {} for {} bridged connection(s)", format_duration(opt_.grace),
               bridge_->open_connections());
    bridge_->on_idle([this] { finish_now(); });
    bridge_->stop_accepting();
    loop_.arm(drain_deadline_, EventLoop::Clock::now() + opt_.grace);
}

}  // namespace sdshim
