// Parses and prints durations such as "8s", "500ms", "1.5s", "2m" (a bare number means seconds).
#include "base/duration.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdint>

namespace sdshim {

Result<Millis> parse_duration(std::string_view text) {
    const Error not_a_number{"it does not start with a number"};
    const Error too_long{"it is longer than a year"};
    if (text.empty() || !(std::isdigit(static_cast<unsigned char>(text.front())) || text.front() == '.'))
        return not_a_number;  // also rejects "-1" and " 1"
    std::size_t unit_at = 0;
    bool seen_dot = false;
    while (unit_at < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[unit_at])) || (text[unit_at] == '.' && !seen_dot))) {
        seen_dot = seen_dot || text[unit_at] == '.';
        ++unit_at;
    }
    const std::string_view number = text.substr(0, unit_at);
    if (number == ".") return not_a_number;
    std::string_view unit = text.substr(unit_at);
    std::uint64_t scale = 0;  // milliseconds per unit
    if (unit.empty() || unit == "s")
        scale = 1000;
    else if (unit == "ms")
        scale = 1;
    else if (unit == "m" || unit == "min")
        scale = 60'000;
    else
        return Error{"'" + std::string(unit) + "' is not a unit: ms, s or m"};
    // Exact decimal arithmetic, rounded half up to a millisecond: "1.5s" is 1500 ms, "0.0005s" 1 ms.
    // Fraction digits past the 18th cannot change a millisecond and are ignored.
    constexpr std::uint64_t kMaxMs = 365ULL * 24 * 3600 * 1000;
    const auto dot = number.find('.');
    const std::string_view whole = number.substr(0, dot);
    std::string_view fraction = dot == std::string_view::npos ? std::string_view{} : number.substr(dot + 1);
    fraction = fraction.substr(0, 18);
    std::uint64_t units = 0;
    for (char c : whole) {
        units = units * 10 + static_cast<std::uint64_t>(c - '0');
        if (units > kMaxMs) return too_long;
    }
    std::uint64_t digits = 0, denominator = 1;
    for (char c : fraction) {
        digits = digits * 10 + static_cast<std::uint64_t>(c - '0');
        denominator *= 10;
    }
    // digits * scale < 10^18 * 60000 fits in 128 bits, not always in 64
    const unsigned __int128 part = static_cast<unsigned __int128>(digits) * scale;
    const std::uint64_t rounded = static_cast<std::uint64_t>((part + denominator / 2) / denominator);
    const std::uint64_t ms = units * scale + rounded;
    if (ms > kMaxMs) return too_long;
    return Millis(static_cast<long long>(ms));
}

std::string format_duration(Millis d) {
    auto ms = d.count();
    if (ms % 1000 == 0) return fmt::to_string(ms / 1000) + "s";
    return fmt::to_string(ms) + "ms";
}

}  // namespace sdshim
