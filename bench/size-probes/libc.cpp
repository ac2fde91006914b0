// Size probe: a static C++ program that uses only libc.
#include <cstdio>
int main(int argc, char**) {
    std::printf("%d\n", argc);
    return 0;
}
