// The one way a STATUS= text is made: valid UTF-8, no control characters or escape sequences, cut at
// a character boundary. systemd ignores a STATUS= that is not UTF-8, and shows what it gets on terminals.
#include "status/status_text.hpp"

#include "base/utf8.hpp"

#include <algorithm>

namespace sdshim {
namespace {

// Where the escape sequence that starts with ESC at `i` ends (the index after it).
std::size_t skip_escape(std::string_view s, std::size_t i) {
    if (i + 1 >= s.size()) return s.size();
    const char kind = s[i + 1];
    std::size_t j = i + 2;
    if (kind == '[') {  // CSI: parameter and intermediate bytes, then one final byte 0x40-0x7E
        while (j < s.size() && (s[j] < 0x40 || s[j] > 0x7E) && s[j] >= 0x20) ++j;
        return j < s.size() && s[j] >= 0x40 ? j + 1 : j;
    }
    if (kind == ']' || kind == 'P' || kind == '_' || kind == '^') {  // strings: until BEL or ESC backslash
        while (j < s.size() && s[j] != '\a' && !(s[j] == '\x1b' && j + 1 < s.size() && s[j + 1] == '\\')) ++j;
        return j >= s.size() ? j : s[j] == '\a' ? j + 1 : j + 2;
    }
    return i + 2;  // ESC and one more
}

}  // namespace

std::string status_text(std::string_view text, std::size_t max) {
    std::string out;
    out.reserve(std::min(text.size(), max));
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] == '\x1b') {
            i = skip_escape(text, i);
            continue;
        }
        const Utf8Char c = utf8_char_at(text, i);
        // A valid character is its own bytes; a byte that starts none becomes U+FFFD.
        std::string_view ch = c.bytes == 1 && c.code == 0xFFFD ? "\xef\xbf\xbd" : text.substr(i, c.bytes);
        i += c.bytes;
        if (c.code == '\t' || c.code == '\n' || c.code == '\r')
            ch = " ";
        else if (c.code < 0x20 || (c.code >= 0x7F && c.code <= 0x9F))
            continue;
        if (out.size() + ch.size() > max) break;
        out += ch;
    }
    return out;
}

}  // namespace sdshim
