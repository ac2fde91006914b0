// `sdshim reload` askers waiting for their answer: each gets exactly one, from the outcome that
// covers its request: the first check run that starts after it came, or the signal itself without a check.
#include "reload/reload_askers.hpp"

#include <signal.h>

#include <algorithm>

namespace sdshim {

bool ReloadAskers::add(pid_t asker, std::uint64_t run) {
    if (waiting_.size() >= kMaxWaiting) return false;
    waiting_.push_back({asker, run});
    return true;
}

void ReloadAskers::signal_answer(pid_t asker, bool sent) { ::kill(asker, sent ? SIGUSR1 : SIGUSR2); }

void ReloadAskers::answer(bool sent, std::uint64_t up_to_run) {
    std::erase_if(waiting_, [&](const Asker& a) {
        if (a.run > up_to_run) return false;
        tell_(a.pid, sent);
        return true;
    });
}

}  // namespace sdshim
