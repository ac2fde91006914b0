// NOTIFY_SOCKET addresses: "/path" and "@abstract" turned into sockaddr_un, as sd_notify() does.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <string>
#include <variant>

namespace sdshim {

struct NotifyAddress {
    sockaddr_un addr{};
    socklen_t len = 0;
    std::string text;  // as given, for log lines and the child's NOTIFY_SOCKET
};

// Error: one line naming NOTIFY_SOCKET, the value and what is supported.
std::variant<NotifyAddress, std::string> parse_notify_address(const std::string& value);

}  // namespace sdshim
