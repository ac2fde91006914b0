// NOTIFY_SOCKET addresses: "/path" and "@abstract" turned into a unix socket address, as sd_notify() does.
#pragma once

#include "base/net.hpp"
#include "base/result.hpp"

#include <string>

namespace sdshim {

struct NotifyAddress : SocketAddress {
    std::string text;  // as given, for log lines and the child's NOTIFY_SOCKET
};

// Error: one line naming NOTIFY_SOCKET, the value and what is supported.
Result<NotifyAddress> parse_notify_address(const std::string& value);

}  // namespace sdshim
