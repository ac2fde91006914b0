// --exit-idle: from looks at the client connections now and then, when none has been open for the limit.
#pragma once

#include "base/duration.hpp"
#include "core/event_loop.hpp"
#include "idle/client_connections.hpp"

#include <optional>

namespace sdshim {

// The pure decision. Quiet means nothing open now, nothing opened since the last look, and nothing
// open at the last look either (it may have closed just now): the limit counts from the last look
// that was not quiet, so a server is idle at least `limit` after its last client, never less.
class IdlePolicy {
  public:
    explicit IdlePolicy(Millis limit) : limit_(limit) {}
    // Whether the server has now been idle for the limit.
    bool look(const ConnectionSample& sample, EventLoop::Clock::time_point now);
    // When to look again: every period, and at the moment the limit would be reached.
    EventLoop::Clock::time_point next_look(EventLoop::Clock::time_point now) const;
    // A quarter of the limit, from 250ms to 15s: a client between two looks is seen by its arrival.
    Millis period() const;

  private:
    Millis limit_;
    std::optional<ConnectionSample> last_;
    EventLoop::Clock::time_point active_at_{};
};

}  // namespace sdshim
