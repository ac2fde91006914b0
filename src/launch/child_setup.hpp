// Everything that runs in the child between fork and exec; async-signal-safe code only.
#pragma once

#include "launch/boost_process.hpp"

#include <cerrno>
#include <cstddef>

#include <unistd.h>

namespace sdshim {

namespace bp = boost::process::v2;

struct ChildSetup {
    bool own_process_group = true;  // setpgid(0,0)
    bool take_terminal = true;      // with own_process_group: take the terminal's foreground if any
    const int* pass_fds = nullptr;  // kept open at their numbers with FD_CLOEXEC cleared; every other fd
                                    // above stdio is closed at exec
    std::size_t pass_fd_count = 0;
    int output_fd = -1;        // if set, becomes the child's stdout and stderr
    char* pid_slot = nullptr;  // receives the child's own pid in decimal (e.g. inside "LISTEN_PID=")
    std::size_t pid_slot_size = 0;

    // Runs in the child. Returns 0 or the errno of the step that failed.
    int prepare() const noexcept;

    // Boost.Process v2 launcher hooks. on_setup runs in the parent before fork.
    bp::error_code on_setup(bp::posix::default_launcher& launcher, const bp::filesystem::path&,
                            const char* const*) const {
        for (std::size_t i = 0; i < pass_fd_count; ++i) launcher.fd_whitelist.push_back(pass_fds[i]);
        return {};
    }
    bp::error_code on_exec_setup(bp::posix::default_launcher&, const bp::filesystem::path&,
                                 const char* const*) const noexcept {
        int err = prepare();
        if (err == 0) return {};
        errno = err;  // the launcher reports errno, not the returned code, through its pipe
        return bp::error_code(err, bp::system_category());
    }
    // Boost 1.81 probes this hook with five arguments and calls it with four: accept both. The
    // launcher has already written errno to its report pipe; leave before it calls exit().
    template <typename... Rest>
    void on_exec_error(bp::posix::default_launcher&, Rest&&...) const noexcept {
        ::_exit(errno == ENOENT ? 127 : 126);
    }
};

// Writes value in decimal, NUL-terminated, into dst (size >= 2). Async-signal-safe.
void write_decimal(char* dst, std::size_t size, long value) noexcept;

}  // namespace sdshim
