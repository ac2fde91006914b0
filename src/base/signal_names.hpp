// Signal names and numbers: parsing "TERM", "SIGTERM", "15", "RTMIN+3" and printing them back.
#pragma once

#include "base/result.hpp"

#include <string>
#include <string_view>

namespace sdshim {

// The signal number for a name or number (1..SIGRTMAX); the error names the text and the range.
Result<int> parse_signal(std::string_view text);

// "SIGTERM", "SIGRTMIN+3", or "signal 99" for numbers without a name.
std::string signal_name(int sig);

}  // namespace sdshim
