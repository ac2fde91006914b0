// The runtime of a plan: builds every part from it, wires them, starts the server and routes each event to the parts.
#pragma once

#include "bridge/bridge.hpp"
#include "core/event_loop.hpp"
#include "core/forwarder.hpp"
#include "core/reaper.hpp"
#include "core/signal_intake.hpp"
#include "core/stop_control.hpp"
#include "idle/idle_watch.hpp"
#include "launch/server_process.hpp"
#include "notify/notify_relay.hpp"
#include "plan/run_plan.hpp"
#include "readiness/readiness.hpp"
#include "reload/reload_check.hpp"
#include "reload/reload_gate.hpp"
#include "watchdog/watchdog.hpp"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

namespace sdshim {

class Supervisor {
  public:
    // Blocks the signals, makes the loop and the parts, opens the notify relay; throws StartFailure
    // only if the kernel refuses one (the plan has checked everything else).
    explicit Supervisor(RunPlan plan);
    Supervisor(const Supervisor&) = delete;
    Supervisor& operator=(const Supervisor&) = delete;

    // Starts the server and runs the loop until it and everything it left are gone (or the stop
    // gave up); returns the shim's exit code, or that of a launch that failed (logged).
    int run();

  private:
    // After the launch nothing may end the shim without the stop sequence: what fails there stops the server.
    void after_launch();
    void on_signal(const signalfd_siginfo& si);
    void on_children();
    void on_main_exited(int wait_status);
    void on_server_message(pid_t sender, const NotifyMessage& msg);
    void on_not_ready(const std::string& line);
    void on_ready();
    // Returns whether this started the stop (and so sent its STATUS=, `why` if given, with STOPPING=1).
    bool begin_stop(int sig, pid_t sender, const std::string& why = {},
                    StopControl::Cause cause = StopControl::Cause::request);
    // `asked`: SIGHUP from `sdshim reload`, whose askers hear whether it went.
    void forward(int sig, pid_t sender, const sigval* value, bool asked = false);
    bool send_reload(int sig, pid_t sender, const sigval* value);  // whether it went
    void finish();
    void notify(const std::vector<std::string>& lines);

    const RunPlan plan_;
    EventLoop loop_;
    SignalIntake signals_;
    Reaper reaper_;
    ServerProcess server_;
    std::unique_ptr<NotifyRelay> relay_;  // null without an outer NOTIFY_SOCKET
    std::unique_ptr<Bridge> bridge_;      // null unless --bridge
    Forwarder forwarder_;
    StopControl stop_;
    Readiness readiness_;
    Watchdog watchdog_;
    ReloadCheck reload_check_;
    ReloadGate reloads_;  // `sdshim reload` and the reload signal, through reload_check_
    IdleWatch idle_;      // --exit-idle
};

}  // namespace sdshim
