// Size probe: the stdlib probe plus fmt (header-only).
#include <fmt/format.h>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>
int main(int argc, char** argv) {
    std::vector<std::string> args(argv, argv + argc);
    std::map<int, std::string> m{{argc, args.at(0)}};
    try {
        if (argc > 5) throw std::runtime_error("x");
    } catch (const std::exception& e) {
        std::puts(e.what());
    }
    std::fputs(fmt::format("{} {}\n", m.size(), args[0]).c_str(), stderr);
    return 0;
}
