// What `sdshim check` looks at: http://HOST[:PORT][/PATH], tcp:HOST:PORT or unix:PATH, parsed.
#pragma once

#include "base/result.hpp"
#include "bridge/bridge_spec.hpp"

#include <string>
#include <string_view>

namespace sdshim {

struct HealthTarget {
    enum class Kind { http, tcp, unix_socket };
    Kind kind = Kind::tcp;
    BridgeTarget address;  // where to connect
    std::string host;      // http: the Host header, as given ("127.0.0.1:8080")
    std::string path;      // http: the request target ("/health")
    std::string text;      // as given, for the verdict's line
};

// Numeric addresses only, as --bridge's: the check runs in the server's container, often without a
// resolver (--network=none). The error is the reason, naming what was expected.
Result<HealthTarget> parse_health_target(std::string_view text);

}  // namespace sdshim
