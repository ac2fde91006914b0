// Whole-string numbers, shared by the parsers of the environment, the command line and /proc.
#pragma once

#include <charconv>
#include <optional>
#include <string_view>

namespace sdshim {

// The value when `text` is one number of type T in `base` and nothing else (no sign for unsigned T,
// no spaces, no "0x", no overflow); std::nullopt otherwise.
template <typename T>
std::optional<T> parse_whole_number(std::string_view text, int base = 10) {
    T value{};
    if (text.empty()) return std::nullopt;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
    return value;
}

}  // namespace sdshim
