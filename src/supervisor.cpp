// The runtime of a plan: builds every part from it, wires them, starts the server and routes each event to the parts.
#include "supervisor.hpp"

#include "adapters/adapters.hpp"
#include "adapters/handoff.hpp"
#include "base/log.hpp"
#include "base/memory_reserve.hpp"
#include "core/exit_status.hpp"
#include "core/fd_hygiene.hpp"
#include "core/own_signals.hpp"
#include "notify/sender_check.hpp"
#include "proc/process_tree.hpp"
#include "status/status_text.hpp"

#include <fmt/format.h>

#include <csignal>
#include <cstdint>
#include <cstring>
#include <utility>

#include <unistd.h>

namespace sdshim {

Supervisor::Supervisor(RunPlan plan)
    : plan_(std::move(plan)),
      signals_(loop_, [this](const signalfd_siginfo& si) { on_signal(si); }),
      server_(reaper_, [this](int status) { on_main_exited(status); }),
      forwarder_(plan_.signal_map, plan_.forward_to, plan_.refused_signals),
      stop_(loop_, plan_.grace, plan_.exit_grace, [this] { finish(); }),
      readiness_(loop_, plan_.readiness,
                 Readiness::Hooks{[this](const std::vector<std::string>& lines) { notify(lines); },
                                  [this](const std::string& line) { on_not_ready(line); }, [this] { on_ready(); }},
                 make_probe(plan_.readiness.check, reaper_, loop_)),
      watchdog_(
          loop_, WatchdogConfig{plan_.readiness.check, plan_.watchdog},
          [this](const std::vector<std::string>& lines) { notify(lines); },
          make_probe(plan_.readiness.check, reaper_, loop_)),
      reload_check_(
          loop_, reaper_, plan_.reload_check, [this] { reloads_.passed(); },
          [this](const std::string& why) { reloads_.failed(why); }),
      reloads_(
          reload_check_, [this](int sig, pid_t sender, const sigval* value) { return send_reload(sig, sender, value); },
          [this](const std::string& line) { notify({status_line(line)}); }, plan_.program,
          plan_.reload_signal.value_or(SIGHUP)),  // without one nothing is ever checked
      idle_(loop_, plan_.exit_idle, plan_.idle_listeners, plan_.program,
            [this](const std::string& why) { begin_stop(SIGTERM, ::getpid(), why, StopControl::Cause::idle); }) {
    for (const auto& line : plan_.debug) log::debug("{}", line);
    for (const auto& line : plan_.warnings) log::warn("{}", line);
    if (auto applied = apply_socket_flags(plan_.set_nonblocking); !applied) throw StartFailure(applied.error());
    if (auto subreaper = become_subreaper_unless_pid1(); !subreaper) log::warn("{}", subreaper.message());
    if (plan_.notify_socket) {  // the address was checked by the plan: what fails here is the kernel
        auto opened = NotifyRelay::open(*plan_.notify_socket, loop_, sender_check(plan_.notify_access, server_),
                                        [this](pid_t pid, const NotifyMessage& msg) { on_server_message(pid, msg); });
        if (!opened) throw StartFailure(opened.error());
        relay_ = std::move(*opened);
    }
    if (plan_.bridge) bridge_ = std::make_unique<Bridge>(loop_, *plan_.bridge);
    memory_reserve::take();  // given up when an allocation fails, so that the shim can still say so
}

void Supervisor::after_launch() {
    try {
        log::debug("started {} as pid {} ({} adapter, {} socket(s), --ready={})", plan_.server.argv[0], server_.pid(),
                   server_name(plan_.kind), plan_.handed_over.size(), ready_mode_name(plan_.readiness.check.mode));
        if (::chdir("/") != 0) log::debug("chdir /: {}", std::strerror(errno));
        if (bridge_) bridge_->server_started();
        readiness_.started(server_.pid());
        // Else once ready: here nothing waits for READY=1.
        if (!plan_.notify_socket) idle_.start(::getpid(), bridge_.get());
    } catch (const std::exception& e) {
        on_not_ready(fmt::format("cannot go on after starting {}: {}", plan_.program, e.what()));
    }
}

int Supervisor::run() {
    // The constructor did everything else that can fail: once the server runs, nothing may end the
    // shim without the stop sequence (catatonit's "from here on we may not bail").
    LaunchSpec server = plan_.server;
    if (relay_) server.env.push_back("NOTIFY_SOCKET=" + relay_->inner_address());
    const int failed = server_.start(server, plan_.inherited_sockets);
    if (!plan_.keep_own_copies) close_own_copies(plan_.handed_over);
    if (failed != 0) return failed;
    after_launch();
    on_children();  // the child may be gone already (then the loop was stopped); its SIGCHLD waits in the signalfd
    if (auto ran = loop_.run(); !ran) {  // epoll itself broke: nothing can be waited for any more
        log::critical("{}: SIGKILL to every process, then exit", ran.message());
        signal_all_processes(SIGKILL);
        return 1;
    }
    if (relay_) relay_->drain();
    if (auto own = stop_.exit_code()) return *own;
    // No status only if the main child outlived SIGKILL and the shim gave up waiting.
    return exit_code_from_status(server_.status().value_or(SIGKILL), plan_.success_exit);
}

void Supervisor::notify(const std::vector<std::string>& lines) {
    if (relay_) relay_->send(lines);
}

void Supervisor::on_signal(const signalfd_siginfo& si) {
    const int sig = static_cast<int>(si.ssi_signo);
    const auto sender = static_cast<pid_t>(si.ssi_pid);
    if (sig == SIGCHLD) return on_children();
    if (idle_.take_signal(si)) return;  // a client reached a listener: the next idle look counts it
    if (is_reload_request(si)) {
        if (reloads_.ask(sender)) forward(SIGHUP, sender, nullptr, true);
    } else if (is_stop_signal(sig)) {
        begin_stop(sig, sender);
    } else {
        const sigval value{.sival_ptr = reinterpret_cast<void*>(static_cast<std::uintptr_t>(si.ssi_ptr))};
        forward(sig, sender, si.ssi_code == SI_QUEUE ? &value : nullptr);
    }
}

void Supervisor::forward(int sig, pid_t sender, const sigval* value, bool asked) {
    if (plan_.reload_signal == plan_.signal_map.apply(sig)) return reloads_.reload_signal(sig, sender, value);
    const auto d = forwarder_.forward(sig, sender, server_.pid(), server_.running(), value);
    if (asked) reloads_.other_signal(d.sends());  // SIGHUP is no reload signal: it went on as itself
}

bool Supervisor::send_reload(int sig, pid_t sender, const sigval* value) {
    readiness_.before_reload();
    const bool sent = forwarder_.forward(sig, sender, server_.pid(), server_.running(), value).sends();
    if (sent) readiness_.reload_signalled();
    return sent;
}

bool Supervisor::begin_stop(int sig, pid_t sender, const std::string& why, StopControl::Cause cause) {
    const auto d = forwarder_.forward(sig, sender, server_.pid(), server_.running());
    if (!d.starts_stop) return false;
    reloads_.close();
    if (!stop_.requested(cause)) return false;
    if (bridge_) bridge_->stop_accepting();
    readiness_.stopping();
    watchdog_.stop();
    idle_.stop();
    const std::string status = status_line(why.empty() ? stop_.status(plan_.program, d.signal) : why);
    notify(stop_.announce() ? std::vector<std::string>{"STOPPING=1", status} : std::vector<std::string>{status});
    return true;
}

void Supervisor::on_children() {
    const auto round = server_.reap();  // the server's exit and the probes' go to their callbacks
    if (server_.running()) return;
    if (round.none_left) return finish();
    if (round.exited_now) stop_.main_exited_with_survivors();
}

void Supervisor::on_main_exited(int wait_status) {
    watchdog_.stop();
    idle_.stop();  // an exit of its own is never called idle (nor its code replaced by 0)
    reloads_.close();
    // What the server sent before it exited comes first, and may be its READY=1: read it before
    // judging how it ended, so the last STATUS= is really the last.
    if (relay_) relay_->drain();
    const std::string why = readiness_.server_exited(wait_status);
    if (!stop_.failed()) notify({status_line(why)});  // else the failure's own STATUS stays
}

void Supervisor::on_server_message(pid_t sender, const NotifyMessage& msg) {
    if (!msg.log_entry.empty()) {  // a certificate failed or was obtained (caddy's ACME): the ready status says so
        auto status = readiness_.take_log_entry(sender, msg.log_entry);
        if (status && !watchdog_.failing()) notify({status_line(*status)});
        return;
    }
    auto lines = watchdog_.relayable(readiness_.relayable(sender, msg));
    // The manager hears STOPPING=1 once: sdshim's when it stops the server, else the server's own.
    if (msg.stopping && !stop_.announce()) std::erase(lines, std::string("STOPPING=1"));
    if (!lines.empty()) relay_->send(lines);
}

void Supervisor::on_not_ready(const std::string& line) {
    log::error("{}", line);
    stop_.fail();
    // The reason is the stop's own STATUS=, in its one datagram: a second one sent after it could still
    // be in conmon's socket when the container ends, and be lost (seen on a loaded machine).
    if (!begin_stop(SIGTERM, ::getpid(), line)) notify({status_line(line)});
}

void Supervisor::on_ready() {
    if (bridge_) bridge_->server_ready();
    watchdog_.start(server_.pid());
    idle_.start(::getpid(), bridge_.get());
}

// Bridged connections still open when the server's processes are gone get until the end of --grace.
void Supervisor::finish() {
    if (bridge_ && bridge_->open_connections() > 0) return bridge_->drain(plan_.grace, [this] { loop_.stop(); });
    loop_.stop();
}

}  // namespace sdshim
