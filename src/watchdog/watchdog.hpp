// Liveness: WATCHDOG=1 to the outer socket at half of WatchdogSec, only while the server passes its --ready mode's
// check.
#pragma once

#include "base/duration.hpp"
#include "base/log.hpp"
#include "core/event_loop.hpp"
#include "readiness/probe.hpp"
#include "watchdog/watchdog_bounds.hpp"

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sdshim {

struct EnvWatchdog {
    std::optional<Millis> interval;  // nullopt: absent, zero, not a number, or another process's
    std::string warning;             // set when the value was outside the bounds and was clamped
};
// WatchdogSec from systemd's WATCHDOG_USEC, when it reaches the container and names no other
// process (WATCHDOG_PID, if set, must be `self`), clamped to [kMinWatchdog, kMaxWatchdog].
EnvWatchdog watchdog_from_env(const char* usec, const char* pid, pid_t self);

struct WatchdogConfig {
    ServingCheck check;  // the --ready mode's check, repeated
    Millis interval{0};  // WatchdogSec; a check and a ping every interval/2
};

class Watchdog {
  public:
    using Notify = std::function<void(const std::vector<std::string>&)>;

    // `probe`: the mode's (make_probe); null in notify mode, where the server pings by itself.
    Watchdog(EventLoop& loop, WatchdogConfig config, Notify notify, std::unique_ptr<Probe> probe);

    // The server is ready: check now, then every interval/2. In notify mode nothing is synthesized:
    // the server pings itself (it gets WATCHDOG_USEC) and its WATCHDOG=1 is relayed.
    void start(pid_t main_pid);
    void stop();  // stop sequence or exit: no more checks or pings, no deadline left armed

    // What of a server's message to relay. In the modes where the shim decides liveness, a server's
    // own WATCHDOG=1 would keep systemd content while the check fails: it is dropped.
    // WATCHDOG=trigger still passes.
    std::vector<std::string> relayable(std::vector<std::string> lines) const;
    bool failing() const { return failing_; }  // its last look saw the server not serving

  private:
    bool server_pings() const { return cfg_.check.mode.kind == ReadyKind::notify; }
    void tick();
    void take(const Look& look);

    EventLoop& loop_;
    WatchdogConfig cfg_;
    Notify notify_;
    EventLoop::DeadlineId next_;
    pid_t main_pid_ = 0;
    bool running_ = false;
    bool failing_ = false;
    bool in_flight_ = false;  // a look's process has not answered yet
    std::unique_ptr<Probe> probe_;
    LogBudget shortage_budget_;  // rounds skipped for want of fds, memory or processes
};

}  // namespace sdshim
