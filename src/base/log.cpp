// Logging: stderr only, "[sdshim] level: message" or one JSON object per line, through one spdlog::logger of the shim's
// own.
#include "base/log.hpp"

#include <spdlog/sinks/sink.h>

#include <unistd.h>

#include <cerrno>
#include <memory>

namespace sdshim {
namespace {

constexpr std::size_t kMaxLogText = 4096;  // bytes of one message; escaping may at most quadruple it

std::string_view level_name(spdlog::level::level_enum level) {
    auto name = spdlog::level::to_string_view(level);
    return {name.data(), name.size()};
}

// Formats each message itself and writes it to fd 2 with one write(2), unbuffered. Derived from
// spdlog's bare sink interface: base_sink would bring a pattern formatter and a mutex (one thread here).
class StderrSink final : public spdlog::sinks::sink {
  public:
    void log(const spdlog::details::log_msg& msg) override {
        spdlog::memory_buf_t line;
        std::string_view text(msg.payload.data(), msg.payload.size());
        std::size_t cut = 0;  // a value from outside (a 100 KB LISTEN_FDNAMES) must not make a 100 KB line
        if (text.size() > kMaxLogText) {
            std::size_t keep = kMaxLogText;
            while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;  // whole characters
            cut = text.size() - keep;
            text = text.substr(0, keep);
        }
        const auto more = cut ? fmt::format(" [{} more bytes not logged]", cut) : std::string();
        if (format_ == LogFormat::json)
            fmt::format_to(std::back_inserter(line),
                           "{{\"time\":\"{}\",\"level\":\"{}\",\"logger\":\"sdshim\",\"pid\":{},\"msg\":\"{}{}\"}}\n",
                           utc_timestamp(msg.time), level_name(msg.level), ::getpid(), json_escape(text), more);
        else
            fmt::format_to(std::back_inserter(line), "[sdshim] {}: {}{}\n", level_name(msg.level), one_line(text),
                           more);
        const char* p = line.data();
        std::size_t left = line.size();
        while (left > 0) {
            const ssize_t n = ::write(STDERR_FILENO, p, left);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return;  // nowhere to say it
            p += n;
            left -= static_cast<std::size_t>(n);
        }
    }
    void flush() override {}
    void set_pattern(const std::string&) override {}
    void set_formatter(std::unique_ptr<spdlog::formatter>) override {}
    void set_format(LogFormat format) { format_ = format; }

  private:
    LogFormat format_ = LogFormat::text;
};

const std::shared_ptr<StderrSink>& sink() {
    static const auto instance = std::make_shared<StderrSink>();
    return instance;
}

}  // namespace

namespace log {
spdlog::logger& logger() {
    static spdlog::logger instance("sdshim", sink());
    return instance;
}

void write(spdlog::level::level_enum level, fmt::string_view format, fmt::format_args args) {
    spdlog::logger& l = logger();
    if (!l.should_log(level)) return;
    spdlog::memory_buf_t text;
    fmt::vformat_to(std::back_inserter(text), format, args);
    l.log(level, spdlog::string_view_t(text.data(), text.size()));
}
}  // namespace log

std::string utc_timestamp(std::chrono::system_clock::time_point when) {
    using namespace std::chrono;
    const auto day = floor<days>(when);
    const year_month_day date{day};
    const hh_mm_ss time{floor<milliseconds>(when - day)};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(date.year()),
                       static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), time.hours().count(),
                       time.minutes().count(), time.seconds().count(), time.subseconds().count());
}

std::string one_line(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        switch (c) {
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20 || c == 0x7f)
                    out += fmt::format("\\x{:02x}", c);
                else
                    out += static_cast<char>(c);
        }
    }
    return out;
}

std::string json_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20)
                    out += fmt::format("\\u{:04x}", c);
                else
                    out += static_cast<char>(c);
        }
    }
    return out;
}

void init_logging() {
    log::logger().set_level(spdlog::level::info);
    sink()->set_format(LogFormat::text);
}

void configure_logging(const std::string& level, LogFormat format) {
    log::logger().set_level(spdlog::level::from_str(level));
    sink()->set_format(format);
}

namespace {
constexpr int kLogsPerWindow = 10;
constexpr std::chrono::seconds kLogWindow{10};
}  // namespace

bool LogBudget::allow(std::chrono::steady_clock::time_point now) {
    if (now - window_start_ >= kLogWindow) {
        if (suppressed_ > 0) log::warn("{} similar message(s) were not logged", suppressed_);
        window_start_ = now;
        used_ = 0;
        suppressed_ = 0;
    }
    if (used_ < kLogsPerWindow) {
        ++used_;
        return true;
    }
    ++suppressed_;
    return false;
}

}  // namespace sdshim
