// Judges a /proc snapshot of the server: which inherited sockets are polled, and which were closed.
#pragma once

#include "activation/activation.hpp"
#include "proc/proc_sockets.hpp"

#include <set>
#include <vector>

namespace sdshim {

struct SocketCheck {
    std::vector<SocketInfo> dropped;     // held by no process of the tree (known only if all were readable)
    std::vector<SocketInfo> not_polled;  // not dropped, but in no epoll set of a running process outside `old`
    bool all_readable = true;
    int opaque_workers = 0;            // unreadable children of the main process outside `old`
    bool polls_some_listener = false;  // some process outside `old` polls one of `listening`
};

// `old`: processes that existed before a reload, whose epoll sets do not count. `listening`: the
// listening sockets of the namespace, used when no socket was inherited.
SocketCheck check_sockets(const std::vector<SocketInfo>& watched, const std::vector<ProcessSockets>& tree,
                          pid_t main_pid, const std::set<pid_t>& old, const std::set<unsigned long>& listening);

}  // namespace sdshim
