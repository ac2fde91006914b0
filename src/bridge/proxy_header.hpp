// The PROXY protocol header (v1 text, v2 binary) the bridge writes before a client's bytes, from the client's and the
// socket's addresses.
#pragma once

#include "bridge/bridge_spec.hpp"

#include <sys/socket.h>

#include <string>

namespace sdshim {

inline constexpr std::size_t kProxyV1MaxBytes = 107;  // the specification's bound, CRLF included
inline constexpr char kProxyV2Signature[12] = {'\r', '\n', '\r', '\n', '\0', '\r', '\n', 'Q', 'U', 'I', 'T', '\n'};

// `client` is the peer (getpeername of the accepted socket), `local` the address it connected to
// (getsockname). IPv4-mapped IPv6 addresses are written as IPv4. A pair v1 cannot express (unix
// sockets, mixed families) is "PROXY UNKNOWN"; v2 writes unix addresses as AF_UNIX and anything
// else as UNSPEC. Empty for ProxyProtocol::none.
std::string proxy_header(ProxyProtocol version, const sockaddr_storage& client, socklen_t client_len,
                         const sockaddr_storage& local, socklen_t local_len);

}  // namespace sdshim
