// Signal intake: blocks every catchable signal and reads them from one signalfd.
#include "core/signal_channel.hpp"

#include "base/result.hpp"
#include "core/own_signals.hpp"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <string>

#include <unistd.h>

namespace sdshim {

SignalChannel::SignalChannel() {
    sigfillset(&mask_);
    for (int fault : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS, SIGABRT}) sigdelset(&mask_, fault);
    // A handler that never runs (the signal stays blocked): /proc/1/status SigCgt then shows `sdshim
    // reload` that this PID 1 takes its requests on their own real-time signal.
    struct sigaction request {};
    request.sa_handler = [](int) {};
    ::sigemptyset(&request.sa_mask);
    ::sigaction(reload_request_signal(), &request, nullptr);
    if (::sigprocmask(SIG_SETMASK, &mask_, nullptr) != 0)
        throw StartFailure(Error{std::string("sigprocmask: ") + std::strerror(errno), errno});
    fd_.reset(::signalfd(-1, &mask_, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd_) throw StartFailure(Error{std::string("signalfd: ") + std::strerror(errno), errno});
}

void SignalChannel::read(Batch& batch) {
    batch.count = 0;
    ssize_t n;
    do n = ::read(fd_.get(), batch.info, sizeof batch.info);
    while (n < 0 && errno == EINTR);
    if (n > 0) batch.count = static_cast<std::size_t>(n) / sizeof(signalfd_siginfo);  // else EAGAIN: none
}

void SignalChannel::wait(Batch& batch) {
    batch.count = 0;
    siginfo_t si;
    if (::sigwaitinfo(&mask_, &si) < 0) return;  // EINTR
    // The fields the shim reads, as the signalfd would have given them.
    signalfd_siginfo& out = batch.info[0];
    out = signalfd_siginfo{};
    out.ssi_signo = static_cast<std::uint32_t>(si.si_signo);
    out.ssi_code = si.si_code;
    out.ssi_pid = static_cast<std::uint32_t>(si.si_pid);
    out.ssi_uid = si.si_uid;
    out.ssi_ptr = reinterpret_cast<std::uintptr_t>(si.si_value.sival_ptr);
    out.ssi_int = si.si_value.sival_int;                                  // `sdshim reload`'s request is told by it
    if (si.si_code > 0 && si.si_signo != SIGCHLD) out.ssi_fd = si.si_fd;  // a listener's arrival (F_SETSIG)
    batch.count = 1;
}

}  // namespace sdshim
