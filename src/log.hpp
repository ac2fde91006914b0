// Logging: spdlog to stderr only, "[sdshim] level: message" or one JSON object per line.
#pragma once

#include "cli.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
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

// Logs the first few of a kind, then one line a window saying how many were left out.
class LogBudget {
public:
    bool allow(std::chrono::steady_clock::time_point now);
    long long suppressed() const { return suppressed_; }

private:
    std::chrono::steady_clock::time_point window_start_{};
    int used_ = 0;
    long long suppressed_ = 0;
};

}  // namespace sdshim
