// The stop as the run sees it: the stop sequence's deadlines armed in the loop, STOPPING=1 said once,
// and why the shim itself stopped the server (which decides its exit code).
#pragma once

#include "base/duration.hpp"
#include "core/event_loop.hpp"
#include "core/shutdown.hpp"

#include <functional>
#include <optional>
#include <string>

namespace sdshim {

class StopControl {
  public:
    enum class Cause { request, idle };  // a stop signal (or a failure), or --exit-idle

    // `gave_up`: processes outlived SIGKILL and the wait for them is over.
    StopControl(EventLoop& loop, Millis grace, Millis exit_grace, std::function<void()> gave_up);
    StopControl(const StopControl&) = delete;
    StopControl& operator=(const StopControl&) = delete;

    bool stopping() const { return sequence_.stopping(); }
    // A stop signal reached the server: what is left gets SIGKILL after the grace. True the first time.
    bool requested(Cause cause = Cause::request);
    // The server exited and other processes still run: SIGTERM to them now, SIGKILL after the exit grace.
    void main_exited_with_survivors();
    // The shim stops the server because it failed (not ready, a dropped socket): exit 1.
    void fail() { failed_ = true; }
    bool failed() const { return failed_; }
    // Whether STOPPING=1 goes out now: the manager hears it once, sdshim's or the server's own.
    bool announce() { return !std::exchange(announced_, true); }
    // "stopping nginx: SIGQUIT sent, SIGKILL in 8s"
    std::string status(const std::string& program, int sig) const;
    // The shim's own exit code when it stopped the server itself: 1 after a failure, 0 when idle
    // (the unit must not look failed); none when the server's own status decides.
    std::optional<int> exit_code() const;

  private:
    EventLoop& loop_;
    StopSequence sequence_;
    EventLoop::DeadlineId deadline_;
    bool announced_ = false;
    bool failed_ = false;
    bool idled_ = false;
};

}  // namespace sdshim
