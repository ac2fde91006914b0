// Descriptors: closes those the shim must neither hold nor pass on, and explains a too-low fd limit.
#include "core/fd_hygiene.hpp"

#include <fmt/format.h>

#include <dirent.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace sdshim {

void close_fds_from(int first) {
    if (::syscall(SYS_close_range, static_cast<unsigned>(first), ~0U, 0U) == 0) return;
    std::vector<int> open_fds;
    if (DIR* dir = ::opendir("/proc/self/fd")) {
        int own = ::dirfd(dir);
        while (dirent* ent = ::readdir(dir)) {
            char* end = nullptr;
            long fd = std::strtol(ent->d_name, &end, 10);
            if (*end == '\0' && fd >= first && fd != own && fd <= INT_MAX) open_fds.push_back(static_cast<int>(fd));
        }
        ::closedir(dir);
    }
    for (int fd : open_fds) ::close(fd);
}

std::string fd_limit_hint(int err, int inherited_sockets) {
    if (err != EMFILE) return {};
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return {};
    return fmt::format(
        " (RLIMIT_NOFILE is {}: 3 go to stdio, {} to inherited sockets, and sdshim needs about 7 "
        "of its own; raise it, e.g. podman run --ulimit nofile=1024:1024)",
        static_cast<unsigned long long>(limit.rlim_cur), inherited_sockets);
}

std::size_t raise_fd_limit() {
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
    if (lim.rlim_cur < lim.rlim_max) {
        rlimit raised = lim;
        raised.rlim_cur = lim.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
    }
    constexpr rlim_t kCap = 1u << 20;  // RLIM_INFINITY or a huge hard limit: a count, not a promise
    return static_cast<std::size_t>(std::min(lim.rlim_cur, kCap));
}

}  // namespace sdshim
