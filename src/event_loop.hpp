// The one event loop: blocking epoll over a few fds, with an optional deadline and no idle wake-ups.
#pragma once

#include "unique_fd.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>

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
    // While a deadline is set the loop wakes at it once; without one it sleeps until an fd is ready.
    void set_deadline(std::optional<Clock::time_point> when, std::function<void()> on_expired = {});
    void run();  // until stop()
    void stop() { running_ = false; }

private:
    UniqueFd epoll_;
    std::map<int, std::function<void(std::uint32_t)>> handlers_;
    std::optional<Clock::time_point> deadline_;
    std::function<void()> on_deadline_;
    bool running_ = false;
};

}  // namespace sdshim
