// --exit-idle: from the moment the server serves, a look at its clients every period, and the call
// to stop once none has been there for the limit. Owns the policy, its deadline and the listeners' watch.
#include "idle/idle_watch.hpp"

#include "base/log.hpp"
#include "base/parse_number.hpp"

#include <sys/socket.h>

#include <string_view>
#include <utility>

namespace sdshim {

IdleWatch::IdleWatch(EventLoop& loop, Millis limit, std::vector<SocketInfo> listeners, Idle idle)
    : loop_(loop),
      limit_(limit),
      idle_(std::move(idle)),
      arrivals_(listeners),
      look_at_(loop.add_deadline([this] { look(); })) {
    for (const auto& s : listeners) {
        listeners_.inodes.insert(s.inode);
        const auto colon = s.address.rfind(':');
        if (s.type == SOCK_STREAM && colon != std::string::npos)
            if (auto port = parse_whole_number<unsigned>(std::string_view(s.address).substr(colon + 1)))
                listeners_.local_ports.insert(*port);
    }
}

Status IdleWatch::start(pid_t root, OwnCount own) {
    if (!enabled() || policy_ || stopped_) return {};
    root_ = root;
    own_ = std::move(own);
    if (!own_)
        if (auto armed = arrivals_.arm(); !armed) {
            arrivals_.disarm();
            return armed;
        }
    policy_.emplace(limit_);
    look();
    return {};
}

void IdleWatch::stop() {
    stopped_ = true;
    policy_.reset();
    loop_.arm(look_at_, std::nullopt);
    arrivals_.disarm();
}

ConnectionSample IdleWatch::sample() {
    if (own_) return own_();
    ConnectionSample s;
    s.opened = arrivals_.arrivals();
    if (std::exchange(last_arrivals_, s.opened) != s.opened) return s;  // a client came: nothing more to count
    s.open = arrivals_.waiting();
    if (s.open > 0) return s;
    const HeldConnections held = count_held_connections(root_, listeners_, 1);
    s.open = held.count;
    if (held.unreadable) {
        s.open = 1;  // never call idle what could not be looked at
        if (!std::exchange(warned_unreadable_, true))
            log::warn(
                "--exit-idle: the fds of pid {} cannot be read ({}): its connections cannot be counted, so the "
                "server is not called idle while it runs",
                *held.unreadable, held.why);
    }
    return s;
}

void IdleWatch::look() {
    if (!policy_) return;
    const auto now = EventLoop::Clock::now();
    if (!policy_->look(sample(), now)) return loop_.arm(look_at_, policy_->next_look(now));
    stop();
    idle_();
}

}  // namespace sdshim
