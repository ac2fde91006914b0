// The one event loop: blocking epoll over the shim's fds, with deadlines that exist only while armed: no idle wake-ups.
#include "core/event_loop.hpp"

#include "base/memory_reserve.hpp"

#include <fmt/format.h>

#include <sys/epoll.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

namespace sdshim {

EventLoop::EventLoop() : epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (!epoll_) throw StartFailure(Error{std::string("epoll_create1: ") + std::strerror(errno), errno});
}

Status EventLoop::watch(int fd, std::function<void()> on_readable) {
    return watch_events(fd, EPOLLIN, [cb = std::move(on_readable)](std::uint32_t) { cb(); });
}

Status EventLoop::watch_events(int fd, std::uint32_t events, std::function<void(std::uint32_t)> handler) {
    // Every allocation before epoll knows the Watch: a std::bad_alloc leaves nothing registered,
    // and epoll never holds a pointer to a Watch that was freed.
    auto watch = std::make_unique<Watch>();
    watch->handler = std::move(handler);
    auto [it, inserted] = watches_.try_emplace(fd);
    if (!inserted) return Error{fmt::format("epoll: fd {} is watched already", fd), EEXIST};
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = watch.get();
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
        const int err = errno;
        watches_.erase(it);
        return Error{fmt::format("epoll_ctl(ADD, fd {}): {}", fd, std::strerror(err)), err};
    }
    it->second = std::move(watch);
    return {};
}

Status EventLoop::modify(int fd, std::uint32_t events) {
    auto it = watches_.find(fd);
    if (it == watches_.end()) return Error{fmt::format("epoll: fd {} is not watched", fd), EBADF};
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = it->second.get();
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev) != 0) {
        const int err = errno;
        return Error{fmt::format("epoll_ctl(MOD, fd {}): {}", fd, std::strerror(err)), err};
    }
    return {};
}

void EventLoop::unwatch(int fd) noexcept {
    auto it = watches_.find(fd);
    if (it == watches_.end()) return;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
    it->second->live = false;
    try {
        retired_.push_back(std::move(it->second));
    } catch (const std::bad_alloc&) {  // a few bytes lost, rather than a handler freed while it runs
        (void)it->second.release();
    }
    watches_.erase(it);
}

EventLoop::DeadlineId EventLoop::add_deadline(std::function<void()> on_expired) {
    deadlines_.push_back({std::nullopt, std::move(on_expired)});
    return deadlines_.size() - 1;
}

void EventLoop::arm(DeadlineId id, std::optional<Clock::time_point> when) {
    deadlines_.at(id).when = when;
    if (when) maybe_armed_ = true;
}

void EventLoop::wait_alone_in(int fd, std::function<void()> wait_alone) {
    alone_fd_ = fd;
    wait_alone_ = std::move(wait_alone);
}

template <typename Fn>
void EventLoop::shielded(const char* what, Fn&& fn) {
    try {
        fn();
    } catch (const std::bad_alloc&) {
        memory_reserve::release();  // for the line below and the cleanup; taken back at a later wake-up
        failed(what, "out of memory");
    } catch (const std::exception& e) {
        failed(what, e.what());
    }
}

void EventLoop::failed(const char* what, const char* why) noexcept {
    try {
        if (failure_budget_.allow(Clock::now()))
            log::error("{} failed: {}; its work is shed and the loop goes on", what, why);
    } catch (...) {  // logging needs memory too: the line is lost, the loop is not
    }
}

Status EventLoop::run() {
    epoll_event events[64];
    while (!stopping_) {
        memory_reserve::take();  // after a std::bad_alloc, once there is memory again
        std::optional<Clock::time_point> next;
        for (const auto& d : deadlines_)
            if (d.when && (!next || *d.when < *next)) next = d.when;
        maybe_armed_ = next.has_value();
        int timeout_ms = -1;
        if (next) {
            auto left = std::chrono::ceil<std::chrono::milliseconds>(*next - Clock::now()).count();
            timeout_ms = left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 24LL * 3600 * 1000));
        }
        if (!next && wait_alone_ && watches_.size() == 1 && watches_.begin()->first == alone_fd_) {
            shielded("an event handler", wait_alone_);
        } else {
            int n = ::epoll_wait(epoll_.get(), events, static_cast<int>(std::size(events)), timeout_ms);
            if (n < 0) {
                if (errno == EINTR) continue;
                return Error{fmt::format("epoll_wait: {}", std::strerror(errno)), errno};
            }
            for (int i = 0; i < n && !stopping_; ++i) {
                auto* watch = static_cast<Watch*>(events[i].data.ptr);
                if (watch->live) shielded("an event handler", [&] { watch->handler(events[i].events); });
            }
        }
        retired_.clear();  // retired ones lived until here
        while (!deferred_.empty()) {
            auto fns = std::move(deferred_);
            deferred_.clear();
            for (auto& fn : fns) shielded("a deferred task", fn);
        }
        if (!maybe_armed_) continue;  // no clock read on a wake-up that has no deadline to check
        const auto now = Clock::now();
        for (std::size_t id = 0; id < deadlines_.size() && !stopping_; ++id) {
            if (!deadlines_[id].when || now < *deadlines_[id].when) continue;
            deadlines_[id].when.reset();  // disarmed before the call, so the handler may re-arm it
            shielded("a timer", [&] {
                auto handler = deadlines_[id].on_expired;
                if (handler) handler();
            });
        }
    }
    stopping_ = false;  // a later run() runs again
    return {};
}

}  // namespace sdshim
