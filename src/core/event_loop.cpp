// The one event loop: blocking epoll over the shim's fds, with deadlines that exist only while armed: no idle wake-ups.
#include "core/event_loop.hpp"

#include <sys/epoll.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace sdshim {

EventLoop::EventLoop() : epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (!epoll_) throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
}

void EventLoop::watch(int fd, std::function<void()> on_readable) {
    watch_events(fd, EPOLLIN, [cb = std::move(on_readable)](std::uint32_t) { cb(); });
}

void EventLoop::watch_events(int fd, std::uint32_t events, std::function<void(std::uint32_t)> handler) {
    auto watch = std::make_unique<Watch>();
    watch->handler = std::move(handler);
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = watch.get();
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0)
        throw std::runtime_error("epoll_ctl(ADD, fd " + std::to_string(fd) + "): " + std::strerror(errno));
    watches_[fd] = std::move(watch);
}

void EventLoop::modify(int fd, std::uint32_t events) {
    auto it = watches_.find(fd);
    if (it == watches_.end()) throw std::logic_error("epoll: fd " + std::to_string(fd) + " is not watched");
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = it->second.get();
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev) != 0)
        throw std::runtime_error("epoll_ctl(MOD, fd " + std::to_string(fd) + "): " + std::strerror(errno));
}

void EventLoop::unwatch(int fd) {
    auto it = watches_.find(fd);
    if (it == watches_.end()) return;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
    it->second->live = false;
    retired_.push_back(std::move(it->second));
    watches_.erase(it);
}

EventLoop::DeadlineId EventLoop::add_deadline(std::function<void()> on_expired) {
    deadlines_.push_back({std::nullopt, std::move(on_expired)});
    return deadlines_.size() - 1;
}

void EventLoop::arm(DeadlineId id, std::optional<Clock::time_point> when) { deadlines_.at(id).when = when; }

void EventLoop::run() {
    running_ = true;
    epoll_event events[64];
    while (running_) {
        std::optional<Clock::time_point> next;
        for (const auto& d : deadlines_)
            if (d.when && (!next || *d.when < *next)) next = d.when;
        int timeout_ms = -1;
        if (next) {
            auto left = std::chrono::ceil<std::chrono::milliseconds>(*next - Clock::now()).count();
            timeout_ms = left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 24LL * 3600 * 1000));
        }
        int n = ::epoll_wait(epoll_.get(), events, static_cast<int>(std::size(events)), timeout_ms);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error(std::string("epoll_wait: ") + std::strerror(errno));
        }
        for (int i = 0; i < n && running_; ++i) {
            auto* watch = static_cast<Watch*>(events[i].data.ptr);
            if (watch->live) watch->handler(events[i].events);  // retired ones live until below
        }
        retired_.clear();
        while (!deferred_.empty()) {
            auto fns = std::move(deferred_);
            deferred_.clear();
            for (auto& fn : fns) fn();
        }
        const auto now = Clock::now();
        for (std::size_t id = 0; id < deadlines_.size() && running_; ++id) {
            if (!deadlines_[id].when || now < *deadlines_[id].when) continue;
            deadlines_[id].when.reset();  // disarmed before the call, so the handler may re-arm it
            auto handler = deadlines_[id].on_expired;
            if (handler) handler();
        }
    }
}

}  // namespace sdshim
