// The emergency reserve: heap held back at start and given up when an allocation fails, so that PID 1 can still log and
// shed work.
#pragma once

namespace sdshim::memory_reserve {

// Takes the reserve if it is not held (cheap when it is); false when memory is still short.
bool take() noexcept;
// Frees it (after a std::bad_alloc): what follows, a log line and the cleanup, finds memory.
void release() noexcept;

}  // namespace sdshim::memory_reserve
