// The real-time signals sdshim sends itself: a listener's arrival (F_SETSIG) and `sdshim reload`'s request.
#pragma once

#include <sys/signalfd.h>
#include <sys/types.h>

#include <csignal>

namespace sdshim {

// An inherited listener that a client reached, for --exit-idle (si_fd names it; si_code is POLL_IN).
inline int arrival_signal() { return SIGRTMAX - 1; }

// `sdshim reload` queues this signal to PID 1 with the value kReloadRequest and hears SIGUSR1 (the
// reload signal went to the server) or SIGUSR2 (refused). Real-time signals queue: a hundred askers
// at once are a hundred requests (a second SIGHUP pending is one lost). PID 1 installs a handler for
// it (never run: the signal stays blocked and is read from the signalfd) so that an asker can see in
// /proc/1/status SigCgt that PID 1 takes requests this way; else it falls back to SIGHUP.
inline int reload_request_signal() { return SIGRTMAX - 2; }
inline constexpr int kReloadRequest = 0x5d5e1d;

// A request of `sdshim reload`: its own real-time signal, or SIGHUP from an asker that predates it.
inline bool is_reload_request(const signalfd_siginfo& si) {
    const auto sig = static_cast<int>(si.ssi_signo);
    return si.ssi_code == SI_QUEUE && si.ssi_int == kReloadRequest && static_cast<pid_t>(si.ssi_pid) > 0 &&
           (sig == reload_request_signal() || sig == SIGHUP);
}

}  // namespace sdshim
