// A one-shot timerfd on CLOCK_MONOTONIC, for the waits that run beside the stop sequence's deadline.
#include "timer.hpp"

#include <sys/timerfd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

namespace sdshim {

Timer::Timer(EventLoop& loop, std::function<void()> on_expired)
    : loop_(loop), fd_(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)), on_expired_(std::move(on_expired)) {
    if (!fd_) throw std::runtime_error(std::string("timerfd_create: ") + std::strerror(errno));
    loop_.watch(fd_.get(), [this] {
        std::uint64_t expirations = 0;
        if (::read(fd_.get(), &expirations, sizeof expirations) != sizeof expirations) return;
        armed_ = false;
        on_expired_();
    });
}

Timer::~Timer() { loop_.unwatch(fd_.get()); }

void Timer::arm_at(Clock::time_point when) {
    // steady_clock is CLOCK_MONOTONIC on Linux, so its epoch is the timerfd's.
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch()).count();
    if (ns <= 0) ns = 1;
    itimerspec spec{};
    spec.it_value.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
    spec.it_value.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    if (::timerfd_settime(fd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr) != 0)
        throw std::runtime_error(std::string("timerfd_settime: ") + std::strerror(errno));
    armed_ = true;
}

void Timer::disarm() {
    itimerspec spec{};
    ::timerfd_settime(fd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr);
    std::uint64_t drained = 0;
    [[maybe_unused]] auto n = ::read(fd_.get(), &drained, sizeof drained);
    armed_ = false;
}

}  // namespace sdshim
