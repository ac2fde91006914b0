// Builds a child's environment from the shim's: drops the shim's own variables, sets what the plan adds.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sdshim {

struct EnvEdit {
    std::vector<std::string> remove;                       // exact names
    std::vector<std::pair<std::string, std::string>> set;  // name, value (replaces)
};

// The shim's own variables, meant for it and not for what it starts: a child has them only as the
// edit sets them (the server's LISTEN_*, NOTIFY_SOCKET and WATCHDOG_USEC).
inline constexpr const char* kShimOwnVariables[] = {
    "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "LISTEN_PIDFDID", "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"};

// The environment without SDSHIM_* (configuration for the shim), kShimOwnVariables and `edit.remove`,
// then with `edit.set`.
std::vector<std::string> build_child_env(const char* const* environ_in, const EnvEdit& edit);

}  // namespace sdshim
