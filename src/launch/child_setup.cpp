// Everything that runs in the child between fork and exec; async-signal-safe code only.
#include "launch/child_setup.hpp"

#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <termios.h>

namespace sdshim {
namespace {

void take_foreground() noexcept {
    // SIGTTOU is still blocked here (the shim's mask), so tcsetpgrp from the background is allowed.
    int tty = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    int fd = tty >= 0 ? tty : STDIN_FILENO;
    (void)::tcsetpgrp(fd, ::getpid());  // ENOTTY / ENXIO: no terminal, nothing to do
    if (tty >= 0) ::close(tty);
}

void reset_signals() noexcept {
    struct sigaction dfl;
    std::memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        (void)::sigaction(sig, &dfl, nullptr);  // EINVAL for the two signals glibc reserves
    }
    sigset_t empty;
    sigemptyset(&empty);
    (void)::sigprocmask(SIG_SETMASK, &empty, nullptr);
}

}  // namespace

void write_decimal(char* dst, std::size_t size, long value) noexcept {
    char digits[24];
    std::size_t n = 0;
    unsigned long v = value < 0 ? 0UL - static_cast<unsigned long>(value) : static_cast<unsigned long>(value);
    do {
        digits[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0 && n < sizeof digits);
    std::size_t pos = 0;
    if (value < 0 && pos + 1 < size) dst[pos++] = '-';
    while (n > 0 && pos + 1 < size) dst[pos++] = digits[--n];
    dst[pos] = '\0';
}

int ChildSetup::prepare() const noexcept {
    if (own_process_group) {
        (void)::setpgid(0, 0);
        take_foreground();
    }
    for (std::size_t i = 0; i < pass_fd_count; ++i) {
        int flags = ::fcntl(pass_fds[i], F_GETFD);
        if (flags < 0 || ::fcntl(pass_fds[i], F_SETFD, flags & ~FD_CLOEXEC) < 0) return errno;
    }
    if (pid_slot != nullptr && pid_slot_size > 1) write_decimal(pid_slot, pid_slot_size, ::getpid());
    reset_signals();  // last: from here on a signal takes its default action in the child
    return 0;
}

}  // namespace sdshim
