// The relay's bounded queue to the outer socket and its drop policy: state changes get through.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>

namespace sdshim {

// A datagram carrying READY=1, STOPPING=1 or RELOADING=1 as one of its lines.
bool is_state_change(const std::string& dgram);

struct Admission {
    bool queued = false;                 // `dgram` is in the queue
    std::optional<std::string> dropped;  // what was lost: `dgram` itself or an older datagram
};

// Queues `dgram` unless the queue holds `max` already. Then a state change pushes out the oldest
// datagram that is not one (a STATUS or WATCHDOG line is worth less), and anything else is itself
// dropped; a queue full of state changes keeps them.
Admission admit(std::deque<std::string>& queue, std::string dgram, std::size_t max);

}  // namespace sdshim
