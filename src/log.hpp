// Logging: spdlog to stderr only, "[sdshim] level: message" or one JSON object per line.
#pragma once

#include "cli.hpp"

#include <spdlog/spdlog.h>

#include <string>

namespace sdshim {

// Installs the default logger with the text format at info level; safe to call before parsing.
void init_logging();
// Applies the user's level and format. The level was validated by the CLI.
void configure_logging(const std::string& level, LogFormat format);
// Escapes text for a JSON string (exposed for tests).
std::string json_escape(std::string_view text);
// Control characters shown as \n, \r, \t or \xNN, so that a value from the environment, the
// command line or a notify datagram can never break a log line in two.
std::string one_line(std::string_view text);

}  // namespace sdshim
