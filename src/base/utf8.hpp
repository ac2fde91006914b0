// UTF-8 read one character at a time: decoding, validity and where a text may be cut.
#pragma once

#include <cstddef>
#include <string_view>

namespace sdshim {

// The character that starts at text[i] (i < size) and its length in bytes; {U+FFFD, 1} for a byte
// that starts no UTF-8 character (a stray byte, a sequence cut short, an overlong form, a surrogate).
struct Utf8Char {
    char32_t code;
    std::size_t bytes;
};
Utf8Char utf8_char_at(std::string_view text, std::size_t i);
bool valid_utf8(std::string_view text);
// The longest length up to `max` at which `text` (UTF-8) can be cut without splitting a character.
std::size_t utf8_cut(std::string_view text, std::size_t max);

}  // namespace sdshim
