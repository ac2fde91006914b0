// The one way a STATUS= text is made: valid UTF-8, no control characters or escape sequences, cut at
// a character boundary. systemd ignores a STATUS= that is not UTF-8, and shows what it gets on terminals.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sdshim {

inline constexpr std::size_t kStatusMaxBytes = 2000;

// `text` fit for StatusText: bytes that are not UTF-8 become U+FFFD; tabs and line ends a space (a
// newline would end the assignment and start another); other C0 and C1 controls and DEL dropped;
// ESC and the sequence it starts (CSI "ESC [ ... final", OSC "ESC ] ... BEL or ESC \", two-byte
// ones) dropped whole; at most `max` bytes, never half a character.
std::string status_text(std::string_view text, std::size_t max = kStatusMaxBytes);

// "STATUS=" + status_text(text).
inline std::string status_line(std::string_view text) { return "STATUS=" + status_text(text); }

}  // namespace sdshim
