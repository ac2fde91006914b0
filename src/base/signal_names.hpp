// Signal names and numbers: parsing "TERM", "SIGTERM", "15", "RTMIN+3" and printing them back.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sdshim {

// Returns the signal number for a name or number, or nullopt. Accepts 1..SIGRTMAX.
std::optional<int> parse_signal(std::string_view text);

// "SIGTERM", "SIGRTMIN+3", or "signal 99" for numbers without a name.
std::string signal_name(int sig);

}  // namespace sdshim
