// Closes the descriptors the shim must neither hold nor pass on.
#pragma once

namespace sdshim {

// Closes every fd >= first (close_range, or /proc/self/fd where that is unavailable).
void close_fds_from(int first);

}  // namespace sdshim
