// Logging: stderr only, "[sdshim] level: message" or one JSON object per line, through one spdlog::logger of the shim's
// own.
#pragma once

// The logger is used directly, never through spdlog's registry: the registry (spdlog::info(),
// set_default_logger) and its default sinks always build spdlog's pattern formatter, which with
// its localtime/strftime machinery is more than the rest of the logging together.
#include "base/log_format.hpp"

#include <spdlog/logger.h>

#include <chrono>
#include <string>
#include <string_view>

namespace sdshim {

namespace log {

spdlog::logger& logger();

// The one path of every log line: fmt's type-erased arguments into one function (formatted only if
// the level is logged), so that a combination of argument types costs its call site a few bytes
// and no copy of the formatting and logging code.
void write(spdlog::level::level_enum level, fmt::string_view format, fmt::format_args args);

template <typename... Args>
void at(spdlog::level::level_enum level, fmt::format_string<Args...> format, Args&&... args) {
    write(level, format, fmt::make_format_args(args...));
}
template <typename... Args>
void trace(fmt::format_string<Args...> format, Args&&... args) {
    write(spdlog::level::trace, format, fmt::make_format_args(args...));
}
template <typename... Args>
void debug(fmt::format_string<Args...> format, Args&&... args) {
    write(spdlog::level::debug, format, fmt::make_format_args(args...));
}
template <typename... Args>
void info(fmt::format_string<Args...> format, Args&&... args) {
    write(spdlog::level::info, format, fmt::make_format_args(args...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> format, Args&&... args) {
    write(spdlog::level::warn, format, fmt::make_format_args(args...));
}
template <typename... Args>
void error(fmt::format_string<Args...> format, Args&&... args) {
    write(spdlog::level::err, format, fmt::make_format_args(args...));
}
template <typename... Args>
void critical(fmt::format_string<Args...> format, Args&&... args) {
    write(spdlog::level::critical, format, fmt::make_format_args(args...));
}

}  // namespace log

// Text format at info level until configure_logging; safe to log before the CLI is parsed.
void init_logging();
// Applies the user's level and format. The level was validated by the CLI.
void configure_logging(const std::string& level, LogFormat format);
// Escapes text for a JSON string (exposed for tests).
std::string json_escape(std::string_view text);
// Control characters shown as \n, \r, \t or \xNN, so that a value from the environment, the
// command line or a notify datagram can never break a log line in two.
std::string one_line(std::string_view text);
// "2026-11-30T05:35:37.123Z": the JSON lines' time, in UTC, from <chrono> alone (no gmtime/strftime).
std::string utc_timestamp(std::chrono::system_clock::time_point when);

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
