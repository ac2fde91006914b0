// Signal forwarding: what the main child (or its process group) receives for each signal the shim gets.
#pragma once

#include "base/log.hpp"
#include "core/forward_to.hpp"
#include "core/signal_map.hpp"

#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <map>
#include <string>

namespace sdshim {

struct ForwardDecision {
    enum class Action { forward, drop } action = Action::drop;
    int signal = 0;            // what to send when forwarding (after mapping)
    bool starts_stop = false;  // a stop signal that was not mapped to 0
    std::string reason;        // for the log line when dropped
    bool sends() const { return action == Action::forward; }
};

// Pure policy: `sender` is the signal's si_pid, `self` the shim's pid. SIGCHLD never comes here.
ForwardDecision decide_forward(int sig, pid_t sender, pid_t self, bool main_alive, const SignalMap& map);

class Forwarder {
  public:
    // `refused`: signals the adapter never forwards, with the reason logged when one arrives.
    Forwarder(const SignalMap& map, ForwardTo target, std::map<int, std::string> refused = {})
        : map_(map), target_(target), refused_(std::move(refused)), self_(::getpid()) {}
    // Decides, sends, logs. Returns the decision so the caller can start the stop sequence.
    // `queued`: the value of a signal sent with sigqueue(), passed on the same way so a real-time
    // signal's payload and its order within its kind reach the server unchanged.
    // A stop signal that is forwarded to a stopped server (SIGTSTP, SIGSTOP) is followed by SIGCONT
    // to the same target, as systemd does: else it could not act on it until the grace ran out.
    ForwardDecision forward(int sig, pid_t sender, pid_t main_pid, bool main_alive, const sigval* queued = nullptr);

  private:
    const SignalMap& map_;
    ForwardTo target_;
    std::map<int, std::string> refused_;
    pid_t self_;             // getpid() is a system call; the shim's pid never changes
    LogBudget stop_budget_;  // a storm of stop signals: the first lines at info, then a count
};

}  // namespace sdshim
