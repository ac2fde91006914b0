// The emergency reserve: heap held back at start and given up when an allocation fails, so that PID 1 can still log and
// shed work.
#include "base/memory_reserve.hpp"

#include <cstdlib>

namespace sdshim::memory_reserve {
namespace {

// Enough for log lines and a connection's cleanup. Below malloc's mmap threshold, so it comes from
// the heap, where memory that other frees return can make it whole again. Never written: it costs
// address space, not RSS, until it is released and reused.
constexpr std::size_t kReserveBytes = 64 * 1024;
void* reserve = nullptr;

}  // namespace

bool take() noexcept {
    if (!reserve) reserve = std::malloc(kReserveBytes);
    return reserve != nullptr;
}

void release() noexcept {
    std::free(reserve);
    reserve = nullptr;
}

}  // namespace sdshim::memory_reserve
