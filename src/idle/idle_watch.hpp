// --exit-idle: from the moment the server serves, a look at its clients every period, and the call
// to stop once none has been there for the limit. Owns the policy, its deadline and the listeners' watch.
#pragma once

#include "activation/activation.hpp"
#include "base/duration.hpp"
#include "base/result.hpp"
#include "core/event_loop.hpp"
#include "idle/client_connections.hpp"
#include "idle/idle_policy.hpp"
#include "idle/listener_arrivals.hpp"

#include <sys/signalfd.h>

#include <functional>
#include <optional>
#include <vector>

namespace sdshim {

class IdleWatch {
  public:
    using Idle = std::function<void()>;                  // the limit is reached: stop the server
    using OwnCount = std::function<ConnectionSample()>;  // a bridge counts its own connections

    // `listeners`: PID 1's copies of the inherited listeners whose clients count; `limit` 0 is off.
    IdleWatch(EventLoop& loop, Millis limit, std::vector<SocketInfo> listeners, Idle idle);
    bool enabled() const { return limit_.count() > 0; }

    // Starts the looks: the listeners' clients, counted below `root` (PID 1), or `own` (the bridge's).
    // An Error if a listener cannot be watched (logged by the caller; the server is never called idle then).
    Status start(pid_t root, OwnCount own = {});
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
    Idle idle_;
    ListenerArrivals arrivals_;
    Listeners listeners_;
    std::optional<IdlePolicy> policy_;  // while looking
    EventLoop::DeadlineId look_at_;
    pid_t root_ = 0;
    OwnCount own_;
    std::uint64_t last_arrivals_ = 0;
    bool warned_unreadable_ = false;
    bool stopped_ = false;  // for good: a later start() (a READY=1 during the stop) starts nothing
};

}  // namespace sdshim
