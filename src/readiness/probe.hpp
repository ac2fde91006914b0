// One probe per --ready mode behind one interface: "does the server serve?", asked by readiness until
// it does and by the watchdog while it should.
#pragma once

#include "activation/activation.hpp"
#include "adapters/adapters.hpp"
#include "base/duration.hpp"
#include "bridge/bridge_spec.hpp"
#include "readiness/ready_mode.hpp"

#include <sys/types.h>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sdshim {

// What "serves" means for this server: the resolved mode and what it is checked against.
struct ServingCheck {
    ReadyMode mode;                      // the resolved --ready mode, never automatic
    ServerKind kind = ServerKind::generic;
    std::string program;                 // for messages: "nginx"
    std::vector<SocketInfo> watched;     // inherited sockets the server must take and keep polling
    std::vector<BridgeTarget> targets;   // --bridge targets
    std::vector<std::string> probe_env;  // environment of cmd: probes
};

// The answer of one look.
struct Look {
    enum class Outcome {
        pending,      // no answer yet: look again later, or wait for the probe's process or message
        serving,      // `text` says how it was seen: "its pid file /run/x.pid names a running process"
        not_serving,  // `text` says what is wrong: "127.0.0.1:8080 does not accept connections"
        cannot_run,   // the probe itself cannot run (cmd: not executable): `text` says why
        unknown,      // no look this time (out of fds, memory or processes): `text` says why; look again
    };
    Outcome outcome = Outcome::pending;
    std::string text;
    std::vector<SocketInfo> dropped;  // inherited sockets the server no longer holds (listen only)

    static Look pending() { return {}; }
    static Look serving(std::string how) { return {Outcome::serving, std::move(how), {}}; }
    static Look not_serving(std::string problem) { return {Outcome::not_serving, std::move(problem), {}}; }
    static Look cannot_run(std::string why) { return {Outcome::cannot_run, std::move(why), {}}; }
    static Look unknown(std::string why) { return {Outcome::unknown, std::move(why), {}}; }
};

// How readiness polls: optionally a look at once, then after `first`, the delay doubling up to `max`.
struct PollSchedule {
    bool at_start = false;
    Millis first{1};
    Millis max{10};
};

class Probe {
public:
    virtual ~Probe() = default;

    // Readiness: one look while the server starts or reloads (`old`: the previous configuration's
    // processes, which do not count).
    virtual Look ready(pid_t main_pid, const std::set<pid_t>& old) = 0;
    // Watchdog: one look while the server should serve.
    virtual Look alive(pid_t main_pid) = 0;
    // nullopt: readiness does not poll; the answer comes with an event (READY=1, the exec).
    virtual std::optional<PollSchedule> schedule() const { return PollSchedule{}; }
    // "nginx's workers to poll fd 3 'http' (0.0.0.0:8080)"
    virtual std::string waiting_for() const = 0;
    // The STATUS= text while readiness waits.
    virtual std::string waiting_status() const { return "waiting for " + waiting_for(); }

    // cmd: the probe is a process: its pid while it runs, and what its exit says.
    virtual pid_t process() const { return 0; }
    virtual Look process_exited(int /*wait_status*/) { return Look::pending(); }
    virtual void cancel() {}  // kills a running process

    // notify: the server's own READY=1 is the answer; every other mode replaces it with the shim's.
    virtual bool server_decides() const { return false; }
    // exec: ready the moment the program runs.
    virtual bool ready_when_started() const { return false; }
    // Once ready, one look whether the server holds every inherited socket is worth it: not for
    // listen, which has just seen them, nor for exec, which would look too early.
    virtual bool look_at_sockets_when_ready() const { return true; }
    // listen: SIGHUP replaces the workers, so readiness says RELOADING=1 and READY=1 around it.
    virtual bool follows_reloads() const { return false; }
    // Appended to the timeout's line: what to try instead.
    virtual std::string timeout_hint() const { return {}; }
    // The server exited (`how`: "exited with code 1") before it was ready: lines that explain it,
    // the first one for STATUS=; empty when the exit says it all.
    virtual std::vector<std::string> explain_early_exit(const std::string& /*how*/, int /*wait_status*/) const {
        return {};
    }
};

// The probe for check.mode.
std::unique_ptr<Probe> make_probe(const ServingCheck& check);

// One per mode, each in its own probe_*.cpp.
std::unique_ptr<Probe> make_listen_probe(const ServingCheck& check);
std::unique_ptr<Probe> make_target_probe(const ServingCheck& check);
std::unique_ptr<Probe> make_pidfile_probe(const ServingCheck& check);
std::unique_ptr<Probe> make_command_probe(const ServingCheck& check);
std::unique_ptr<Probe> make_notify_probe(const ServingCheck& check);
std::unique_ptr<Probe> make_exec_probe(const ServingCheck& check);

}  // namespace sdshim
