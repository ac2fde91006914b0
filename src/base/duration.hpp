// Parses and prints durations such as "8s", "500ms", "1.5s", "2m" (a bare number means seconds).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sdshim {

using Millis = std::chrono::milliseconds;

std::optional<Millis> parse_duration(std::string_view text);
std::string format_duration(Millis d);

}  // namespace sdshim
