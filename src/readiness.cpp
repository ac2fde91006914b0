// Readiness: when the server really serves (its READY, its workers polling the sockets, a pid file, a command),
// the timeout, reloads, and the check that no inherited socket was dropped.
#include "readiness.hpp"

#include "bridge.hpp"
#include "exit_status.hpp"
#include "log.hpp"
#include "proc_sockets.hpp"
#include "process_tree.hpp"
#include "serving_probes.hpp"
#include "socket_check.hpp"

#include <fmt/format.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace sdshim {
namespace {

constexpr Millis kFirstPoll{1};
constexpr Millis kMaxPoll{10};  // only while starting or reloading: idle afterwards
constexpr Millis kFirstRetry{100};
constexpr Millis kMaxRetry{2000};
constexpr int kOpaquePolls = 5;  // unreadable fd tables in a row before the fallback

long long monotonic_usec() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<long long>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

}  // namespace

ReadyMode resolve_ready_mode(const ReadyMode& asked, ServerKind kind, bool bridged) {
    ReadyMode mode = asked;
    if (mode.kind == ReadyKind::automatic)
        mode.kind = bridged ? ReadyKind::target : kind == ServerKind::nginx ? ReadyKind::listen : ReadyKind::notify;
    if (mode.kind == ReadyKind::pidfile && mode.argument.empty() && kind == ServerKind::nginx)
        mode.argument = "/run/nginx.pid";
    return mode;
}

Readiness::Readiness(EventLoop& loop, ReadinessConfig config, Hooks hooks)
    : loop_(loop),
      cfg_(std::move(config)),
      hooks_(std::move(hooks)),
      next_poll_(loop.add_deadline([this] { poll(); })),
      timeout_(loop.add_deadline([this] { timed_out(); })) {}

void Readiness::disarm() {
    loop_.arm(next_poll_, std::nullopt);
    loop_.arm(timeout_, std::nullopt);
}

void Readiness::started(pid_t main_pid) {
    main_pid_ = main_pid;
    since_ = EventLoop::Clock::now();
    if (cfg_.check.mode.kind == ReadyKind::exec) {
        state_ = State::waiting;
        return become_ready("the program was executed");
    }
    if (cfg_.check.mode.kind == ReadyKind::notify && !cfg_.notify_outer) {
        log::debug("readiness: no NOTIFY_SOCKET, nothing waits for READY=1");
        return;
    }
    state_ = State::waiting;
    log::debug("readiness ({}): waiting for {}", ready_mode_name(cfg_.check.mode), waiting_for());
    if (cfg_.check.mode.kind == ReadyKind::listen && !cfg_.check.watched.empty())
        hooks_.notify({fmt::format("STATUS=waiting for {} to take {} inherited socket(s)", cfg_.check.program,
                                   cfg_.check.watched.size())});
    else
        hooks_.notify({"STATUS=waiting for " + waiting_for()});
    loop_.arm(timeout_, since_ + cfg_.timeout);
    if (cfg_.check.mode.kind == ReadyKind::command) {
        poll_delay_ = kFirstRetry;  // a probe is a fork and exec of /bin/sh: retried from 100 ms, not 1 ms
        return start_probe();
    }
    poll_delay_ = kFirstPoll;
    if (cfg_.check.mode.kind != ReadyKind::notify) schedule_poll();
}

void Readiness::schedule_poll() {
    loop_.arm(next_poll_, EventLoop::Clock::now() + poll_delay_);
    poll_delay_ = std::min(poll_delay_ * 2, cfg_.check.mode.kind == ReadyKind::command ? kMaxRetry : kMaxPoll);
}

