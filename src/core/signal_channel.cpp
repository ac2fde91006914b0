// Signal intake: blocks every catchable signal and reads them from one signalfd.
#include "core/signal_channel.hpp"

#include "base/result.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
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

std::vector<signalfd_siginfo> SignalChannel::drain() {
    std::vector<signalfd_siginfo> out;
    signalfd_siginfo buf[16];
    for (;;) {
        ssize_t n = ::read(fd_.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            break;  // EAGAIN: drained
        }
        std::size_t count = static_cast<std::size_t>(n) / sizeof(signalfd_siginfo);
        out.insert(out.end(), buf, buf + count);
        if (count < std::size(buf)) break;
    }
    return out;
}

}  // namespace sdshim
