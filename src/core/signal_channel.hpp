// Signal intake: blocks every catchable signal and reads them from one signalfd.
#pragma once

#include "base/unique_fd.hpp"

#include <sys/signalfd.h>

#include <vector>

namespace sdshim {

class SignalChannel {
public:
    // Blocks all signals except the synchronous faults (SEGV, BUS, ILL, FPE, TRAP, SYS, ABRT),
    // which must keep killing the shim if it ever has a bug, and opens a non-blocking signalfd.
    SignalChannel();
    int fd() const { return fd_.get(); }
    // Everything pending, in arrival order per signal; empty when nothing is pending.
    std::vector<signalfd_siginfo> drain();

private:
    UniqueFd fd_;
};

}  // namespace sdshim
