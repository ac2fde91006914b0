// Signal intake: blocks every catchable signal and reads them from one signalfd.
#pragma once

#include "base/unique_fd.hpp"

#include <sys/signalfd.h>

#include <csignal>
#include <cstddef>
#include <iterator>

namespace sdshim {

class SignalChannel {
  public:
    // Blocks all signals except the synchronous faults (SEGV, BUS, ILL, FPE, TRAP, SYS, ABRT),
    // which must keep killing the shim if it ever has a bug, and opens a non-blocking signalfd.
    SignalChannel();
    int fd() const { return fd_.get(); }

    // One read: up to a batch of what is pending, in arrival order per signal; none when nothing is.
    struct Batch {
        signalfd_siginfo info[16];
        std::size_t count = 0;
        bool full() const { return count == std::size(info); }  // more may be pending
    };
    void read(Batch& batch);
    // Blocks until a signal is pending and takes that one (sigwaitinfo): for a loop that has
    // nothing else to wait for. None after an interruption (the shim was stopped and continued).
    void wait(Batch& batch);

  private:
    sigset_t mask_;
    UniqueFd fd_;
};

}  // namespace sdshim
