// Socket addresses: unix paths and @abstract names parsed as systemd does, any address printed for a
// log line, and the non-blocking connect that the bridge and the readiness probes share.
#include "base/net.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <linux/vm_sockets.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace sdshim {

Result<SocketAddress> unix_address(std::string_view path) {
    if (path.empty() || (path[0] != '/' && path[0] != '@')) return Error{"expected /PATH or @NAME"};
    if (path.size() > kMaxUnixPath) return Error{fmt::format("the path is longer than {} bytes", kMaxUnixPath)};
    if (path.find('\0') != std::string_view::npos) return Error{"the path holds a NUL"};
    SocketAddress a;
    auto& un = reinterpret_cast<sockaddr_un&>(a.addr);
    un.sun_family = AF_UNIX;
    std::memcpy(un.sun_path, path.data(), path.size());
    const bool abstract = path[0] == '@';
    if (abstract) un.sun_path[0] = '\0';
    a.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (abstract ? 0 : 1));
    return a;
}

unsigned ip_port(const sockaddr_storage& ss) {
    if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(ss).sin_port);
    if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(ss).sin6_port);
    return 0;
}

std::string format_address(const sockaddr_storage& ss, socklen_t len) {
    char host[INET6_ADDRSTRLEN] = {};
    switch (ss.ss_family) {
        case AF_INET: {
            const auto& in = reinterpret_cast<const sockaddr_in&>(ss);
            inet_ntop(AF_INET, &in.sin_addr, host, sizeof host);
            return fmt::format("{}:{}", host, ip_port(ss));
        }
        case AF_INET6: {
            const auto& in6 = reinterpret_cast<const sockaddr_in6&>(ss);
            inet_ntop(AF_INET6, &in6.sin6_addr, host, sizeof host);
            return fmt::format("[{}]:{}", host, ip_port(ss));
        }
        case AF_UNIX: {
            const auto& un = reinterpret_cast<const sockaddr_un&>(ss);
            std::size_t path_len = len > offsetof(sockaddr_un, sun_path) ? len - offsetof(sockaddr_un, sun_path) : 0;
            if (path_len == 0) return "(unnamed)";
            if (un.sun_path[0] == '\0') {
                std::string abstract_name("@");  // (built by append: g++ 12 warns falsely on "@" + string)
                abstract_name.append(un.sun_path + 1, path_len - 1);
                return abstract_name;
            }
            return std::string(un.sun_path, strnlen(un.sun_path, path_len));
        }
        case AF_VSOCK: {
            const auto& vm = reinterpret_cast<const sockaddr_vm&>(ss);
            return fmt::format("vsock:{}:{}", vm.svm_cid, vm.svm_port);
        }
        default: return fmt::format("(family {})", ss.ss_family);
    }
}

Result<Connect> start_connect(const SocketAddress& address, UniqueFd& fd) {
    fd.reset(::socket(address.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) return Error{std::string("socket: ") + std::strerror(errno), errno};
    if (::connect(fd.get(), address.get(), address.len) == 0) return Connect::done;
    if (errno == EINPROGRESS) return Connect::in_progress;
    return Error{std::string("connect: ") + std::strerror(errno), errno};
}

Status connect_result(int fd) {
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err == 0) return {};
    return Error{std::string("connect: ") + std::strerror(err), err};
}

}  // namespace sdshim