void Readiness::poll() {
    if (state_ != State::waiting && state_ != State::reloading) return;
    switch (cfg_.check.mode.kind) {
        case ReadyKind::command:
            return start_probe();
        case ReadyKind::pidfile:
            if (pidfile_names_running_process(cfg_.check.mode.argument)) return become_ready("its pid file " + cfg_.check.mode.argument + " names a running process");
            return schedule_poll();
        case ReadyKind::target:
            while (targets_accepting_ < cfg_.check.targets.size() && target_accepts(cfg_.check.targets[targets_accepting_]))
                ++targets_accepting_;
            if (targets_accepting_ == cfg_.check.targets.size())
                return become_ready(cfg_.check.targets.size() == 1
                                        ? cfg_.check.targets[0].text + " accepts connections"
                                        : fmt::format("its {} bridge targets accept connections", cfg_.check.targets.size()));
            return schedule_poll();
        case ReadyKind::listen:
            break;
        default:
            return;
    }
    const auto tree = read_tree_sockets(::getpid());
    const auto listening = cfg_.check.watched.empty() ? listening_sockets_here() : std::set<unsigned long>{};
    const SocketCheck c = check_sockets(cfg_.check.watched, tree, main_pid_, old_processes_, listening);
    if (!c.dropped.empty() && fail_dropped(c.dropped)) return;
    not_polled_ = c.not_polled;
    const bool exact = cfg_.check.watched.empty() ? c.polls_some_listener : not_polled_.empty();
    if (exact) {
        return become_ready(cfg_.check.watched.empty()
                                ? "a process polls a listening socket"
                                : fmt::format("its workers poll {} inherited socket(s)", cfg_.check.watched.size()));
    }
    // A process being exec'd or changing credentials is unreadable for an instant: only fd tables
    // that stay unreadable over several polls mean missing capabilities.
    opaque_polls_ = c.all_readable ? 0 : opaque_polls_ + 1;
    if (c.opaque_workers > 0 && opaque_polls_ >= kOpaquePolls) {
        if (!warned_opaque_)
            log::warn("cannot read the fd tables of {}'s workers (needs CAP_SETUID and CAP_SETGID, which podman "
                      "grants by default): READY=1 follows the workers' start, not their polling",
                      cfg_.check.program);
        warned_opaque_ = true;
        return become_ready("its workers started");
    }
    schedule_poll();
}

void Readiness::start_probe() {
    auto launched = launch_probe(cfg_.check);
    if (auto* failure = std::get_if<LaunchFailure>(&launched)) {
        state_ = State::done;
        loop_.arm(timeout_, std::nullopt);
        return hooks_.fail("--ready=cmd: " + failure->message);
    }
    probe_pid_ = std::get<pid_t>(launched);
    ++probe_attempts_;
    log::debug("readiness: probe attempt {} is pid {}", probe_attempts_, probe_pid_);
}

void Readiness::probe_exited(int wait_status) {
    probe_pid_ = 0;
    if (state_ != State::waiting) return;
    if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0)
        return become_ready(fmt::format("'{}' exited 0 (attempt {})", cfg_.check.mode.argument, probe_attempts_));
    log::debug("readiness: '{}' failed ({}), retrying in {}", cfg_.check.mode.argument,
               WIFEXITED(wait_status) ? fmt::format("exit {}", WEXITSTATUS(wait_status))
                                         : fmt::format("signal {}", WTERMSIG(wait_status)),
               format_duration(poll_delay_));
    schedule_poll();
}

void Readiness::become_ready(const std::string& how) {
    const bool reload = state_ == State::reloading;
    state_ = State::ready;
    disarm();
    old_processes_.clear();
    auto took = std::chrono::duration_cast<Millis>(EventLoop::Clock::now() - since_);
    log::info("{} {}: {} ({} after {})", cfg_.check.program, reload ? "reloaded" : "is ready", how,
              format_duration(took), reload ? "SIGHUP" : "start");
    if (cfg_.check.mode.kind != ReadyKind::notify)
        hooks_.notify({fmt::format("STATUS={} {}", cfg_.check.program, reload ? "reloaded" : "is ready"), "READY=1"});
    if (!reload && hooks_.ready) hooks_.ready();
    // Servers that decide readiness themselves: one look now that they say they serve.
    if (cfg_.check.mode.kind != ReadyKind::listen && cfg_.check.mode.kind != ReadyKind::exec) check_dropped_now();
}

bool Readiness::check_dropped_now() {
    if (cfg_.check.watched.empty()) return false;
    const auto c = check_sockets(cfg_.check.watched, read_tree_sockets(::getpid()), main_pid_, {}, {});
    return !c.dropped.empty() && fail_dropped(c.dropped);
}

bool Readiness::fail_dropped(const std::vector<SocketInfo>& dropped) {
    if (cfg_.on_dropped == DroppedSocketPolicy::warn) {
        if (!warned_dropped_)
            for (const auto& s : dropped) log::warn("{}", dropped_socket_message(s, cfg_.check.kind, cfg_.check.program));
        warned_dropped_ = true;
        return false;
    }
    for (std::size_t i = 1; i < dropped.size(); ++i)
        log::error("{}", dropped_socket_message(dropped[i], cfg_.check.kind, cfg_.check.program));
    state_ = State::done;
    disarm();
    hooks_.fail(dropped_socket_message(dropped.front(), cfg_.check.kind, cfg_.check.program));
    return true;
}

