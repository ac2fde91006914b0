// NOTIFY_SOCKET addresses: "/path" and "@abstract" turned into a unix socket address, as sd_notify() does.
#include "notify/notify_address.hpp"

#include <fmt/format.h>

namespace sdshim {

Result<NotifyAddress> parse_notify_address(const std::string& value) {
    if (value.empty() || (value[0] != '/' && value[0] != '@'))
        return Error{
            fmt::format("NOTIFY_SOCKET='{}': expected an absolute path or an @abstract name "
                        "(vsock addresses are not supported inside a container)",
                        value)};
    if (value == "@") return Error{fmt::format("NOTIFY_SOCKET='{}': the name is empty", value)};
    auto address = unix_address(value);
    if (!address) return Error{fmt::format("NOTIFY_SOCKET='{}': {}", value, address.message())};
    NotifyAddress a;
    static_cast<SocketAddress&>(a) = *address;
    a.text = value;
    return a;
}

}  // namespace sdshim
