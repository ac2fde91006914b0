// One probe per polled --ready mode (listen, target, pidfile, cmd:, http://) behind one narrow interface:
// "does the server serve?", asked by readiness until it does and by the watchdog while it should.
#pragma once

#include "activation/activation.hpp"
#include "adapters/adapters.hpp"
#include "base/duration.hpp"
#include "bridge/bridge_spec.hpp"
#include "core/event_loop.hpp"
#include "core/reaper.hpp"
#include "readiness/ready_mode.hpp"

#include <sys/types.h>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace sdshim {

// What "serves" means for this server: the resolved mode and what it is checked against.
struct ServingCheck {
    ReadyMode mode;                                                    // the resolved --ready mode, never automatic
    const ServerAdapter* adapter = &adapter_for(ServerKind::generic);  // resolved by the plan
    std::string program;                                               // for messages: "nginx"
    std::vector<SocketInfo> watched;     // inherited sockets the server must take and keep polling
    std::vector<BridgeTarget> targets;   // --bridge targets
    std::vector<std::string> probe_env;  // environment of cmd: probes
    Millis look_timeout{5000};           // http:// and tcp: probes: how long one look may take
};

// The answer of one look.
struct Look {
    enum class Outcome {
        pending,      // the probe's process answers later, through the probe's answer callback
        serving,      // `text` says how it was seen: "its pid file /run/x.pid names a running process"
        not_serving,  // `text` says what is wrong: "127.0.0.1:8080 does not accept connections"
        cannot_run,   // the probe itself cannot run (cmd: not executable): `text` says why
        unknown,      // no look this time (out of fds, memory or processes): `text` says why; look again
    };
    Outcome outcome = Outcome::pending;
    std::string text;
    std::vector<SocketInfo> dropped;   // inherited sockets the server no longer holds (worker looks only)
    std::vector<SocketInfo> unpolled;  // inherited sockets no new worker polls yet (worker looks only)

    static Look pending() { return {}; }
    static Look serving(std::string how) { return {Outcome::serving, std::move(how), {}, {}}; }
    static Look not_serving(std::string problem) { return {Outcome::not_serving, std::move(problem), {}, {}}; }
    static Look cannot_run(std::string why) { return {Outcome::cannot_run, std::move(why), {}, {}}; }
    static Look unknown(std::string why) { return {Outcome::unknown, std::move(why), {}, {}}; }
};

// How readiness polls: optionally a look at once, then after `first`, the delay doubling up to `max`.
struct PollSchedule {
    bool at_start = false;
    Millis first{1};
    Millis max{10};
};

// The question, as readiness and the watchdog ask it.
struct Question {
    pid_t main_pid = 0;
    bool starting = false;                 // readiness asks (a start or a reload), not the watchdog
    const std::set<pid_t>* old = nullptr;  // during a reload: the previous workers, which do not count
};

// What the waiting is for, in the two forms the shim says it.
struct Description {
    std::string detail;  // log and timeout lines: "nginx's workers to poll fd 3 'http' (0.0.0.0:8080)"
    std::string status;  // STATUS=: "waiting for nginx to take 1 inherited socket(s)"
};

class Probe {
  public:
    using Answer = std::function<void(const Look&)>;

    // `watches_workers`: the looks read the server's processes, see its sockets dropped and tell a
    // reload's new workers from the old ones (listen).
    explicit Probe(PollSchedule schedule = {}, bool watches_workers = false)
        : schedule_(schedule), watches_workers_(watches_workers) {}
    virtual ~Probe() = default;
    Probe(const Probe&) = delete;
    Probe& operator=(const Probe&) = delete;

    // One look. Pending: a process of the probe answers later, through `answer_to`'s callback.
    virtual Look look(const Question& question) = 0;
    virtual Description describe() const = 0;
    // Gives up a look still under way (kills its process); its answer never comes.
    virtual void cancel() {}
    // Why a look still under way after `waited` is an answer in itself: "'CMD' did not exit within 5s".
    virtual std::string overdue(Millis waited) const { return "no answer within " + format_duration(waited); }

    void answer_to(Answer answer) { answer_ = std::move(answer); }
    const PollSchedule& schedule() const { return schedule_; }
    bool watches_workers() const { return watches_workers_; }

  protected:
    void answer(const Look& look) const {
        if (answer_) answer_(look);
    }

  private:
    Answer answer_;
    PollSchedule schedule_;
    bool watches_workers_;
};

// The probe of a polled mode (listen, target, pidfile, cmd:, http://), or of exec for the watchdog
// (the main process runs); null for notify, where the server answers by itself. `reaper` hears of
// cmd:'s exits; `loop` watches an http:// look's connection.
std::unique_ptr<Probe> make_probe(const ServingCheck& check, Reaper& reaper, EventLoop& loop);

// One per mode, each in its own probe_*.cpp.
std::unique_ptr<Probe> make_listen_probe(const ServingCheck& check);
std::unique_ptr<Probe> make_target_probe(const ServingCheck& check);
std::unique_ptr<Probe> make_pidfile_probe(const ServingCheck& check);
std::unique_ptr<Probe> make_command_probe(const ServingCheck& check, Reaper& reaper);
std::unique_ptr<Probe> make_running_probe(const ServingCheck& check);
std::unique_ptr<Probe> make_health_probe(const ServingCheck& check, EventLoop& loop);

}  // namespace sdshim
