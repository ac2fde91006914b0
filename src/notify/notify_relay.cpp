// The notify relay: a private socket for the server, credential checks, and a bounded queue to podman's socket.
#include "notify/notify_relay.hpp"

#include "notify/relay_queue.hpp"

#include "base/log.hpp"

#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace sdshim {
namespace {

constexpr std::size_t kQueueMax = 64;      // datagrams waiting for the outer socket
constexpr int kReadBatch = 64;             // datagrams read per wake-up, so signals are never starved
constexpr int kMaxFdsPerMessage = 253;     // SCM_MAX_FD
constexpr Millis kHoldUnreachable{30000};  // how long the queue waits for an outer socket that cannot be reached
constexpr Millis kFirstRetry{10};
constexpr Millis kLastRetry{1000};

std::string random_suffix() {
    std::array<unsigned char, 8> bytes{};
    if (::getrandom(bytes.data(), bytes.size(), GRND_NONBLOCK) != static_cast<ssize_t>(bytes.size())) {
        auto t = std::chrono::steady_clock::now().time_since_epoch().count() ^ ::getpid();
        std::memcpy(bytes.data(), &t, bytes.size());
    }
    std::string out;
    for (auto b : bytes) out += fmt::format("{:02x}", b);
    return out;
}

// Closes every descriptor that came with the message; returns how many there were.
std::size_t close_passed_fds(msghdr& mh) {
    std::size_t total = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        std::size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < n; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            ::close(fd);
        }
        total += n;
    }
    return total;
}

pid_t sender_pid(msghdr& mh) {
    for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
            ucred cred{};
            std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
            return cred.pid;
        }
    }
    return 0;
}

}  // namespace

Result<std::unique_ptr<NotifyRelay>> NotifyRelay::open(const NotifyAddress& outer, EventLoop& loop, SenderCheck check,
                                                       OnMessage on_message) {
    std::unique_ptr<NotifyRelay> relay(new NotifyRelay());
    relay->outer_ = outer;

    relay->inner_name_ = "@sdshim/notify/" + random_suffix();
    const auto inner = unix_address(relay->inner_name_).value();
    relay->inner_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!relay->inner_)
        return Error{fmt::format("notify relay: socket(AF_UNIX, SOCK_DGRAM): {}", std::strerror(errno)), errno};
    int one = 1;
    if (::setsockopt(relay->inner_.get(), SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0)
        return Error{fmt::format("notify relay: SO_PASSCRED: {}", std::strerror(errno)), errno};
    if (::bind(relay->inner_.get(), inner.get(), inner.len) != 0)
        return Error{fmt::format("notify relay: bind {}: {}", relay->inner_name_, std::strerror(errno)), errno};
    relay->reach_outer();
    if (auto attached = relay->attach(loop, std::move(check), std::move(on_message)); !attached)
        return attached.error();
    log::debug("notify relay: {} -> {}", relay->inner_name_, relay->outer_.text);
    return relay;
}

// Connected and watched, or why not (then the relay holds its queue and tries again later).
Status NotifyRelay::connect_outer() {
    if (outer_fd_) return {};
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) return Error{fmt::format("socket: {}", std::strerror(errno)), errno};
    if (::connect(fd.get(), outer_.get(), outer_.len) != 0)
        return Error{fmt::format("connect: {}", std::strerror(errno)), errno};
    outer_fd_ = std::move(fd);
    return watch_outer();
}

Status NotifyRelay::watch_outer() {
    writable_watch_ = false;
    if (!loop_ || !outer_fd_) return {};
    auto watched = loop_->watch_events(outer_fd_.get(), 0, [this](std::uint32_t) { flush(); });
    if (!watched) outer_fd_.reset();
    return watched;
}

bool NotifyRelay::reach_outer() {
    const bool was_connected = static_cast<bool>(outer_fd_);
    const Status reached = connect_outer();
    if (!reached) {
        if (!unreachable_since_) {
            unreachable_since_ = EventLoop::Clock::now();
            log::warn("NOTIFY_SOCKET={}: {}; notifications wait until it can be reached (at most {} of them, for {})",
                      outer_.text, reached.message(), kQueueMax, format_duration(kHoldUnreachable));
        }
        return false;
    }
    if (was_connected) return true;
    if (unreachable_since_) log::info("NOTIFY_SOCKET={} can be reached again", outer_.text);
    unreachable_since_.reset();
    retry_delay_ = kFirstRetry;
    return true;
}

Status NotifyRelay::attach(EventLoop& loop, SenderCheck check, OnMessage on_message) {
    loop_ = &loop;
    retry_ = loop.add_deadline([this] { flush(); });
    check_ = std::move(check);
    on_message_ = std::move(on_message);
    if (auto watched = loop.watch(inner_.get(), [this] { read_some(); }); !watched)
        return Error{"notify relay: " + watched.message(), watched.error().code};
    if (auto watched = watch_outer(); !watched)  // connected in open(), before there was a loop
        log::warn("NOTIFY_SOCKET={}: {}; connecting again later", outer_.text, watched.message());
    flush();
    return {};
}

