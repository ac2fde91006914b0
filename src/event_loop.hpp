// The one event loop: blocking epoll over a few fds, with deadlines that exist only while armed: no idle wake-ups.
#pragma once

#include "unique_fd.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

namespace sdshim {

class EventLoop {
public:
    using Clock = std::chrono::steady_clock;

    EventLoop();
    void watch(int fd, std::function<void()> on_readable);
    // `events` is an EPOLLIN/EPOLLOUT mask; the handler gets what was ready.
    void watch_events(int fd, std::uint32_t events, std::function<void(std::uint32_t)> handler);
    void modify(int fd, std::uint32_t events);
    void unwatch(int fd);
    // A deadline slot: while armed the loop wakes at it once and calls `on_expired` (which may re-arm
    // it); with none armed the loop sleeps until an fd is ready.
    using DeadlineId = std::size_t;
    DeadlineId add_deadline(std::function<void()> on_expired);
    void arm(DeadlineId id, std::optional<Clock::time_point> when);
    void run();  // until stop()
    void stop() { running_ = false; }

private:
    UniqueFd epoll_;
    std::map<int, std::function<void(std::uint32_t)>> handlers_;
    struct Deadline {
        std::optional<Clock::time_point> when;
        std::function<void()> on_expired;
    };
    std::vector<Deadline> deadlines_;
    bool running_ = false;
};

}  // namespace sdshim
