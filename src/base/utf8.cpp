// UTF-8 read one character at a time: decoding, validity and where a text may be cut.
#include "base/utf8.hpp"

namespace sdshim {

Utf8Char utf8_char_at(std::string_view text, std::size_t i) {
    constexpr Utf8Char kNone{0xFFFD, 1};
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) return {c, 1};
    std::size_t len = 0;
    char32_t cp = 0;
    if ((c & 0xE0) == 0xC0)
        len = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0)
        len = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0)
        len = 4, cp = c & 0x07;
    else
        return kNone;
    if (i + len > text.size()) return kNone;
    for (std::size_t k = 1; k < len; ++k) {
        const auto cc = static_cast<unsigned char>(text[i + k]);
        if ((cc & 0xC0) != 0x80) return kNone;
        cp = (cp << 6) | (cc & 0x3F);
    }
    // overlong forms, surrogates and values past U+10FFFF are not UTF-8
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return kNone;
    return {cp, len};
}

bool valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const Utf8Char c = utf8_char_at(text, i);
        if (c.bytes == 1 && c.code == 0xFFFD) return false;  // a real U+FFFD is 3 bytes long
        i += c.bytes;
    }
    return true;
}

std::size_t utf8_cut(std::string_view text, std::size_t max) {
    if (text.size() <= max) return text.size();
    while (max > 0 && (static_cast<unsigned char>(text[max]) & 0xC0) == 0x80) --max;
    return max;
}

}  // namespace sdshim
