// Signal forwarding: what the main child (or its process group) receives for each signal the shim gets.
#include "core/forwarder.hpp"

#include "base/log.hpp"
#include "base/signal_names.hpp"
#include "proc/process_tree.hpp"

#include <signal.h>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace sdshim {

ForwardDecision decide_forward(int sig, pid_t sender, pid_t self, bool main_alive, const SignalMap& map) {
    ForwardDecision d;
    // A signal the kernel raised against the shim's own actions (SIGPIPE from a write to a closed
    // stderr, SIGTTOU from a background write) is about the shim, not a request for the server.
    if (sender == self && (sig == SIGPIPE || sig == SIGTTOU || sig == SIGTTIN || sig == SIGXFSZ)) {
        d.reason = "raised by the shim's own I/O";
        return d;
    }
    int mapped = map.apply(sig);
    if (mapped == 0) {
        d.reason = "mapped to 0 (--map-signal)";
        return d;
    }
    if (!main_alive) {
        d.reason = "the main child has already exited";
        return d;
    }
    d.action = ForwardDecision::Action::forward;
    d.signal = mapped;
    d.starts_stop = is_stop_signal(sig);
    return d;
}

ForwardDecision Forwarder::forward(int sig, pid_t sender, pid_t main_pid, bool main_alive, const sigval* queued) {
    ForwardDecision d = decide_forward(sig, sender, self_, main_alive, map_);
    if (auto it = refused_.find(sig); it != refused_.end() && map_.rules().count(sig) == 0) {
        log::warn("{} not forwarded: {}", signal_name(sig), it->second);
        return ForwardDecision{};
    }
    if (d.action == ForwardDecision::Action::drop) {
        log::debug("{} not forwarded: {}", signal_name(sig), d.reason);
        return d;
    }
    // sigqueue() reaches one process only: a group gets kill(), and the payload is lost there.
    const bool group = target_ == ForwardTo::group;
    const char* whom = group ? "process group" : "pid";
    const int sent =
        queued && !group ? ::sigqueue(main_pid, d.signal, *queued) : ::kill(group ? -main_pid : main_pid, d.signal);
    if (sent != 0) {
        const int err = errno;
        // ESRCH is the child exiting meanwhile; EAGAIN is its queue of real-time signals full: one lost.
        log::at(err == EAGAIN ? spdlog::level::warn : spdlog::level::debug, "forwarding {} to {} {}: {}",
                signal_name(d.signal), whom, main_pid, std::strerror(err));
        return d;
    }
    // As systemd does after a stop signal, but only where it is needed: a stopped server (SIGTSTP)
    // would otherwise sit out the grace until SIGKILL, and a running one has no use for SIGCONT.
    if (d.starts_stop && target_is_stopped(main_pid, group)) (void)::kill(group ? -main_pid : main_pid, SIGCONT);
    auto level = d.starts_stop && stop_budget_.allow(std::chrono::steady_clock::now()) ? spdlog::level::info
                                                                                       : spdlog::level::debug;
    if (sender == self_)  // the shim's own decision (readiness failure), not a received signal
        log::at(level, "sent {} to {} {}", signal_name(d.signal), whom, main_pid);
    else if (d.signal == sig)
        log::at(level, "forwarded {} to {} {}", signal_name(sig), whom, main_pid);
    else
        log::at(level, "received {}, sent {} to {} {}", signal_name(sig), signal_name(d.signal), whom, main_pid);
    return d;
}

}  // namespace sdshim
