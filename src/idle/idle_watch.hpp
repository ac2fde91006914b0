// --exit-idle: from the moment the server serves, a look at its clients every period, and the call
// to stop once none has been there for the limit. Owns the policy, its deadline and the listeners' watch.
#pragma once

#include "activation/activation.hpp"
#include "base/duration.hpp"
#include "base/result.hpp"
#include "bridge/bridge.hpp"
#include "core/event_loop.hpp"
#include "idle/client_connections.hpp"
#include "idle/idle_policy.hpp"
#include "idle/listener_arrivals.hpp"

#include <sys/signalfd.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sdshim {

class IdleWatch {
  public:
    using Idle = std::function<void(const std::string& why)>;  // the limit is reached: stop the server

    // `listeners`: PID 1's copies of the inherited listeners whose clients count; `limit` 0 is off;
    // `program` names the server in the lines.
    IdleWatch(EventLoop& loop, Millis limit, std::vector<SocketInfo> listeners, std::string program, Idle idle);
    bool enabled() const { return limit_.count() > 0; }

    // Starts the looks: the listeners' clients, counted below `root` (PID 1), or the bridge's own
    // connections. A listener that cannot be watched is logged, and the server is never called idle then.
    void start(pid_t root, const Bridge* bridge);
    // No look ever again: the stop sequence began, or the server exited by itself (whose exit is then
    // never called idle, nor its code replaced by 0).
    void stop();
    // Whether a signal PID 1 read was a listener's arrival (see ListenerArrivals::take).
    bool take_signal(const signalfd_siginfo& si) { return arrivals_.take(si); }

  private:
    void look();
    ConnectionSample sample();

    EventLoop& loop_;
    Millis limit_;
    std::string program_;
    Idle idle_;
    ListenerArrivals arrivals_;
    Listeners listeners_;
    std::optional<IdlePolicy> policy_;  // while looking
    EventLoop::DeadlineId look_at_;
    pid_t root_ = 0;
    const Bridge* bridge_ = nullptr;
    std::uint64_t last_arrivals_ = 0;
    bool warned_unreadable_ = false;
    bool stopped_ = false;  // for good: a later start() (a READY=1 during the stop) starts nothing
};

}  // namespace sdshim
