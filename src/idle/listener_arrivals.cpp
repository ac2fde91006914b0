// Clients reaching the inherited listeners, seen from PID 1's own copies in any network namespace:
// a real-time signal at the first arrival after each look (O_ASYNC, F_SETSIG), and the clients
// waiting in an accept queue (TCP_INFO) or the datagrams in a buffer (FIONREAD) at the look.
#include "idle/listener_arrivals.hpp"

#include "core/own_signals.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sdshim {

bool ListenerArrivals::set_async(int fd, bool on) noexcept {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0) return false;
    const int wanted = on ? flags | O_ASYNC : flags & ~O_ASYNC;
    return wanted == flags || ::fcntl(fd, F_SETFL, wanted) == 0;
}

Status ListenerArrivals::arm() {
    state_.assign(sockets_.size(), State{});
    const pid_t self = ::getpid();
    for (std::size_t i = 0; i < sockets_.size(); ++i) {
        const int fd = sockets_[i].fd;
        // Without F_SETSIG (qemu-user answers EINVAL) the kernel sends a plain SIGIO, which names no
        // listener: it counts for all of them (take()).
        const bool signal_set = ::fcntl(fd, F_SETSIG, arrival_signal()) == 0 || errno == EINVAL;
        if (!signal_set || ::fcntl(fd, F_SETOWN, self) != 0 || !set_async(fd, true))
            return Error{fmt::format("--exit-idle: cannot watch {} for clients: {}", describe_socket(sockets_[i]),
                                     std::strerror(errno)),
                         errno};
        state_[i].armed = true;
    }
    return {};
}

void ListenerArrivals::disarm() noexcept {
    for (std::size_t i = 0; i < state_.size(); ++i)
        if (set_async(sockets_[i].fd, false)) state_[i].armed = false;
}

bool ListenerArrivals::take(const signalfd_siginfo& si) {
    const int sig = static_cast<int>(si.ssi_signo);
    const bool from_kernel = si.ssi_code > 0 || si.ssi_code == SI_SIGIO;  // POLL_IN and the like
    if (state_.empty() || !from_kernel || (sig != arrival_signal() && sig != SIGIO)) return false;
    ++arrivals_;
    for (std::size_t i = 0; i < sockets_.size(); ++i)
        if (sig == SIGIO || sockets_[i].fd == si.ssi_fd)
            if (state_[i].armed && set_async(sockets_[i].fd, false)) state_[i].armed = false;
    return true;
}

std::uint64_t ListenerArrivals::arrivals() {
    const pid_t self = ::getpid();
    for (std::size_t i = 0; i < state_.size(); ++i) {
        const int fd = sockets_[i].fd;
        if (state_[i].armed) {
            const int flags = ::fcntl(fd, F_GETFL);
            if (flags >= 0 && (flags & O_ASYNC) && ::fcntl(fd, F_GETOWN) == self) continue;
            ++arrivals_;  // changed behind PID 1's back: it may have missed a client
            ::fcntl(fd, F_SETOWN, self);
        }
        state_[i].armed = set_async(fd, true);
    }
    return arrivals_;
}

std::size_t ListenerArrivals::waiting() const {
    std::size_t n = 0;
    for (const auto& s : sockets_) {
        if (s.type == SOCK_STREAM) {
            tcp_info info{};
            socklen_t len = sizeof info;
            // For a listener, tcpi_unacked is the number of connections waiting for accept().
            if (::getsockopt(s.fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0) n += info.tcpi_unacked;
        } else {
            int bytes = 0;
            if (::ioctl(s.fd, FIONREAD, &bytes) == 0 && bytes > 0) ++n;
        }
    }
    return n;
}

}  // namespace sdshim
