// A command in a process group of its own, awaited through the reaper: the one helper with which the
// cmd: probe and the reload check start a process, learn its exit and end whatever it left behind.
#include "launch/group_child.hpp"

#include <signal.h>

#include <utility>

namespace sdshim {

Result<pid_t> GroupChild::start(LaunchSpec spec, Reaper::OnExit on_exit) {
    abandon();
    spec.take_terminal = false;
    auto launched = launch(spec);
    if (!launched) return launched;
    pid_ = *launched;
    reaper_.expect(pid_, [this, pid = pid_, on_exit = std::move(on_exit)](int wait_status) {
        ::kill(-pid, SIGKILL);    // what it left in its group
        if (pid_ != pid) return;  // abandoned in the same round, after it was reaped: nobody waits for it
        pid_ = 0;
        on_exit(wait_status);
    });
    return pid_;
}

void GroupChild::abandon() {
    if (pid_ <= 0) return;
    reaper_.forget(pid_);
    ::kill(-pid_, SIGKILL);
    pid_ = 0;
}

}  // namespace sdshim
