// --bridge SOCKET=TARGET and --bridge-proxy-protocol: parsed into an inherited socket's selector and an address to
// connect to.
#include "bridge/bridge_spec.hpp"

#include "activation/activation.hpp"
#include "base/parse_number.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <algorithm>
#include <cstring>

namespace sdshim {
namespace {

std::optional<unsigned short> parse_port(std::string_view text) {
    auto value = parse_whole_number<unsigned>(text);
    if (!value || *value == 0 || *value > 65535) return std::nullopt;
    return static_cast<unsigned short>(*value);
}

}  // namespace

Result<BridgeTarget> parse_bridge_target(std::string_view text) {
    BridgeTarget t;
    t.text = std::string(text);
    const std::string expected = "expected IPV4:PORT, [IPV6]:PORT, unix:/PATH or unix:@NAME";
    if (text.substr(0, 5) == "unix:") {
        std::string_view path = text.substr(5);
        if (path.empty() || (path[0] != '/' && path[0] != '@')) return Error{"target '" + t.text + "': " + expected};
        auto address = unix_address(path);
        if (!address) return Error{"target '" + t.text + "': " + address.message()};
        static_cast<SocketAddress&>(t) = *address;
        return t;
    }
    std::string host;
    std::string_view port;
    bool v6 = false;
    if (!text.empty() && text[0] == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return Error{"target '" + t.text + "': " + expected};
        host = std::string(text.substr(1, close - 1));
        port = text.substr(close + 2);
        v6 = true;
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return Error{"target '" + t.text + "': no port; " + expected};
        host = std::string(text.substr(0, colon));
        port = text.substr(colon + 1);
    }
    auto p = parse_port(port);
    if (!p) return Error{"target '" + t.text + "': the port must be a number from 1 to 65535"};
    if (v6) {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&t.addr);
        if (::inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr) != 1)
            return Error{"target '" + t.text + "': '" + host + "' is not an IPv6 address"};
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(*p);
        t.len = sizeof(sockaddr_in6);
        return t;
    }
    auto* in4 = reinterpret_cast<sockaddr_in*>(&t.addr);
    if (::inet_pton(AF_INET, host.c_str(), &in4->sin_addr) != 1)
        return Error{"target '" + t.text + "': '" + host + "' is not an IPv4 address (names are not looked up; " +
                     expected + ")"};
    in4->sin_family = AF_INET;
    in4->sin_port = htons(*p);
    t.len = sizeof(sockaddr_in);
    return t;
}

Result<BridgeSpec> parse_bridge_spec(std::string_view text) {
    auto eq = text.find('=');
    if (eq == std::string_view::npos || eq == 0)
        return Error{
            "SOCKET=TARGET, SOCKET an fd number or a LISTEN_FDNAMES name, TARGET IPV4:PORT, [IPV6]:PORT or unix:/PATH"};
    auto target = parse_bridge_target(text.substr(eq + 1));
    if (!target) return target.error();
    return BridgeSpec{std::string(text.substr(0, eq)), *target};
}

Result<std::vector<BridgeListener>> plan_bridges(const std::vector<BridgeSpec>& specs,
                                                 const std::vector<SocketInfo>& sockets) {
    std::vector<BridgeListener> out;
    std::vector<bool> taken(sockets.size(), false);
    for (const auto& spec : specs) {
        const bool by_number = !spec.socket.empty() && std::all_of(spec.socket.begin(), spec.socket.end(),
                                                                   [](char ch) { return ch >= '0' && ch <= '9'; });
        bool found = false;
        for (std::size_t i = 0; i < sockets.size(); ++i) {
            const SocketInfo& s = sockets[i];
            if (by_number ? fmt::to_string(s.fd) != spec.socket : s.name != spec.socket) continue;
            found = true;
            const std::string label = describe_socket(s);
            if (taken[i])
                return Error{"--bridge " + spec.socket + "=" + spec.target.text + ": " + label + " is already bridged"};
            if (s.type != SOCK_STREAM || !s.listening)
                return Error{
                    "--bridge " + spec.socket + "=" + spec.target.text + ": " + label + " is a " + type_name(s.type) +
                    (s.listening ? "" : ", not listening,") +
                    " socket; only listening stream sockets can be bridged (give it to the server without --bridge)"};
            taken[i] = true;
            out.push_back({s.fd, label, spec.target});
        }
        if (!found) {
            std::string have;
            for (const auto& s : sockets) have += (have.empty() ? "" : ", ") + describe_socket(s);
            return Error{"--bridge " + spec.socket + "=" + spec.target.text + ": no inherited socket is " +
                         (by_number ? "fd " : "named '") + spec.socket + (by_number ? "" : "'") + " (" +
                         (have.empty() ? "LISTEN_FDS passed none" : "there are: " + have) + ")"};
        }
    }
    for (std::size_t i = 0; i < sockets.size(); ++i)
        if (!taken[i])
            return Error{describe_socket(sockets[i]) +
                         " is not bridged: with --bridge the server gets no inherited socket, "
                         "so add --bridge " +
                         (sockets[i].name.empty() || sockets[i].name == "unknown" ? fmt::to_string(sockets[i].fd)
                                                                                  : sockets[i].name) +
                         "=TARGET for it"};
    return out;
}

}  // namespace sdshim
