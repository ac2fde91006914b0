// What the shim takes in when it starts, before anything is decided: LISTEN_* and the fds it names
// (closing what no variable names), and its environment.
#include "plan/intake.hpp"

#include "base/log.hpp"
#include "core/fd_hygiene.hpp"

#include <unistd.h>

namespace sdshim {

Result<RunInputs> take_inputs(const char* const* environment) {
    RunInputs in;
    for (const char* const* p = environment; p && *p; ++p) in.environment.emplace_back(*p);
    in.self = ::getpid();
    auto parsed =
        parse_listen_env({find_variable(in.environment, "LISTEN_PID"), find_variable(in.environment, "LISTEN_FDS"),
                          find_variable(in.environment, "LISTEN_FDNAMES")},
                         in.self, ::getppid());
    if (!parsed) return parsed.error();
    in.activation = std::move(*parsed);
    for (const auto& line : in.activation.debug) log::debug("{}", line);
    for (const auto& line : in.activation.warnings) log::warn("{}", line);
    close_fds_from(kListenFdsStart + in.activation.count);  // runtimes may leave more open than LISTEN_FDS says
    auto inspected = inspect_sockets(in.activation);
    if (!inspected) return inspected.error();
    in.sockets = std::move(*inspected);
    return in;
}

}  // namespace sdshim