void NotifyRelay::want_writable(bool on) {
    if (!loop_ || !outer_fd_ || on == writable_watch_) return;
    if (auto changed = loop_->modify(outer_fd_.get(), on ? std::uint32_t{EPOLLOUT} : 0u); !changed) {
        log::warn("NOTIFY_SOCKET={}: {}", outer_.text, changed.message());
        return;
    }
    writable_watch_ = on;
}

bool NotifyRelay::read_some() {
    alignas(cmsghdr) static char control[CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)];
    static char buf[kNotifyMaxBytes + 1];
    for (int i = 0; i < kReadBatch; ++i) {
        iovec iov{buf, sizeof buf};
        msghdr mh{};
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = control;
        mh.msg_controllen = sizeof control;
        ssize_t n = ::recvmsg(inner_.get(), &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
        if (n < 0) {
            const int err = errno;
            if (err == EINTR) continue;
            if (err != EAGAIN) log::warn("notify relay: recvmsg: {}", std::strerror(err));
            return false;
        }
        const std::size_t fds = close_passed_fds(mh);
        const pid_t pid = sender_pid(mh);
        const auto now = std::chrono::steady_clock::now();
        if (const Status accepted = check_ ? check_(pid) : Status(); !accepted) {
            if (rejected_budget_.allow(now)) log::warn("notification from pid {} dropped: {}", pid, accepted.message());
            continue;
        }
        bool truncated = (mh.msg_flags & MSG_TRUNC) != 0 || static_cast<std::size_t>(n) > kNotifyMaxBytes;
        std::string_view text(buf, truncated ? 0 : static_cast<std::size_t>(n));
        if ((mh.msg_flags & MSG_CTRUNC) != 0) log::debug("notification from pid {}: control data cut short", pid);
        auto parsed = parse_notify(text, truncated, fds);
        if (!parsed) {
            if (rejected_budget_.allow(now))
                log::warn("notification from pid {} ignored: {} ({} bytes)", pid, parsed.message(), n);
            continue;
        }
        const NotifyMessage& msg = *parsed;
        for (const auto& d : msg.dropped) log::debug("notification from pid {}: not relayed: {}", pid, d);
        if (on_message_) on_message_(pid, msg);
    }
    return true;
}

void NotifyRelay::drain() {
    while (read_some()) {
    }
    flush();
}

void NotifyRelay::send(const std::vector<std::string>& lines) {
    for (auto& dgram : outbound_datagrams(lines)) {
        const std::string text = dgram;
        auto a = admit(queue_, std::move(dgram), kQueueMax);
        if (a.dropped && full_budget_.allow(std::chrono::steady_clock::now()))
            log::warn("NOTIFY_SOCKET={} is not reading fast enough; dropped '{}'", outer_.text,
                      a.dropped->substr(0, 64));
        if (a.queued) log::debug("notify: queue '{}'", text);
    }
    flush();
}

// The outer socket cannot be reached: the queue is kept and sent once it can, retried with a
// back-off while anything waits; after kHoldUnreachable it is dropped, and the log says what.
void NotifyRelay::retry_later() {
    want_writable(false);
    if (!loop_) return;
    const auto now = EventLoop::Clock::now();
    if (unreachable_since_ && now - *unreachable_since_ >= kHoldUnreachable) {
        std::string lost;
        for (const auto& d : queue_) lost += (lost.empty() ? "'" : ", '") + one_line(d.substr(0, 64)) + "'";
        log::warn("NOTIFY_SOCKET={} could not be reached for {}: {} notification(s) dropped: {}", outer_.text,
                  format_duration(kHoldUnreachable), queue_.size(), lost);
        queue_.clear();
        unreachable_since_ = now;  // a new wait for what comes next
        return;
    }
    loop_->arm(retry_, now + retry_delay_);
    retry_delay_ = std::min(retry_delay_ * 2, kLastRetry);
}

void NotifyRelay::flush() {
    while (!queue_.empty()) {
        if (!reach_outer()) return retry_later();
        const std::string& d = queue_.front();
        ssize_t n = ::send(outer_fd_.get(), d.data(), d.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n >= 0) {
            log::debug("notify: sent '{}' to {}", d, outer_.text);
            queue_.pop_front();
            continue;
        }
        const int err = errno;
        if (err == EINTR) continue;
        if (err == EAGAIN) return want_writable(true);
        if (err == ECONNREFUSED || err == ENOTCONN || err == EPIPE) {  // the receiver went away: connect again
            if (loop_) loop_->unwatch(outer_fd_.get());
            outer_fd_.reset();
            writable_watch_ = false;
            continue;
        }
        log::warn("NOTIFY_SOCKET={}: send: {}; '{}' dropped", outer_.text, std::strerror(err), d.substr(0, 64));
        queue_.pop_front();
    }
    want_writable(false);
}

}  // namespace sdshim
