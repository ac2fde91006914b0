// Judges a /proc snapshot of the server: which inherited sockets are polled, and which were closed.
#include "readiness/socket_check.hpp"

namespace sdshim {

SocketCheck check_sockets(const std::vector<SocketInfo>& watched, const std::vector<ProcessSockets>& tree,
                          pid_t main_pid, const std::set<pid_t>& old, const std::set<unsigned long>& listening) {
    SocketCheck c;
    std::set<unsigned long> held, polled;
    for (const auto& p : tree) {
        const bool fresh = old.count(p.pid) == 0;
        if (p.exited) {  // nothing can be called dropped until it is reaped; not a worker to wait for
            c.all_readable = false;
            continue;
        }
        if (!p.readable) {
            c.all_readable = false;
            if (fresh && p.ppid == main_pid) ++c.opaque_workers;
            continue;
        }
        held.insert(p.held.begin(), p.held.end());
        if (!fresh || p.stopped) continue;  // a stopped worker's epoll set accepts nothing
        polled.insert(p.polled.begin(), p.polled.end());
        for (unsigned long ino : p.polled)
            if (listening.count(ino)) c.polls_some_listener = true;
    }
    for (const auto& s : watched) {
        if (c.all_readable && held.count(s.inode) == 0)
            c.dropped.push_back(s);
        else if (polled.count(s.inode) == 0)
            c.not_polled.push_back(s);
    }
    return c;
}

}  // namespace sdshim
