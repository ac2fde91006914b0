// The WatchdogSec the shim accepts, from --watchdog or WATCHDOG_USEC (0 is off).
#pragma once

#include "base/duration.hpp"

namespace sdshim {

// A check and a ping every half of it, not every millisecond, and a deadline the clock can hold.
inline constexpr Millis kMinWatchdog{1000};
inline constexpr Millis kMaxWatchdog{24LL * 3600 * 1000};

}  // namespace sdshim
