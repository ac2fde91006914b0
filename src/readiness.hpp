// Readiness: when the server really serves (its READY, its workers polling the sockets, a pid file, a command),
// the timeout, reloads, and the check that no inherited socket was dropped.
#pragma once

#include "activation.hpp"
#include "adapters.hpp"
#include "bridge_spec.hpp"
#include "duration.hpp"
#include "event_loop.hpp"
#include "launch.hpp"
#include "notify_message.hpp"
#include "ready_mode.hpp"
#include "serving_probes.hpp"

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sdshim {

// --ready=auto: behind a bridge, the targets accepting; nginx never sends READY, so its workers are
// watched; caddy and the rest send their own.
ReadyMode resolve_ready_mode(const ReadyMode& asked, ServerKind kind, bool bridged);

struct ReadinessConfig {
    ServingCheck check;
    Millis timeout{60000};
    DroppedSocketPolicy on_dropped = DroppedSocketPolicy::fail;
    bool notify_outer = false;         // an outer NOTIFY_SOCKET is being served
};

class Readiness {
public:
    struct Hooks {
        std::function<void(const std::vector<std::string>&)> notify;  // to the outer socket
        std::function<void(const std::string&)> fail;                 // log the line and stop the server
        std::function<void()> ready = nullptr;                        // the first time it is ready
    };

    Readiness(EventLoop& loop, ReadinessConfig config, Hooks hooks);

    void started(pid_t main_pid);
    // Server messages in modes where the shim decides readiness lose their READY=1 here.
    void server_message(pid_t sender, NotifyMessage& msg);
    // Before SIGHUP goes to the server: the processes that exist now. Taken after it, a fast
    // reload's new workers would already be among them and never be seen as new.
    void before_reload();
    void reload_signalled();          // SIGHUP went to the server
    void stopping();                  // stop sequence: no more waiting, no deadline left armed
    // The main process is gone: no more waiting. Returns the last STATUS= text, which says why; an
    // nginx that failed before its workers polled the sockets also gets the `listen` fix logged.
    std::string server_exited(int wait_status);
    pid_t probe_pid() const { return probe_pid_; }
    void probe_exited(int wait_status);

    bool ready() const { return state_ == State::ready; }
    std::string waiting_for() const;  // "nginx's workers to poll fd 3 'http' (0.0.0.0:8080)"

private:
    enum class State { off, waiting, ready, reloading, done };
    void poll();
    void schedule_poll();
    void disarm();
    void become_ready(const std::string& how);
    void timed_out();
    void start_probe();
    bool check_dropped_now();
    bool fail_dropped(const std::vector<SocketInfo>& dropped);

    EventLoop& loop_;
    ReadinessConfig cfg_;
    Hooks hooks_;
    EventLoop::DeadlineId next_poll_;
    EventLoop::DeadlineId timeout_;
    State state_ = State::off;
    pid_t main_pid_ = 0;
    EventLoop::Clock::time_point since_{};
    Millis poll_delay_{1};
    std::set<pid_t> old_processes_;  // during a reload: workers of the previous configuration
    std::vector<SocketInfo> not_polled_;
    std::size_t targets_accepting_ = 0;  // --ready=target: targets[0..n) accepted a connection
    bool warned_opaque_ = false;
    int opaque_polls_ = 0;
    bool warned_dropped_ = false;
    pid_t probe_pid_ = 0;
    int probe_attempts_ = 0;
};

}  // namespace sdshim
