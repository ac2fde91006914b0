// Build tool, not shipped: prints sdshim(1) for the package, or docs/options.md (--markdown).
#include "config/man_page.hpp"
#include "config/option_reference.hpp"

#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
    if (argc == 2 && std::strcmp(argv[1], "--markdown") == 0) {
        std::fputs(sdshim::option_reference().c_str(), stdout);
        return 0;
    }
    if (argc != 3) {
        std::fputs("usage: make_man_page VERSION YYYY-MM-DD | make_man_page --markdown\n", stderr);
        return 2;
    }
    std::fputs(sdshim::man_page(argv[1], argv[2]).c_str(), stdout);
    return 0;
}
