// Every reload on its way to the server: `sdshim reload` requests and the reload signal go through the
// configuration check when there is one, and each asker gets exactly one answer, from the outcome that covers it.
#include "reload/reload_gate.hpp"

#include "base/log.hpp"
#include "base/signal_names.hpp"

#include <fmt/format.h>

#include <utility>

namespace sdshim {

ReloadGate::ReloadGate(ConfigCheck& check, Send send, Refused refused, std::string program, int reload_signal,
                       ReloadAskers::Tell tell)
    : check_(check),
      send_(std::move(send)),
      refused_(std::move(refused)),
      program_(std::move(program)),
      reload_signal_(reload_signal),
      askers_(tell) {}

bool ReloadGate::ask(pid_t asker) {
    if (closed_) {
        askers_.answer_now(asker, false);
        return false;
    }
    if (!askers_.add(asker, check_.runs_started() + 1)) {
        log::warn("sdshim reload from pid {} refused: {} requests already wait for their answer", asker,
                  ReloadAskers::kMaxWaiting);
        askers_.answer_now(asker, false);
        return false;
    }
    return true;
}

void ReloadGate::reload_signal(int sig, pid_t sender, const sigval* value) {
    if (check_.enabled() && !closed_) {
        pending_signal_ = sig;
        pending_sender_ = sender;
        return check_.request();  // the signal goes once the configuration test passed
    }
    send(sig, sender, value);
}

void ReloadGate::other_signal(bool sent) { askers_.answer(sent); }

// Without a check, or once the check of run runs_started() passed: the askers up to that run.
void ReloadGate::send(int sig, pid_t sender, const sigval* value) {
    const auto covered = check_.enabled() ? check_.runs_started() : ReloadAskers::kAll;
    askers_.answer(!closed_ && send_(sig, sender, value), covered);
}

void ReloadGate::passed() { send(pending_signal_, pending_sender_, nullptr); }

// The server keeps its workers and its configuration; systemd hears why, and no RELOADING=1. A
// re-check for later askers may follow.
void ReloadGate::failed(const std::string& why) {
    const std::string line = fmt::format("reload refused: {}; {} goes on with its current configuration, and got no {}",
                                         why, program_, signal_name(reload_signal_));
    log::error("{}", line);
    refused_(line);
    askers_.answer(false, check_.runs_started());
}

void ReloadGate::close() {
    closed_ = true;
    check_.cancel();
    askers_.answer(false);
}

}  // namespace sdshim
