// Liveness: WATCHDOG=1 to the outer socket at half of WatchdogSec, only while the server passes its --ready mode's check.
#pragma once

#include "activation.hpp"
#include "adapters.hpp"
#include "bridge_spec.hpp"
#include "duration.hpp"
#include "event_loop.hpp"
#include "notify_message.hpp"
#include "ready_mode.hpp"
#include "serving_probes.hpp"

#include <sys/types.h>

#include <functional>
#include <optional>
#include <utility>
#include <string>
#include <vector>

namespace sdshim {

// WatchdogSec from systemd's WATCHDOG_USEC, when it reaches the container and names no other
// process (WATCHDOG_PID, if set, must be `self`). nullopt: absent, zero or not a number.
std::optional<Millis> watchdog_from_env(const char* usec, const char* pid, pid_t self);

struct WatchdogConfig {
    ServingCheck check;  // the --ready mode's check, repeated
    Millis interval{0};  // WatchdogSec; a check and a ping every interval/2
};

class Watchdog {
public:
    using Notify = std::function<void(const std::vector<std::string>&)>;

    Watchdog(EventLoop& loop, WatchdogConfig config, Notify notify);

    // The server is ready: check now, then every interval/2. In notify mode nothing is synthesized:
    // the server pings itself (it gets WATCHDOG_USEC) and its WATCHDOG=1 is relayed.
    void start(pid_t main_pid);
    void stop();  // stop sequence or exit: no more checks or pings, no deadline left armed

    // In the modes where the shim decides liveness, a server's own WATCHDOG=1 would keep systemd
    // content while the check fails: it is dropped. WATCHDOG=trigger still passes.
    void server_message(NotifyMessage& msg) const;

    pid_t probe_pid() const { return probe_pid_; }
    void probe_exited(int wait_status);

    // WATCHDOG_USEC for the server in notify mode, where it pings itself; nothing otherwise.
    std::vector<std::pair<std::string, std::string>> server_env() const;

private:
    void tick();
    void start_probe();
    std::string problem_now() const;  // empty while the server passes the check
    void verdict(const std::string& problem);

    EventLoop& loop_;
    WatchdogConfig cfg_;
    Notify notify_;
    EventLoop::DeadlineId next_;
    pid_t main_pid_ = 0;
    bool running_ = false;
    bool failing_ = false;
    pid_t probe_pid_ = 0;
    mutable bool warned_opaque_ = false;
};

}  // namespace sdshim