void Readiness::server_message(pid_t sender, NotifyMessage& msg) {
    if (cfg_.check.mode.kind == ReadyKind::notify) {
        if (msg.ready && (state_ == State::waiting || state_ == State::reloading))
            become_ready(fmt::format("pid {} sent READY=1", sender));
        return;
    }
    if (!msg.ready) return;
    std::erase(msg.relay, std::string("READY=1"));
    msg.ready = false;
    log::debug("READY=1 from pid {} not relayed: --ready={} decides readiness", sender, ready_mode_name(cfg_.check.mode));
}

void Readiness::before_reload() {
    if (cfg_.check.mode.kind != ReadyKind::listen || state_ != State::ready) return;
    auto before = list_descendants(::getpid());
    old_processes_ = std::set<pid_t>(before.begin(), before.end());
}

void Readiness::reload_signalled() {
    if (cfg_.check.mode.kind != ReadyKind::listen || state_ != State::ready) return;
    state_ = State::reloading;
    since_ = EventLoop::Clock::now();
    hooks_.notify({"RELOADING=1", fmt::format("MONOTONIC_USEC={}", monotonic_usec()),
                   fmt::format("STATUS=reloading {}", cfg_.check.program)});
    loop_.arm(timeout_, since_ + cfg_.timeout);
    poll_delay_ = kFirstPoll;
    schedule_poll();
}

void Readiness::timed_out() {
    if (state_ == State::reloading) {
        log::warn("{} started no new workers within {} of SIGHUP: it still serves with its previous "
                  "configuration (see its error log)",
                  cfg_.check.program, format_duration(cfg_.timeout));
        state_ = State::ready;
        loop_.arm(next_poll_, std::nullopt);
        old_processes_.clear();
        hooks_.notify({fmt::format("STATUS=reload failed: {} kept its previous configuration", cfg_.check.program),
                       "READY=1"});
        return;
    }
    if (state_ != State::waiting) return;
    if (cfg_.check.mode.kind == ReadyKind::listen && check_dropped_now()) return;
    state_ = State::done;
    loop_.arm(next_poll_, std::nullopt);
    if (probe_pid_ > 0) ::kill(probe_pid_, SIGKILL);
    std::string hint;
    if (cfg_.check.mode.kind == ReadyKind::notify)
        hint = "; if it does not speak sd_notify, use --ready=listen, exec or cmd:COMMAND";
    hooks_.fail(fmt::format("{} did not become ready within {} (--ready-timeout): waited for {}{}", cfg_.check.program,
                            format_duration(cfg_.timeout), waiting_for(), hint));
}

void Readiness::stopping() {
    state_ = State::done;
    disarm();
    if (probe_pid_ > 0) ::kill(probe_pid_, SIGKILL);
}

std::string Readiness::server_exited(int wait_status) {
    const bool before_ready = state_ == State::waiting;
    stopping();
    const std::string how = describe_status(wait_status);
    if (!before_ready) return fmt::format("{} {}", cfg_.check.program, how);
    const bool failed = !WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0;
    if (!failed || cfg_.check.kind != ServerKind::nginx || cfg_.check.mode.kind != ReadyKind::listen || cfg_.check.watched.empty())
        return fmt::format("{} {} before it was ready", cfg_.check.program, how);
    // Decided from the exit alone, not from a poll that may or may not have run before it.
    const auto& unpolled = not_polled_.empty() ? cfg_.check.watched : not_polled_;
    for (const auto& s : unpolled) log::error("{}", exited_before_polling_message(s, how));
    return exited_before_polling_message(unpolled.front(), how);
}

std::string Readiness::waiting_for() const {
    switch (cfg_.check.mode.kind) {
        case ReadyKind::listen:
            if (cfg_.check.watched.empty()) return cfg_.check.program + " to poll a listening socket";
            return fmt::format("{}'s workers to poll {}", cfg_.check.program,
                               describe_sockets(not_polled_.empty() ? cfg_.check.watched : not_polled_));
        case ReadyKind::notify:
            return cfg_.check.program + " to send READY=1";
        case ReadyKind::target:
            if (targets_accepting_ >= cfg_.check.targets.size()) return cfg_.check.program + " to accept on its bridge targets";
            return fmt::format("{} to accept on {} (--bridge target)", cfg_.check.program,
                               cfg_.check.targets[targets_accepting_].text);
        case ReadyKind::pidfile:
            return fmt::format("{} to write a running pid into {}", cfg_.check.program, cfg_.check.mode.argument);
        case ReadyKind::command:
            return fmt::format("'{}' to exit 0 ({} attempt(s))", cfg_.check.mode.argument, probe_attempts_);
        case ReadyKind::exec:
        case ReadyKind::automatic:
            break;
    }
    return "the exec";
}

}  // namespace sdshim
