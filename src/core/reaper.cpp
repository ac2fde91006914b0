// Reaping: collects every exited child without blocking, and hands the exit of each process the shim
// waits for (the main child, a probe) to the callback registered for its pid.
#include "core/reaper.hpp"

#include <fmt/format.h>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sdshim {

void Reaper::expect(pid_t pid, OnExit on_exit) { expected_.emplace_back(pid, std::move(on_exit)); }

void Reaper::forget(pid_t pid) {
    std::erase_if(expected_, [pid](const auto& e) { return e.first == pid; });
}

Reaper::Round Reaper::reap() {
    Round round;
    for (;;) {
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid > 0) {
            auto it = std::find_if(expected_.begin(), expected_.end(), [pid](const auto& e) { return e.first == pid; });
            if (it == expected_.end()) {
                ++round.orphans;
                continue;
            }
            exited_.emplace_back(std::move(it->second), status);
            expected_.erase(it);
            continue;
        }
        if (pid < 0 && errno == EINTR) continue;
        if (pid < 0 && errno == ECHILD) round.none_left = true;
        break;
    }
    if (exited_.empty()) return round;  // orphans only: the common case, with nothing to allocate or call
    // After the loop: a callback may start a process (the next probe) and expect it.
    auto exited = std::move(exited_);
    exited_.clear();
    for (auto& [on_exit, status] : exited) on_exit(status);
    return round;
}

Status become_subreaper_unless_pid1() {
    if (::getpid() == 1 || ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0) return {};
    return Error{fmt::format("cannot become a child subreaper (prctl: {}): orphans of the server will not be reaped "
                             "here",
                             std::strerror(errno)),
                 errno};
}

}  // namespace sdshim
