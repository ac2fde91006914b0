// The notify relay: a private socket for the server, credential checks, and a bounded queue to podman's socket.
#pragma once

#include "event_loop.hpp"
#include "log.hpp"
#include "notify_address.hpp"
#include "notify_message.hpp"
#include "unique_fd.hpp"

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace sdshim {

class NotifyRelay {
public:
    // Returns why a sender's message is refused, or an empty string to accept it.
    using SenderCheck = std::function<std::string(pid_t pid)>;
    using OnMessage = std::function<void(pid_t pid, NotifyMessage& msg)>;

    // Binds the server's socket (an abstract name nobody outside the container's network
    // namespace can reach) and connects to the outer NOTIFY_SOCKET.
    static std::variant<std::unique_ptr<NotifyRelay>, std::string> open(const std::string& outer);

    const std::string& inner_address() const { return inner_name_; }  // what the server's NOTIFY_SOCKET says
    const std::string& outer_address() const { return outer_.text; }

    // Registers both sockets with the loop. Messages accepted by `check` go to `on_message`,
    // which decides what to relay with send().
    void attach(EventLoop& loop, SenderCheck check, OnMessage on_message);
    // Queues assignments for the outer socket, split as outbound_datagrams() says.
    void send(const std::vector<std::string>& lines);

    std::size_t queued() const { return queue_.size(); }

    // Before the shim exits: what the server sent last (a STOPPING=1 just before its exit) is
    // read and passed on, not lost because the child's SIGCHLD was handled first.
    void drain();

private:
    NotifyRelay() = default;
    bool read_some();  // true when a whole batch was read: more may wait
    void flush();
    bool connect_outer();
    void watch_outer();
    void want_writable(bool on);

    UniqueFd inner_;
    UniqueFd outer_fd_;
    NotifyAddress outer_;
    std::string inner_name_;
    EventLoop* loop_ = nullptr;
    SenderCheck check_;
    OnMessage on_message_;
    std::deque<std::string> queue_;
    bool writable_watch_ = false;
    LogBudget rejected_budget_;
    LogBudget full_budget_;
};

}  // namespace sdshim
