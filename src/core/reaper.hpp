// Reaping: collects every exited child without blocking, and hands the exit of each process the shim
// waits for (the main child, a probe) to the callback registered for its pid.
#pragma once

#include "base/result.hpp"

#include <sys/types.h>

#include <functional>
#include <utility>
#include <vector>

namespace sdshim {

class Reaper {
  public:
    using OnExit = std::function<void(int wait_status)>;

    // The exit of `pid` goes to `on_exit`, once. Every other pid reaped is an orphan.
    void expect(pid_t pid, OnExit on_exit);
    // From now on `pid` is reaped as an orphan (a probe given up on).
    void forget(pid_t pid);

    struct Round {
        int orphans = 0;         // adopted processes collected
        bool none_left = false;  // waitpid said ECHILD: nothing of ours is running any more
    };
    // waitpid(-1, WNOHANG) until nothing more is ready, then the callbacks of what was collected.
    // Each pid is checked inside the loop, so coalesced SIGCHLDs never hide an exit.
    Round reap();

  private:
    std::vector<std::pair<pid_t, OnExit>> expected_;  // a few: the main child and the running probes
    std::vector<std::pair<OnExit, int>> exited_;      // collected in this round, called after it
};

// Not PID 1: become the child subreaper so orphans of the server are reparented to the shim.
Status become_subreaper_unless_pid1();

}  // namespace sdshim
