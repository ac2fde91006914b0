// One string field of a JSON log entry (a server's structured log line), decoded to one line of text.
#include "base/json_field.hpp"

#include "base/parse_number.hpp"

#include <cstdint>

namespace sdshim {

std::optional<std::string> json_string(std::string_view entry, std::string_view key) {
    std::size_t at = 0;             // the value's first character
    for (std::size_t from = 0;;) {  // "key", spaces, ':', spaces, '"'
        const std::size_t k = entry.find(key, from);
        if (k == std::string_view::npos) return std::nullopt;
        from = k + 1;
        std::size_t i = k + key.size();
        if (k == 0 || entry[k - 1] != '"' || i >= entry.size() || entry[i] != '"') continue;
        for (++i; i < entry.size() && entry[i] == ' ';) ++i;
        if (i >= entry.size() || entry[i] != ':') continue;  // a string value that equals the key
        for (++i; i < entry.size() && entry[i] == ' ';) ++i;
        if (i >= entry.size() || entry[i] != '"') return std::nullopt;  // a number, an object, ...
        at = i + 1;
        break;
    }
    std::string out;
    for (std::size_t i = at; i < entry.size(); ++i) {
        char c = entry[i];
        if (c == '"') return out;
        if (c == '\\') {
            if (++i >= entry.size()) break;
            c = entry[i];
            if (c == 'u') {  // zap escapes control characters only (and writes U+FFFD for bad UTF-8)
                const auto unit = parse_whole_number<std::uint16_t>(entry.substr(i + 1, 4), 16);
                if (!unit) return std::nullopt;
                i += 4;
                if (*unit >= 0x80) {
                    out += "\xef\xbf\xbd";  // U+FFFD: other characters are not decoded
                    continue;
                }
                c = static_cast<char>(*unit);
            } else if (c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't') {
                c = ' ';
            }  // else \" \\ \/ (and anything else) as itself
        }
        out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    }
    return std::nullopt;  // not closed: a cut datagram
}

}  // namespace sdshim
