// Build tool, not shipped: prints sdshim(1) for the package (VERSION and DATE as arguments).
#include "config/man_page.hpp"

#include <cstdio>

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fputs("usage: make_man_page VERSION YYYY-MM-DD\n", stderr);
        return 2;
    }
    std::fputs(sdshim::man_page(argv[1], argv[2]).c_str(), stdout);
    return 0;
}
