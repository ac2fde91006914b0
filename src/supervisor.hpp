// The runtime of a plan: builds and owns every part (signals, loop, reaper, relay, readiness,
// watchdog, bridge), starts the server, and handles each event (signal, child exit, notify
// message, readiness verdict, stop) over the state they share. main.cpp only hands the plan in.
#pragma once

#include "bridge/bridge.hpp"
#include "core/event_loop.hpp"
#include "core/forwarder.hpp"
#include "core/reaper.hpp"
#include "core/shutdown.hpp"
#include "core/signal_channel.hpp"
#include "idle/idle_watch.hpp"
#include "notify/notify_relay.hpp"
#include "plan/run_plan.hpp"
#include "readiness/certificate_trouble.hpp"
#include "readiness/readiness.hpp"
#include "readiness/watchdog.hpp"
#include "reload/reload_askers.hpp"
#include "reload/reload_check.hpp"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

namespace sdshim {

class Supervisor {
  public:
    // Blocks the signals and makes the loop and the parts; throws only if the kernel refuses one.
    explicit Supervisor(RunPlan plan);
    Supervisor(const Supervisor&) = delete;
    Supervisor& operator=(const Supervisor&) = delete;

    // Starts the server and runs the loop until it and everything it left are gone (or the stop
    // gave up); returns the shim's exit code.
    int run();

  private:
    int start();  // 0, or the exit code of a start that failed (already logged)
    // After the launch nothing may end the shim without the stop sequence: what fails there stops the server.
    void after_launch();
    int fail(const Error& error, int exit_code) const;
    void on_signals(bool wait);  // wait: block for one (the loop has no other source), else read all
    void handle(const SignalChannel::Batch& batch);
    void on_children();
    void on_main_exited(int wait_status);
    void on_server_message(pid_t sender, const NotifyMessage& msg);
    void on_log_entry(pid_t sender, const std::string& entry);
    void on_not_ready(const std::string& line);
    void on_ready();
    void start_idle_looks();
    void on_idle();
    void on_reload_request(pid_t asker);
    // Returns whether this started the stop (and so sent its STOPPING=1 and STATUS=, `why` if given).
    bool begin_stop(int sig, pid_t sender, const std::string& why = {});
    bool bridge_waits_for_ready() const {
        const ReadyKind k = plan_.readiness.check.mode.kind;
        return k == ReadyKind::target || k == ReadyKind::health;
    }
    void forward(int sig, pid_t sender, const sigval* value);
    void send_reload(int sig, pid_t sender, const sigval* value);
    void on_reload_refused(const std::string& why);
    void finish();
    void finish_now();
    void notify(const std::vector<std::string>& lines);

    const RunPlan plan_;
    SignalChannel signals_;
    EventLoop loop_;
    Reaper reaper_;
    std::unique_ptr<NotifyRelay> relay_;  // null without an outer NOTIFY_SOCKET
    std::unique_ptr<Bridge> bridge_;      // null unless --bridge
    Forwarder forwarder_;
    StopSequence stop_;
    Readiness readiness_;
    Watchdog watchdog_;
    CertificateTrouble certificates_;  // from the server's log entries: a note on its "is ready" STATUS=
    ReloadCheck reload_check_;
    ReloadAskers reload_askers_;                  // `sdshim reload`s waiting for their answer
    IdleWatch idle_;                              // --exit-idle
    std::pair<int, pid_t> checked_reload_{0, 0};  // the reload signal, and its sender, that waits for the check
    EventLoop::DeadlineId stop_deadline_;
    EventLoop::DeadlineId drain_deadline_;
    EventLoop::DeadlineId signals_again_;
    pid_t main_pid_ = 0;
    std::optional<int> main_status_;
    bool main_exited_now_ = false;  // in this round of reaping
    bool finished_ = false;
    bool stopping_announced_ = false;  // STOPPING=1 went out, from sdshim or relayed from the server
    bool failed_ = false;              // the shim stopped the server: not ready in time, or a dropped socket
    bool idled_ = false;               // the shim stopped the server for --exit-idle: exit 0
};

}  // namespace sdshim
