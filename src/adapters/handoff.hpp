// Socket hand-off: which fds and LISTEN_* variables the server gets, and the shim letting go of its copies.
#pragma once

#include "activation/activation.hpp"
#include "adapters/adapters.hpp"
#include "base/result.hpp"
#include "launch/child_env.hpp"

#include <optional>
#include <string>
#include <vector>

namespace sdshim {

struct Handoff {
    std::vector<int> pass_fds;  // 3..3+N-1, CLOEXEC cleared in the child
    EnvEdit env;
    bool listen_pid = false;  // LISTEN_PID is written by the child itself, after fork
};

Handoff plan_handoff(const ActivationPlan& plan, const std::vector<SocketInfo>& sockets, const AdapterPlan& adapter);
// O_NONBLOCK where the adapter asks for it (AdapterPlan::set_nonblocking).
Status apply_socket_flags(const std::vector<int>& set_nonblocking);
// After the launch: the server must be the only owner of the sockets.
void close_own_copies(const std::vector<SocketInfo>& sockets);

}  // namespace sdshim
