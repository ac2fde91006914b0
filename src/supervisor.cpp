// The runtime of a plan: builds and owns every part (signals, loop, reaper, relay, readiness,
// watchdog, bridge), starts the server, and handles each event (signal, child exit, notify
// message, readiness verdict, stop) over the state they share. main.cpp only hands the plan in.
#include "supervisor.hpp"

#include "adapters/adapters.hpp"
#include "adapters/handoff.hpp"
#include "base/log.hpp"
#include "base/memory_reserve.hpp"
#include "base/shortage.hpp"
#include "base/signal_names.hpp"
#include "core/exit_status.hpp"
#include "core/fd_hygiene.hpp"
#include "core/own_signals.hpp"
#include "launch/launch.hpp"
#include "notify/status_text.hpp"
#include "proc/process_tree.hpp"

#include <fmt/format.h>

#include <csignal>
#include <cstdint>
#include <cstring>
#include <utility>

#include <sys/epoll.h>
#include <unistd.h>

namespace sdshim {
namespace {

// The server's NOTIFY_SOCKET check: only processes the shim started may speak for the service.
// `main` is read at each message: the relay is attached before the launch, and messages are read after it.
NotifyRelay::SenderCheck sender_check(NotifyAccess access, const pid_t& main) {
    return [access, &main](pid_t pid) -> Status {
        const pid_t main_pid = main;
        if (pid <= 0) return Error{"the sender is outside the container's pid namespace"};
        // By pid, not by /proc: the main child's last message may be read after it was reaped.
        if (pid == main_pid) return {};
        if (access == NotifyAccess::main)
            return Error{fmt::format("--notify-access=main accepts only pid {}", main_pid)};
        if (pid != ::getpid() && is_in_tree(pid, ::getpid())) return {};
        return Error{"not a process started by the shim"};
    };
}

std::unique_ptr<Bridge> make_bridge(EventLoop& loop, BridgeConfig bc) {
    const char* header = bc.proxy == ProxyProtocol::none ? ""
                         : bc.proxy == ProxyProtocol::v1 ? " with a PROXY v1 header"
                                                         : " with a PROXY v2 header";
    for (const auto& l : bc.listeners) log::info("bridging {} to {}{}", l.label, l.target.text, header);
    return std::make_unique<Bridge>(loop, std::move(bc));
}

}  // namespace

Supervisor::Supervisor(RunPlan plan)
    : plan_(std::move(plan)),
      forwarder_(plan_.signal_map, plan_.forward_to, plan_.refused_signals),
      stop_(plan_.grace, plan_.exit_grace),
      readiness_(loop_, plan_.readiness,
                 Readiness::Hooks{[this](const std::vector<std::string>& lines) { notify(lines); },
                                  [this](const std::string& line) { on_not_ready(line); }, [this] { on_ready(); },
                                  [this] { return certificates_.note(); }},
                 make_probe(plan_.readiness.check, reaper_, loop_)),
      watchdog_(
          loop_, WatchdogConfig{plan_.readiness.check, plan_.watchdog},
          [this](const std::vector<std::string>& lines) { notify(lines); },
          make_probe(plan_.readiness.check, reaper_, loop_)),
      reload_check_(
          loop_, reaper_, plan_.reload_check,
          [this] { send_reload(checked_reload_.first, checked_reload_.second, nullptr); },
          [this](const std::string& why) { on_reload_refused(why); }),
      idle_(loop_, plan_.exit_idle, plan_.idle_listeners, [this] { on_idle(); }) {
    stop_deadline_ = loop_.add_deadline([this] {
        loop_.arm(stop_deadline_, stop_.deadline_expired(EventLoop::Clock::now()));
        if (stop_.gave_up()) finish();
    });
    // Bridged connections still open when the server's processes are gone (data on its way to a
    // slow client) get until the end of --grace.
    drain_deadline_ = loop_.add_deadline([this] { finish_now(); });
    signals_again_ = loop_.add_deadline([this] { on_signals(false); });
    // Edge-triggered: a signal that is queued wakes the loop once, and on_signals() reads all; no
    // second look at a signalfd that was just emptied.
    if (auto watched =
            loop_.watch_events(signals_.fd(), EPOLLIN | EPOLLET, [this](std::uint32_t) { on_signals(false); });
        !watched)
        throw StartFailure(Error{"signalfd: " + watched.message(), watched.error().code});
    // No relay, no bridge, no deadline (podman --init without --sdnotify, once ready): one system
    // call per signal, as tini's sigtimedwait, instead of epoll_wait and a read.
    loop_.wait_alone_in(signals_.fd(), [this] { on_signals(true); });
    memory_reserve::take();  // given up when an allocation fails, so that the shim can still say so
}

int Supervisor::fail(const Error& error, int exit_code) const {
    log::error("{}{}", error.message, fd_limit_hint(error.code, plan_.inherited_sockets));
    return exit_code;
}

// Everything that can fail is done before the launch: once the server runs, nothing may end the shim
// without the stop sequence (catatonit's "from here on we may not bail").
int Supervisor::start() {
    for (const auto& line : plan_.debug) log::debug("{}", line);
    for (const auto& line : plan_.warnings) log::warn("{}", line);
    if (auto applied = apply_socket_flags(plan_.set_nonblocking); !applied) return fail(applied.error(), 1);
    if (auto subreaper = become_subreaper_unless_pid1(); !subreaper) log::warn("{}", subreaper.message());

    LaunchSpec server = plan_.server;
    if (!plan_.notify_socket.empty()) {
        auto opened = NotifyRelay::open(plan_.notify_socket);
        if (!opened) return fail(opened.error(), is_shortage(opened.error().code) ? 1 : kExitUsage);
        relay_ = std::move(*opened);
        log::debug("notify relay: {} -> {}", relay_->inner_address(), relay_->outer_address());
        server.env.push_back("NOTIFY_SOCKET=" + relay_->inner_address());
        if (auto attached =
                relay_->attach(loop_, sender_check(plan_.notify_access, main_pid_),
                               [this](pid_t pid, const NotifyMessage& msg) { on_server_message(pid, msg); });
            !attached)
            return fail(attached.error(), 1);
    }
    if (plan_.bridge) bridge_ = make_bridge(loop_, *plan_.bridge);
    Reaper::OnExit on_main = [this](int status) { on_main_exited(status); };  // made now: no allocation after

    auto launched = launch(server);
    if (!plan_.keep_own_copies) close_own_copies(plan_.handed_over);
    if (!launched) {  // out of processes is no exec error
        const int err = launched.error().code;
        return fail(launched.error(), is_shortage(err) ? 1 : exit_code_for_exec_error(err));
    }
    main_pid_ = *launched;
    reaper_.expect(main_pid_, std::move(on_main));
    return 0;
}

void Supervisor::after_launch() {
    try {
        log::debug("started {} as pid {} ({} adapter, {} socket(s), --ready={})", plan_.server.argv[0], main_pid_,
                   server_name(plan_.kind), plan_.handed_over.size(), ready_mode_name(plan_.readiness.check.mode));
        if (::chdir("/") != 0) log::debug("chdir /: {}", std::strerror(errno));
        // Raised only now: the server keeps the limit it was given.
        if (bridge_) bridge_->limit_connections(default_bridge_max_connections(raise_fd_limit()));
        // Behind a bridge with --ready=target or http://, tcp:, clients wait in the backlog until the
        // server serves: accepted earlier, their connections would be refused by the target.
        if (bridge_ && !bridge_waits_for_ready()) bridge_->start();
        readiness_.started(main_pid_);
        if (plan_.notify_socket.empty()) start_idle_looks();  // else once ready: here nothing waits for READY=1
    } catch (const std::exception& e) {
        on_not_ready(fmt::format("cannot go on after starting {}: {}", plan_.program, e.what()));
    }
}

int Supervisor::run() {
    if (const int failed = start(); failed != 0) return failed;
    after_launch();
    on_children();  // the child may be gone already; its SIGCHLD then waits in the signalfd
    if (!finished_)
        if (auto ran = loop_.run(); !ran) {  // epoll itself broke: nothing can be waited for any more
            log::critical("{}: SIGKILL to every process, then exit", ran.message());
            signal_all_processes(SIGKILL);
            return 1;
        }
    if (relay_) relay_->drain();
    if (failed_) return 1;
    if (idled_) return 0;  // the stop was the shim's own: the unit must not look failed
    // No status only if the main child outlived SIGKILL and the shim gave up waiting.
    return exit_code_from_status(main_status_.value_or(SIGKILL), plan_.success_exit);
}

void Supervisor::notify(const std::vector<std::string>& lines) {
    if (relay_) relay_->send(lines);
}

// The signalfd is edge-triggered: everything pending is read before the next wait (a batch short of
// full is all). A handler that throws (memory is short) leaves signals unread, which no new edge
// may ever announce: they are read again at once, from a deadline.
void Supervisor::on_signals(bool wait) {
    try {
        SignalChannel::Batch batch;
        if (wait) {  // the loop has nothing else to wait for: sigwaitinfo takes one, the next wait the rest
            signals_.wait(batch);
            handle(batch);
            return;
        }
        do {
            signals_.read(batch);
            handle(batch);
        } while (batch.full());
    } catch (...) {
        loop_.arm(signals_again_, EventLoop::Clock::now());
        throw;  // for the loop's log line
    }
}

void Supervisor::handle(const SignalChannel::Batch& batch) {
    for (std::size_t i = 0; i < batch.count; ++i) {
        const signalfd_siginfo& si = batch.info[i];
        const int sig = static_cast<int>(si.ssi_signo);
        const auto sender = static_cast<pid_t>(si.ssi_pid);
        const bool queued = si.ssi_code == SI_QUEUE;
        // `sdshim reload`: its own real-time signal, or SIGHUP from an asker that predates it.
        const bool reload_request =
            queued && si.ssi_int == kReloadRequest && sender > 0 && (sig == reload_request_signal() || sig == SIGHUP);
        if (sig == SIGCHLD) {
            on_children();
        } else if (idle_.take_signal(si)) {
            continue;  // a client reached a listener: the next idle look counts it
        } else if (reload_request) {
            on_reload_request(sender);
        } else if (is_stop_signal(sig)) {
            begin_stop(sig, sender);
        } else {
            sigval value{};
            value.sival_ptr = reinterpret_cast<void*>(static_cast<std::uintptr_t>(si.ssi_ptr));
            forward(sig, sender, queued ? &value : nullptr);
        }
    }
}

// Each asker gets exactly one answer: from the check run that starts after its request, or from the
// signal itself (see ReloadAskers). The server gets the reload signal as if SIGHUP had come.
void Supervisor::on_reload_request(pid_t asker) {
    if (main_status_ || stop_.stopping()) {
        ::kill(asker, SIGUSR2);
        return;
    }
    if (!reload_askers_.add(asker, reload_check_.runs_started() + 1)) {
        log::warn("sdshim reload from pid {} refused: {} requests already wait for their answer", asker,
                  ReloadAskers::kMaxWaiting);
        ::kill(asker, SIGUSR2);
        return;
    }
    forward(SIGHUP, asker, nullptr);
}

void Supervisor::forward(int sig, pid_t sender, const sigval* value) {
    const bool reload = plan_.reload_signal == plan_.signal_map.apply(sig);
    if (reload && reload_check_.enabled() && !main_status_ && !stop_.stopping()) {
        checked_reload_ = {sig, sender};
        return reload_check_.request();  // the signal goes once the configuration test passed
    }
    if (reload) return send_reload(sig, sender, value);
    const auto d = forwarder_.forward(sig, sender, main_pid_, !main_status_, value);
    reload_askers_.answer(d.action == ForwardDecision::Action::forward);  // no reload signal: SIGHUP itself
}

// Without a check, or once the check of run runs_started() passed: the askers up to that run.
void Supervisor::send_reload(int sig, pid_t sender, const sigval* value) {
    const auto covered = reload_check_.enabled() ? reload_check_.runs_started() : ReloadAskers::kAll;
    if (main_status_ || stop_.stopping()) return reload_askers_.answer(false, covered);
    readiness_.before_reload();
    auto d = forwarder_.forward(sig, sender, main_pid_, !main_status_, value);
    if (d.action == ForwardDecision::Action::forward) readiness_.reload_signalled();
    reload_askers_.answer(d.action == ForwardDecision::Action::forward, covered);
}

// The server keeps its workers and its configuration; systemd hears why, and no RELOADING=1.
void Supervisor::on_reload_refused(const std::string& why) {
    const std::string line =
        fmt::format("reload refused: {}; {} goes on with its current configuration, and got no {}", why, plan_.program,
                    signal_name(plan_.signal_map.apply(checked_reload_.first)));
    log::error("{}", line);
    notify({status_line(line)});
    reload_askers_.answer(false, reload_check_.runs_started());  // a re-check for later askers may follow
}

bool Supervisor::begin_stop(int sig, pid_t sender, const std::string& why) {
    const bool first = !stop_.stopping();
    auto d = forwarder_.forward(sig, sender, main_pid_, !main_status_);
    if (!d.starts_stop) return false;
    reload_check_.cancel();
    reload_askers_.answer(false);
    if (first) {
        if (bridge_) bridge_->stop_accepting();
        readiness_.stopping();
        watchdog_.stop();
        idle_.stop();
        std::vector<std::string> lines{
            status_line(why.empty() ? fmt::format("stopping {}: {} sent, SIGKILL in {}", plan_.program,
                                                  signal_name(d.signal), format_duration(plan_.grace))
                                    : why)};
        if (!stopping_announced_) lines.insert(lines.begin(), "STOPPING=1");
        stopping_announced_ = true;
        notify(lines);
    }
    loop_.arm(stop_deadline_, stop_.stop_requested(EventLoop::Clock::now()));
    return first;
}

void Supervisor::on_children() {
    main_exited_now_ = false;
    const Reaper::Round round = reaper_.reap();  // the main child's exit and the probes' go to their callbacks
    if (round.orphans > 0) log::debug("reaped {} orphaned process(es)", round.orphans);
    if (!main_status_) return;
    if (round.none_left) return finish();
    if (main_exited_now_) loop_.arm(stop_deadline_, stop_.main_exited_with_survivors(EventLoop::Clock::now()));
}

void Supervisor::on_main_exited(int wait_status) {
    main_status_ = wait_status;
    main_exited_now_ = true;
    watchdog_.stop();
    idle_.stop();  // an exit of its own is never called idle (nor its code replaced by 0)
    reload_check_.cancel();
    reload_askers_.answer(false);
    log::info("{} (pid {}) {}", plan_.server.argv[0], main_pid_, describe_status(wait_status));
    // What the server sent before it exited comes first, and may be its READY=1: read it before
    // judging how it ended, so the last STATUS= is really the last.
    if (relay_) relay_->drain();
    const std::string why = readiness_.server_exited(wait_status);
    if (!failed_) notify({status_line(why)});  // else the failure's own STATUS stays
}

void Supervisor::on_server_message(pid_t sender, const NotifyMessage& msg) {
    if (!msg.log_entry.empty()) return on_log_entry(sender, msg.log_entry);
    if (msg.reloading) certificates_.clear();  // the new configuration's names get their own events
    auto lines = watchdog_.relayable(readiness_.relayable(sender, msg));
    // The manager hears STOPPING=1 once: sdshim's when it stops the server, else the server's own.
    if (msg.stopping && std::exchange(stopping_announced_, true)) std::erase(lines, std::string("STOPPING=1"));
    if (!lines.empty()) relay_->send(lines);
}

// The server's log says a certificate failed or was obtained (caddy's ACME): StatusText says which
// names have none and why, for as long as that is so, and nothing of it once they all have one.
void Supervisor::on_log_entry(pid_t sender, const std::string& entry) {
    const auto event = plan_.read_log_entry ? plan_.read_log_entry(entry) : std::nullopt;
    if (!event)
        return log::debug("log entry from pid {} ignored: no certificate event that the {} adapter reads", sender,
                          server_name(plan_.kind));
    if (!certificates_.take(*event) || stop_.stopping() || main_status_ || watchdog_.failing()) return;
    if (auto status = readiness_.serving_status()) notify({status_line(*status)});
}

void Supervisor::on_not_ready(const std::string& line) {
    log::error("{}", line);
    failed_ = true;
    // The reason is the stop's own STATUS=, in its one datagram: a second one sent after it could still
    // be in conmon's socket when the container ends, and be lost (seen on a loaded machine).
    if (!begin_stop(SIGTERM, ::getpid(), line)) notify({status_line(line)});
}

void Supervisor::on_ready() {
    if (bridge_ && bridge_waits_for_ready()) bridge_->start();
    watchdog_.start(main_pid_);
    start_idle_looks();
}

void Supervisor::start_idle_looks() {
    if (!idle_.enabled()) return;
    IdleWatch::OwnCount own;
    if (bridge_) own = [this] { return ConnectionSample{bridge_->open_connections(), bridge_->accepted()}; };
    if (auto started = idle_.start(::getpid(), std::move(own)); !started)
        log::error("{}: {} is not stopped when idle", started.message(), plan_.program);
}

void Supervisor::on_idle() {
    const std::string line = fmt::format(
        "no client connection for {} (--exit-idle): stopping {}; the socket stays "
        "with systemd, and the next connection starts it again",
        format_duration(plan_.exit_idle), plan_.program);
    log::info("{}", line);
    idled_ = begin_stop(SIGTERM, ::getpid(), line);
}

void Supervisor::finish_now() {
    finished_ = true;
    loop_.stop();
}

void Supervisor::finish() {
    if (!bridge_ || bridge_->open_connections() == 0) return finish_now();
    log::debug("waiting up to {} for {} bridged connection(s)", format_duration(plan_.grace),
               bridge_->open_connections());
    bridge_->on_idle([this] { finish_now(); });
    bridge_->stop_accepting();
    loop_.arm(drain_deadline_, EventLoop::Clock::now() + plan_.grace);
}

}  // namespace sdshim
