// What `sdshim check` looks at: http://HOST[:PORT][/PATH], tcp:HOST:PORT or unix:PATH, parsed.
#include "health/health_target.hpp"

#include <algorithm>

namespace sdshim {
namespace {

constexpr const char* kNumeric =
    "the host must be numeric, such as 127.0.0.1 or [::1], as no names are looked up; "
    "a port from 1 to 65535";

Result<HealthTarget> parse_http(std::string_view text) {
    const std::string_view rest = text.substr(7);
    const auto slash = rest.find('/');
    const std::string_view authority = rest.substr(0, slash);
    const std::string_view path = slash == std::string_view::npos ? "/" : rest.substr(slash);
    if (authority.empty()) return Error{"no host"};
    // The path goes into the request line: no spaces, no control characters.
    if (std::any_of(path.begin(), path.end(), [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; }))
        return Error{"the path may not hold spaces or control characters (write %20)"};
    // An authority without a port is the host alone: "127.0.0.1" or "[::1]".
    const auto close = authority.find(']');
    const bool has_port = authority.front() == '[' ? close != std::string_view::npos && close + 1 < authority.size()
                                                   : authority.find(':') != std::string_view::npos;
    auto target = parse_bridge_target(has_port ? std::string(authority) : std::string(authority) + ":80");
    if (!target || target->addr.ss_family == AF_UNIX) return Error{kNumeric};
    HealthTarget t;
    t.kind = HealthTarget::Kind::http;
    t.address = *target;
    t.host = std::string(authority);
    t.path = std::string(path);
    t.text = std::string(text);
    return t;
}

}  // namespace

Result<HealthTarget> parse_health_target(std::string_view text) {
    if (text.starts_with("http://")) return parse_http(text);
    if (text.starts_with("https://")) return Error{"sdshim speaks no TLS: check the server's plain-HTTP port, or tcp:"};
    HealthTarget t;
    t.text = std::string(text);
    if (text.starts_with("tcp:")) {
        const std::string_view rest = text.substr(4);
        auto target = parse_bridge_target(rest);
        if (!target || target->addr.ss_family == AF_UNIX) return Error{kNumeric};
        t.kind = HealthTarget::Kind::tcp;
        t.address = *target;
        return t;
    }
    if (text.starts_with("unix:")) {
        const std::string_view path = text.substr(5);
        if (path.empty() || (path[0] != '/' && path[0] != '@'))
            return Error{"a unix socket is unix:/PATH or unix:@NAME"};
        auto address = unix_address(path);
        if (!address) return address.error();
        t.kind = HealthTarget::Kind::unix_socket;
        static_cast<SocketAddress&>(t.address) = *address;
        t.address.text = t.text;
        return t;
    }
    return Error{};
}

}  // namespace sdshim
