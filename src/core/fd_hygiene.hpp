// Descriptors: closes those the shim must neither hold nor pass on, and explains a too-low fd limit.
#pragma once

#include <cstddef>
#include <string>

namespace sdshim {

// Closes every fd >= first (close_range, or /proc/self/fd where that is unavailable).
void close_fds_from(int first);

// For EMFILE: the fd limit, what uses it and how to raise it, to append to the error line. Empty
// for any other errno.
std::string fd_limit_hint(int err, int inherited_sockets);

// Raises the shim's own soft RLIMIT_NOFILE to the hard limit (the bridge holds two sockets per
// connection); returns the soft limit in force afterwards.
std::size_t raise_fd_limit();

}  // namespace sdshim
