// Socket-activation intake: LISTEN_* parsed and every passed fd validated, as sd_listen_fds_with_names() would.
#include "activation/activation.hpp"

#include "base/net.hpp"
#include "base/parse_number.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/vm_sockets.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string_view>

namespace sdshim {
namespace {

std::vector<std::string> split_names(std::string_view s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        std::size_t colon = s.find(':', start);
        out.emplace_back(s.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start));
        if (colon == std::string_view::npos) return out;
        start = colon + 1;
    }
}

const char* file_kind(mode_t mode) {
    if (S_ISREG(mode)) return "a regular file";
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a pipe";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    return "not a socket";
}

}  // namespace

bool fdname_is_valid(const std::string& name) {
    if (name.size() > 255) return false;
    for (unsigned char c : name)
        if (c < 32 || c >= 127 || c == ':') return false;
    return true;
}

Result<ActivationPlan> parse_listen_env(const ListenEnv& env, pid_t self, pid_t parent) {
    ActivationPlan plan;
    if (!env.fds) return plan;
    plan.present = true;
    if (!env.pid) {
        plan.ignored = true;
        plan.warnings.push_back(fmt::format(
            "LISTEN_FDS='{}' is set but LISTEN_PID is not: ignoring the sockets, as libsystemd would", env.fds));
        return plan;
    }
    auto pid = parse_whole_number<long long>(env.pid);
    if (!pid || *pid <= 0 || *pid > INT_MAX) {
        return Error{
            fmt::format("LISTEN_PID='{}': expected the pid the sockets are meant for (podman sets 1)", env.pid)};
    }
    if (*pid != self) {
        if (*pid == parent && parent > 1) {
            plan.debug.push_back(fmt::format(
                "LISTEN_PID={} is the shim's parent (an init in front that does not rewrite it): accepted", *pid));
        } else {
            plan.ignored = true;
            plan.warnings.push_back(fmt::format(
                "LISTEN_PID={} is another process (the shim is pid {}): ignoring LISTEN_FDS='{}', as libsystemd would",
                *pid, self, env.fds));
            return plan;
        }
    }
    auto n = parse_whole_number<long long>(env.fds);
    if (!n) {
        return Error{fmt::format("LISTEN_FDS='{}': expected the number of passed sockets (1 or more)", env.fds)};
    }
    if (*n < 0) {
        return Error{
            fmt::format("LISTEN_FDS='{}': expected the number of passed sockets, not a negative number", env.fds)};
    }
    if (*n == 0) {
        plan.warnings.push_back("LISTEN_FDS=0: no sockets were passed");
        plan.ignored = true;
        return plan;
    }
    if (*n > INT_MAX - kListenFdsStart) {
        return Error{fmt::format("LISTEN_FDS='{}': expected at most {} sockets", env.fds, INT_MAX - kListenFdsStart)};
    }
    // Fds 3..N+2 cannot all be open beyond the fd limit; checked before N names are made up.
    if (long open_max = ::sysconf(_SC_OPEN_MAX); open_max > 0 && *n > open_max - kListenFdsStart) {
        return Error{
            fmt::format("LISTEN_FDS='{}': more sockets than the fd limit allows (RLIMIT_NOFILE {}, so at "
                        "most {}); podman passed fewer fds than announced",
                        env.fds, open_max, open_max - kListenFdsStart)};
    }
    plan.count = static_cast<int>(*n);
    if (!env.fdnames) {
        plan.names.assign(plan.count, "unknown");
        return plan;
    }
    plan.names = split_names(env.fdnames);
    for (std::size_t i = 0; i < plan.names.size(); ++i) {
        if (!fdname_is_valid(plan.names[i])) {
            return Error{fmt::format(
                "LISTEN_FDNAMES='{}': name {} ('{}') is not valid: expected at most 255 printable ASCII characters "
                "without ':' (FileDescriptorName= in the .socket unit)",
                env.fdnames, i + 1, plan.names[i])};
        }
    }
    if (static_cast<long long>(plan.names.size()) != *n) {
        plan.warnings.push_back(
            fmt::format("LISTEN_FDNAMES='{}' has {} names for LISTEN_FDS={}: the server gets the list {} so that "
                        "libsystemd accepts it",
                        env.fdnames, plan.names.size(), *n,
                        plan.names.size() < static_cast<std::size_t>(*n) ? "padded with 'unknown'" : "cut"));
        plan.names.resize(plan.count, "unknown");
    }
    return plan;
}

