// What /proc says about the server's processes: which socket inodes each holds and which its epoll sets watch.
#pragma once

#include <sys/types.h>

#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace sdshim {

struct ProcessSockets {
    pid_t pid = 0;
    pid_t ppid = 0;
    bool readable = false;           // its fd table could be read
    bool exited = false;             // exiting or a zombie: its fds are (being) closed, so its table says nothing
    bool stopped = false;            // SIGSTOP or a tracer: it holds its sockets but serves nothing
    std::set<unsigned long> held;    // socket inodes among its open fds
    std::set<unsigned long> polled;  // inodes registered in any of its epoll instances
};

// Reads /proc/<pid>/fd and, for epoll fds, /proc/<pid>/fdinfo. A process that dropped privileges
// (nginx workers run as "nginx") is read with the fs uid/gid switched to its own: the kernel then
// allows it without CAP_SYS_PTRACE, which podman does not grant.
ProcessSockets read_process_sockets(pid_t pid, pid_t ppid);

// /proc/<pid>/stat of a process that is exiting (PF_EXITING), a zombie, or unreadable.
bool stat_says_exiting(std::string_view stat);

// Calls `visit(inode, protocol)` for each socket among the open fds of `pid`, read as above; `protocol()`
// asks the kernel what the socket speaks ("TCP", "TCPv6", "UDP", "UNIX", ...; empty if it cannot say),
// for the sockets the caller cannot place otherwise. `visit` returns false to stop. Returns 0, or the
// errno of an fd table that could not be read (ENOENT: the process is gone).
using SocketVisitor = std::function<bool(unsigned long inode, const std::function<std::string()>& protocol)>;
int visit_socket_fds(pid_t pid, const SocketVisitor& visit);

// Every process below `root`, read as above.
std::vector<ProcessSockets> read_tree_sockets(pid_t root);

// Inodes that a "tfd: ... ino:HEX" line of an epoll fdinfo names.
std::vector<unsigned long> parse_epoll_targets(std::string_view fdinfo);
// The inode of a "socket:[12345]" link target, 0 for anything else.
unsigned long parse_socket_link(std::string_view target);
// Inodes of listening sockets in /proc/net/tcp, tcp6 (state 0A) or unix (__SO_ACCEPTCON) text.
std::set<unsigned long> parse_listening_inet(std::string_view table);
std::set<unsigned long> parse_listening_unix(std::string_view table);
// Listening sockets of the shim's own network namespace.
std::set<unsigned long> listening_sockets_here();

}  // namespace sdshim
