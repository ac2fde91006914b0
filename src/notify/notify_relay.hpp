// The notify relay: a private socket for the server, credential checks, and a bounded queue to podman's socket.
#pragma once

#include "base/duration.hpp"
#include "base/log.hpp"
#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "core/event_loop.hpp"
#include "notify/notify_access.hpp"
#include "notify/notify_address.hpp"
#include "notify/notify_message.hpp"

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sdshim {

class NotifyRelay {
  public:
    // Accepts a sender's message, or says why it is refused.
    using SenderCheck = std::function<Status(pid_t pid)>;
    using OnMessage = std::function<void(pid_t pid, const NotifyMessage& msg)>;

    // Binds the server's socket (an abstract name nobody outside the container's network
    // namespace can reach), connects to the outer NOTIFY_SOCKET and registers both with the loop.
    // Messages accepted by `check` go to `on_message`, which decides what to relay with send().
    static Result<std::unique_ptr<NotifyRelay>> open(const NotifyAddress& outer, EventLoop& loop, SenderCheck check,
                                                     OnMessage on_message);

    const std::string& inner_address() const { return inner_name_; }  // what the server's NOTIFY_SOCKET says
    const std::string& outer_address() const { return outer_.text; }

    // Queues assignments for the outer socket, split as outbound_datagrams() says.
    void send(const std::vector<std::string>& lines);

    std::size_t queued() const { return queue_.size(); }

    // Before the shim exits: what the server sent last (a STOPPING=1 just before its exit) is
    // read and passed on, not lost because the child's SIGCHLD was handled first.
    void drain();

  private:
    NotifyRelay() = default;
    Status attach(EventLoop& loop, SenderCheck check, OnMessage on_message);
    bool read_some();  // true when a whole batch was read: more may wait
    void flush();
    void retry_later();
    Status connect_outer();
    Status watch_outer();
    bool reach_outer();  // connects if need be; logs when the outer socket becomes unreachable or reachable
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
    EventLoop::DeadlineId retry_ = 0;
    Millis retry_delay_{10};
    std::optional<EventLoop::Clock::time_point> unreachable_since_;
    LogBudget rejected_budget_;
    LogBudget full_budget_;
};

}  // namespace sdshim
