// The PROXY protocol header (v1 text, v2 binary) the bridge writes before a client's bytes, from the client's and the
// socket's addresses.
#include "bridge/proxy_header.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstring>

namespace sdshim {
namespace {

// One endpoint, with IPv4-mapped IPv6 turned into IPv4.
struct Endpoint {
    int family = AF_UNSPEC;
    unsigned char addr[16] = {};
    std::uint16_t port = 0;  // network order
    std::string unix_path;   // sun_path bytes as received (abstract ones start with NUL)
};

Endpoint endpoint(const sockaddr_storage& ss, socklen_t len) {
    Endpoint e;
    if (ss.ss_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
        const auto& in = reinterpret_cast<const sockaddr_in&>(ss);
        e.family = AF_INET;
        std::memcpy(e.addr, &in.sin_addr, 4);
        e.port = in.sin_port;
    } else if (ss.ss_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
        const auto& in6 = reinterpret_cast<const sockaddr_in6&>(ss);
        e.port = in6.sin6_port;
        if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) {
            e.family = AF_INET;
            std::memcpy(e.addr, in6.sin6_addr.s6_addr + 12, 4);
        } else {
            e.family = AF_INET6;
            std::memcpy(e.addr, &in6.sin6_addr, 16);
        }
    } else if (ss.ss_family == AF_UNIX) {
        const auto& un = reinterpret_cast<const sockaddr_un&>(ss);
        e.family = AF_UNIX;
        const auto base = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path));
        if (len > base) {
            std::size_t n = std::min(static_cast<std::size_t>(len - base), sizeof un.sun_path);
            if (n > 0 && un.sun_path[0] != '\0') n = strnlen(un.sun_path, n);
            e.unix_path.assign(un.sun_path, n);
        }
    }
    return e;
}

std::string text_address(const Endpoint& e) {
    char buf[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(e.family, e.addr, buf, sizeof buf);
    return buf;
}

std::string v1(const Endpoint& c, const Endpoint& l) {
    if (c.family != l.family || (c.family != AF_INET && c.family != AF_INET6)) return "PROXY UNKNOWN\r\n";
    return std::string("PROXY ") + (c.family == AF_INET ? "TCP4 " : "TCP6 ") + text_address(c) + " " + text_address(l) +
           " " + fmt::to_string(ntohs(c.port)) + " " + fmt::to_string(ntohs(l.port)) + "\r\n";
}

std::string v2(const Endpoint& c, const Endpoint& l) {
    std::string out(kProxyV2Signature, sizeof kProxyV2Signature);
    out += '\x21';  // version 2, PROXY: the connection was relayed for a client
    std::string body;
    char family = '\x00';  // UNSPEC: the receiver ignores the addresses
    if (c.family == l.family && (c.family == AF_INET || c.family == AF_INET6)) {
        const std::size_t n = c.family == AF_INET ? 4 : 16;
        family = c.family == AF_INET ? '\x11' : '\x21';  // TCP over IPv4 / IPv6
        body.append(reinterpret_cast<const char*>(c.addr), n);
        body.append(reinterpret_cast<const char*>(l.addr), n);
        body.append(reinterpret_cast<const char*>(&c.port), 2);
        body.append(reinterpret_cast<const char*>(&l.port), 2);
    } else if (c.family == AF_UNIX && l.family == AF_UNIX) {
        family = '\x31';  // UNIX stream: two 108-byte paths, NUL-padded
        for (const auto* e : {&c, &l}) {
            std::string path = e->unix_path.substr(0, 108);
            path.resize(108, '\0');
            body += path;
        }
    }
    out += family;
    out += static_cast<char>((body.size() >> 8) & 0xff);
    out += static_cast<char>(body.size() & 0xff);
    return out + body;
}

}  // namespace

std::string proxy_header(ProxyProtocol version, const sockaddr_storage& client, socklen_t client_len,
                         const sockaddr_storage& local, socklen_t local_len) {
    if (version == ProxyProtocol::none) return std::string();
    Endpoint c = endpoint(client, client_len);
    Endpoint l = endpoint(local, local_len);
    return version == ProxyProtocol::v1 ? v1(c, l) : v2(c, l);
}

}  // namespace sdshim
