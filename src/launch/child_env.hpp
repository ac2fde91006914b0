// Builds the server's environment from the shim's: drops the shim's own variables, sets what adapters add.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sdshim {

struct EnvEdit {
    std::vector<std::string> remove;                         // exact names
    std::vector<std::pair<std::string, std::string>> set;    // name, value (replaces)
};

// SDSHIM_* variables are configuration for the shim and never reach the server.
std::vector<std::string> build_child_env(const char* const* environ_in, const EnvEdit& edit);

}  // namespace sdshim
