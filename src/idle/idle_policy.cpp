// --exit-idle: from looks at the client connections now and then, when none has been open for the limit.
#include "idle/idle_policy.hpp"

#include <algorithm>

namespace sdshim {

bool IdlePolicy::look(const ConnectionSample& s, EventLoop::Clock::time_point now) {
    const bool active = s.open > 0 || !last_ || last_->open > 0 || s.opened != last_->opened;
    last_ = s;
    if (active) active_at_ = now;
    return now - active_at_ >= limit_;
}

Millis IdlePolicy::period() const { return std::clamp(limit_ / 4, Millis(250), Millis(15000)); }

EventLoop::Clock::time_point IdlePolicy::next_look(EventLoop::Clock::time_point now) const {
    return std::min(now + period(), active_at_ + limit_);
}

}  // namespace sdshim
