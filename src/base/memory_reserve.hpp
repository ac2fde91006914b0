// The emergency reserve: heap held back at start and given up when an allocation fails, so that PID 1 can still log and shed work.
#pragma once

namespace sdshim::memory_reserve {

// Takes the reserve if it is not held; false when memory is still short.
bool take() noexcept;
// Frees it (after a std::bad_alloc): what follows, a log line and the cleanup, finds memory.
void release() noexcept;
bool held() noexcept;

}  // namespace sdshim::memory_reserve
