// Liveness: WATCHDOG=1 to the outer socket at half of WatchdogSec, only while the server passes its --ready mode's
// check.
#include "watchdog/watchdog.hpp"

#include "base/log.hpp"
#include "base/parse_number.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sdshim {

EnvWatchdog watchdog_from_env(const char* usec, const char* pid, pid_t self) {
    if (!usec) return {};
    auto value = parse_whole_number<unsigned long long>(usec);
    if (!value || *value == 0) return {};
    if (pid && *pid) {
        auto owner = parse_whole_number<long>(pid);
        if (!owner || *owner != self) return {};
    }
    const unsigned long long ms = *value / 1000;  // unsigned: 2^64-1 µs must not overflow a duration
    const auto lo = static_cast<unsigned long long>(kMinWatchdog.count());
    const auto hi = static_cast<unsigned long long>(kMaxWatchdog.count());
    if (ms >= lo && ms <= hi) return {Millis(static_cast<long long>(ms)), {}};
    const Millis clamped = ms < lo ? kMinWatchdog : kMaxWatchdog;
    return {clamped, fmt::format("WATCHDOG_USEC={} is {} than sdshim's watchdog allows ({} to {}): {} is used", usec,
                                 ms < lo ? "shorter" : "longer", format_duration(kMinWatchdog),
                                 format_duration(kMaxWatchdog), format_duration(clamped))};
}

Watchdog::Watchdog(EventLoop& loop, WatchdogConfig config, Notify notify, std::unique_ptr<Probe> probe)
    : loop_(loop),
      cfg_(std::move(config)),
      notify_(std::move(notify)),
      next_(loop.add_deadline([this] { tick(); })),
      probe_(server_pings() ? nullptr : std::move(probe)) {
    if (cfg_.interval.count() == 0 || server_pings()) return;
    if (!probe_) throw StartFailure(Error{"watchdog: --ready=" + ready_mode_name(cfg_.check.mode) + " has no probe"});
    probe_->answer_to([this](const Look& answer) {
        in_flight_ = false;
        if (running_) take(answer);
    });
}

void Watchdog::start(pid_t main_pid) {
    main_pid_ = main_pid;
    if (cfg_.interval.count() == 0 || running_) return;
    if (server_pings()) {
        log::debug("watchdog: {} pings itself (WATCHDOG_USEC={}); its WATCHDOG=1 is relayed", cfg_.check.program,
                   cfg_.interval.count() * 1000);
        return;
    }
    running_ = true;
    log::debug("watchdog: checking {} every {}", cfg_.check.program, format_duration(cfg_.interval / 2));
    tick();
}

void Watchdog::stop() {
    running_ = false;
    loop_.arm(next_, std::nullopt);
    if (probe_) probe_->cancel();
    in_flight_ = false;
}

std::vector<std::string> Watchdog::relayable(std::vector<std::string> lines) const {
    if (cfg_.interval.count() == 0 || server_pings()) return lines;
    if (std::erase(lines, std::string("WATCHDOG=1")) > 0)
        log::debug("WATCHDOG=1 from the server not relayed: sdshim's liveness check decides (--ready={})",
                   ready_mode_name(cfg_.check.mode));
    return lines;
}

void Watchdog::tick() {
    if (!running_) return;
    const Millis period = cfg_.interval / 2;
    loop_.arm(next_, EventLoop::Clock::now() + std::max(period, Millis(1)));
    if (in_flight_) {  // still running a whole period later: that is the answer
        probe_->cancel();
        in_flight_ = false;
        take(Look::not_serving(probe_->overdue(period)));
    }
    const Look look = probe_->look(Question{main_pid_, false, nullptr});
    in_flight_ = look.outcome == Look::Outcome::pending;
    take(look);
}

void Watchdog::take(const Look& look) {
    if (look.outcome == Look::Outcome::pending) return;  // the probe's process answers later
    if (look.outcome == Look::Outcome::unknown) {        // neither a ping nor a verdict: this round is skipped
        if (shortage_budget_.allow(EventLoop::Clock::now()))
            log::warn("watchdog: {} not checked this round, so no WATCHDOG=1: {}", cfg_.check.program, look.text);
        return;
    }
    if (look.outcome == Look::Outcome::serving) {
        if (failing_) {
            log::info("{} passes its liveness check again: WATCHDOG=1 resumes", cfg_.check.program);
            notify_({fmt::format("STATUS={} serves again", cfg_.check.program)});
        }
        failing_ = false;
        return notify_({"WATCHDOG=1"});
    }
    if (failing_) return;
    failing_ = true;
    log::warn("{} fails its liveness check: {}; WATCHDOG=1 withheld, so systemd acts after WatchdogSec={}",
              cfg_.check.program, look.text, format_duration(cfg_.interval));
    notify_({fmt::format("STATUS=not serving: {}", look.text).substr(0, 2000)});
}

}  // namespace sdshim
