// Everything that runs in the child between fork and exec; async-signal-safe code only.
#include "launch/child_setup.hpp"

#include <csignal>
#include <cstring>

#include <algorithm>

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/resource.h>
#include <sys/syscall.h>
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

// Every fd above stdio is closed at exec unless it is passed on: the shim's inherited sockets that
// the server does not get (behind a bridge) included. Boost.Process's own closing skips the fds
// between stdio and its report pipe, so it cannot be relied on.
void close_on_exec_from(int first) noexcept {
    if (::syscall(SYS_close_range, static_cast<unsigned>(first), ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
    rlimit limit{};  // kernels before 5.11: one fcntl per possible fd
    const rlim_t last = ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY
                            ? std::min<rlim_t>(limit.rlim_cur, 1u << 20)
                            : 1u << 20;
    for (rlim_t fd = static_cast<rlim_t>(first); fd < last; ++fd) {
        const int flags = ::fcntl(static_cast<int>(fd), F_GETFD);
        if (flags >= 0 && !(flags & FD_CLOEXEC)) (void)::fcntl(static_cast<int>(fd), F_SETFD, flags | FD_CLOEXEC);
    }
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
        if (take_terminal) take_foreground();
    }
    if (output_fd >= 0 && (::dup2(output_fd, STDOUT_FILENO) < 0 || ::dup2(output_fd, STDERR_FILENO) < 0)) return errno;
    close_on_exec_from(STDERR_FILENO + 1);
    for (std::size_t i = 0; i < pass_fd_count; ++i) {
        int flags = ::fcntl(pass_fds[i], F_GETFD);
        if (flags < 0 || ::fcntl(pass_fds[i], F_SETFD, flags & ~FD_CLOEXEC) < 0) return errno;
    }
    if (pid_slot != nullptr && pid_slot_size > 1) write_decimal(pid_slot, pid_slot_size, ::getpid());
    reset_signals();  // last: from here on a signal takes its default action in the child
    return 0;
}

}  // namespace sdshim
