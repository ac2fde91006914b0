// Clients reaching the inherited listeners, seen from PID 1's own copies in any network namespace:
// a real-time signal at the first arrival after each look (O_ASYNC, F_SETSIG), and the clients
// waiting in an accept queue (TCP_INFO) or the datagrams in a buffer (FIONREAD) at the look.
#pragma once

#include "activation/activation.hpp"
#include "base/result.hpp"

#include <sys/signalfd.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sdshim {

class ListenerArrivals {
  public:
    // `sockets`: PID 1's copies of the listeners (TCP listening, UDP bound), which it keeps open.
    explicit ListenerArrivals(std::vector<SocketInfo> sockets) : sockets_(std::move(sockets)) {}
    ~ListenerArrivals() { disarm(); }
    ListenerArrivals(const ListenerArrivals&) = delete;
    ListenerArrivals& operator=(const ListenerArrivals&) = delete;

    // Owner PID 1, arrival_signal(), O_ASYNC on each. The flags belong to the open file, which the
    // server, podman and systemd share: O_NONBLOCK and the rest are kept as they are.
    Status arm();
    // O_ASYNC off again on each (at the stop, and when PID 1 exits).
    void disarm() noexcept;
    // Whether a signal PID 1 read is an arrival: arrival_signal() from the kernel, or SIGIO from the
    // kernel when the real-time queue was full (then for every listener). The listener it names
    // sends nothing more until the next look.
    bool take(const signalfd_siginfo& si);
    // At a look: a count that grew with every arrival so far. Re-arms the listeners that fired; one
    // whose O_ASYNC or owner another process changed counts as an arrival (it may have missed one).
    std::uint64_t arrivals();
    // Clients waiting to be accepted, and listeners with datagrams waiting.
    std::size_t waiting() const;

  private:
    struct State {
        bool armed = false;
    };
    bool set_async(int fd, bool on) noexcept;
    std::vector<SocketInfo> sockets_;
    std::vector<State> state_;
    std::uint64_t arrivals_ = 0;
};

}  // namespace sdshim
