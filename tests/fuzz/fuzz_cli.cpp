// Fuzz target: the command line and SDSHIM_* environment parser.
#include "base/log.hpp"
#include "config/cli.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

// Input: NUL-separated words. Words up to the first empty one are arguments; the rest are
// NAME=VALUE environment entries.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> args{"sdshim"};
    std::map<std::string, std::string> env;
    bool in_env = false;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find('\0', start);
        std::string word = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!in_env && word.empty())
            in_env = true;
        else if (!in_env)
            args.push_back(word);
        else if (auto eq = word.find('='); eq != std::string::npos)
            env[word.substr(0, eq)] = word.substr(eq + 1);
        if (end == std::string::npos) break;
        start = end + 1;
    }
    auto lookup = [&](const char* name) -> const char* {
        auto it = env.find(name);
        return it == env.end() ? nullptr : it->second.c_str();
    };
    auto parsed = sdshim::parse_cli(args, lookup);
    if (!parsed) {
        if (parsed.message().empty() || sdshim::one_line(parsed.message()).find('\n') != std::string::npos)
            std::abort();
    }
    return 0;
}
