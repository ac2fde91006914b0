// The controller once the server runs: one method per event (signal, children, notify message,
// readiness verdict, stop), over the state they share. main.cpp prepares the parts and hands them in.
#pragma once

#include "adapters/adapters.hpp"
#include "bridge/bridge.hpp"
#include "config/cli.hpp"
#include "core/event_loop.hpp"
#include "core/forwarder.hpp"
#include "core/shutdown.hpp"
#include "core/signal_channel.hpp"
#include "notify/notify_relay.hpp"
#include "readiness/readiness.hpp"
#include "readiness/watchdog.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace sdshim {

struct SupervisorParts {
    const Options& options;
    ServerKind kind;
    std::string program;                 // what log and STATUS lines call the server
    ReadyMode ready_mode;
    pid_t main_pid;
    std::map<int, std::string> refused_signals;
    NotifyRelay* relay;                  // null without an outer NOTIFY_SOCKET
    std::unique_ptr<Bridge> bridge;      // null unless --bridge
    Watchdog& watchdog;
    ReadinessConfig readiness;
};

class Supervisor {
public:
    Supervisor(EventLoop& loop, SignalChannel& signals, SupervisorParts parts);
    Supervisor(const Supervisor&) = delete;
    Supervisor& operator=(const Supervisor&) = delete;

    // Runs the loop until the server and everything it left are gone (or the stop gave up);
    // returns the shim's exit code.
    int run();

private:
    void on_signals();
    void on_children();
    void on_server_message(pid_t sender, const NotifyMessage& msg);
    void on_not_ready(const std::string& line);
    void on_ready();
    void begin_stop(int sig, pid_t sender);
    void forward(int sig, pid_t sender, const sigval* value);
    void finish();
    void finish_now();
    void notify(const std::vector<std::string>& lines);

    EventLoop& loop_;
    SignalChannel& signals_;
    const Options& opt_;
    const ServerKind kind_;
    const std::string program_;
    const ReadyMode ready_mode_;
    const pid_t main_pid_;
    NotifyRelay* relay_;
    std::unique_ptr<Bridge> bridge_;
    Watchdog& watchdog_;
    Forwarder forwarder_;
    StopSequence stop_;
    Readiness readiness_;
    EventLoop::DeadlineId stop_deadline_;
    EventLoop::DeadlineId drain_deadline_;
    std::optional<int> main_status_;
    bool finished_ = false;
    bool failed_ = false;  // the shim stopped the server: not ready in time, or a dropped socket
};

}  // namespace sdshim
