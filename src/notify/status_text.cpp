// The one way a STATUS= text is made: valid UTF-8, no control characters or escape sequences, cut at
// a character boundary. systemd ignores a STATUS= that is not UTF-8, and shows what it gets on terminals.
#include "notify/status_text.hpp"

namespace sdshim {
namespace {

// The code point at `i` and its length in bytes; 0xFFFD and 1 for a byte that starts no UTF-8 character.
std::pair<char32_t, std::size_t> decode(std::string_view s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) return {c, 1};
    std::size_t len = 0;
    char32_t cp = 0;
    if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07;
    else return {0xFFFD, 1};
    if (i + len > s.size()) return {0xFFFD, 1};
    for (std::size_t k = 1; k < len; ++k) {
        const auto cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xC0) != 0x80) return {0xFFFD, 1};
        cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return {0xFFFD, 1};  // overlong forms, surrogates and values past U+10FFFF are not UTF-8
    return {cp, len};
}

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

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
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
        auto [cp, len] = decode(text, i);
        i += len;
        if (cp == '\t' || cp == '\n' || cp == '\r') cp = ' ';
        else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) continue;
        std::string ch;
        append_utf8(ch, cp);
        if (out.size() + ch.size() > max) break;
        out += ch;
    }
    return out;
}

}  // namespace sdshim