Result<std::vector<SocketInfo>> inspect_sockets(const ActivationPlan& plan) {
    std::vector<SocketInfo> out;
    for (int i = 0; i < plan.count; ++i) {
        SocketInfo info;
        info.fd = kListenFdsStart + i;
        info.name = plan.names[i];
        struct stat st {};
        if (::fstat(info.fd, &st) != 0)
            return Error{
                fmt::format("LISTEN_FDS={}: fd {} ('{}') is not open ({}): podman passed fewer fds than "
                            "announced (is --preserve-fds set too?)",
                            plan.count, info.fd, info.name, std::strerror(errno))};
        if (!S_ISSOCK(st.st_mode))
            return Error{
                fmt::format("LISTEN_FDS={}: fd {} ('{}') is {}, not a socket: something between systemd and the "
                            "shim replaced it (an entrypoint script that redirects fd {}?)",
                            plan.count, info.fd, info.name, file_kind(st.st_mode), info.fd)};
        info.inode = st.st_ino;
        (void)::fcntl(info.fd, F_SETFD, FD_CLOEXEC);  // per descriptor: the server's copy is its own
        socklen_t len = sizeof(int);
        ::getsockopt(info.fd, SOL_SOCKET, SO_DOMAIN, &info.family, &len);
        len = sizeof(int);
        ::getsockopt(info.fd, SOL_SOCKET, SO_TYPE, &info.type, &len);
        len = sizeof(int);
        ::getsockopt(info.fd, SOL_SOCKET, SO_PROTOCOL, &info.protocol, &len);
        int accepting = 0;
        len = sizeof(int);
        if (::getsockopt(info.fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) == 0) info.listening = accepting != 0;
        sockaddr_storage ss{};
        socklen_t alen = sizeof ss;
        if (::getsockname(info.fd, reinterpret_cast<sockaddr*>(&ss), &alen) == 0) {
            info.address = format_address(ss, alen);
            info.port = ip_port(ss);
        } else
            info.address = fmt::format("(getsockname: {})", std::strerror(errno));
        sockaddr_storage peer{};
        socklen_t plen = sizeof peer;
        info.connected = ::getpeername(info.fd, reinterpret_cast<sockaddr*>(&peer), &plen) == 0;
        out.push_back(std::move(info));
    }
    return out;
}

std::string describe_socket(const SocketInfo& s) { return fmt::format("fd {} '{}' ({})", s.fd, s.name, s.address); }

std::string describe_sockets(const std::vector<SocketInfo>& sockets) {
    std::string out;
    for (const auto& s : sockets) out += (out.empty() ? "" : ", ") + describe_socket(s);
    return out;
}

std::string family_name(int family) {
    switch (family) {
        case AF_INET: return "ipv4";
        case AF_INET6: return "ipv6";
        case AF_UNIX: return "unix";
        case AF_VSOCK: return "vsock";
        case AF_NETLINK: return "netlink";
        default: return fmt::format("family-{}", family);
    }
}

std::string type_name(int type) {
    switch (type) {
        case SOCK_STREAM: return "stream";
        case SOCK_DGRAM: return "datagram";
        case SOCK_SEQPACKET: return "seqpacket";
        case SOCK_RAW: return "raw";
        default: return fmt::format("type-{}", type);
    }
}

std::string protocol_name(int family, int type, int protocol) {
    if (family == AF_INET || family == AF_INET6) {
        if (protocol == IPPROTO_TCP) return "tcp";
        if (protocol == IPPROTO_UDP) return "udp";
        if (protocol == IPPROTO_SCTP) return "sctp";
        if (protocol == 262) return "mptcp";
        return fmt::format("proto-{}", protocol);
    }
    (void)type;
    return family == AF_UNIX ? "unix" : fmt::format("proto-{}", protocol);
}

}  // namespace sdshim
