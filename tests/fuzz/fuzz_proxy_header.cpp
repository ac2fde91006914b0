// Fuzz target: the PROXY header writer (v1 and v2) from arbitrary socket addresses, read back by a
// parser of its own; and --bridge targets.
#include "bridge/bridge_spec.hpp"
#include "bridge/proxy_header.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

// The port the writer must have put in the header, or -1 when the address is not IP.
int ip_port(const sockaddr_storage& ss, socklen_t len) {
    if (ss.ss_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in)))
        return ntohs(reinterpret_cast<const sockaddr_in&>(ss).sin_port);
    if (ss.ss_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6)))
        return ntohs(reinterpret_cast<const sockaddr_in6&>(ss).sin6_port);
    return -1;
}

void check_v1(const std::string& h, int client_port, int local_port) {
    check(h.size() <= sdshim::kProxyV1MaxBytes);
    check(h.rfind("PROXY ", 0) == 0 && h.size() >= 8 && h.substr(h.size() - 2) == "\r\n");
    check(h.find('\r') == h.size() - 2 && h.find('\n') == h.size() - 1);
    for (char ch : h.substr(0, h.size() - 2)) check(ch >= 0x20 && ch < 0x7f);
    if (h == "PROXY UNKNOWN\r\n") return;
    // PROXY TCPx SRC DST SPORT DPORT
    std::string fields[6];
    std::size_t at = 0;
    for (int i = 0; i < 6; ++i) {
        std::size_t end = i == 5 ? h.size() - 2 : h.find(' ', at);
        check(end != std::string::npos && end > at);
        fields[i] = h.substr(at, end - at);
        at = end + 1;
    }
    check(fields[1] == "TCP4" || fields[1] == "TCP6");
    const int family = fields[1] == "TCP4" ? AF_INET : AF_INET6;
    unsigned char buf[16];
    check(inet_pton(family, fields[2].c_str(), buf) == 1 && inet_pton(family, fields[3].c_str(), buf) == 1);
    check(fields[4] == std::to_string(client_port) && fields[5] == std::to_string(local_port));
}

void check_v2(const std::string& h, int client_port, int local_port) {
    check(h.size() >= 16 && std::memcmp(h.data(), sdshim::kProxyV2Signature, 12) == 0);
    check(static_cast<unsigned char>(h[12]) == 0x21);
    const auto family = static_cast<unsigned char>(h[13]);
    const std::size_t len = (static_cast<unsigned char>(h[14]) << 8) | static_cast<unsigned char>(h[15]);
    check(len == h.size() - 16);
    switch (family) {
        case 0x00: check(len == 0); break;
        case 0x31: check(len == 216); break;
        case 0x11:
        case 0x21: {
            const std::size_t n = family == 0x11 ? 4 : 16;
            check(len == 2 * n + 4);
            const auto* p = reinterpret_cast<const unsigned char*>(h.data()) + 16 + 2 * n;
            check(((p[0] << 8) | p[1]) == client_port && ((p[2] << 8) | p[3]) == local_port);
            break;
        }
        default: check(false);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::size_t need = 2 + 2 * sizeof(sockaddr_storage);
    if (size >= need) {
        sockaddr_storage client{}, local{};
        std::memcpy(&client, data + 2, sizeof client);
        std::memcpy(&local, data + 2 + sizeof client, sizeof local);
        // Lengths as the kernel could report them, or shorter, or nonsense up to the storage size.
        const auto client_len = static_cast<socklen_t>(data[0] % (sizeof client + 1));
        const auto local_len = static_cast<socklen_t>(data[1] % (sizeof local + 1));
        // Steer most inputs to real families so the address paths are covered.
        static const sa_family_t families[] = {AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC};
        client.ss_family = families[data[2] % 4];
        local.ss_family = data[3] % 8 == 0 ? families[data[3] % 4] : client.ss_family;
        const int cp = ip_port(client, client_len), lp = ip_port(local, local_len);
        std::string v1 = sdshim::proxy_header(sdshim::ProxyProtocol::v1, client, client_len, local, local_len);
        check_v1(v1, cp, lp);
        std::string v2 = sdshim::proxy_header(sdshim::ProxyProtocol::v2, client, client_len, local, local_len);
        check_v2(v2, cp, lp);
        check(sdshim::proxy_header(sdshim::ProxyProtocol::none, client, client_len, local, local_len).empty());
    }

    std::string text(reinterpret_cast<const char*>(data), size);
    auto spec = sdshim::parse_bridge_spec(text);
    if (spec) {
        const sdshim::BridgeSpec* s = &*spec;
        const auto& t = s->target;
        check(t.len > 0 && t.len <= static_cast<socklen_t>(sizeof t.addr));
        check(t.addr.ss_family == AF_INET || t.addr.ss_family == AF_INET6 || t.addr.ss_family == AF_UNIX);
        check(!s->socket.empty() && text == s->socket + "=" + t.text);
    } else {
        check(!spec.message().empty());
    }
    return 0;
}
