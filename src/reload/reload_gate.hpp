// Every reload on its way to the server: `sdshim reload` requests and the reload signal go through the
// configuration check when there is one, and each asker gets exactly one answer, from the outcome that covers it.
#pragma once

#include "reload/config_check.hpp"
#include "reload/reload_askers.hpp"

#include <sys/types.h>

#include <csignal>
#include <functional>
#include <string>

namespace sdshim {

class ReloadGate {
  public:
    // Sends the reload signal to the server (readiness hears of it); whether it went.
    using Send = std::function<bool(int sig, pid_t sender, const sigval* value)>;
    // A refused reload, one line (logged already): for StatusText.
    using Refused = std::function<void(const std::string& line)>;

    // `program` and `reload_signal` name the server and the signal it did not get in a refusal.
    ReloadGate(ConfigCheck& check, Send send, Refused refused, std::string program, int reload_signal,
               ReloadAskers::Tell tell = ReloadAskers::signal_answer);

    // `sdshim reload` from `asker`: true if SIGHUP now goes on as if `asker` had sent it (as the reload
    // signal it comes back to reload_signal()); false if it was refused at once (closed, or too many wait).
    bool ask(pid_t asker);
    // A signal the server takes as its reload signal: sent once the check passed, or at once without one.
    void reload_signal(int sig, pid_t sender, const sigval* value);
    // The askers' SIGHUP went on as another signal (`sent`) or not at all.
    void other_signal(bool sent);
    // The outcome of the check's latest run.
    void passed();
    void failed(const std::string& why);
    // The stop began or the server exited: the check under way is cancelled, every asker refused, now and later.
    void close();

    std::size_t waiting() const { return askers_.waiting(); }

  private:
    void send(int sig, pid_t sender, const sigval* value);

    ConfigCheck& check_;
    Send send_;
    Refused refused_;
    std::string program_;
    int reload_signal_;
    ReloadAskers askers_;
    int pending_signal_ = 0;  // the reload signal, and its sender, that waits for the check
    pid_t pending_sender_ = 0;
    bool closed_ = false;
};

}  // namespace sdshim
