// The stop sequence: stop signal or main-child exit -> grace -> SIGKILL of everything left -> exit.
#include "core/shutdown.hpp"

#include "base/log.hpp"
#include "proc/process_tree.hpp"

#include <csignal>

namespace sdshim {
namespace {
// After SIGKILL only processes in uninterruptible sleep can linger; as PID 1 the kernel kills
// them when the shim exits, so waiting longer helps nobody.
constexpr Millis kAfterKill{2000};
}  // namespace

StopSequence::Deadline StopSequence::stop_requested(Clock::time_point now) {
    if (phase_ != Phase::running) return deadline_;
    phase_ = Phase::stopping;
    deadline_ = now + grace_;
    log::info("stop requested: waiting up to {} before SIGKILL", format_duration(grace_));
    return deadline_;
}

StopSequence::Deadline StopSequence::main_exited_with_survivors(Clock::time_point now) {
    if (phase_ == Phase::killed || phase_ == Phase::gave_up || phase_ == Phase::draining) return deadline_;
    auto kill_at = now + exit_grace_;
    if (!deadline_ || kill_at < *deadline_) deadline_ = kill_at;
    phase_ = Phase::draining;
    log::info("sending SIGTERM to the remaining processes; SIGKILL in {}",
              format_duration(std::chrono::ceil<Millis>(*deadline_ - now)));
    signal_all_(SIGTERM);
    continue_stopped_processes();  // a stopped survivor could not act on SIGTERM
    return deadline_;
}

StopSequence::Deadline StopSequence::deadline_expired(Clock::time_point now) {
    if (phase_ == Phase::killed) {
        phase_ = Phase::gave_up;
        log::warn("processes are still present {} after SIGKILL (uninterruptible sleep?); exiting anyway",
                  format_duration(kAfterKill));
        deadline_.reset();
        return deadline_;
    }
    phase_ = Phase::killed;
    if (signal_all_(SIGKILL) == 0) {  // all gone meanwhile (bridged connections may still drain)
        log::debug("grace period over: no process left to SIGKILL");
        deadline_.reset();
        return deadline_;
    }
    log::warn("grace period over: sending SIGKILL to every remaining process");
    deadline_ = now + kAfterKill;
    return deadline_;
}

}  // namespace sdshim
