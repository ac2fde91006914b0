// Judges a /proc snapshot of the server: which inherited sockets are polled, and which were closed (and the fix).
#pragma once

#include "activation/activation.hpp"
#include "adapters/adapters.hpp"
#include "proc/proc_sockets.hpp"

#include <set>
#include <string>
#include <vector>

namespace sdshim {

struct SocketCheck {
    std::vector<SocketInfo> dropped;     // held by no process of the tree (known only if all were readable)
    std::vector<SocketInfo> not_polled;  // not dropped, but in no epoll set of a running process outside `old`
    bool all_readable = true;
    int opaque_workers = 0;              // unreadable children of the main process outside `old`
    bool polls_some_listener = false;    // some process outside `old` polls one of `listening`
};

// `old`: processes that existed before a reload, whose epoll sets do not count. `listening`: the
// listening sockets of the namespace, used when no socket was inherited.
SocketCheck check_sockets(const std::vector<SocketInfo>& watched, const std::vector<ProcessSockets>& tree,
                          pid_t main_pid, const std::set<pid_t>& old, const std::set<unsigned long>& listening);

// The stream sockets nginx takes through NGINX=; every socket for the other servers.
std::vector<SocketInfo> sockets_to_watch(ServerKind kind, const std::vector<SocketInfo>& sockets);

// nginx's `listen` for the address of an inherited socket: "listen 0.0.0.0:8080;", "listen [::]:80;",
// "listen unix:/run/web.sock;".
std::string nginx_listen_for(const SocketInfo& socket);

// One line: the fd, its name and address, what it means, and for nginx the `listen` that fixes it.
std::string dropped_socket_message(const SocketInfo& socket, ServerKind kind, const std::string& program);

// One line for an nginx that exited (`how`: "exited with code 1") before its workers polled an
// inherited socket. The likeliest cause is a listen that matches no inherited socket: nginx then makes
// its own socket, which fails under systemd's RestrictAddressFamilies= (or a taken port), and exits.
std::string exited_before_polling_message(const SocketInfo& socket, const std::string& how);

}  // namespace sdshim
