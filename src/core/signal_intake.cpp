// Signals into the loop: the signalfd read to the end at each wake-up, each signal handed to one
// handler; a read cut short by a failing handler is taken up again from a deadline.
#include "core/signal_intake.hpp"

#include "base/result.hpp"

#include <sys/epoll.h>

#include <cstdint>
#include <utility>

namespace sdshim {

SignalIntake::SignalIntake(EventLoop& loop, Handler handler) : loop_(loop), handler_(std::move(handler)) {
    again_ = loop_.add_deadline([this] { take(false); });
    // Edge-triggered: a signal that is queued wakes the loop once, and take() reads all; no second
    // look at a signalfd that was just emptied.
    if (auto watched = loop_.watch_events(channel_.fd(), EPOLLIN | EPOLLET, [this](std::uint32_t) { take(false); });
        !watched)
        throw StartFailure(Error{"signalfd: " + watched.message(), watched.error().code});
    // No relay, no bridge, no deadline (podman --init without --sdnotify, once ready): one system
    // call per signal, as tini's sigtimedwait, instead of epoll_wait and a read.
    loop_.wait_alone_in(channel_.fd(), [this] { take(true); });
}

// Everything pending is read before the next wait (a batch short of full is all). A handler that
// throws (memory is short) sheds that one signal; the rest of its batch, and what is still in the
// signalfd, which no new edge may ever announce, are taken up again at once, from a deadline.
void SignalIntake::take(bool wait) {
    try {
        hand_over();
        do {
            if (wait)  // the loop has nothing else to wait for: sigwaitinfo takes one, the next wait the rest
                channel_.wait(batch_);
            else
                channel_.read(batch_);
            next_ = 0;
            hand_over();
        } while (!wait && batch_.full());
    } catch (...) {
        loop_.arm(again_, EventLoop::Clock::now());
        throw;  // for the loop's log line
    }
}

void SignalIntake::hand_over() {
    while (next_ < batch_.count) handler_(batch_.info[next_++]);
}

}  // namespace sdshim
