// Size probe: the fmt probe plus an spdlog (header-only) logger used as sdshim uses it: directly, with
// a bare sink of its own, never through the registry (which brings the pattern formatter).
#include <spdlog/logger.h>
#include <spdlog/sinks/sink.h>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>
struct Sink final : spdlog::sinks::sink {
    void log(const spdlog::details::log_msg& msg) override {
        std::fwrite(msg.payload.data(), 1, msg.payload.size(), stderr);
    }
    void flush() override {}
    void set_pattern(const std::string&) override {}
    void set_formatter(std::unique_ptr<spdlog::formatter>) override {}
};
int main(int argc, char** argv) {
    std::vector<std::string> args(argv, argv + argc);
    std::map<int, std::string> m{{argc, args.at(0)}};
    try {
        if (argc > 5) throw std::runtime_error("x");
    } catch (const std::exception& e) {
        std::puts(e.what());
    }
    spdlog::logger logger("p", std::make_shared<Sink>());
    logger.info("{} {}", m.size(), args[0]);
    return 0;
}
