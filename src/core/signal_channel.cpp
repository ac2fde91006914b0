// Signal intake: blocks every catchable signal and reads them from one signalfd.
#include "core/signal_channel.hpp"

#include "base/result.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>

#include <unistd.h>

namespace sdshim {

SignalChannel::SignalChannel() {
    sigset_t mask;
    sigfillset(&mask);
    for (int fault : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS, SIGABRT}) sigdelset(&mask, fault);
    if (::sigprocmask(SIG_SETMASK, &mask, nullptr) != 0)
        throw StartFailure(Error{std::string("sigprocmask: ") + std::strerror(errno), errno});
    fd_.reset(::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd_) throw StartFailure(Error{std::string("signalfd: ") + std::strerror(errno), errno});
}

void SignalChannel::read(Batch& batch) {
    batch.count = 0;
    ssize_t n;
    do n = ::read(fd_.get(), batch.info, sizeof batch.info);
    while (n < 0 && errno == EINTR);
    if (n > 0) batch.count = static_cast<std::size_t>(n) / sizeof(signalfd_siginfo);  // else EAGAIN: none
}

}  // namespace sdshim
