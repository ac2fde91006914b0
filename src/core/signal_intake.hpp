// Signals into the loop: the signalfd read to the end at each wake-up, each signal handed to one
// handler; a read cut short by a failing handler is taken up again from a deadline.
#pragma once

#include "core/event_loop.hpp"
#include "core/signal_channel.hpp"

#include <sys/signalfd.h>

#include <cstddef>
#include <functional>

namespace sdshim {

class SignalIntake {
  public:
    using Handler = std::function<void(const signalfd_siginfo&)>;

    // Blocks the signals (see SignalChannel) and watches them; throws StartFailure if the kernel refuses.
    SignalIntake(EventLoop& loop, Handler handler);
    SignalIntake(const SignalIntake&) = delete;
    SignalIntake& operator=(const SignalIntake&) = delete;

  private:
    void take(bool wait);
    void hand_over();  // the batch's signals not handed over yet

    EventLoop& loop_;
    Handler handler_;
    SignalChannel channel_;
    EventLoop::DeadlineId again_;
    SignalChannel::Batch batch_;
    std::size_t next_ = 0;
};

}  // namespace sdshim
