// `sdshim inspect`: one line (or one JSON object) per inherited socket and what the adapter exports.
#pragma once

#include "activation/activation.hpp"
#include "adapters/adapters.hpp"

#include <string>
#include <vector>

namespace sdshim {

std::string inspect_text(const ActivationPlan& plan, const std::vector<SocketInfo>& sockets, ServerKind kind,
                         const AdapterPlan& adapter);
std::string inspect_json(const ActivationPlan& plan, const std::vector<SocketInfo>& sockets, ServerKind kind,
                         const AdapterPlan& adapter);

}  // namespace sdshim
