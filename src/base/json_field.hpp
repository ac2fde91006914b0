// One string field of a JSON log entry (a server's structured log line), decoded to one line of text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sdshim {

// The string value of `key` in the JSON object `entry`: the first `"key":"...` (with any spaces
// around the colon), its escapes decoded, and every control character (a newline too) made a space,
// so that it can stand in one KEY=VALUE line; a \u escape of a character past ASCII is read as U+FFFD
// (zap, caddy's logger, writes UTF-8 as it is and escapes only control characters). Inside a JSON string every quote is
// escaped, so the match is a real key, but of whatever object it is in: meant for flat entries (zap's, caddy's).
// std::nullopt when the key is absent, its value is not a string, or the string is not closed.
std::optional<std::string> json_string(std::string_view entry, std::string_view key);

}  // namespace sdshim
