// Socket hand-off: which fds and LISTEN_* variables the server gets, and the shim letting go of its copies.
#include "adapters/handoff.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sdshim {

Handoff plan_handoff(const ActivationPlan& plan, const std::vector<SocketInfo>& sockets, const AdapterPlan& adapter) {
    // The inherited LISTEN_* never reach the server (build_child_env drops them): LISTEN_PIDFDID
    // (systemd 259) names the shim, and LISTEN_PID is replaced by the child's own.
    Handoff h;
    if (plan.ignored || sockets.empty()) {
        // Behind a bridge the server gets none of the inherited sockets: a hand-written NGINX=3;
        // would name an fd it does not have.
        if (!plan.ignored && plan.count > 0 && sockets.empty())
            for (const auto& name : fd_naming_variables()) h.env.remove.push_back(name);
        return h;
    }
    for (const auto& s : sockets) h.pass_fds.push_back(s.fd);
    std::string names;
    for (std::size_t i = 0; i < plan.names.size(); ++i) names += (i ? ":" : "") + plan.names[i];
    h.env.set = {{"LISTEN_FDS", fmt::to_string(sockets.size())}, {"LISTEN_FDNAMES", names}};
    h.env.set.insert(h.env.set.end(), adapter.env.begin(), adapter.env.end());
    h.listen_pid = true;
    return h;
}

Status apply_socket_flags(const std::vector<int>& set_nonblocking) {
    for (int fd : set_nonblocking) {
        int flags = ::fcntl(fd, F_GETFL);
        if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
            return Error{fmt::format("cannot make fd {} non-blocking: {}", fd, std::strerror(errno)), errno};
    }
    return {};
}

void close_own_copies(const std::vector<SocketInfo>& sockets) {
    for (const auto& s : sockets) ::close(s.fd);
}

}  // namespace sdshim
