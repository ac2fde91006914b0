// Builds a child's environment from the shim's: drops the shim's own variables, sets what the plan adds.
#include "launch/child_env.hpp"

#include <algorithm>
#include <iterator>
#include <string_view>

namespace sdshim {

std::vector<std::string> build_child_env(const char* const* environ_in, const EnvEdit& edit) {
    std::vector<std::string> out;
    for (const char* const* p = environ_in; p && *p; ++p) {
        std::string_view kv(*p);
        std::string_view name = kv.substr(0, kv.find('='));
        if (name.substr(0, 7) == "SDSHIM_") continue;
        if (std::find(std::begin(kShimOwnVariables), std::end(kShimOwnVariables), name) != std::end(kShimOwnVariables))
            continue;
        if (std::find(edit.remove.begin(), edit.remove.end(), name) != edit.remove.end()) continue;
        bool replaced = std::any_of(edit.set.begin(), edit.set.end(), [&](const auto& s) { return s.first == name; });
        if (replaced) continue;
        out.emplace_back(kv);
    }
    for (const auto& [name, value] : edit.set) out.push_back(name + "=" + value);
    return out;
}

}  // namespace sdshim
