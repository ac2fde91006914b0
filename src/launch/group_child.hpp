// A command in a process group of its own, awaited through the reaper: the one helper with which the
// cmd: probe and the reload check start a process, learn its exit and end whatever it left behind.
#pragma once

#include "base/result.hpp"
#include "core/reaper.hpp"
#include "launch/launch.hpp"

#include <sys/types.h>

namespace sdshim {

class GroupChild {
  public:
    explicit GroupChild(Reaper& reaper) : reaper_(reaper) {}
    ~GroupChild() { abandon(); }
    GroupChild(const GroupChild&) = delete;
    GroupChild& operator=(const GroupChild&) = delete;

    // Starts `spec` in a process group of its own, never in the terminal's foreground. When it exits,
    // its group is SIGKILLed (what it started in the background would outlive every run), then `on_exit`
    // gets its wait status. The error is launch's: its code is the errno.
    Result<pid_t> start(LaunchSpec spec, Reaper::OnExit on_exit);
    // SIGKILL to the whole group. The reaper forgets the pid: it is reaped as an orphan, no `on_exit`.
    void abandon();

    bool running() const { return pid_ > 0; }

  private:
    Reaper& reaper_;
    pid_t pid_ = 0;
};

}  // namespace sdshim
