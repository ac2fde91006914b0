// Closes the descriptors the shim must neither hold nor pass on.
#include "fd_hygiene.hpp"

#include <dirent.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
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

}  // namespace sdshim
