// The lines that explain what a server did to an inherited socket, with the server's own fix.
#include "adapters/server_messages.hpp"

#include <fmt/format.h>

#include <sys/socket.h>
#include <sys/wait.h>

namespace sdshim {

std::string nginx_listen_for(const SocketInfo& s) {
    if (s.family == AF_UNIX) return fmt::format("listen unix:{};", s.address);
    return fmt::format("listen {};", s.address);  // "0.0.0.0:8080" and "[::]:80" are nginx's own syntax
}

std::string exited_before_polling_message(const SocketInfo& s, const ServerAdapter& adapter, const std::string& how) {
    return fmt::format(
        "{} {} before its workers polled inherited {}: if its error above names another address "
        "(socket() or bind() failed), no listen directive matches this socket; fix: put '{}' in the "
        "server block",
        adapter.name, how, describe_socket(s), adapter.config_for(s));
}

std::string dropped_socket_message(const SocketInfo& s, const ServerAdapter& adapter, const std::string& program) {
    if (adapter.config_for) {
        std::string hint;
        if (s.family == AF_INET6 && s.address.rfind("[::]:", 0) == 0)
            hint = " (systemd's ListenStream=PORT is this dual-stack IPv6 socket)";
        else if (s.family == AF_UNIX)
            hint = " (the path is the socket's path on the host)";
        return fmt::format(
            "{} closed inherited {}: no listen directive matches its address, so {} serves on a socket of "
            "its own inside the container and clients of the host socket hang; fix: put '{}' in the server block{}",
            adapter.name, describe_socket(s), adapter.name, adapter.config_for(s), hint);
    }
    return fmt::format(
        "{} closed inherited {}: no process of the server holds it any more, so clients of the "
        "host socket hang; make the server use the socket (see 'sdshim inspect')",
        program, describe_socket(s));
}

// Decided from the exit alone, not from a poll that may or may not have run before it.
std::vector<std::string> explain_early_exit(const ServerAdapter& adapter, const std::vector<SocketInfo>& unpolled,
                                            const std::string& how, int wait_status) {
    const bool failed = !WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0;
    if (!failed || !adapter.config_for) return {};
    std::vector<std::string> lines;
    for (const auto& s : unpolled) lines.push_back(exited_before_polling_message(s, adapter, how));
    return lines;
}

}  // namespace sdshim
