// Reaping: collects every exited child (the main one and adopted orphans) without blocking.
#pragma once

#include <sys/types.h>

#include <initializer_list>
#include <optional>
#include <utility>
#include <vector>

namespace sdshim {

struct ReapResult {
    std::optional<int> main_status;  // wait status of the main child, if it was collected now
    bool no_children_left = false;   // waitpid said ECHILD: nothing of ours is running any more
    std::vector<std::pair<pid_t, int>> helpers;  // (pid, wait status) of the `helpers` collected now
    int orphans_reaped = 0;
};

// waitpid(-1, WNOHANG) until nothing more is ready. The main child is recognised inside the loop,
// so coalesced SIGCHLDs never hide its exit.
// `helpers`: the shim's own probes (readiness, liveness), reported apart from orphans; 0 is none.
ReapResult reap_children(pid_t main_pid, std::initializer_list<pid_t> helpers = {});

}  // namespace sdshim

namespace sdshim {
// Not PID 1: become the child subreaper so orphans of the server are reparented to the shim.
// Returns false (and errno) if the kernel refused.
bool become_subreaper_unless_pid1();
}  // namespace sdshim
