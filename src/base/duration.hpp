// Parses and prints durations such as "8s", "500ms", "1.5s", "2m" (a bare number means seconds).
#pragma once

#include <chrono>
#include "base/result.hpp"

#include <string>
#include <string_view>

namespace sdshim {

using Millis = std::chrono::milliseconds;

// The error says what is wrong with the text: a bad number, an unknown unit, more than a year.
Result<Millis> parse_duration(std::string_view text);
std::string format_duration(Millis d);

}  // namespace sdshim
