// Judges a /proc snapshot of the server: which inherited sockets are polled, and which were closed (and the fix).
#include "readiness/socket_check.hpp"

#include <fmt/format.h>

#include <sys/socket.h>

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
        if (c.all_readable && held.count(s.inode) == 0) c.dropped.push_back(s);
        else if (polled.count(s.inode) == 0) c.not_polled.push_back(s);
    }
    return c;
}

std::vector<SocketInfo> sockets_to_watch(ServerKind kind, const std::vector<SocketInfo>& sockets) {
    if (kind != ServerKind::nginx) return sockets;
    std::vector<SocketInfo> out;
    for (const auto& s : sockets)
        if (s.type == SOCK_STREAM) out.push_back(s);
    return out;
}

std::string nginx_listen_for(const SocketInfo& s) {
    if (s.family == AF_UNIX) return fmt::format("listen unix:{};", s.address);
    return fmt::format("listen {};", s.address);  // "0.0.0.0:8080" and "[::]:80" are nginx's own syntax
}

std::string exited_before_polling_message(const SocketInfo& s, const std::string& how) {
    return fmt::format("nginx {} before its workers polled inherited {}: if its error above names another address "
                       "(socket() or bind() failed), no listen directive matches this socket; fix: put '{}' in the "
                       "server block",
                       how, describe_socket(s), nginx_listen_for(s));
}

std::string dropped_socket_message(const SocketInfo& s, ServerKind kind, const std::string& program) {
    if (kind == ServerKind::nginx) {
        std::string hint;
        if (s.family == AF_INET6 && s.address.rfind("[::]:", 0) == 0)
            hint = " (systemd's ListenStream=PORT is this dual-stack IPv6 socket)";
        else if (s.family == AF_UNIX)
            hint = " (the path is the socket's path on the host)";
        return fmt::format(
            "nginx closed inherited {}: no listen directive matches its address, so nginx serves on a socket of "
            "its own inside the container and clients of the host socket hang; fix: put '{}' in the server block{}",
            describe_socket(s), nginx_listen_for(s), hint);
    }
    return fmt::format("{} closed inherited {}: no process of the server holds it any more, so clients of the "
                       "host socket hang; make the server use the socket (see 'sdshim inspect')",
                       program, describe_socket(s));
}

}  // namespace sdshim
