// A one-shot timerfd on CLOCK_MONOTONIC, for the waits that run beside the stop sequence's deadline.
#pragma once

#include "event_loop.hpp"
#include "unique_fd.hpp"

#include <functional>

namespace sdshim {

class Timer {
public:
    using Clock = EventLoop::Clock;
    Timer(EventLoop& loop, std::function<void()> on_expired);
    ~Timer();
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;

    void arm_at(Clock::time_point when);
    void disarm();
    bool armed() const { return armed_; }

private:
    EventLoop& loop_;
    UniqueFd fd_;
    std::function<void()> on_expired_;
    bool armed_ = false;
};

}  // namespace sdshim
