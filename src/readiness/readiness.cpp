// Readiness: the state machine from start to ready (and through reloads), the timeout, the polling
// back-off, and the check that no inherited socket was dropped. Ready is the server's own READY=1
// (notify), the exec (exec), or what the mode's probe sees.
#include "readiness/readiness.hpp"

#include "adapters/adapters.hpp"
#include "adapters/server_messages.hpp"
#include "base/log.hpp"
#include "core/exit_status.hpp"
#include "proc/proc_sockets.hpp"
#include "proc/process_tree.hpp"
#include "readiness/socket_check.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <ctime>

namespace sdshim {
namespace {

long long monotonic_usec() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<long long>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

}  // namespace

ReadyMode resolve_ready_mode(const ReadyMode& asked, ServerKind kind, bool bridged) {
    const ServerAdapter& adapter = adapter_for(kind);
    ReadyMode mode = asked;
    if (mode.kind == ReadyKind::automatic)
        mode.kind = bridged ? ReadyKind::target : adapter.sends_ready ? ReadyKind::notify : ReadyKind::listen;
    if (mode.kind == ReadyKind::pidfile && mode.argument.empty()) mode.argument = adapter.default_pidfile;
    return mode;
}

Readiness::Readiness(EventLoop& loop, ReadinessConfig config, Hooks hooks, std::unique_ptr<Probe> probe)
    : loop_(loop),
      cfg_(std::move(config)),
      hooks_(std::move(hooks)),
      certificates_(cfg_.check.adapter->certificate_event, cfg_.check.adapter->name),
      decider_(cfg_.check.mode.kind == ReadyKind::notify ? Decider::server
               : cfg_.check.mode.kind == ReadyKind::exec ? Decider::exec
                                                         : Decider::probe),
      probe_(decider_ == Decider::probe ? std::move(probe) : nullptr),
      next_look_(loop.add_deadline([this] { look(); })),
      timeout_(loop.add_deadline([this] { timed_out(); })) {
    if (decider_ == Decider::probe && !probe_)
        throw StartFailure(Error{"readiness: --ready=" + ready_mode_name(cfg_.check.mode) + " has no probe"});
    if (probe_)
        probe_->answer_to([this](const Look& answer) {
            if (looking()) take(answer);
        });
}

std::string Readiness::waiting_for() const {
    switch (decider_) {
        case Decider::server: return cfg_.check.program + " to send READY=1";
        case Decider::exec: return "the exec";
        case Decider::probe: break;
    }
    return probe_->describe().detail;
}

void Readiness::disarm() {
    loop_.arm(next_look_, std::nullopt);
    loop_.arm(timeout_, std::nullopt);
}

void Readiness::started(pid_t main_pid) {
    main_pid_ = main_pid;
    since_ = EventLoop::Clock::now();
    if (decider_ == Decider::exec) {
        state_ = State::waiting;
        return become_ready("the program was executed");
    }
    if (decider_ == Decider::server && !cfg_.notify_outer) {
        log::debug("readiness: no NOTIFY_SOCKET, nothing waits for READY=1");
        return;
    }
    state_ = State::waiting;
    log::debug("readiness ({}): waiting for {}", ready_mode_name(cfg_.check.mode), waiting_for());
    hooks_.notify({"STATUS=" + (probe_ ? probe_->describe().status : "waiting for " + waiting_for())});
    loop_.arm(timeout_, since_ + cfg_.timeout);
    if (!probe_) return;  // the server's READY=1 is the answer
    delay_ = probe_->schedule().first;
    if (probe_->schedule().at_start) return look();
    schedule_look();
}

void Readiness::schedule_look() {
    loop_.arm(next_look_, EventLoop::Clock::now() + delay_);
    delay_ = std::min(delay_ * 2, probe_->schedule().max);
}

void Readiness::look() {
    if (!looking()) return;
    take(probe_->look(Question{main_pid_, true, &old_processes_}));
}

void Readiness::take(const Look& look) {
    if (!look.dropped.empty() && fail_dropped(look.dropped)) return;
    if (probe_->watches_workers()) unpolled_ = look.unpolled;
    switch (look.outcome) {
        case Look::Outcome::serving: return become_ready(look.text);
        case Look::Outcome::cannot_run:
            state_ = State::done;
            disarm();
            return hooks_.fail(look.text);
        case Look::Outcome::not_serving:
            if (look.text != last_problem_)
                log::debug("readiness: {}; looking again from {} on", look.text, format_duration(delay_));
            last_problem_ = look.text;
            return schedule_look();
        case Look::Outcome::unknown:
            if (shortage_budget_.allow(EventLoop::Clock::now()))
                log::warn("readiness: no look this time: {}; looking again in {}", look.text, format_duration(delay_));
            return schedule_look();
        case Look::Outcome::pending:  // the probe's process answers
            return;
    }
}

void Readiness::become_ready(const std::string& how) {
    const bool reload = state_ == State::reloading;
    state_ = State::ready;
    disarm();
    old_processes_.clear();
    auto took = std::chrono::duration_cast<Millis>(EventLoop::Clock::now() - since_);
    log::info("{} {}: {} ({} after {})", cfg_.check.program, reload ? "reloaded" : "is ready", how,
              format_duration(took), reload ? "SIGHUP" : "start");
    if (decider_ != Decider::server) hooks_.notify({"STATUS=" + state_text(reload), "READY=1"});
    if (!reload && hooks_.ready) hooks_.ready();
    // One look whether the server holds every inherited socket: not after the exec, which is too
    // early, nor where the probe's looks have just seen them.
    if (decider_ != Decider::exec && !follows_workers()) check_dropped_now();
}

std::string Readiness::state_text(bool reload) const {
    return cfg_.check.program + (reload ? " reloaded" : " is ready") + certificates_.note();
}

std::optional<std::string> Readiness::take_log_entry(pid_t sender, std::string_view entry) {
    if (!certificates_.take_entry(sender, entry)) return std::nullopt;
    return serving_status();  // none once stopping
}

std::optional<std::string> Readiness::serving_status() const {
    if (state_ != State::ready || server_reloading_ || server_sets_status_) return std::nullopt;
    return state_text(false);
}

bool Readiness::check_dropped_now() {
    if (cfg_.check.watched.empty()) return false;
    const auto c = check_sockets(cfg_.check.watched, read_tree_sockets(::getpid()), main_pid_, {}, {});
    return !c.dropped.empty() && fail_dropped(c.dropped);
}

bool Readiness::fail_dropped(const std::vector<SocketInfo>& dropped) {
    const auto message = [&](const SocketInfo& s) {
        return dropped_socket_message(s, *cfg_.check.adapter, cfg_.check.program);
    };
    if (cfg_.on_dropped == DroppedSocketPolicy::warn) {
        if (!warned_dropped_)
            for (const auto& s : dropped) log::warn("{}", message(s));
        warned_dropped_ = true;
        return false;
    }
    for (std::size_t i = 1; i < dropped.size(); ++i) log::error("{}", message(dropped[i]));
    state_ = State::done;
    disarm();
    hooks_.fail(message(dropped.front()));
    return true;
}

// What a server's message may tell systemd. Its RELOADING=1 passes only once the service is ready
// (its own READY=1 or sdshim's), paired with the READY=1 that ends it; before that, or during a
// reload already under way, it is dropped. Where sdshim decides readiness, a READY=1 that ends no
// reload of the server's is dropped too. A server that never sets STATUS= of its own gets one with
// each state change, so that StatusText does not stay "waiting for ..." while the unit is active.
std::vector<std::string> Readiness::relayable(pid_t sender, const NotifyMessage& msg) {
    if (msg.reloading) certificates_.clear();  // the new configuration's names get their own events
    std::vector<std::string> lines = msg.relay;
    server_sets_status_ |=
        std::any_of(lines.begin(), lines.end(), [](const std::string& l) { return l.starts_with("STATUS="); });
    const auto status = [&](const std::string& text) {
        if (!server_sets_status_) lines.push_back("STATUS=" + text);
    };
    if (msg.reloading) {
        if (state_ == State::ready && !server_reloading_) {
            server_reloading_ = true;
            log::debug("pid {} reloads: its RELOADING=1 is relayed, and its next READY=1 with it", sender);
            if (!msg.ready) status("reloading " + cfg_.check.program);
        } else {
            std::erase_if(lines,
                          [](const std::string& l) { return l == "RELOADING=1" || l.starts_with("MONOTONIC_USEC="); });
            log::debug("RELOADING=1 from pid {} not relayed: {}", sender,
                       state_ == State::ready ? "a reload is already under way" : "the service is not ready yet");
        }
    }
    if (!msg.ready) return lines;
    if (decider_ == Decider::server && looking()) {
        become_ready(fmt::format("pid {} sent READY=1", sender));
        status(state_text(false));
        return lines;
    }
    if (server_reloading_) {
        server_reloading_ = false;
        log::info("{} reloaded: pid {} sent READY=1", cfg_.check.program, sender);
        status(state_text(true));
        return lines;
    }
    if (decider_ == Decider::server) return lines;
    std::erase(lines, std::string("READY=1"));
    log::debug("READY=1 from pid {} not relayed: --ready={} decides readiness", sender,
               ready_mode_name(cfg_.check.mode));
    return lines;
}

void Readiness::before_reload() {
    if (!follows_workers() || state_ != State::ready) return;
    auto before = list_descendants(::getpid());
    old_processes_ = std::set<pid_t>(before.begin(), before.end());
}

void Readiness::reload_signalled() {
    if (!follows_workers() || state_ != State::ready) return;
    state_ = State::reloading;
    since_ = EventLoop::Clock::now();
    hooks_.notify({"RELOADING=1", fmt::format("MONOTONIC_USEC={}", monotonic_usec()),
                   fmt::format("STATUS=reloading {}", cfg_.check.program)});
    loop_.arm(timeout_, since_ + cfg_.timeout);
    delay_ = probe_->schedule().first;
    schedule_look();
}

void Readiness::timed_out() {
    if (state_ == State::reloading) {
        log::warn(
            "{} started no new workers within {} of SIGHUP: it still serves with its previous "
            "configuration (see its error log)",
            cfg_.check.program, format_duration(cfg_.timeout));
        state_ = State::ready;
        loop_.arm(next_look_, std::nullopt);
        old_processes_.clear();
        hooks_.notify(
            {fmt::format("STATUS=reload failed: {} kept its previous configuration", cfg_.check.program), "READY=1"});
        return;
    }
    if (state_ != State::waiting) return;
    // A server that closed an inherited socket never gets ready: said so rather than the timeout.
    if (follows_workers() && check_dropped_now()) return;
    state_ = State::done;
    loop_.arm(next_look_, std::nullopt);
    if (probe_) probe_->cancel();
    const char* hint =
        decider_ == Decider::server ? "; if it does not speak sd_notify, use --ready=listen, exec or cmd:COMMAND" : "";
    hooks_.fail(fmt::format("{} did not become ready within {} (--ready-timeout): waited for {}{}", cfg_.check.program,
                            format_duration(cfg_.timeout), waiting_for(), hint));
}

void Readiness::stopping() {
    state_ = State::done;
    disarm();
    if (probe_) probe_->cancel();
}

std::string Readiness::server_exited(int wait_status) {
    const bool before_ready = state_ == State::waiting;
    stopping();
    const std::string how = describe_status(wait_status);
    if (!before_ready) return fmt::format("{} {}", cfg_.check.program, how);
    const auto lines = follows_workers()
                           ? explain_early_exit(*cfg_.check.adapter, unpolled_.empty() ? cfg_.check.watched : unpolled_,
                                                how, wait_status)
                           : std::vector<std::string>{};
    if (lines.empty()) return fmt::format("{} {} before it was ready", cfg_.check.program, how);
    for (const auto& line : lines) log::error("{}", line);
    return lines.front();
}

}  // namespace sdshim
