// How many client connections the inherited TCP listeners have, from the network namespace's /proc/net tables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string_view>

namespace sdshim {

struct ConnectionSample {
    std::size_t open = 0;     // accepted and still held by a process, or waiting in an accept queue
    std::uint64_t opened = 0;  // a counter that grows with each new connection (compared, never read alone)
};

// Connections of the listening sockets `listeners` (inodes) in /proc/net/tcp or tcp6 text: the rows
// on a listener's local port that are not listening and belong to a process (inode not 0), and the
// connections in the listeners' accept queues (their rx_queue).
std::size_t parse_open_connections(std::string_view table, const std::set<unsigned long>& listeners);
// Tcp: PassiveOpens of /proc/net/snmp text (IPv4 and IPv6 together): connections accepted so far.
std::optional<std::uint64_t> parse_passive_opens(std::string_view snmp);

// Both, for this network namespace. A table that cannot be read counts as one open connection: the
// shim never calls idle what it could not look at.
ConnectionSample count_connections_here(const std::set<unsigned long>& listeners);

}  // namespace sdshim
