// Logging: spdlog to stderr only, "[sdshim] level: message" or one JSON object per line.
#include "log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <unistd.h>

#include <chrono>
#include <ctime>

namespace sdshim {
namespace {

class JsonFormatter final : public spdlog::formatter {
public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        using namespace std::chrono;
        auto since_epoch = msg.time.time_since_epoch();
        auto secs = duration_cast<seconds>(since_epoch);
        auto ms = duration_cast<milliseconds>(since_epoch - secs).count();
        std::time_t t = secs.count();
        std::tm tm{};
        gmtime_r(&t, &tm);
        char when[32];
        std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
        auto level = spdlog::level::to_string_view(msg.level);
        fmt::format_to(std::back_inserter(dest),
                       "{{\"time\":\"{}.{:03}Z\",\"level\":\"{}\",\"logger\":\"sdshim\",\"pid\":{},\"msg\":\"{}\"}}\n",
                       when, ms, std::string_view(level.data(), level.size()), ::getpid(),
                       json_escape(std::string_view(msg.payload.data(), msg.payload.size())));
    }
    std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

class TextFormatter final : public spdlog::formatter {
public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        auto level = spdlog::level::to_string_view(msg.level);
        fmt::format_to(std::back_inserter(dest), "[sdshim] {}: {}\n", std::string_view(level.data(), level.size()),
                       one_line(std::string_view(msg.payload.data(), msg.payload.size())));
    }
    std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<TextFormatter>(); }
};

}  // namespace

std::string one_line(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        switch (c) {
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
                else out += static_cast<char>(c);
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
                if (c < 0x20) out += fmt::format("\\u{:04x}", c);
                else out += static_cast<char>(c);
        }
    }
    return out;
}

void init_logging() {
    auto logger = std::make_shared<spdlog::logger>("sdshim", std::make_shared<spdlog::sinks::stderr_sink_st>());
    logger->set_formatter(std::make_unique<TextFormatter>());
    logger->set_level(spdlog::level::info);
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(std::move(logger));
}

void configure_logging(const std::string& level, LogFormat format) {
    auto logger = spdlog::default_logger();
    logger->set_level(spdlog::level::from_str(level));
    if (format == LogFormat::json) logger->set_formatter(std::make_unique<JsonFormatter>());
    else logger->set_formatter(std::make_unique<TextFormatter>());
}

namespace {
constexpr int kLogsPerWindow = 10;
constexpr std::chrono::seconds kLogWindow{10};
}  // namespace

bool LogBudget::allow(std::chrono::steady_clock::time_point now) {
    if (now - window_start_ >= kLogWindow) {
        if (suppressed_ > 0) spdlog::warn("{} similar message(s) were not logged", suppressed_);
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
