// The stop as the run sees it: the stop sequence's deadlines armed in the loop, STOPPING=1 said once,
// and why the shim itself stopped the server (which decides its exit code).
#include "core/stop_control.hpp"

#include "base/signal_names.hpp"

#include <fmt/format.h>

#include <utility>

namespace sdshim {

StopControl::StopControl(EventLoop& loop, Millis grace, Millis exit_grace, std::function<void()> gave_up)
    : loop_(loop), sequence_(grace, exit_grace) {
    deadline_ = loop_.add_deadline([this, gave_up = std::move(gave_up)] {
        loop_.arm(deadline_, sequence_.deadline_expired(EventLoop::Clock::now()));
        if (sequence_.gave_up()) gave_up();
    });
}

bool StopControl::requested(Cause cause) {
    const bool first = !sequence_.stopping();
    loop_.arm(deadline_, sequence_.stop_requested(EventLoop::Clock::now()));
    if (first && cause == Cause::idle) idled_ = true;
    return first;
}

void StopControl::main_exited_with_survivors() {
    loop_.arm(deadline_, sequence_.main_exited_with_survivors(EventLoop::Clock::now()));
}

std::string StopControl::status(const std::string& program, int sig) const {
    return fmt::format("stopping {}: {} sent, SIGKILL in {}", program, signal_name(sig),
                       format_duration(sequence_.grace()));
}

std::optional<int> StopControl::exit_code() const {
    if (failed_) return 1;
    if (idled_) return 0;
    return std::nullopt;
}

}  // namespace sdshim
