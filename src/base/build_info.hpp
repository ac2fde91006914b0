// What this binary is: its version, the commit it was built from, its architecture and its linkage.
#pragma once

#include <string>

namespace sdshim {

// "0.1.0 (commit 1a2b3c4d5e6f, x86_64, static)"
std::string build_description();

// True when no dynamic loader was mapped for this process: the binary is statically linked.
bool running_static();

}  // namespace sdshim
