// Size probe: the fmt probe plus spdlog (header-only) logging to stderr.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>
int main(int argc, char** argv) {
    std::vector<std::string> args(argv, argv + argc);
    std::map<int, std::string> m{{argc, args.at(0)}};
    try { if (argc > 5) throw std::runtime_error("x"); } catch (const std::exception& e) { std::puts(e.what()); }
    auto logger = std::make_shared<spdlog::logger>("p", std::make_shared<spdlog::sinks::stderr_sink_st>());
    logger->set_pattern("[p] %l: %v");
    spdlog::set_default_logger(logger);
    spdlog::info("{} {}", m.size(), args[0]);
    return 0;
}
