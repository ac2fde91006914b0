// Socket addresses: unix paths and @abstract names parsed as systemd does, any address printed for a
// log line, and the non-blocking connect that the bridge and the readiness probes share.
#pragma once

#include "base/result.hpp"
#include "base/unique_fd.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <string>
#include <string_view>

namespace sdshim {

struct SocketAddress {
    sockaddr_storage addr{};
    socklen_t len = 0;

    const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&addr); }
    const sockaddr_un& un() const { return reinterpret_cast<const sockaddr_un&>(addr); }
};

inline constexpr std::size_t kMaxUnixPath = sizeof(sockaddr_un::sun_path) - 1;  // 107 on Linux

// "/path" or "@name": the '@' becomes the leading NUL of Linux's abstract namespace, whose length
// then counts no trailing NUL (sd_notify()'s reading of NOTIFY_SOCKET). The error is the reason
// alone ("the path is longer than 107 bytes"); the caller says which variable or option held it.
Result<SocketAddress> unix_address(std::string_view path);

// The port of an IPv4 or IPv6 address; 0 for any other family.
unsigned ip_port(const sockaddr_storage& address);
// "0.0.0.0:8080", "[::1]:443", "/run/app.sock", "@abstract", "(unnamed)", "vsock:CID:PORT".
std::string format_address(const sockaddr_storage& address, socklen_t len);

enum class Connect { done, in_progress };
// Starts a non-blocking stream connect in `fd`: done at once, or in progress while the handshake
// runs; else an Error "socket: ..." (`fd` stays empty) or "connect: ...", with the errno as its code.
Result<Connect> start_connect(const SocketAddress& address, UniqueFd& fd);
// Once the socket is writable: whether the connect succeeded; else "connect: ..." with SO_ERROR's errno.
Status connect_result(int fd);

}  // namespace sdshim
