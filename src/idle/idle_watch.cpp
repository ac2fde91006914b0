// --exit-idle: from the moment the server serves, a look at its clients every period, and the call
// to stop once none has been there for the limit. Owns the policy, its deadline and the listeners' watch.
#include "idle/idle_watch.hpp"

#include "base/log.hpp"

#include <fmt/format.h>

#include <sys/socket.h>

#include <utility>

namespace sdshim {

IdleWatch::IdleWatch(EventLoop& loop, Millis limit, std::vector<SocketInfo> listeners, std::string program, Idle idle)
    : loop_(loop),
      limit_(limit),
      program_(std::move(program)),
      idle_(std::move(idle)),
      arrivals_(listeners),
      look_at_(loop.add_deadline([this] { look(); })) {
    for (const auto& s : listeners) {
        listeners_.inodes.insert(s.inode);
        if (s.type == SOCK_STREAM && s.port != 0) listeners_.local_ports.insert(s.port);
    }
}

void IdleWatch::start(pid_t root, const Bridge* bridge) {
    if (!enabled() || policy_ || stopped_) return;
    root_ = root;
    bridge_ = bridge;
    if (!bridge_)
        if (auto armed = arrivals_.arm(); !armed) {
            arrivals_.disarm();
            return log::error("{}: {} is not stopped when idle", armed.message(), program_);
        }
    policy_.emplace(limit_);
    look();
}

void IdleWatch::stop() {
    stopped_ = true;
    policy_.reset();
    loop_.arm(look_at_, std::nullopt);
    arrivals_.disarm();
}

ConnectionSample IdleWatch::sample() {
    if (bridge_) return ConnectionSample{bridge_->open_connections(), bridge_->accepted()};
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
    const std::string why = fmt::format(
        "no client connection for {} (--exit-idle): stopping {}; the socket stays with systemd, and the next "
        "connection starts it again",
        format_duration(limit_), program_);
    log::info("{}", why);
    idle_(why);
}

}  // namespace sdshim
