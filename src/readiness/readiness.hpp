// Readiness: the state machine from start to ready (and through reloads), the timeout, the polling
// back-off, and the check that no inherited socket was dropped. What "ready" means is the probe's.
#pragma once

#include "base/duration.hpp"
#include "base/log.hpp"
#include "core/event_loop.hpp"
#include "notify/notify_message.hpp"
#include "readiness/probe.hpp"

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace sdshim {

// --on-dropped-socket: a server that closed an inherited socket is stopped, or only warned about.
enum class DroppedSocketPolicy { fail, warn };

// --ready=auto: behind a bridge, the targets accepting; nginx never sends READY, so its workers are
// watched; caddy and the rest send their own.
ReadyMode resolve_ready_mode(const ReadyMode& asked, ServerKind kind, bool bridged);

struct ReadinessConfig {
    ServingCheck check;
    Millis timeout{60000};
    DroppedSocketPolicy on_dropped = DroppedSocketPolicy::fail;
    bool notify_outer = false;  // an outer NOTIFY_SOCKET is being served
};

class Readiness {
public:
    struct Hooks {
        std::function<void(const std::vector<std::string>&)> notify;  // to the outer socket
        std::function<void(const std::string&)> fail;                 // log the line and stop the server
        std::function<void()> ready = nullptr;                        // the first time it is ready
    };

    // `probe`: null for the one of config.check.mode.
    Readiness(EventLoop& loop, ReadinessConfig config, Hooks hooks, std::unique_ptr<Probe> probe = nullptr);

    void started(pid_t main_pid);
    // What of a server's message to relay: its READY=1 only where the server decides readiness.
    std::vector<std::string> relayable(pid_t sender, const NotifyMessage& msg);
    // Before the reload signal goes to the server: the processes that exist now. Taken after it, a
    // fast reload's new workers would already be among them and never be seen as new.
    void before_reload();
    void reload_signalled();  // the reload signal went to the server
    void stopping();          // stop sequence: no more waiting, no deadline left armed
    // The main process is gone: no more waiting. Returns the last STATUS= text, which says why; if
    // the probe can explain an exit before readiness (nginx: the `listen` fix), that is logged too.
    std::string server_exited(int wait_status);
    pid_t probe_pid() const { return probe_->process(); }
    void probe_exited(int wait_status);

    bool ready() const { return state_ == State::ready; }
    std::string waiting_for() const { return probe_->waiting_for(); }

private:
    enum class State { off, waiting, ready, reloading, done };
    bool looking() const { return state_ == State::waiting || state_ == State::reloading; }
    void look();
    void take(const Look& look);
    void schedule_look();
    void disarm();
    void become_ready(const std::string& how);
    void timed_out();
    bool check_dropped_now();
    bool fail_dropped(const std::vector<SocketInfo>& dropped);

    EventLoop& loop_;
    ReadinessConfig cfg_;
    Hooks hooks_;
    std::unique_ptr<Probe> probe_;
    EventLoop::DeadlineId next_look_;
    EventLoop::DeadlineId timeout_;
    State state_ = State::off;
    pid_t main_pid_ = 0;
    EventLoop::Clock::time_point since_{};
    Millis delay_{1};
    std::set<pid_t> old_processes_;  // during a reload: workers of the previous configuration
    bool warned_dropped_ = false;
    bool server_reloading_ = false;  // the server's own RELOADING=1 was relayed: its READY=1 will be too
    LogBudget shortage_budget_;  // looks that could not be taken (out of fds, memory or processes)
};

}  // namespace sdshim
