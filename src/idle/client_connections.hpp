// Which sockets the server's processes hold are client connections of the inherited listeners, in
// any network namespace: what an --exit-idle look counts besides arrivals and accept queues.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace sdshim {

struct ConnectionSample {
    std::size_t open = 0;      // held by a process, or waiting in an accept queue (at least this many)
    std::uint64_t opened = 0;  // grows with arrivals (compared, never read alone)
};

// One row of PID 1's own /proc/net/tcp or tcp6: a socket of the container's network namespace.
struct TcpRow {
    unsigned state = 0;  // 0x0A: listening
    unsigned local_port = 0;
};
using TcpTable = std::map<unsigned long, TcpRow>;  // by inode; sockets of no process (inode 0) left out

// Adds the rows of /proc/net/tcp or tcp6 text to `table`.
void parse_tcp_rows(std::string_view text, TcpTable& table);

// The inherited listeners: their inodes (never a connection themselves) and, for those of PID 1's
// own namespace, their local ports (an accepted connection has its listener's local port).
struct Listeners {
    std::set<unsigned long> inodes;
    std::set<unsigned> local_ports;
};

// A socket the server holds is a client connection when it is TCP, not an inherited listener, and
// either no row of PID 1's namespace (so it belongs to the listeners' namespace: systemd's, when the
// container has a network of its own or none, and only the inherited listeners bring sockets from
// there), or a connection on a listener's local port in PID 1's namespace (podman --network=host).
// The server's own listeners and the connections it opens (an upstream, an ACME CA) are neither.
// `protocol` is asked only for a socket that is in no row.
template <typename Protocol>
bool is_client_connection(unsigned long inode, Protocol protocol, const TcpTable& own, const Listeners& listeners) {
    if (listeners.inodes.count(inode)) return false;
    if (auto row = own.find(inode); row != own.end())
        return row->second.state != 0x0A && listeners.local_ports.count(row->second.local_port) > 0;
    const std::string p = protocol();
    return p == "TCP" || p == "TCPv6";
}

// What a look found in the processes below `root` (PID 1: the server and everything it started): the client connections
// they hold (the count stops at `enough`), and the first process whose fds could not be read (then nothing is called
// idle).
struct HeldConnections {
    std::size_t count = 0;
    std::optional<pid_t> unreadable;
    std::string why;  // of `unreadable`
};
HeldConnections count_held_connections(pid_t root, const Listeners& listeners, std::size_t enough);

}  // namespace sdshim
