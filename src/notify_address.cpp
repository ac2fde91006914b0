// NOTIFY_SOCKET addresses: "/path" and "@abstract" turned into sockaddr_un, as sd_notify() does.
#include "notify_address.hpp"

#include <fmt/format.h>

#include <cstddef>
#include <cstring>

namespace sdshim {

std::variant<NotifyAddress, std::string> parse_notify_address(const std::string& value) {
    if (value.empty() || (value[0] != '/' && value[0] != '@'))
        return fmt::format("NOTIFY_SOCKET='{}': expected an absolute path or an @abstract name "
                           "(vsock addresses are not supported inside a container)",
                           value);
    NotifyAddress a;
    a.text = value;
    if (value.size() >= sizeof a.addr.sun_path)
        return fmt::format("NOTIFY_SOCKET='{}': longer than the {} bytes a unix socket address can hold", value,
                           sizeof a.addr.sun_path - 1);
    if (value.size() < 2) return fmt::format("NOTIFY_SOCKET='{}': the name is empty", value);
    a.addr.sun_family = AF_UNIX;
    std::memcpy(a.addr.sun_path, value.data(), value.size());
    if (value[0] == '@') {
        a.addr.sun_path[0] = '\0';
        a.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + value.size());
    } else {
        a.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + value.size() + 1);
    }
    return a;
}

}  // namespace sdshim
