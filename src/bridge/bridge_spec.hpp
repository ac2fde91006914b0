// --bridge SOCKET=TARGET and --bridge-proxy-protocol: parsed into an inherited socket's selector and an address to
// connect to.
#pragma once

#include "base/duration.hpp"
#include "base/net.hpp"
#include "base/result.hpp"

#include <sys/socket.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sdshim {

struct BridgeTarget : SocketAddress {
    std::string text;  // as given: "127.0.0.1:8080", "[::1]:8080", "unix:/run/app.sock"
};

struct BridgeSpec {
    std::string socket;  // an fd number ("3") or a LISTEN_FDNAMES name ("http")
    BridgeTarget target;
};

enum class ProxyProtocol { none, v1, v2 };

// --bridge-connect-timeout when not given.
inline constexpr Millis kDefaultBridgeConnectTimeout{10000};

struct SocketInfo;

struct BridgeListener {
    int fd = -1;        // an inherited listening stream socket, owned by the bridge from now on
    std::string label;  // "fd 3 'http' (0.0.0.0:8080)", for log lines
    BridgeTarget target;
};

// TARGET: IPV4:PORT, [IPV6]:PORT, unix:/PATH or unix:@ABSTRACT. Numeric addresses only: the
// server runs in the same container, and a name lookup has nothing to ask with --network=none.
Result<BridgeTarget> parse_bridge_target(std::string_view text);
// SOCKET=TARGET; the error says what was expected.
Result<BridgeSpec> parse_bridge_spec(std::string_view text);
// Which inherited socket each --bridge takes (a name takes every socket of that name). Every
// socket must be bridged exactly once and be a listening stream socket; else one line with the fix.
Result<std::vector<BridgeListener>> plan_bridges(const std::vector<BridgeSpec>& specs,
                                                 const std::vector<SocketInfo>& sockets);

}  // namespace sdshim
