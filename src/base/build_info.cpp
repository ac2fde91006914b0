// What this binary is: its version, the commit it was built from, its architecture and its linkage.
#include "base/build_info.hpp"

#include "build_commit.hpp"  // generated at build time: SDSHIM_COMMIT

#include <fmt/format.h>

#include <sys/auxv.h>

#ifndef SDSHIM_VERSION
#define SDSHIM_VERSION "0.0.0"
#endif

namespace sdshim {
namespace {

constexpr const char* kArchitecture =
#if defined(__x86_64__)
    "x86_64";
#elif defined(__aarch64__)
    "aarch64";
#elif defined(__arm__)
    "arm";
#elif defined(__i386__)
    "i386";
#elif defined(__riscv) && __riscv_xlen == 64
    "riscv64";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    "ppc64le";
#elif defined(__s390x__)
    "s390x";
#else
    "unknown-architecture";
#endif

}  // namespace

// The kernel gives a dynamically linked process the load address of its interpreter (ld.so) in
// AT_BASE; a static binary, static-pie included, has none. Asked at run time, so the answer is about
// the binary that runs, not about how the build was configured.
bool running_static() { return getauxval(AT_BASE) == 0; }

std::string build_description() {
    return fmt::format("{} (commit {}, {}, {})", SDSHIM_VERSION, SDSHIM_COMMIT, kArchitecture,
                       running_static() ? "static" : "dynamic");
}

}  // namespace sdshim
