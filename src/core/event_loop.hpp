// The one event loop: blocking epoll over the shim's fds, with deadlines that exist only while armed: no idle wake-ups.
#pragma once

#include "base/log.hpp"
#include "base/result.hpp"
#include "base/unique_fd.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace sdshim {

class EventLoop {
  public:
    using Clock = std::chrono::steady_clock;

    EventLoop();
    // An Error (with epoll_ctl's errno) when the kernel refuses: out of memory or of epoll watches.
    Status watch(int fd, std::function<void()> on_readable);
    // `events` is an EPOLLIN/EPOLLOUT mask; the handler gets what was ready.
    Status watch_events(int fd, std::uint32_t events, std::function<void(std::uint32_t)> handler);
    Status modify(int fd, std::uint32_t events);
    // Safe from inside any handler, its own included: an event already read for `fd` is not delivered.
    // Never throws, also when memory is short.
    void unwatch(int fd) noexcept;
    // Runs `fn` once the handlers of the current wake-up are done (to free what they still use).
    void defer(std::function<void()> fn) { deferred_.push_back(std::move(fn)); }
    // A deadline slot: while armed the loop wakes at it once and calls `on_expired` (which may re-arm
    // it); with none armed the loop sleeps until an fd is ready.
    using DeadlineId = std::size_t;
    DeadlineId add_deadline(std::function<void()> on_expired);
    void arm(DeadlineId id, std::optional<Clock::time_point> when);
    // While `fd` is the only fd watched and no deadline is armed, the loop waits in `wait_alone` (a
    // blocking call that handles what it took, as catatonit's read of its signalfd) rather than in
    // epoll_wait and then a read: one system call per wake-up instead of two.
    void wait_alone_in(int fd, std::function<void()> wait_alone);
    // Until stop(). Nothing a handler throws (an allocation that failed) leaves it: the handler's
    // work is shed with a log line and the loop goes on. An Error only if epoll_wait itself fails.
    Status run();
    // Ends run() after the current handler; called before run(), that run() returns at once.
    void stop() { stopping_ = true; }

  private:
    struct Watch {
        std::function<void(std::uint32_t)> handler;
        bool live = true;
    };
    UniqueFd epoll_;
    // epoll's data points at the Watch: no lookup per event. Unwatched ones wait in retired_ until
    // the wake-up's events are all handled.
    template <typename Fn>
    void shielded(const char* what, Fn&& fn);
    void failed(const char* what, const char* why) noexcept;

    std::map<int, std::unique_ptr<Watch>> watches_;  // by fd: looked up only to watch and unwatch
    std::vector<std::unique_ptr<Watch>> retired_;
    std::vector<std::function<void()>> deferred_;
    struct Deadline {
        std::optional<Clock::time_point> when;
        std::function<void()> on_expired;
    };
    std::vector<Deadline> deadlines_;
    int alone_fd_ = -1;
    std::function<void()> wait_alone_;
    bool stopping_ = false;
    bool maybe_armed_ = false;  // some deadline may be armed: set by arm(), recomputed before each wait
    LogBudget failure_budget_;
};

}  // namespace sdshim
