// The stop sequence: stop signal or main-child exit -> grace -> SIGKILL of everything left -> exit.
#pragma once

#include "base/duration.hpp"
#include "proc/process_tree.hpp"

#include <chrono>
#include <optional>

namespace sdshim {

class StopSequence {
  public:
    using Clock = std::chrono::steady_clock;
    using Deadline = std::optional<Clock::time_point>;

    // Signals every remaining process; returns how many it reached (0: none is left).
    using SignalAll = int (*)(int sig);

    StopSequence(Millis grace, Millis exit_grace, SignalAll signal_all = signal_all_processes)
        : grace_(grace), exit_grace_(exit_grace), signal_all_(signal_all) {}

    // A stop signal reached the main child: everything left is SIGKILLed at now + grace.
    Deadline stop_requested(Clock::time_point now);
    // The main child is gone and other processes are still running: they get SIGTERM now and
    // SIGKILL at now + exit_grace (or at the stop deadline if that comes first).
    Deadline main_exited_with_survivors(Clock::time_point now);
    // The armed deadline passed: SIGKILL everything (the first time; nothing more to wait for when
    // nothing was left to kill), or give up waiting.
    Deadline deadline_expired(Clock::time_point now);

    bool stopping() const { return phase_ != Phase::running; }
    bool gave_up() const { return phase_ == Phase::gave_up; }
    Millis grace() const { return grace_; }

  private:
    enum class Phase { running, stopping, draining, killed, gave_up };
    Phase phase_ = Phase::running;
    Millis grace_;
    Millis exit_grace_;
    SignalAll signal_all_;
    Deadline deadline_;
};

}  // namespace sdshim
