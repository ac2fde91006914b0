// Reaping: collects every exited child (the main one and adopted orphans) without blocking.
#include "core/reaper.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <cerrno>

namespace sdshim {

ReapResult reap_children(pid_t main_pid, std::initializer_list<pid_t> helpers) {
    ReapResult result;
    for (;;) {
        int status = 0;
        pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid > 0) {
            if (pid == main_pid) result.main_status = status;
            else if (std::find(helpers.begin(), helpers.end(), pid) != helpers.end()) result.helpers.emplace_back(pid, status);
            else ++result.orphans_reaped;
            continue;
        }
        if (pid < 0 && errno == EINTR) continue;
        if (pid < 0 && errno == ECHILD) result.no_children_left = true;
        return result;
    }
}

}  // namespace sdshim

#include <sys/prctl.h>
#include <unistd.h>

namespace sdshim {
bool become_subreaper_unless_pid1() {
    if (::getpid() == 1) return true;
    return ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
}
}  // namespace sdshim
