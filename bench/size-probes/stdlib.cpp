// Size probe: libstdc++ containers, strings and exceptions, as the shim's own code uses them.
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
    std::printf("%zu\n", m.size());
    return 0;
}
