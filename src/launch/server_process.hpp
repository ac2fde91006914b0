// The server's process: its launch (the last step of the start that may fail), its pid, how it
// ended, and what each reaping round says of it.
#pragma once

#include "core/reaper.hpp"
#include "launch/launch.hpp"

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <utility>

namespace sdshim {

class ServerProcess {
  public:
    using Exited = std::function<void(int wait_status)>;

    ServerProcess(Reaper& reaper, Exited exited) : reaper_(reaper), exited_(std::move(exited)) {}

    // 0, or the shim's exit code for a launch that failed (logged; `inherited` sockets for the fd-limit
    // hint). Its exit is logged, then goes to `exited`.
    int start(const LaunchSpec& spec, int inherited);

    pid_t pid() const { return pid_; }
    bool running() const { return !status_; }
    const std::optional<int>& status() const { return status_; }

    struct Round {
        bool exited_now = false;  // its exit came in this round
        bool none_left = false;   // nothing the shim started or adopted runs any more
    };
    // Reaps what has exited; the server's exit goes to `exited`, a probe's to its own callback.
    Round reap();

  private:
    Reaper& reaper_;
    Exited exited_;
    std::string name_;  // argv[0], for the exit's log line
    pid_t pid_ = 0;
    std::optional<int> status_;
    bool exited_now_ = false;  // set by the exit callback, read and cleared by reap()
};

}  // namespace sdshim
