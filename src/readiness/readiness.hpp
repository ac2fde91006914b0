// Readiness: the state machine from start to ready (and through reloads), the timeout, the polling
// back-off, and the check that no inherited socket was dropped. Ready is the server's own READY=1
// (notify), the exec (exec), or what the mode's probe sees.
#pragma once

#include "base/duration.hpp"
#include "base/log.hpp"
#include "core/event_loop.hpp"
#include "notify/notify_message.hpp"
#include "readiness/dropped_socket_policy.hpp"
#include "readiness/probe.hpp"
#include "status/certificate_trouble.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sdshim {

// --ready=auto: behind a bridge, the targets accepting; a server that sends no READY=1 of its own (its
// adapter says so: nginx) is watched on its workers; the rest send their own. A pidfile without a path
// is the adapter's.
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

    // `probe`: the mode's (make_probe); not used for notify and exec, which need none.
    Readiness(EventLoop& loop, ReadinessConfig config, Hooks hooks, std::unique_ptr<Probe> probe);

    void started(pid_t main_pid);
    // What of a server's message to relay: its READY=1 where the server decides readiness or it ends
    // the server's own reload, its RELOADING=1 only once ready, and a STATUS= of sdshim's with each
    // of these unless the server sets its own.
    std::vector<std::string> relayable(pid_t sender, const NotifyMessage& msg);
    // Before the reload signal goes to the server: the processes that exist now. Taken after it, a
    // fast reload's new workers would already be among them and never be seen as new.
    void before_reload();
    void reload_signalled();  // the reload signal went to the server
    void stopping();          // stop sequence: no more waiting, no deadline left armed
    // The main process is gone: no more waiting. Returns the last STATUS= text, which says why; if
    // the adapter can explain an exit before readiness (nginx: the `listen` fix), that is logged too.
    std::string server_exited(int wait_status);
    bool ready() const { return state_ == State::ready; }
    // "<server> is ready<note>" while it is ready, not reloading, and sdshim writes its STATUS=.
    std::optional<std::string> serving_status() const;
    // A JSON log entry of the server's (caddy's certificate events), which "<server> is ready" notes:
    // that status again when the note changed, if sdshim writes it now.
    std::optional<std::string> take_log_entry(pid_t sender, std::string_view entry);
    std::string waiting_for() const;

  private:
    enum class State { off, waiting, ready, reloading, done };
    // Who says the server is ready: the server itself (notify), the exec, or the mode's probe.
    enum class Decider { server, exec, probe };
    bool follows_workers() const { return probe_ && probe_->watches_workers(); }
    bool looking() const { return state_ == State::waiting || state_ == State::reloading; }
    void look();
    void take(const Look& look);
    void schedule_look();
    void disarm();
    void become_ready(const std::string& how);
    void timed_out();
    bool check_dropped_now();
    bool fail_dropped(const std::vector<SocketInfo>& dropped);
    std::string state_text(bool reload) const;  // "<server> is ready" or "reloaded", and the note

    EventLoop& loop_;
    ReadinessConfig cfg_;
    Hooks hooks_;
    CertificateTrouble certificates_;  // the note on "<server> is ready": certificates it could not get
    Decider decider_;
    std::unique_ptr<Probe> probe_;  // null unless decider_ is probe
    EventLoop::DeadlineId next_look_;
    EventLoop::DeadlineId timeout_;
    State state_ = State::off;
    pid_t main_pid_ = 0;
    EventLoop::Clock::time_point since_{};
    Millis delay_{1};
    std::set<pid_t> old_processes_;     // during a reload: workers of the previous configuration
    std::vector<SocketInfo> unpolled_;  // after the last look of a worker-watching probe
    std::string last_problem_;          // the last not_serving text, logged when it changes
    bool warned_dropped_ = false;
    bool server_reloading_ = false;    // the server's own RELOADING=1 was relayed: its READY=1 will be too
    bool server_sets_status_ = false;  // it sent a STATUS= of its own: sdshim adds none to its messages
    LogBudget shortage_budget_;        // looks that could not be taken (out of fds, memory or processes)
};

}  // namespace sdshim
