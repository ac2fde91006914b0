// Parses and prints durations such as "8s", "500ms", "1.5s", "2m" (a bare number means seconds).
#include "duration.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace sdshim {

std::optional<Millis> parse_duration(std::string_view text) {
    if (text.empty() || !(std::isdigit(static_cast<unsigned char>(text.front())) || text.front() == '.'))
        return std::nullopt;  // also rejects "-1" and " 1"
    std::size_t unit_at = 0;
    bool seen_dot = false;
    while (unit_at < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[unit_at])) || (text[unit_at] == '.' && !seen_dot))) {
        seen_dot = seen_dot || text[unit_at] == '.';
        ++unit_at;
    }
    std::string number(text.substr(0, unit_at));
    if (number == ".") return std::nullopt;
    std::string_view unit = text.substr(unit_at);
    double scale = 0;
    if (unit.empty() || unit == "s") scale = 1000;
    else if (unit == "ms") scale = 1;
    else if (unit == "m" || unit == "min") scale = 60'000;
    else return std::nullopt;
    double value = std::strtod(number.c_str(), nullptr) * scale;
    if (!std::isfinite(value) || value > 24.0 * 3600 * 1000 * 365) return std::nullopt;
    return Millis(static_cast<long long>(std::llround(value)));
}

std::string format_duration(Millis d) {
    auto ms = d.count();
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    return std::to_string(ms) + "ms";
}

}  // namespace sdshim
