// Which sockets the server's processes hold are client connections of the inherited listeners, in
// any network namespace: what an --exit-idle look counts besides arrivals and accept queues.
#include "idle/client_connections.hpp"

#include "base/proc_text.hpp"
#include "proc/proc_sockets.hpp"
#include "proc/process_tree.hpp"

#include <cerrno>
#include <cstring>

namespace sdshim {

void parse_tcp_rows(std::string_view text, TcpTable& table) {
    // "  sl  local_address rem_address   st tx_queue:rx_queue tr:tm->when retrnsmt   uid  timeout inode"
    for_each_row(text, [&](std::string_view line) {
        FieldReader row(line);
        std::string_view f[10];
        std::size_t n = 0;
        while (n < 10)
            if (auto field = row.next())
                f[n++] = *field;
            else
                break;
        if (n < 10) return;
        const auto colon = f[1].rfind(':');
        if (colon == std::string_view::npos) return;
        const auto port = parse_whole_number<unsigned>(f[1].substr(colon + 1), 16);
        const auto state = parse_whole_number<unsigned>(f[3], 16);
        const auto inode = parse_whole_number<unsigned long>(f[9]);
        if (port && state && inode && *inode != 0) table[*inode] = TcpRow{*state, *port};
    });
}

HeldConnections count_held_connections(pid_t root, const Listeners& listeners, std::size_t enough) {
    HeldConnections out;
    TcpTable own;
    bool own_read = false;  // only once a socket needs it, and once per look
    for (pid_t pid : list_descendants(root)) {
        const int err = visit_socket_fds(pid, [&](unsigned long inode, const auto& protocol) {
            if (!own_read) {
                parse_tcp_rows(read_small_file("/proc/net/tcp"), own);
                parse_tcp_rows(read_small_file("/proc/net/tcp6"), own);
                own_read = true;
            }
            if (is_client_connection(inode, protocol, own, listeners)) ++out.count;
            return out.count < enough;
        });
        // A process that is gone by now held nothing any more; one that is there but unreadable may.
        if (err != 0 && err != ENOENT && !out.unreadable) {
            out.unreadable = pid;
            out.why = std::strerror(err);
        }
        if (out.count >= enough) break;
    }
    return out;
}

}  // namespace sdshim
